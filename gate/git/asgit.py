"""Merges as git makes them: libgit2's merges with the target's merge attributes.

libgit2's ``merge_commits`` does what git's merge does with the tree -- a virtual
merge-base built recursively from several merge-bases (criss-cross history),
renames followed -- but it reads ``merge`` attributes from the working directory
and index of the repository handle that runs it: a branch's checkout, exactly what
DESIGN §2 forbids. So whole-tree merges run here on a handle that has neither (an
in-memory repository sharing the real object database, quarantine included), and
the drivers the target's tree names (``gate.git.attrs``) are applied afterwards:

- ``union``: a content conflict is merged again keeping both sides' lines;
- ``binary`` (``-merge``): a file both sides changed is a conflict, even where a
  text merge would be clean;
- a custom driver from git config is never run: the file is *undecided* ("merge
  driver NAME: agentgate cannot tell"), and the merge takes the target's side there.

Why not run custom drivers: a driver is a program fed the agents' content, with no
deadline of its own inside ``pre-receive``; the server, a CI runner and an agent's
clone each have their own (or none), so the same branch would get three verdicts;
and a result that depends on a program cannot be cached by commit ids.

Objects: merged blobs and the merged tree are written to the object database
(libgit2 writes merged blobs anyway). Inside ``pre-receive`` they land in the
push's quarantine, which git discards or keeps with the push; no ref is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

import pygit2
from pygit2.enums import DeltaStatus, FileMode

from gate.git.attrs import BINARY, CUSTOM, TEXT, UNION, MergeAttributes
from gate.git.pairs import UNDECIDED
from gate.git.repo import GitRepo
from gate.model import Oid

_NEUTRAL: WeakKeyDictionary[GitRepo, pygit2.Repository] = WeakKeyDictionary()
_FAVOR_UNION = 3  # GIT_MERGE_FILE_FAVOR_UNION


def neutral(repo: GitRepo) -> pygit2.Repository:
    """An in-memory repository on ``repo``'s objects: no working directory, no index,
    so libgit2's merges read no attributes at all."""
    hit = _NEUTRAL.get(repo)
    if hit is None:
        hit = pygit2.Repository()
        hit.set_odb(repo.raw.odb)
        _NEUTRAL[repo] = hit
    return hit


def undecided_kind(driver: str) -> str:
    return UNDECIDED + driver.removeprefix(CUSTOM)


@dataclass(frozen=True)
class Conflict:
    """A path the merge cannot resolve (``kind`` starting ``driver:``: one a custom
    driver would merge; agentgate cannot tell)."""

    ours: tuple[str, ...]
    theirs: tuple[str, ...]
    kind: str


@dataclass(frozen=True)
class Merged:
    """git's merge of ``ours`` and ``theirs``: the tree when nothing conflicts (an
    undecided file takes ours), the conflicts, and the driver of every file whose
    content both sides changed (what a cached answer depends on)."""

    tree: Oid | None
    conflicts: tuple[Conflict, ...]
    drivers: tuple[tuple[str, str], ...]

    @property
    def undecided(self) -> tuple[Conflict, ...]:
        return tuple(c for c in self.conflicts if c.kind.startswith(UNDECIDED))

    @property
    def clean(self) -> bool:
        return all(c.kind.startswith(UNDECIDED) for c in self.conflicts)


def merge_commits(repo: GitRepo, ours: str, theirs: str, attrs: MergeAttributes) -> Merged:
    """Merge ``theirs`` into ``ours`` as git would with ``attrs``' commit checked out."""
    r = neutral(repo)
    # libgit2 builds the virtual merge-base of criss-cross history recursively, as
    # git does (checked against git merge-tree by tests/test_merge_effect_differential.py).
    index = r.merge_commits(pygit2.Oid(hex=str(ours)), pygit2.Oid(hex=str(theirs)))
    conflicts: list[Conflict] = []
    drivers: dict[str, str] = {}
    for anc, o, t in list(index.conflicts or ()):
        path = str((o or t or anc).path)
        driver = drivers.setdefault(path, attrs.driver(path))
        kind = _kind(anc, o, t)
        resolved: pygit2.IndexEntry | None = None
        if kind in ("content", "add/add") and o is not None and t is not None:
            if driver == UNION:
                resolved = _union(r, anc, o, t)
            elif driver.startswith(CUSTOM):
                conflicts.append(_conflict(anc, o, t, undecided_kind(driver)))
                resolved = o
        if resolved is None:
            if kind == "content" and driver == BINARY:
                kind = "binary"
            conflicts.append(_conflict(anc, o, t, kind))
        # Resolve every conflict (a real one to ours) so the rest can be written and
        # compared: the tree is kept only when nothing but undecided files conflict.
        for e in (anc, o, t):
            if e is not None and index.conflicts is not None:
                try:
                    del index.conflicts[str(e.path)]
                except KeyError:
                    pass
        if resolved is not None or o is not None:
            index.add(resolved if resolved is not None else o)
    tree = Oid(str(index.write_tree(r)))
    # A file both sides changed that merged cleanly as text: binary and custom drivers
    # decide otherwise. Only files that differ from both sides can be such merges.
    done = {p for c in conflicts for p in c.ours + c.theirs}
    ours_tree, theirs_tree = (r[x].peel(pygit2.Commit).tree for x in (ours, theirs))
    for delta in ours_tree.diff_to_tree(r[tree].peel(pygit2.Tree)).deltas:
        path = delta.new_file.path
        if delta.status not in (DeltaStatus.MODIFIED, DeltaStatus.ADDED) or path in done:
            continue
        new_id = str(delta.new_file.id)
        other = _entry(theirs_tree, path)
        if new_id == str(delta.old_file.id) or (other is not None and other[0] == new_id):
            continue  # one side's content (the mode may come from the other side)
        driver = drivers.setdefault(path, attrs.driver(path))
        if driver == BINARY:
            conflicts.append(Conflict((path,), (path,), "binary"))
        elif driver.startswith(CUSTOM):
            conflicts.append(Conflict((path,), (path,), undecided_kind(driver)))
    clean = all(c.kind.startswith(UNDECIDED) for c in conflicts)
    if clean and any(c.kind.startswith(UNDECIDED) for c in conflicts):
        tree = _take_ours(r, tree, ours_tree, conflicts)
    return Merged(tree if clean else None, tuple(conflicts),
                  tuple(sorted((p, d) for p, d in drivers.items())))


def _kind(anc: pygit2.IndexEntry | None, o: pygit2.IndexEntry | None, t: pygit2.IndexEntry | None) -> str:
    if anc is not None and o is not None and t is not None:
        return "content"
    if anc is not None:
        return "modify/delete"
    return "add/add"


def _conflict(anc: pygit2.IndexEntry | None, o: pygit2.IndexEntry | None, t: pygit2.IndexEntry | None,
              kind: str) -> Conflict:
    op = (str(o.path),) if o is not None else ()
    tp = (str(t.path),) if t is not None else ()
    ap = (str(anc.path),) if anc is not None else ()
    return Conflict(op or ap, tp or ap, kind)


def _entry(tree: pygit2.Tree, path: str) -> tuple[str, int] | None:
    try:
        e = tree[path]
    except KeyError:
        return None
    return str(e.id), int(e.filemode)


def _union(r: pygit2.Repository, anc: pygit2.IndexEntry | None, o: pygit2.IndexEntry,
           t: pygit2.IndexEntry) -> pygit2.IndexEntry | None:
    """The union merge of one file (git's ``merge=union``), or None when even that
    conflicts (binary content, or the modes disagree)."""
    if o.mode != t.mode and (anc is None or anc.mode not in (o.mode, t.mode)):
        return None
    mode = t.mode if anc is not None and o.mode == anc.mode else o.mode
    clean, data = file_merge(r, anc, o, t, union=True)
    if not clean or data is None:
        return None
    oid = r.odb.write(pygit2.enums.ObjectType.BLOB, data)
    return pygit2.IndexEntry(o.path, oid, FileMode(mode))


def _take_ours(r: pygit2.Repository, tree: Oid, ours_tree: pygit2.Tree, conflicts: list[Conflict]) -> Oid:
    """``tree`` with each undecided file as ours has it."""
    index = pygit2.Index()
    index.read_tree(r[tree].peel(pygit2.Tree))
    for c in conflicts:
        for path in c.ours:
            mine = _entry(ours_tree, path)
            if mine is not None:
                index.add(pygit2.IndexEntry(path, pygit2.Oid(hex=mine[0]), FileMode(mine[1])))
    return Oid(str(index.write_tree(r)))


def file_merge(r: pygit2.Repository, anc: pygit2.IndexEntry | None, o: pygit2.IndexEntry,
               t: pygit2.IndexEntry, union: bool = False, want: bool = True) -> tuple[bool, bytes | None]:
    """(clean?, merged bytes) of one file's three-way merge by libgit2, which reads no
    attributes here; ``union`` keeps both sides' lines where they conflict.

    Called through the C API: pygit2 decodes the merged text as UTF-8 (a Latin-1
    source trips it) and has no option for the union favour.
    """
    from pygit2.errors import check_error
    from pygit2.ffi import C, ffi

    res = ffi.new("git_merge_file_result *")
    opts = ffi.new("git_merge_file_options *")
    opts.version = 1
    if union:
        opts.favor = _FAVOR_UNION
    keep = []
    c_entries = []
    for e in (anc, o, t):
        if e is None:
            c_entries.append(ffi.NULL)
        else:
            centry, ref = e._to_c()
            keep.append(ref)
            c_entries.append(centry)
    err = C.git_merge_file_from_index(res, r._repo, *c_entries, opts)
    check_error(err)
    try:
        clean = bool(res.automergeable)
        data = bytes(ffi.buffer(res.ptr, res.len)) if want and clean and res.ptr != ffi.NULL else None
        return clean, data
    finally:
        C.git_merge_file_result_free(res)


__all__ = ["BINARY", "TEXT", "UNION", "Conflict", "Merged", "file_merge", "merge_commits", "neutral"]
