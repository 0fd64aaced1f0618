"""``agentgate check``: the gate for one or more branches."""

from __future__ import annotations

import time
from collections.abc import Sequence

from gate import context, gating, memo, report, verdict
from gate.git.opening import open_repo
from gate.memo import reports
from gate.policy import require_policy


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
    said = gating.judged_against(ctx, ["agentgate", "check", *branches, *(["--all"] if all_branches else [])])
    require_policy(ctx.policy, ctx.target_ref)
    chosen = context.select(ctx, branches, all_branches)
    # --all with no open agent branch is an empty, allowed board (CI fan-out sees "nothing to do").
    rep = gating.make_report(ctx, gating.run(ctx, chosen, tests=tests, rerun=rerun, jobs=jobs), started)
    report.emit(rep, fmt, output)
    probe = memo.armed("check")
    if probe is not None and not tests:  # test runs print progress, and --rerun asks for a fresh run
        memo.keep(probe, reports.report_value(rep, fmt, output, said), repo.git_dir)
    return verdict.exit_code(rep.verdict)

