"""Per-file three-way merges of two change sets against one base: for every path
both sides change, its relation (``conflict``, ``hunk``, ``file``) and conflict
kind, as git's ort merge would find them with the target's merge attributes
(``gate.git.attrs``: ``union``, ``binary``/``-merge``, a custom driver agentgate
does not run). Only the blobs of those paths are read.
"""

from __future__ import annotations

import os
from typing import cast

import pygit2
from pygit2.enums import FileMode

from gate.git.asgit import file_merge, undecided_kind
from gate.git.attrs import BINARY, CUSTOM, UNION, MergeAttributes
from gate.git.pairs import CONFLICT, FILE, HUNK, PairEntry
from gate.git.repo import GitRepo
from gate.lines import first_lines, touching
from gate.model import ADDED, DELETED, MODE_GITLINK, MODE_LINK, RENAMED, ChangeSet, FileChange, Oid

# git's buffer_is_binary: a NUL in the first 8000 bytes makes ll_merge refuse a text merge.
_BINARY_PROBE = 8000

Side = tuple[Oid, int]  # (blob id, mode)


def merge_changes(repo: GitRepo, ca: ChangeSet, cb: ChangeSet,
                  attrs: MergeAttributes | None = None) -> tuple[PairEntry, ...]:
    """Every path both change sets (against the same base) touch, with its relation.

    Changes are paired by base path (modify, delete, rename follow the file) and by
    new path (two files arriving at one place: add/add, rename/add, rename/rename).
    """
    old_a = {fc.old_path: fc for fc in ca.files if fc.old_path is not None}
    old_b = {fc.old_path: fc for fc in cb.files if fc.old_path is not None}
    new_a = {fc.new_path: fc for fc in ca.files if fc.new_path is not None}
    new_b = {fc.new_path: fc for fc in cb.files if fc.new_path is not None}
    pairs: dict[tuple[int, int], tuple[FileChange, FileChange]] = {}
    for p in sorted(old_a.keys() & old_b.keys()):
        pairs.setdefault((id(old_a[p]), id(old_b[p])), (old_a[p], old_b[p]))
    for p in sorted(new_a.keys() & new_b.keys()):
        pairs.setdefault((id(new_a[p]), id(new_b[p])), (new_a[p], new_b[p]))
    out = [_entry(repo, fa, fb, attrs) for fa, fb in pairs.values()]
    out.extend(_file_directory(ca, cb))
    out.extend(e.flipped() for e in _file_directory(cb, ca))
    return tuple(out)


def _entry(repo: GitRepo, fa: FileChange, fb: FileChange, attrs: MergeAttributes | None) -> PairEntry:
    kind = _pair_kind(repo, fa, fb, attrs)
    touch = touching(fa, fb)
    if kind:
        relation = CONFLICT
    elif touch is not None or (fa.old_path is None and fb.old_path is None):
        relation = HUNK  # the same base lines, or two whole new files at one path
    else:
        relation = FILE
    la, lb = touch or (first_lines(fa), first_lines(fb))
    # A deleted file has no lines to point at.
    return PairEntry(fa.paths, fb.paths, relation, kind or "", None if fa.status == DELETED else la,
                     None if fb.status == DELETED else lb)


def _pair_kind(repo: GitRepo, fa: FileChange, fb: FileChange, attrs: MergeAttributes | None) -> str | None:
    """The conflict kind of two changes, or None when they merge cleanly (as git ort)."""
    if fa.old_path is not None and fa.old_path == fb.old_path:
        if fa.status == DELETED and fb.status == DELETED:
            return None
        if DELETED in (fa.status, fb.status):
            kept = fb if fa.status == DELETED else fa
            return "rename/delete" if kept.status == RENAMED else "modify/delete"
        if fa.status == RENAMED and fb.status == RENAMED and fa.new_path != fb.new_path:
            return "rename/rename"
        base = (Oid(str(fa.old_oid)), fa.old_mode)
        # git merges a renamed file where it lands, with that path's attributes.
        lands = fa.path if fa.status == RENAMED else fb.path
        return _content(repo, base, _new(fa), _new(fb), lands, attrs)
    # Two different files arrive at one path: git merges them with an empty base.
    if fa.status == ADDED and fb.status == ADDED:
        kind = "add/add"
    elif fa.status == RENAMED and fb.status == RENAMED:
        kind = "rename/rename"
    else:
        kind = "rename/add"
    return kind if _content(repo, None, _new(fa), _new(fb), fa.path, attrs) else None


def _new(fc: FileChange) -> Side:
    return Oid(str(fc.new_oid)), fc.new_mode


def _content(repo: GitRepo, base: Side | None, a: Side, b: Side, path: str,
             attrs: MergeAttributes | None) -> str | None:
    """Three-way merge of one file's blobs (base None: an add/add two-way merge) with
    the driver the target's attributes name for ``path``."""
    if a == b or (base is not None and base in (a, b)):
        return None
    if a[1] != b[1] and (base is None or base[1] not in (a[1], b[1])):
        return "mode"
    if a[0] == b[0] or (base is not None and base[0] in (a[0], b[0])):
        return None  # the content changed on one side only (the mode on the other)
    special = (MODE_LINK, MODE_GITLINK)
    if a[1] in special or b[1] in special or (base is not None and base[1] in special):
        return "content"  # symlink targets and submodule commits have no text merge
    driver = attrs.driver(path) if attrs is not None else ""
    if driver.startswith(CUSTOM):
        return undecided_kind(driver)
    if driver == BINARY:
        return "binary"  # git's binary driver: both sides changed it, so it conflicts
    r = repo.raw
    blobs = [cast(pygit2.Blob, r[x[0]]).data[:_BINARY_PROBE] for x in (base, a, b) if x is not None]
    if any(b"\0" in blob for blob in blobs):
        return "binary"
    return None if _merges_cleanly(r, base, a, b, path, union=driver == UNION) else "content"


def _merges_cleanly(r: pygit2.Repository, base: Side | None, a: Side, b: Side, path: str, union: bool) -> bool:
    try:
        os.fsencode(path).decode("utf-8")
    except UnicodeDecodeError:
        path = "file"  # the name does not change the merge; a non-UTF-8 one trips pygit2
    entries = [None if x is None else pygit2.IndexEntry(path, pygit2.Oid(hex=x[0]), FileMode(x[1]))
               for x in (base, a, b)]
    o, t = entries[1], entries[2]
    assert o is not None and t is not None
    return file_merge(r, entries[0], o, t, union=union, want=False)[0]


def _file_directory(ca: ChangeSet, cb: ChangeSet) -> list[PairEntry]:
    """A file one side adds where the other adds a directory (git: file/directory)."""
    arrived_b = [fc.new_path for fc in cb.files if fc.status in (ADDED, RENAMED) and fc.new_path]
    dirs_b: dict[str, str] = {}
    for p in arrived_b:
        parts = p.split("/")
        for i in range(1, len(parts)):
            dirs_b.setdefault("/".join(parts[:i]), p)
    out = []
    for fc in ca.files:
        if fc.status in (ADDED, RENAMED) and fc.new_path in dirs_b:
            out.append(PairEntry(fc.paths, (dirs_b[fc.new_path],), CONFLICT, "file/directory"))
    return out
