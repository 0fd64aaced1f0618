"""Tests on the merge result: turn test outcomes into ``tests.*`` findings.

Runs ``[tests] command`` on each branch's merge candidate (the current target
with the branch merged in memory; the branch tip under ``merge = false``) in a
throwaway worktree (``gate.testrun``), several branches at once.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import Any

from gate.context import BranchInfo, Context
from gate.errors import UsageError
from gate.git.candidate import merge_candidate
from gate.model import Finding
from gate.testrun import TestJob, TestOutcome, run_many


def _progress() -> Any:
    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:
            sys.stderr.write(f"agentgate: {line}\n")
            sys.stderr.flush()

    return say


def run(ctx: Context, branches: Sequence[BranchInfo], rerun: bool = False,
        jobs: int | None = None, merge: bool | None = None) -> dict[str, tuple[list[Finding], dict[str, Any]]]:
    """Per branch head: (findings, facts["tests"]). Conflicted merges are not tested:
    target.conflict already says why. ``merge`` overrides ``[tests] merge``."""
    cfg = ctx.policy.tests
    if cfg is None:
        raise UsageError(
            "--tests needs a test command, and the policy on the target has no [tests] table. "
            'Add [tests] with command = "python -m pytest -q" to .agentgate.toml (agentgate init writes one).')
    repo = ctx.repo
    root = repo.workdir or repo.git_dir
    todo: list[tuple[BranchInfo, TestJob]] = []
    out: dict[str, tuple[list[Finding], dict[str, Any]]] = {}
    merge = cfg.merge if merge is None else merge
    for b in branches:
        commit, tree = candidate(ctx, b, merge)
        if commit is None:
            out[b.head] = ([], {"kind": "skipped", "message": "the branch does not merge cleanly"})
            continue
        todo.append((b, TestJob(repo_dir=root, git_dir=repo.common_dir, commit=commit, command=cfg.command,
                                timeout=cfg.timeout, cache_key=f"{tree}\0{cfg.command}", rerun=rerun,
                                label=b.short)))
    outcomes = run_many(jobs, [j for _, j in todo], on_progress=_progress()) if todo else []
    for (b, _), outcome in zip(todo, outcomes, strict=True):
        out[b.head] = (findings(ctx, b, outcome, merge), _facts(outcome))
    return out


def candidate(ctx: Context, b: BranchInfo, merge: bool) -> tuple[str | None, str | None]:
    """(commit, tree) the tests of ``b`` run on: the target with ``b`` merged in (the
    same commit id every time, see ``merge_candidate``; (None, None) when the merge
    conflicts), or under ``merge`` false the branch tip."""
    if merge:
        message = f"agentgate candidate: {b.short} into {ctx.target_ref}"
        return merge_candidate(ctx.repo, ctx.target_oid, b.head, message)
    return b.head, ctx.repo.tree_id(b.head)


def _facts(o: TestOutcome) -> dict[str, Any]:
    return {"kind": o.kind, "reused": o.reused, "duration": round(o.duration, 3), "tests": o.tests,
            "exit_code": o.exit_code, "commit": o.commit}


def findings(ctx: Context, b: BranchInfo, o: TestOutcome, merge: bool) -> list[Finding]:
    """The tests.* findings of one outcome (also used by the board for cached results)."""
    what = "the merge result" if merge else "the branch tip"
    reused = " (reused result)" if o.reused else ""
    found: list[Finding | None] = []
    if o.kind == "failed":
        for f in o.failures:
            found.append(ctx.finding(
                "tests.failed", f"{f.test_id} fails on {what}{reused}: {f.message_head}",
                path=f.path, line=f.line, end_line=f.line, other={"test": f.test_id},
                key=(b.head, ctx.target_oid, f.test_id),
                hint="run the test on the target with this branch merged; rebase and fix"))
    elif o.kind in ("error", "timeout"):
        found.append(ctx.finding(
            f"tests.{o.kind}", f"the test command on {what}{reused}: {o.message}",
            key=(b.head, ctx.target_oid),
            hint="see the output with --format json (facts.tests); fix the command or raise [tests] timeout"))
    return [f for f in found if f]
