"""Commits on the target's first-parent line, grouped by the agent they are judged
as (``gate.hooks.target``: the facts, else their ``Agent:`` trailer), so that one
push is judged once per agent (DESIGN §8: "pieces of one push are judged together").

A run is a stretch of consecutive single-parent commits judged as the same agent.
An agent whose commits form one run is judged as before: that run against its
own parent, with every check. An agent whose commits come in several runs
(trailers alternating between agents) is judged once on their combined change:
every file change of each of its runs, so the content gates see all content
those commits add and scope sees every path they touch. Judging each run on its
own made a push of 1,000 commits with alternating trailers cost 1,000
evaluations (8-16 s for the lead, more with a large open agent branch on the
server, whose change set each evaluation read again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from gate.context import Context
from gate.model import ChangeSet, Oid


@dataclass(frozen=True)
class Run:
    key: str | None  # the agent the run is judged as; None: no agent
    base: Oid  # the parent of the run's first commit
    commits: tuple[Oid, ...]  # oldest first

    @property
    def head(self) -> Oid:
        return self.commits[-1]


def runs(ctx: Context, chain: Sequence[tuple[Oid, list[Oid]]], covered: set[Oid],
         agent_of: Callable[[Oid], str | None] | None = None) -> list[Run]:
    """The runs of the first-parent line ``chain`` (oldest first, with parents),
    skipping merges and commits another piece covers. ``agent_of``: the agent a
    commit is judged as (default: its trailer's)."""
    key_of = agent_of or ctx.trailer_agent
    out: list[Run] = []
    run: list[Oid] = []
    key: str | None = None
    base: Oid | None = None

    def close() -> None:
        if run and base is not None:
            out.append(Run(key, base, tuple(run)))

    for c, parents in chain:
        if c in covered or len(parents) != 1:
            close()
            run = []
            continue
        k = key_of(c)
        if run and k != key:
            close()
            run = []
        if not run:
            key, base = k, parents[0]
        run.append(c)
    close()
    return out


def by_agent(found: Iterable[Run]) -> list[list[Run]]:
    """The runs grouped by agent, in the order each agent first appears."""
    groups: dict[str | None, list[Run]] = {}
    for r in found:
        groups.setdefault(r.key, []).append(r)
    return list(groups.values())


def combined(ctx: Context, group: Sequence[Run]) -> ChangeSet:
    """Every file change of each run against its own parent, as one change set from
    the first run's parent to the last run's head. A path several runs change is
    listed once per run: each run's added lines are judged.

    Not cached: its ids name a range that holds other agents' commits too."""
    files = tuple(fc for r in group for fc in ctx.pair_changes(r.base, r.head).files)
    return ChangeSet(base=group[0].base, head=group[-1].head, files=files)
