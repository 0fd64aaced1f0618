"""Tests on the merge result, before the checks run.

Runs ``[tests] command`` on each branch's merge candidate (the current target
with the branch merged in memory; the branch tip under ``merge = false``) in a
reusable test checkout (``gate.testrun``), several branches at once. The outcomes go
to the engine; ``gate.checks.tests`` turns them into ``tests.*`` findings.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gate.checks import Tested
from gate.context import BranchInfo, Context
from gate.errors import UsageError
from gate.git.candidate import merge_candidate
from gate.testrun.result import TestJob, TestOutcome
from gate.testrun.runner import run_many


@dataclass(frozen=True)
class Ran:
    """What testing one branch gave: the outcome (None when its merge conflicts and
    nothing ran: ``target.conflict`` says why) and the report's ``facts["tests"]``."""

    tested: Tested | None
    facts: dict[str, Any]


def _progress() -> Any:
    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:
            sys.stderr.write(f"agentgate: {line}\n")
            sys.stderr.flush()

    return say


def run(ctx: Context, branches: Sequence[BranchInfo], rerun: bool = False,
        jobs: int | None = None, merge: bool | None = None) -> dict[str, Ran]:
    """Per branch head, what its tests gave. ``merge`` overrides ``[tests] merge``."""
    cfg = ctx.policy.tests
    if cfg is None:
        raise UsageError(
            "--tests needs a test command, and the policy on the target has no [tests] table. "
            'Add [tests] with command = "python -m pytest -q" to .agentgate.toml (agentgate init writes one).')
    repo = ctx.repo
    root = repo.workdir or repo.git_dir
    todo: list[tuple[BranchInfo, TestJob]] = []
    out: dict[str, Ran] = {}
    merge = cfg.merge if merge is None else merge
    for b in branches:
        commit, tree = candidate(ctx, b, merge)
        if commit is None:
            out[b.head] = Ran(None, {"kind": "skipped", "message": "the branch does not merge cleanly"})
            continue
        todo.append((b, TestJob(repo_dir=root, git_dir=repo.common_dir, commit=commit, command=cfg.command,
                                timeout=cfg.timeout, cache_key=f"{tree}\0{cfg.command}", rerun=rerun,
                                label=b.short)))
    outcomes = run_many(jobs, [j for _, j in todo], on_progress=_progress()) if todo else []
    for (b, _), outcome in zip(todo, outcomes, strict=True):
        out[b.head] = Ran(Tested(outcome, merge), _facts(outcome))
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
    # output_tail: the command's last lines, already redacted (gate.testrun.output).
    return {"kind": o.kind, "reused": o.reused, "duration": round(o.duration, 3), "tests": o.tests,
            "exit_code": o.exit_code, "commit": o.commit, "command": o.command, "output_tail": o.output_tail}
