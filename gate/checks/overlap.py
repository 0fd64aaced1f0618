"""Overlap rules (``overlap.file``, ``overlap.hunk``, ``overlap.conflict``): this
branch against every other open agent branch.

For one other branch and one changed file only the most specific relation is
reported (DESIGN §5): the two tips conflict there, else their changed base lines
overlap or touch, else they merely change the same file. Paths follow renames
(a change set lists a renamed file under its old and its new path). The pair
analysis comes from ``gate.git.merge`` (cached by the two commit ids); the rest
is set arithmetic on cached change sets, so a warm run reads and compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gate.atomic import read_json, store
from gate.context import BranchInfo, Context
from gate.git import merge
from gate.git.pairs import CONFLICT, FILE, HUNK, RANK, PairEntry
from gate.lines import touching
from gate.model import ChangeSet, FileChange, Finding

Lines = tuple[int, int]

RULES = {CONFLICT: "overlap.conflict", HUNK: "overlap.hunk", FILE: "overlap.file"}
# The board's names for the relations, worst first.
LABELS = {CONFLICT: "conflict", HUNK: "same-lines", FILE: "same-files"}


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


def check(ctx: Context, branch: BranchInfo, cs: ChangeSet) -> list[Finding]:
    out = []
    for ov in overlaps(ctx, branch, cs):
        f = _finding(ctx, ov)
        if f is not None:
            out.append(f)
    return out


def overlaps(ctx: Context, branch: BranchInfo, cs: ChangeSet) -> list[Overlap]:
    """The most specific overlap per other open agent branch and changed file."""
    out: list[Overlap] = []
    mine = cs.by_path()
    for other in ctx.others(branch):
        out.extend(pair_overlaps(ctx, branch, cs, other, mine))
    return out


def pair_overlaps(ctx: Context, branch: BranchInfo, cs: ChangeSet, other: BranchInfo,
                  mine: dict[str, FileChange] | None = None) -> list[Overlap]:
    """What ``branch`` (change set ``cs``; ``mine`` its ``by_path()``) and ``other`` collide on.

    A pure function of the two change sets, so it is cached under their four ids: a
    warm run then reads one small file per pair instead of the other branch's whole
    change set and the pair's merge analysis.
    """
    mine = cs.by_path() if mine is None else mine
    seen = ctx.memo.get(("overlaps", cs.base, cs.head, other.head))
    if seen is not None:
        return list(seen)
    found = _cached_pair_overlaps(ctx, branch, cs, other, mine)
    ctx.memo["overlaps", cs.base, cs.head, other.head] = tuple(found)
    return found


def _cached_pair_overlaps(ctx: Context, branch: BranchInfo, cs: ChangeSet, other: BranchInfo,
                          mine: dict[str, FileChange]) -> list[Overlap]:
    obase = ctx.base(other.head)
    path = None
    if ctx.use_cache and obase is not None:
        path = ctx.repo.cache_dir("overlaps", cs.head[:2], f"{cs.base}-{cs.head}-{obase}-{other.head}.json")
        rows = read_json(path)
        if isinstance(rows, dict) and rows.get("v") == CACHE_VERSION:
            try:
                return [_from_row(other, row, mine) for row in rows["overlaps"]]
            except (KeyError, TypeError, ValueError):
                pass  # torn or foreign: computed again below
    found = _pair_overlaps(ctx, branch, cs, other, mine)
    if path is not None:
        store(path, {"v": CACHE_VERSION, "overlaps": [_to_row(ov) for ov in found]})
    return found


CACHE_VERSION = 2  # 2: change sets follow git's rename size test


def _to_row(ov: Overlap) -> list[object]:
    return [ov.path, ov.other_path, ov.relation, ov.kind, ov.change is not None,
            list(ov.lines) if ov.lines else None, list(ov.other_lines) if ov.other_lines else None]


def _from_row(other: BranchInfo, row: list[Any], mine: dict[str, FileChange]) -> Overlap:
    path, other_path, relation, kind, has_change, lines, other_lines = row
    change = mine[path] if has_change else None
    if relation not in RANK:
        raise ValueError(relation)
    return Overlap(other, path, other_path, relation, kind, change,
                   (lines[0], lines[1]) if lines else None,
                   (other_lines[0], other_lines[1]) if other_lines else None)


def _pair_overlaps(ctx: Context, branch: BranchInfo, cs: ChangeSet, other: BranchInfo,
                   mine: dict[str, FileChange]) -> list[Overlap]:
    ocs = ctx.changes(other.head)
    theirs = ocs.by_path()
    pair = merge.analyze(ctx.repo, branch.head, other.head, use_cache=ctx.use_cache, known=(cs, ocs))
    if pair.method == "ancestor":
        # One contains the other (a stacked branch, or a push that merges it into the
        # target): merging the second adds nothing, so nothing collides.
        return []
    best: dict[object, Overlap] = {}
    for e in pair.entries:
        fc = _change(mine, e.ours)
        if e.relation != CONFLICT and (fc is None or _change(theirs, e.theirs) is None):
            # Both tips differ from their merge-base here only through history one
            # of the agents did not write (a stale fork): not an overlap of theirs.
            continue
        _keep(best, _from_entry(other, e, fc))
    # Walk the other branch's paths (one lookup each), not this branch's files: the
    # pushed branch may be the big one, and this runs once per open branch.
    for p, ofc in theirs.items():
        fc = mine.get(p)
        if fc is not None:
            _keep(best, Overlap(other, fc.path, ofc.path, FILE, change=fc))
    return sorted(best.values(), key=lambda ov: ov.path)


def _change(by_path: dict[str, FileChange], paths: tuple[str, ...]) -> FileChange | None:
    for p in paths:
        if p in by_path:
            return by_path[p]
    return None


def _from_entry(other: BranchInfo, e: PairEntry, fc: FileChange | None) -> Overlap:
    path = fc.path if fc is not None else (e.ours or e.theirs)[-1]
    other_path = (e.theirs or e.ours)[-1]
    return Overlap(other, path, other_path, e.relation, e.kind, fc, e.ours_lines, e.theirs_lines)


def _keep(best: dict[object, Overlap], ov: Overlap) -> None:
    key: object = id(ov.change) if ov.change is not None else ov.path
    cur = best.get(key)
    if cur is None or RANK[ov.relation] > RANK[cur.relation]:
        best[key] = ov


def _finding(ctx: Context, ov: Overlap) -> Finding | None:
    o = ov.other
    who = f"{o.agent}'s branch {o.short}"
    other: dict[str, object] = {"agent": o.agent, "branch": o.ref, "head": o.head, "path": ov.other_path}
    if ov.other_lines and ov.relation != FILE:
        other["lines"] = list(ov.other_lines)
    lines = ov.lines
    if ov.relation == CONFLICT:
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
        hint=hint, other=other, change=ov.change, key=(o.short, ov.other_path),
    )


# -- a change set that is not a commit (``check --diff``) --------------------------------


def changeset_overlaps(ctx: Context, cs: ChangeSet, others: list[BranchInfo]) -> list[Overlap]:
    """File and hunk overlaps of ``cs`` (a diff: no commit to merge) with ``others``.

    Nothing is merged, so the most specific relation is ``hunk``: the two changed
    base ranges of a file overlap or touch, or both add the same new path. The
    diff's base is taken to be each branch's merge-base with the target (a diff
    does not say what it was made against), so lines are compared as they are.
    """
    out: list[Overlap] = []
    mine = cs.by_path()
    for other in others:
        best: dict[object, Overlap] = {}
        for p, ofc in ctx.changes(other.head).by_path().items():
            fc = mine.get(p)
            if fc is None:
                continue
            touch = touching(fc, ofc)
            if touch is not None:
                _keep(best, Overlap(other, fc.path, ofc.path, HUNK, change=fc, lines=touch[0], other_lines=touch[1]))
            elif fc.old_path is None and ofc.old_path is None:
                _keep(best, Overlap(other, fc.path, ofc.path, HUNK, change=fc))
            else:
                _keep(best, Overlap(other, fc.path, ofc.path, FILE, change=fc))
        out.extend(sorted(best.values(), key=lambda ov: ov.path))
    return out


def check_changeset(ctx: Context, cs: ChangeSet, others: list[BranchInfo]) -> list[Finding]:
    """``overlap.file`` and ``overlap.hunk`` findings of a diff against ``others``."""
    return [f for f in (_finding(ctx, ov) for ov in changeset_overlaps(ctx, cs, others)) if f is not None]
