"""``agentgate status``: the board. Every open agent branch through the gate, the
facts people scan for (ahead/behind, files, scope, overlaps, conflicts, tests),
and the agents x agents matrix; exit code = the verdict of the whole board.

The board is computed by ``gate.gating`` and drawn by ``gate.report.board``.
"""

from __future__ import annotations

from gate import gating, memo, verdict
from gate.errors import UsageError
from gate.memo import reports

FORMATS = ("text", "json")


def main(fmt: str = "text", target: str | None = None, output: str | None = None,
         repo_path: str | None = None) -> int:
    from gate.report import board

    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}.")
    ctx = gating.open_board(target, repo_path)
    said = gating.judged_against(ctx, ["agentgate", "status"], policy=False)
    with board.Progress(len(ctx.agent_branches), "status") as progress:
        rep = gating.collect(ctx, progress.tick)
    board.emit(rep, fmt, output)
    probe = memo.armed("status")
    if probe is not None:
        memo.keep(probe, reports.report_value(rep, fmt, output, said), ctx.repo.git_dir)
    return verdict.exit_code(rep.verdict)
