"""Rule families, one module each; what they share is the interface below.

A family module has ``check(ctx, subject) -> Found``: a pure function of the
context and one subject (a branch's change set, a patch, a merge commit's own
changes); a family that judges pushed refs has ``check_push(ctx, pushed)`` too.
It never prints, writes or changes the context: values that cost something to
compute come from the layer that computes and caches them (``gate.git``,
``gate.symbols``, ``gate.scan``). ``gate.rules.FAMILIES`` lists the families and
what each runs on; ``gate.engine`` runs them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from gate.model import (
    ChangeSet,
    FileChange,
    Finding,
    Oid,
    PairRow,
    Pusher,
    RefName,
    RefUpdate,
    TargetConflicts,
    short_name,
)

_MERGE_TITLE = re.compile(r"Merge (?:remote-tracking )?branch '([^']+)'")

if TYPE_CHECKING:
    from gate.context import BranchInfo, Context
    from gate.git.effect import Unexplained
    from gate.git.links import Change
    from gate.testrun.result import TestOutcome

# branch: a branch (or the work a push brings in) against its merge-base with the
# target; merge: what a merge commit adds of its own; patch: a diff with no commits.
Kind = Literal["branch", "merge", "patch"]
# What a check computed on its way to the findings that others show (the board),
# handed back so that nobody asks the analysis again.
Fact = PairRow | TargetConflicts


class NewText(Protocol):
    """Where the gates read a file's new side: blobs of a commit, or a diff's text."""

    def added_lines(self, fc: FileChange) -> Iterable[tuple[int, str]]:
        """(line number, text) of each added or changed line on the new side."""
        ...

    def link_target(self, fc: FileChange) -> str | None:
        """What a symlink's new side points to; None when it cannot be read."""
        ...

    def hidden(self, fc: FileChange) -> bool:
        """Whether the new side is changed but cannot be read (a diff's binary delta
        against a blob this repository lacks)."""
        ...

    def links(self) -> Mapping[str, Change]:
        """What the new side changes on top of the branch head's tree (or, with no
        head, the target's) where links resolve: a diff's links, files, deletions."""
        ...


@dataclass(frozen=True)
class Tested:
    """The test outcome ``gate.testrun`` produced for a branch before the checks ran."""

    outcome: TestOutcome
    merge: bool  # run on the merge result (else the branch tip)


@dataclass(frozen=True)
class Subject:
    """What one run of the checks judges, with the options of that run."""

    kind: Kind
    branch: BranchInfo
    changes: ChangeSet
    # A patch's new side (None: read the blobs) and the branches it is compared with.
    text: NewText | None = None
    compare_with: tuple[BranchInfo, ...] = ()
    # A push to an agent branch is refused only by block: checks whose findings
    # cannot block may skip costly work (and say so in a note).
    refusing_only: bool = False
    tested: Tested | None = None
    # Work reaching the target that belongs to no agent: what it is, for
    # ``ref.unattributed`` ("3 commit(s)", "the work merged at 1234abcd").
    unattributed: str | None = None
    # The commits whose added content the history rules judge (``gate.checks.history``);
    # None: a branch's commits not on the target, a merge commit itself.
    commits: tuple[Oid, ...] | None = None
    # The merge effect's changes the change set does not show (gate.git.effect):
    # scope and content rules judge them as changes of the branch, saying why.
    effect: tuple[Unexplained, ...] = ()

    def judged(self, ctx: Context) -> list[tuple[FileChange, str]]:
        """(change, why) of every file the scope and content rules judge: the change
        set's (why "") and the merge effect's it does not show."""
        return [(fc, "") for fc in self.changes.files] + [(u.change, effect_reason(ctx, u)) for u in self.effect]


def effect_reason(ctx: Context, u: Unexplained) -> str:
    """Why a change of the merge effect is the branch's: "merging this branch would
    revert src/billing/core.py, changed on main by alice's agent/alice/x"."""
    name = short_name(ctx.target_ref)
    where = "since the merge-base"
    if u.commit is not None:
        agent = _merged_agent(ctx, u.title) if u.merged else None
        where = f"by {agent[0]}'s {agent[1]}" if agent else f'in {u.commit[:8]} "{u.title}"'
    p = u.change.path
    if u.kind == "moved":
        return f"merging this branch would write its change of {u.source} into {p} ({name} moved it there {where})"
    if u.kind == "revert":
        return f"merging this branch would revert {p}, changed on {name} {where}"
    return f"merging this branch would change {p}, which its own diff does not show (changed on {name} {where})"


def _merged_agent(ctx: Context, title: str) -> tuple[str, str] | None:
    """(agent, branch) a merge title names ("Merge branch 'agent/alice/x'"), when
    the branch is an agent's: only words for a message, never an attribution."""
    m = _MERGE_TITLE.match(title)
    if m is None:
        return None
    agent = ctx.policy.agent_for_branch(m.group(1))
    return (agent.name, m.group(1)) if agent is not None else None


@dataclass(frozen=True)
class PushedRef:
    """A pushed ref update (``check_push``): who pushes, and the new tip peeled to a
    commit (None for a deletion or a tag of a non-commit)."""

    update: RefUpdate
    pusher: Pusher
    new: Oid | None
    target: bool  # the update moves the target branch
    # Branches pushed alongside (this one included), with their new tips: facts of
    # attribution (``gate.checks.attribution``) as much as the server's own branches.
    alongside: tuple[tuple[RefName, Oid], ...] = ()


@dataclass(frozen=True)
class Found:
    """What a check returns: findings, notes on what it could not analyse, and facts
    it computed that the board shows (``Fact``)."""

    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    facts: tuple[Fact, ...] = ()

    @classmethod
    def of(cls, findings: Iterable[Finding | None], notes: Iterable[str] = (),
           facts: Iterable[Fact] = ()) -> Found:
        """``findings`` without the Nones (rules the policy turned off)."""
        return cls(tuple(f for f in findings if f is not None), tuple(notes), tuple(facts))
