"""``agentgate check``: the gate for one or more branches."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gate import context, engine, memo, report, verdict
from gate.context import BranchInfo, Context
from gate.errors import GateError, UsageError
from gate.git.opening import open_repo
from gate.memo import reports
from gate.model import BranchResult, Report, short_name

if TYPE_CHECKING:
    from gate.testrun.merged import Ran


def select(ctx: Context, names: Sequence[str], all_branches: bool) -> list[BranchInfo]:
    """The branches to check: the ones named, every open agent branch, or HEAD."""
    if all_branches:
        return list(ctx.agent_branches)
    if not names:
        head = ctx.repo.head_ref()
        if head is None:
            raise UsageError("HEAD is detached: name the branch to check (agentgate check BRANCH) or use --all.")
        if ctx.repo.ref_oid(head) is None:
            raise GateError(f"{short_name(head)} has no commits yet: commit something first.")
        names = [head]
    out = []
    for name in names:
        try:
            ref, oid = ctx.repo.resolve_branch(name)
        except GateError as e:
            raise UsageError(str(e)) from None  # a name on the command line: exit 2
        if short_name(ref) == short_name(ctx.target_ref):
            # main, or origin/main when the target is main. A branch that merely sits
            # at the target's commit (an agent's fresh branch) is checked: it changes nothing.
            raise UsageError(f"{short_name(ref)} is the target branch; check an agent branch against it.")
        out.append(ctx.branch(ref, oid))
    return out


def run(ctx: Context, branches: Sequence[BranchInfo], tests: bool = False, rerun: bool = False,
        jobs: int | None = None) -> list[BranchResult]:
    """Gate each branch; with ``tests``, also run the test command on its merge result."""
    ran: dict[str, Ran] = {}
    if tests:
        from gate.testrun import merged

        ran = merged.run(ctx, branches, rerun=rerun, jobs=jobs)
    results = []
    for b in branches:
        done = ran.get(b.head)
        res = engine.evaluate(ctx, b, tested=done.tested if done is not None else None)
        if done is not None:
            res.facts["tests"] = done.facts
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
    if not ctx.policy.present:
        raise GateError(
            f"no .agentgate.toml on {short_name(ctx.target_ref)}, so there are no agents to check. "
            "Start one with 'agentgate init', review it, and commit it to the target branch."
        )
    chosen = select(ctx, branches, all_branches)
    # --all with no open agent branch is an empty, allowed board (CI fan-out sees "nothing to do").
    rep = make_report(ctx, run(ctx, chosen, tests=tests, rerun=rerun, jobs=jobs), started)
    report.emit(rep, fmt, output)
    probe = memo.armed("check")
    if probe is not None and not tests:  # test runs print progress, and --rerun asks for a fresh run
        memo.keep(probe, reports.report_value(rep, fmt, output), repo.git_dir)
    return verdict.exit_code(rep.verdict)
