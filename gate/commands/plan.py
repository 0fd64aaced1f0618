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
from gate.model import Board, BoardRow, short_name
from gate.report.board import PlanHeld as Held
from gate.report.board import PlanStep as Step

FORMATS = ("text", "json", "github-matrix")


def held(board: Board) -> list[Held]:
    """The branches the plan does not rank: they block or wait for an approval."""
    return [Held(r.result.ref, r.result.agent, r.result.verdict, why(r))
            for r in sorted(board.rows, key=lambda r: short_name(r.result.ref or ""))
            if r.result.ref and r.result.verdict != "allow"]


def why(row: BoardRow) -> str:
    """What holds a branch: why it could not be judged, else its first gating finding."""
    if row.error:
        return row.error
    gating_ = [f for f in verdict.ordered(row.result.findings) if f.action == "block"
               or (f.action == "ask" and not f.approved)]
    if not gating_:
        return row.result.verdict
    more = f" (+{len(gating_) - 1} more)" if len(gating_) > 1 else ""
    return f"{gating_[0].rule}: {gating_[0].message.splitlines()[0]}{more}"


def order(board: Board) -> list[Step]:
    """The merge order for the board's branches that may merge (see the module docstring)."""
    ranked = [r for r in board.rows if r.result.ref and r.result.verdict == "allow"]
    conflicts: dict[str, set[str]] = {r.result.ref: set() for r in ranked if r.result.ref}
    overlaps: dict[str, set[str]] = {ref: set() for ref in conflicts}
    for r in ranked:
        mine = r.result.ref
        if not mine:
            continue
        for p in r.pairs:
            if p.branch not in conflicts:
                continue  # held, or not open: nobody rebases onto it
            # Symmetric by construction; union both views all the same.
            target = conflicts if p.relation == "conflict" else overlaps
            target[mine].add(p.branch)
            target[p.branch].add(mine)
    stale = {r.result.ref for r in ranked if r.result.ref and r.target_conflicts}
    outside = {r.result.ref for r in ranked if any(f.rule == "scope.outside" for f in r.result.findings)}
    agents: dict[str, str | None] = {r.result.ref: r.result.agent for r in ranked if r.result.ref}
    waiting = set(conflicts)
    steps = []
    while waiting:
        ref = min(waiting, key=lambda r: (r in stale, r in outside, len(conflicts[r] & waiting),
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
    board.emit_plan(order(rep), held(rep), rep, fmt, output)
    if fmt == "github-matrix":
        return EXIT_ALLOW  # a CI step builds on the matrix: a held branch must not fail it
    return verdict.exit_code(rep.verdict)
