"""``agentgate plan``: an order to merge the open agent branches in, leaving the
fewest conflicts, and after each step the branches that will need a rebase.

Greedy on the pairwise data of the board (``gating.collect``): at each step merge
the branch that conflicts with the fewest branches still waiting (then: overlaps
with the fewest, then by name), so clean, non-overlapping branches go first; a
branch that already conflicts with the target goes last, it needs a rebase anyway.
Merging a branch announces a rebase for every waiting branch it conflicts with.
"""

from __future__ import annotations

from gate import gating, verdict
from gate.errors import UsageError
from gate.model import Report, short_name
from gate.report.board import PlanStep as Step

FORMATS = ("text", "json", "github-matrix")


def order(report: Report) -> list[Step]:
    """The merge order for the board's branches (see the module docstring)."""
    conflicts: dict[str, set[str]] = {b.ref: set() for b in report.branches if b.ref}
    overlaps: dict[str, set[str]] = {ref: set() for ref in conflicts}
    for b in report.branches:
        if not b.ref:
            continue
        for ov in b.facts.get("overlaps", []):
            other = ov["branch"]
            if other not in conflicts:
                continue
            # Symmetric by construction; union both views all the same.
            target = conflicts if ov["relation"] == gating.RELATIONS[0] else overlaps
            target[b.ref].add(other)
            target[other].add(b.ref)
    stale = {b.ref for b in report.branches if b.ref and b.facts.get("conflicts", {}).get("target")}
    agents: dict[str, str | None] = {b.ref: b.agent for b in report.branches if b.ref}
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
