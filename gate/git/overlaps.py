"""What two branches' changes collide on, per changed file: the most specific of
``conflict`` (the two tips do not merge there), ``hunk`` (their changed base lines
overlap or touch) and ``file`` (they merely change the same file).

Computed from the pair analysis (``gate.git.merge``, cached under
``agentgate/pairs`` by the two tips) and the two change sets, each against its own
merge-base with the target: the pair cache alone cannot say which files each
agent changed since it forked. The answer is a pure function of the four ids, so
it is cached under ``agentgate/overlaps``: a warm run reads one small file per pair
instead of the other branch's whole change set and the pair's merge analysis. For
the rest of a run it is kept in memory per opened repository (the board asks for
every pair twice: the rules, then the OVERLAPS column).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from gate.atomic import read_json, store
from gate.git import merge
from gate.git.attrs import MergeAttributes
from gate.git.pairs import CONFLICT, FILE, RANK, PairEntry
from gate.git.repo import GitRepo
from gate.model import ChangeSet, FileChange, Oid

Lines = tuple[int, int]
CACHE_VERSION = 3  # 2: change sets follow git's rename size test; 3: merge drivers

_RUN: WeakKeyDictionary[GitRepo, dict[tuple[str, str, str | None, str, str | None], tuple[Collision, ...]]] = \
    WeakKeyDictionary()


@dataclass(frozen=True)
class Collision:
    """Both sides change ``path`` (``change`` is this side's change of it; None for a
    conflict on a path only the merge of the two touches)."""

    path: str
    other_path: str
    relation: str  # conflict | hunk | file
    kind: str = ""
    change: FileChange | None = None
    lines: Lines | None = None
    other_lines: Lines | None = None


def collisions(repo: GitRepo, cs: ChangeSet, other_head: Oid, other_base: Oid | None,
               other_changes: Callable[[], ChangeSet], use_cache: bool = True,
               attrs: MergeAttributes | None = None) -> tuple[Collision, ...]:
    """What the branch of change set ``cs`` and the branch at ``other_head`` (forked
    at ``other_base``; ``other_changes`` gives its change set) collide on, by path,
    merged with the target's merge attributes ``attrs``."""
    attrs = attrs if attrs is not None else MergeAttributes(repo, None)
    key = (cs.base, cs.head, other_base, other_head, attrs.commit)
    run = _RUN.setdefault(repo, {})
    found = run.get(key)
    if found is None:
        found = run[key] = tuple(_cached(repo, cs, other_head, other_base, other_changes, use_cache, attrs))
    return found


def _cached(repo: GitRepo, cs: ChangeSet, other_head: Oid, other_base: Oid | None,
            other_changes: Callable[[], ChangeSet], use_cache: bool, attrs: MergeAttributes) -> list[Collision]:
    mine = cs.by_path()
    path = None
    if use_cache and other_base is not None:
        path = repo.cache_dir("overlaps", cs.head[:2], f"{cs.base}-{cs.head}-{other_base}-{other_head}.json")
        rows = read_json(path)
        if isinstance(rows, dict) and rows.get("v") == CACHE_VERSION:
            try:
                drivers = tuple((str(p), str(d)) for p, d in rows.get("drivers", ()))
                if attrs.agree(drivers):
                    return [_from_row(row, mine) for row in rows["overlaps"]]
            except (KeyError, TypeError, ValueError):
                pass  # torn or foreign: computed again below
    found, drivers = _compute(repo, cs, other_head, other_changes(), mine, use_cache, attrs)
    if path is not None:
        store(path, {"v": CACHE_VERSION, "overlaps": [_to_row(c) for c in found],
                     "drivers": [list(d) for d in drivers]})
    return found


def _to_row(c: Collision) -> list[object]:
    return [c.path, c.other_path, c.relation, c.kind, c.change is not None,
            list(c.lines) if c.lines else None, list(c.other_lines) if c.other_lines else None]


def _from_row(row: list[Any], mine: dict[str, FileChange]) -> Collision:
    path, other_path, relation, kind, has_change, lines, other_lines = row
    change = mine[path] if has_change else None
    if relation not in RANK:
        raise ValueError(relation)
    return Collision(path, other_path, relation, kind, change,
                     (lines[0], lines[1]) if lines else None,
                     (other_lines[0], other_lines[1]) if other_lines else None)


def _compute(repo: GitRepo, cs: ChangeSet, other_head: Oid, ocs: ChangeSet, mine: dict[str, FileChange],
             use_cache: bool, attrs: MergeAttributes) -> tuple[list[Collision], tuple[tuple[str, str], ...]]:
    theirs = ocs.by_path()
    pair = merge.analyze(repo, cs.head, other_head, use_cache=use_cache, known=(cs, ocs), attrs=attrs)
    if pair.method == "ancestor":
        # One contains the other (a stacked branch, or a push that merges it into the
        # target): merging the second adds nothing, so nothing collides.
        return [], pair.drivers
    best: dict[object, Collision] = {}
    for e in pair.entries:
        fc = _change(mine, e.ours)
        if e.relation != CONFLICT and (fc is None or _change(theirs, e.theirs) is None):
            # Both tips differ from their merge-base here only through history one
            # of the agents did not write (a stale fork): not an overlap of theirs.
            continue
        keep(best, _from_entry(e, fc))
    # Walk the other branch's paths (one lookup each), not this branch's files: the
    # pushed branch may be the big one, and this runs once per open branch.
    for p, ofc in theirs.items():
        fc = mine.get(p)
        if fc is not None:
            keep(best, Collision(fc.path, ofc.path, FILE, change=fc))
    return sorted(best.values(), key=lambda c: c.path), pair.drivers


def _change(by_path: dict[str, FileChange], paths: tuple[str, ...]) -> FileChange | None:
    for p in paths:
        if p in by_path:
            return by_path[p]
    return None


def _from_entry(e: PairEntry, fc: FileChange | None) -> Collision:
    path = fc.path if fc is not None else (e.ours or e.theirs)[-1]
    other_path = (e.theirs or e.ours)[-1]
    return Collision(path, other_path, e.relation, e.kind, fc, e.ours_lines, e.theirs_lines)


def keep(best: dict[object, Collision], c: Collision) -> None:
    """Keep in ``best`` the most specific collision per changed file."""
    key: object = id(c.change) if c.change is not None else c.path
    cur = best.get(key)
    if cur is None or RANK[c.relation] > RANK[cur.relation]:
        best[key] = c
