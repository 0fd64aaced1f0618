"""In-memory merges: would merging two commits conflict, and on which paths?

A pair of commits is analysed against their merge-base ``P`` from the two change
sets ``P..ours`` and ``P..theirs`` (cached by commit ids, see ``changes``): only
the files both sides change are merged, each by a three-way merge of its blobs
(``merge_file_from_index``, in ``gate.git.filemerge``), so the cost follows the size of the changes, never
the size of the tree. When the caller holds one side's change set against ``P``
(a branch against its merge-base with the target), the other side is read only on
those paths, by tree lookups: a fresh branch against one forked long ago, or a
branch against the target, costs no second diff. Only when the two commits have
several merge-bases (criss-cross history, where git merges the bases into a
virtual one) does it fall back to libgit2's full ``merge_commits``, which walks
whole trees (``gate.git.asgit``). Checked against ``git merge-tree`` by
tests/test_merge_differential.py.

Merge attributes come from the target's tree (``gate.git.attrs``, passed in as
``attrs``), whichever two commits are merged: a cached result records the driver of
each file both sides changed and holds only while the target still names the same.

The result -- every path both sides change, with its relation (``conflict``,
``hunk``: changed base lines overlap or touch, ``file``) and conflict kind -- is a
pure function of the two ids, so it is cached under ``agentgate/pairs``
(``gate.git.pairs`` holds the values and that cache).
Nothing here writes an object or a ref: it is safe inside ``pre-receive``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import pygit2
from pygit2.enums import DiffOption, SortMode

from gate.git import asgit, pairs
from gate.git.attrs import MergeAttributes
from gate.git.changes import changeset
from gate.git.filemerge import Side, merge_changes
from gate.git.pairs import CONFLICT, FILE, HUNK, RANK, PairEntry, PairResult
from gate.git.repo import GitRepo
from gate.model import (
    MODE_GITLINK,
    MODE_TREE,
    MODIFIED,
    TYPECHANGE,
    ChangeSet,
    FileChange,
    Hunk,
    Oid,
)

# The result values live in gate.git.pairs; callers may import them from here too.
__all__ = ["CONFLICT", "FILE", "HUNK", "RANK", "PairEntry", "PairResult", "analyze", "forget", "merge_base",
           "merge_changes"]


_MEMO: dict[tuple[str, str, str, str | None], PairResult] = {}


def analyze(repo: GitRepo, ours: str, theirs: str, use_cache: bool = True,
            known: Iterable[ChangeSet] = (), attrs: MergeAttributes | None = None) -> PairResult:
    """Merge ``theirs`` into ``ours`` in memory and say which paths collide.

    ``known``: change sets the caller holds already (a branch against its merge-base
    with the target); one whose base is the pair's merge-base spares a diff.
    ``attrs``: the target's merge attributes (None: every file merges as text).
    Symmetric underneath: the pair is computed and cached once, in id order.
    """
    attrs = attrs if attrs is not None else MergeAttributes(repo, None)
    lo, hi = sorted((str(ours), str(theirs)))
    key = (str(repo.raw.path), lo, hi, attrs.commit)
    res = _MEMO.get(key) if use_cache else None
    if res is None:
        path = repo.cache_dir("pairs", lo[:2], f"{lo}-{hi}.json")
        res = pairs.load(path, lo, hi) if use_cache else None
        if res is not None and not attrs.agree(res.drivers):
            res = None  # the target names other merge drivers now
        if res is None:
            res = _compute(repo, Oid(lo), Oid(hi), use_cache, {cs.head: cs for cs in known}, attrs)
            if use_cache:
                pairs.save(path, res)
        if use_cache:
            _MEMO[key] = res
    return res if res.ours == str(ours) else res.flipped()


def merge_base(repo: GitRepo, a: str, b: str) -> tuple[Oid | None, bool]:
    """(merge-base, unique?): a second best common ancestor means criss-cross history.

    Every common ancestor of ``a`` and ``b`` descends from none but the one merge-base
    when it is unique, so the commits both reach past it (walking each side down to
    the base, a cost that follows the commits since the fork) show another one.
    """
    base = repo.merge_base(a, b)
    if base is None:
        return None, True
    if base in (a, b):
        return base, True
    r = repo.raw
    seen = set(_walk(r, a, base))
    for oid in _walk(r, b, base):
        if oid in seen:
            return base, False
    return base, True


def _walk(r: pygit2.Repository, tip: str, hide: str) -> list[str]:
    walker = r.walk(tip, SortMode.NONE)
    walker.hide(hide)
    return [str(c.id) for c in walker]


def _compute(repo: GitRepo, a: Oid, b: Oid, use_cache: bool, known: dict[str, ChangeSet],
             attrs: MergeAttributes) -> PairResult:
    if a == b:
        return PairResult(a, b, a, "ancestor")
    base, unique = merge_base(repo, a, b)
    if base is None:
        return PairResult(a, b, None, "unrelated")
    if base in (a, b):
        return PairResult(a, b, base, "ancestor")  # a fast-forward never conflicts
    if not unique:
        merged = asgit.merge_commits(repo, a, b, attrs)
        return PairResult(a, b, base, "full", tuple(PairEntry(c.ours, c.theirs, CONFLICT, c.kind)
                                                    for c in merged.conflicts), merged.drivers)
    ca, cb = (known[x] if x in known and known[x].base == base else None for x in (a, b))
    # With one side's change set in hand, the other side matters only on its paths:
    # look those up instead of diffing two whole trees (a branch forked long ago
    # against a fresh one, or any branch against the target).
    if ca is None and cb is not None:
        ca = _partial(repo, base, a, cb)
    elif cb is None and ca is not None:
        cb = _partial(repo, base, b, ca)
    ca = ca or changeset(repo, base, a, use_cache=use_cache)
    cb = cb or changeset(repo, base, b, use_cache=use_cache)
    entries = merge_changes(repo, ca, cb, attrs)
    paths = {p for e in entries for p in e.ours + e.theirs}
    return PairResult(a, b, base, "files", entries, tuple((p, attrs.driver(p)) for p in sorted(paths)))


def _partial(repo: GitRepo, base: str, tip: str, other: ChangeSet) -> ChangeSet | None:
    """What ``tip`` changes since ``base`` on the paths ``other`` changes, by tree
    lookups; None when a path is gone, new in ``tip`` or a directory (a rename or a
    file/directory clash: only a full diff with rename detection answers those as
    git does)."""
    r = repo.raw
    files = []
    for p in sorted({p for fc in other.files for p in fc.paths}):
        # Modes as git reads them, the last of duplicate entries (gate.git.rawtree).
        old, new = repo.entry_at(base, p), repo.entry_at(tip, p)
        if old == new:
            if old is None and _blocked(repo, tip, p):
                return None  # a file of tip sits where p needs a directory
            continue
        if new is None or old is None or new[1] == MODE_TREE or old[1] == MODE_TREE:
            return None  # gone, or arrived (maybe renamed from elsewhere): rename detection decides
        status = MODIFIED if (old[1] ^ new[1]) & 0o170000 == 0 else TYPECHANGE
        hunks, binary = _hunks(r, old, new)
        files.append(FileChange(
            status=status, old_path=p, new_path=p, old_oid=old[0], new_oid=new[0], old_mode=old[1],
            new_mode=new[1], binary=binary, old_size=0, new_size=0, hunks=hunks))
    return ChangeSet(Oid(base), Oid(tip), tuple(files))


def _blocked(repo: GitRepo, commit: str, path: str) -> bool:
    parts = path.split("/")
    for i in range(1, len(parts)):
        hit = repo.entry_at(commit, "/".join(parts[:i]))
        if hit is not None and hit[1] != MODE_TREE:
            return True
    return False


def _hunks(r: pygit2.Repository, old: Side | None, new: Side) -> tuple[tuple[Hunk, ...], bool]:
    """-U0 hunks of one blob pair, with the options of ``changes.compute``."""
    if MODE_GITLINK in (new[1], old[1] if old else 0):
        return (), False
    blobs = [None if x is None else cast(pygit2.Blob, r[x[0]]) for x in (old, new)]
    patch = pygit2.Patch.create_from(blobs[0], blobs[1], flag=DiffOption.INDENT_HEURISTIC, context_lines=0)
    if patch.delta.is_binary:
        return (), True
    return tuple(Hunk(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in patch.hunks), False


# -- cache ------------------------------------------------------------------------------


def forget() -> None:
    """Drop the in-process memo (tests that rewrite history in place use it)."""
    _MEMO.clear()
