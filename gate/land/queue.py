"""The queue: ``plan``'s order of the open agent branches whose verdict allows them
(approved asks count: their findings are approved, so the verdict is allow); every
other branch is held, with the finding that holds it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gate import gating
from gate.context import BranchInfo
from gate.errors import GateError
from gate.model import Board, BranchResult, RefName, Verdict, short_name


@dataclass(frozen=True)
class Entry:
    """A branch in the queue, with the gate's result for it (the merge message's tally)."""

    branch: BranchInfo
    result: BranchResult

    @property
    def approved(self) -> bool:
        """Whether landing it relies on recorded approvals (pushed before the target)."""
        return any(f.approved for f in self.result.findings)


@dataclass(frozen=True)
class Held:
    """A branch that is not landed: it blocks or waits for an approval."""

    ref: RefName
    agent: str | None
    verdict: Verdict
    why: str


@dataclass(frozen=True)
class Queue:
    entries: tuple[Entry, ...]
    held: tuple[Held, ...]


def build(board: Board, branches: Sequence[BranchInfo], only: Sequence[RefName] = ()) -> Queue:
    """The queue over the board's rows (``branches``: the open agent branches it was
    computed for); with ``only``, just those branches (each must be an open agent
    branch: GateError names the open ones)."""
    info = {b.ref: b for b in branches}
    rows = {r.result.ref: r for r in board.rows if r.result.ref}
    if only:
        missing = [ref for ref in only if ref not in rows]
        if missing:
            known = ", ".join(short_name(ref) for ref in rows) or "none"
            raise GateError(f"{short_name(missing[0])} is not an open agent branch of "
                            f"{short_name(board.target_ref or '')} (open: {known}).")
        rows = {ref: rows[ref] for ref in only}
    held = tuple(Held(ref, r.result.agent, r.result.verdict, gating.why(r))
                 for ref, r in sorted(rows.items(), key=lambda kv: short_name(kv[0]))
                 if r.result.verdict != "allow")
    allowed = {ref for ref, r in rows.items() if r.result.verdict == "allow"}
    entries = []
    for step in gating.order(board):  # plan's order is the queue (DESIGN §6)
        if step.ref in allowed:
            ref = RefName(step.ref)
            entries.append(Entry(info[ref], rows[ref].result))
    return Queue(tuple(entries), held)
