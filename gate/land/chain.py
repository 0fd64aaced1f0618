"""The speculative candidates: C1 = target + B1, C2 = C1 + B2, … as the merge commits
that land (the same message ``merge`` writes, the user's identity), which no ref
points at until the target moves to the last one that passed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gate.context import Context
from gate.git import landing, lifecycle
from gate.land.message import merge_message
from gate.land.queue import Entry
from gate.model import Oid, Report


@dataclass(frozen=True)
class Candidate:
    """``entry``'s branch merged onto ``parent`` (the target or the previous candidate)."""

    entry: Entry
    parent: Oid
    commit: Oid
    tree: Oid


@dataclass(frozen=True)
class Conflict:
    """``entry``'s branch does not merge onto ``parent``: these paths conflict."""

    entry: Entry
    parent: Oid
    paths: tuple[str, ...]


def extend(ctx: Context, base: Oid, entries: Sequence[Entry]) -> tuple[list[Candidate], list[Conflict]]:
    """The candidates for ``entries`` in order on top of ``base``; a branch whose merge
    conflicts with what is below it is left out (and the next one goes on ``base``)."""
    repo = ctx.repo
    out: list[Candidate] = []
    conflicts: list[Conflict] = []
    below = base
    for e in entries:
        tree, paths = landing.merge_tree(repo, below, e.branch.head)
        if tree is None:
            conflicts.append(Conflict(e, below, tuple(paths)))
            continue
        rep = Report(verdict=e.result.verdict, target_ref=ctx.target_ref, target_oid=ctx.target_oid,
                     branches=(e.result,))
        commit = lifecycle.commit(repo, tree, [below, e.branch.head], merge_message(e.branch, rep))
        out.append(Candidate(e, below, commit, tree))
        below = commit
    return out, conflicts
