"""Overlap rules (``overlap.file``, ``overlap.hunk``, ``overlap.conflict``): this
branch against every other open agent branch.

For one other branch and one changed file only the most specific relation is
reported (DESIGN §5): the two tips conflict there, else their changed base lines
overlap or touch, else they merely change the same file. Paths follow renames
(a change set lists a renamed file under its old and its new path). What two
branches collide on comes from ``gate.git.overlaps``, which computes and caches it;
this module only names it.
"""

from __future__ import annotations

from dataclasses import dataclass

from gate.checks import Found, Subject
from gate.context import BranchInfo, Context
from gate.git.overlaps import Collision, collisions, keep
from gate.git.pairs import CONFLICT, FILE, HUNK, UNDECIDED
from gate.lines import touching
from gate.model import Action, ChangeSet, FileChange, Finding, PairRow, Relation, worst
from gate.scan import secrets

Lines = tuple[int, int]

RULES = {CONFLICT: "overlap.conflict", HUNK: "overlap.hunk", FILE: "overlap.file"}
# The board's names for the relations.
LABELS: dict[str, Relation] = {CONFLICT: "conflict", HUNK: "same-lines", FILE: "same-files"}


@dataclass(frozen=True)
class Overlap:
    """This branch and ``other`` both change ``path`` (``change`` is this branch's
    change of it; None for a conflict on a path only the merge of the two touches)."""

    other: BranchInfo
    path: str
    other_path: str
    relation: str  # conflict | hunk | file
    kind: str = ""
    change: FileChange | None = None
    lines: Lines | None = None
    other_lines: Lines | None = None

    @classmethod
    def of(cls, other: BranchInfo, c: Collision) -> Overlap:
        return cls(other, c.path, c.other_path, c.relation, c.kind, c.change, c.lines, c.other_lines)


def check(ctx: Context, subject: Subject) -> Found:
    if subject.kind == "patch":
        found = changeset_overlaps(ctx, subject.changes, subject.compare_with)
    else:
        found = overlaps(ctx, subject.branch, subject.changes)
    return Found.of((_finding(ctx, ov) for ov in found), facts=pair_rows(found))


def overlaps(ctx: Context, branch: BranchInfo, cs: ChangeSet) -> list[Overlap]:
    """The most specific overlap per other open agent branch and changed file.

    None for a branch with nothing ahead of the target (merged, or merged and then
    reverted): merging it changes nothing, though its tip may conflict with others'.
    """
    if ctx.base(branch.head) == branch.head:
        return []
    out: list[Overlap] = []
    for other in ctx.others(branch):
        out.extend(pair_overlaps(ctx, cs, other))
    return out


def pair_overlaps(ctx: Context, cs: ChangeSet, other: BranchInfo) -> list[Overlap]:
    """What the branch of change set ``cs`` and ``other`` collide on (``gate.git.overlaps``)."""
    found = collisions(ctx.repo, cs, other.head, ctx.base(other.head), lambda: ctx.changes(other.head),
                       use_cache=ctx.use_cache, attrs=ctx.merge_attrs)
    return [Overlap.of(other, c) for c in found]


def pair_rows(found: list[Overlap]) -> tuple[PairRow, ...]:
    """The board's view of ``found``: per other branch (by name), the worst relation
    and the paths, each once, in the order found."""
    rows: dict[str, tuple[BranchInfo, Relation, list[str]]] = {}
    for ov in found:
        other, relation, paths = rows.get(ov.other.ref, (ov.other, LABELS[ov.relation], []))
        shown = secrets.redact(ov.path)  # a name holding a credential is never shown (DESIGN §8)
        if shown not in paths:
            paths.append(shown)
        rows[ov.other.ref] = (other, worst(relation, LABELS[ov.relation]), paths)
    return tuple(PairRow(o.ref, o.agent, relation, tuple(paths))
                 for _, (o, relation, paths) in sorted(rows.items()))


def _finding(ctx: Context, ov: Overlap) -> Finding | None:
    o = ov.other
    who = f"{o.agent}'s branch {o.short}"
    other: dict[str, object] = {"agent": o.agent, "branch": o.ref, "head": o.head, "path": ov.other_path}
    if ov.other_lines and ov.relation != FILE:
        other["lines"] = list(ov.other_lines)
    lines = ov.lines
    action: Action | None = None
    if ov.relation == CONFLICT and ov.kind.startswith(UNDECIDED):
        other["kind"] = ov.kind
        driver = ov.kind.removeprefix(UNDECIDED)
        msg = f"merge driver {driver}: agentgate cannot tell whether {ov.path} merges cleanly with {who}"
        hint = f"merge the two branches with git to see what the driver does, or tell {o.agent}"
        action = "warn"  # DESIGN §5: never a blocking conflict
    elif ov.relation == CONFLICT:
        other["kind"] = ov.kind
        msg = f"{ov.path} conflicts with {who} ({ov.kind}): the two branches do not merge cleanly"
        hint = (f"agree with {o.agent} which branch merges first; the other then rebases onto the "
                f"target and resolves {ov.path}")
    elif ov.relation == HUNK:
        if lines is None:
            msg = f"the same lines of {ov.path} are also changed by {who}"
        elif lines[0] == lines[1]:
            msg = f"line {lines[0]} of {ov.path} is also changed by {who}"
        else:
            msg = f"lines {lines[0]}-{lines[1]} of {ov.path} are also changed by {who}"
        hint = "they merge cleanly, but the same lines changed twice: check the two changes agree"
    else:
        lines = None
        msg = f"{ov.path} is also changed by {who}"
        hint = f"different lines of the same file: tell {o.agent} if one change depends on the other"
    return ctx.finding(
        RULES[ov.relation], msg, path=ov.path,
        line=lines[0] if lines else None, end_line=lines[1] if lines else None,
        hint=hint, other=other, change=ov.change, key=(o.short, ov.other_path), action=action,
    )


# -- a change set that is not a commit (``check --diff``) --------------------------------


def changeset_overlaps(ctx: Context, cs: ChangeSet, others: tuple[BranchInfo, ...]) -> list[Overlap]:
    """File and hunk overlaps of ``cs`` (a diff: no commit to merge) with ``others``.

    Nothing is merged, so the most specific relation is ``hunk``: the two changed
    base ranges of a file overlap or touch, or both add the same new path. The
    diff's base is taken to be each branch's merge-base with the target (a diff
    does not say what it was made against), so lines are compared as they are.
    """
    out: list[Overlap] = []
    mine = cs.by_path()
    for other in others:
        best: dict[object, Collision] = {}
        for p, ofc in ctx.changes(other.head).by_path().items():
            fc = mine.get(p)
            if fc is None:
                continue
            touch = touching(fc, ofc)
            if touch is not None:
                keep(best, Collision(fc.path, ofc.path, HUNK, change=fc, lines=touch[0], other_lines=touch[1]))
            elif fc.old_path is None and ofc.old_path is None:
                keep(best, Collision(fc.path, ofc.path, HUNK, change=fc))
            else:
                keep(best, Collision(fc.path, ofc.path, FILE, change=fc))
        out.extend(Overlap.of(other, c) for c in sorted(best.values(), key=lambda c: c.path))
    return out
