"""``agentgate plan``: an order to merge the open agent branches in, leaving the
fewest conflicts, and after each step the branches that will need a rebase.

Greedy on the pairwise data of the board's rows (``gating.collect``): at each step merge
the branch that conflicts with the fewest branches still waiting (then: overlaps
with the fewest, then by name), so clean, non-overlapping branches go first; a
branch that already conflicts with the target goes last, it needs a rebase anyway.
Merging a branch announces a rebase for every waiting branch it conflicts with.
"""

from __future__ import annotations

from gate import gating, verdict
from gate.errors import UsageError
from gate.model import Board, short_name
from gate.report.board import PlanStep as Step

FORMATS = ("text", "json", "github-matrix")


def order(board: Board) -> list[Step]:
    """The merge order for the board's branches (see the module docstring)."""
    conflicts: dict[str, set[str]] = {r.result.ref: set() for r in board.rows if r.result.ref}
    overlaps: dict[str, set[str]] = {ref: set() for ref in conflicts}
    for r in board.rows:
        mine = r.result.ref
        if not mine:
            continue
        for p in r.pairs:
            if p.branch not in conflicts:
                continue
            # Symmetric by construction; union both views all the same.
            target = conflicts if p.relation == "conflict" else overlaps
            target[mine].add(p.branch)
            target[p.branch].add(mine)
    stale = {r.result.ref for r in board.rows if r.result.ref and r.target_conflicts}
    agents: dict[str, str | None] = {r.result.ref: r.result.agent for r in board.rows if r.result.ref}
    waiting = set(conflicts)
    steps = []
    while waiting:
        ref = min(waiting, key=lambda r: (r in stale, len(conflicts[r] & waiting),
                                          len(overlaps[r] & waiting), short_name(r), r))
        waiting.discard(ref)
        steps.append(Step(ref, agents[ref], tuple(sorted(conflicts[ref] & waiting)), ref in stale,
                          tuple(sorted((overlaps[ref] - conflicts[ref]) & waiting))))
    return steps


def main(fmt: str = "text", target: str | None = None, output: str | None = None,
         repo_path: str | None = None) -> int:
    from gate.report import board

    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}.")
    ctx = gating.open_board(target, repo_path)
    with board.Progress(len(ctx.agent_branches), "plan") as progress:
        rep = gating.collect(ctx, progress.tick)
    board.emit_plan(order(rep), rep, fmt, output)
    return verdict.exit_code(rep.verdict)
