"""``agentgate check``: the gate for one or more branches."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from gate import context, engine, memo, report, verdict
from gate.context import BranchInfo, Context
from gate.git.opening import open_repo
from gate.memo import reports
from gate.model import BranchResult, Finding, Report
from gate.policy import require_policy


def run(ctx: Context, branches: Sequence[BranchInfo], tests: bool = False, rerun: bool = False,
        jobs: int | None = None) -> list[BranchResult]:
    """Gate each branch; with ``tests``, also run the test command on its merge result."""
    tested: dict[str, tuple[list[Finding], dict[str, Any]]] = {}
    if tests:
        from gate import testgate

        tested = testgate.run(ctx, branches, rerun=rerun, jobs=jobs)
    results = []
    for b in branches:
        extra, facts = tested.get(b.head, ([], None))
        res = engine.evaluate(ctx, b, extra)
        if facts is not None:
            res.facts["tests"] = facts
        results.append(res)
    return results


def make_report(ctx: Context, results: Sequence[BranchResult], started: float) -> Report:
    return Report(
        verdict=verdict.combine(r.verdict for r in results),
        target_ref=ctx.target_ref,
        target_oid=ctx.target_oid,
        branches=tuple(results),
        elapsed_ms=int((time.monotonic() - started) * 1000),
    )


def main(
    branches: Sequence[str] = (),
    all_branches: bool = False,
    target: str | None = None,
    fmt: str = "text",
    output: str | None = None,
    repo_path: str | None = None,
    tests: bool = False,
    rerun: bool = False,
    jobs: int | None = None,
) -> int:
    started = time.monotonic()
    repo = open_repo(repo_path)
    ctx = context.build(repo, target)
    require_policy(ctx.policy, ctx.target_ref)
    chosen = context.select(ctx, branches, all_branches)
    # --all with no open agent branch is an empty, allowed board (CI fan-out sees "nothing to do").
    rep = make_report(ctx, run(ctx, chosen, tests=tests, rerun=rerun, jobs=jobs), started)
    report.emit(rep, fmt, output)
    probe = memo.armed("check")
    if probe is not None and not tests:  # test runs print progress, and --rerun asks for a fresh run
        memo.keep(probe, reports.report_value(rep, fmt, output), repo.git_dir)
    return verdict.exit_code(rep.verdict)
