"""``agentgate plan``: an order to merge the open agent branches in, leaving the
fewest conflicts, and after each step the branches that will need a rebase.

Only branches that may merge are ranked (DESIGN §6): a branch that blocks or waits
for an approval is *held*, with the reason, and never ranked first nor announced
as something others rebase onto.

Greedy on the pairwise data of the board's rows (``gating.collect``): at each step merge
the branch that conflicts with the fewest branches still waiting (then: overlaps
with the fewest, then by name), so clean, non-overlapping branches go first; a
branch that already conflicts with the target goes last, it needs a rebase anyway.
A branch that changes paths outside its agent's scope (``scope.outside`` set to
warn) goes after the in-scope ones: the owner of a folder never rebases onto the
branch that crept into it. Merging a branch announces a rebase for every waiting
branch it conflicts with.
"""

from __future__ import annotations

from gate import gating, verdict
from gate.errors import EXIT_ALLOW, UsageError

FORMATS = ("text", "json", "github-matrix")


def main(fmt: str = "text", target: str | None = None, output: str | None = None,
         repo_path: str | None = None) -> int:
    from gate.report import board

    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}.")
    ctx = gating.open_board(target, repo_path)
    with board.Progress(len(ctx.agent_branches), "plan") as progress:
        rep = gating.collect(ctx, progress.tick)
    board.emit_plan(gating.order(rep), gating.held(rep), rep, fmt, output)
    if fmt == "github-matrix":
        return EXIT_ALLOW  # a CI step builds on the matrix: a held branch must not fail it
    return verdict.exit_code(rep.verdict)
