"""Change sets: what a commit changes relative to a base, cached by the two ids.

A change set is immutable for a pair of commits, so it is computed once with
libgit2's tree diff (which skips identical subtrees: the cost follows the change,
not the repository) and kept as JSON under ``<common git dir>/agentgate/cache``.

A cached value comes only from the objects named in its key (DESIGN §2): libgit2's
diff takes its binary decision from ``.gitattributes`` in the working directory
(and ``info/attributes``, ``core.attributesFile``), which differs between the
worktrees sharing the cache. So the binary flag is git's content test alone, a NUL
in the first 8000 bytes of either side, and hunks come from the blobs whatever an
attribute says.
"""

from __future__ import annotations

import os
from typing import Any, cast

import pygit2
from pygit2.enums import DeltaStatus, DiffFind, DiffOption

from gate.atomic import read_json, store
from gate.errors import GateError
from gate.git.modes import canonical_mode
from gate.git.repo import GitRepo
from gate.model import (
    ADDED,
    DELETED,
    MODE_GITLINK,
    MODE_LINK,
    MODIFIED,
    RENAMED,
    TYPECHANGE,
    ChangeSet,
    FileChange,
    Hunk,
    Oid,
)

# 4: renames git would not make (size test) are a delete and an add
# 5: modes as git canonicalises them; a raw mode change git does not see is no change
# 6: binary from the blobs' content, never from attributes (older entries may hold a
#    worktree's .gitattributes)
CACHE_VERSION = 6
# git's buffer_is_binary: a NUL in the first 8000 bytes.
_BINARY_PROBE = 8000

_STATUS = {
    DeltaStatus.ADDED: ADDED,
    DeltaStatus.DELETED: DELETED,
    DeltaStatus.MODIFIED: MODIFIED,
    DeltaStatus.RENAMED: RENAMED,
    DeltaStatus.TYPECHANGE: TYPECHANGE,
}


def _path(f: pygit2.DiffFile) -> str:
    # raw_path keeps non-UTF-8 bytes; fsdecode makes them surrogate escapes that
    # os.fsencode turns back into the same bytes.
    return os.fsdecode(f.raw_path)


def _oid(f: pygit2.DiffFile) -> Oid | None:
    s = str(f.id)
    return None if set(s) <= {"0"} else Oid(s)


def compute(repo: GitRepo, base: str | None, head: str) -> ChangeSet:
    """Diff ``base``'s tree (None: the empty tree) against ``head``'s as ``git diff
    -M`` does (checked against git by tests/test_changes_differential.py)."""
    r = repo.raw
    # Commits, or trees (the merge effect diffs the target against a merged tree).
    new_tree = r[head].peel(pygit2.Tree)
    # git turns the indent heuristic on by default (diff.indentHeuristic);
    # libgit2 does not, and the heuristic decides where an ambiguous hunk sits.
    flags = DiffOption.INCLUDE_TYPECHANGE | DiffOption.INDENT_HEURISTIC
    if base is None:
        diff = new_tree.diff_to_tree(flags=flags, context_lines=0, interhunk_lines=0, swap=True)
    else:
        old_tree = r[base].peel(pygit2.Tree)
        diff = old_tree.diff_to_tree(new_tree, flags=flags, context_lines=0, interhunk_lines=0)
    # git diff -M: renames at 50% similarity, exact renames first.
    diff.find_similar(flags=DiffFind.FIND_RENAMES, rename_threshold=50)
    files = []
    for i, delta in enumerate(diff.deltas):
        status = _STATUS.get(delta.status)
        if status is None:
            continue
        # Modes as git reads them (gate.git.modes): libgit2 diffs raw modes, so
        # 120755 -> 120000 is a type change to it and nothing to git.
        # (pygit2 builds an enum on each .mode read: read each once, as an int.)
        raw_modes = (int(delta.old_file.mode), int(delta.new_file.mode))
        old_mode, new_mode = canonical_mode(raw_modes[0]), canonical_mode(raw_modes[1])
        old_oid, new_oid = _oid(delta.old_file), _oid(delta.new_file)
        if status in (MODIFIED, TYPECHANGE) and old_mode == new_mode and old_oid == new_oid:
            continue
        same_kind = (old_mode ^ new_mode) & 0o170000 == 0
        if status == TYPECHANGE and same_kind:
            status = MODIFIED
        elif status == MODIFIED and not same_kind:
            status = TYPECHANGE
        hunks: tuple[Hunk, ...]
        if status != TYPECHANGE and _odd_gitlink(raw_modes):
            # libgit2 reads a 160755 entry as a blob and fails; git shows a gitlink
            # as one "Subproject commit ID" line per side.
            d, binary = delta, False
            hunks = (Hunk(int(old_oid is not None), int(old_oid is not None),
                          int(new_oid is not None), int(new_oid is not None)),)
        elif status == TYPECHANGE:
            d = delta
            hunks, binary = _typechange_hunks(r, d)
        elif delta.status == DeltaStatus.TYPECHANGE:  # a type change only in raw modes
            d = delta
            hunks, binary = _blob_hunks(r, old_oid, new_oid)
        elif (patch := diff[i]) is None:
            d, binary, hunks = delta, _binary(r, (old_oid, old_mode), (new_oid, new_mode)), ()
        else:
            d = patch.delta
            if status == RENAMED and old_oid != new_oid and _too_different(r, d, old_oid, new_oid):
                files.extend(_unpaired(r, d, old_oid, new_oid))
                continue
            binary = _binary(r, (old_oid, old_mode), (new_oid, new_mode))
            if binary:
                hunks = ()
            elif d.is_binary:  # an attribute made libgit2 call a text file binary
                hunks, _ = _blob_hunks(r, old_oid, new_oid, force_text=True)
            else:
                hunks = tuple(Hunk(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in patch.hunks)
        files.append(
            FileChange(
                status=status,
                old_path=None if status == ADDED else _path(d.old_file),
                new_path=None if status == DELETED else _path(d.new_file),
                old_oid=old_oid if status != ADDED else None,
                new_oid=new_oid if status != DELETED else None,
                old_mode=old_mode,
                new_mode=new_mode,
                binary=binary,
                old_size=_size(r, old_oid, d.old_file),
                new_size=_size(r, new_oid, d.new_file),
                hunks=hunks,
                similarity=_similarity(d, old_oid, new_oid) if status == RENAMED else 0,
            )
        )
    _refuse_duplicates(files, head)
    return ChangeSet(base=Oid(str(base or "")), head=Oid(str(head)), files=_pair_link_renames(files))


def _odd_gitlink(raw_modes: tuple[int, int]) -> bool:
    """A side git reads as a gitlink (16xxxx…) that is not written as 160000."""
    return any(m not in (0, MODE_GITLINK) and canonical_mode(m) == MODE_GITLINK for m in raw_modes)


def _refuse_duplicates(files: list[FileChange], head: str) -> None:
    """A tree with two entries of one name (git's fsck: duplicateEntries) diffs as
    two changes of one path; git checks out only the last, and which one a
    path-keyed reader sees is chance. Refuse to judge it rather than guess."""
    seen: set[tuple[str, str]] = set()
    for fc in files:
        for side, p in (("new", fc.new_path), ("old", fc.old_path)):
            if p is None:
                continue
            if (side, p) in seen:
                raise GateError(
                    f"{p}: the tree holds duplicate entries of this path (git's fsck: duplicateEntries; "
                    f"a checkout writes only the last), near commit {head[:9]}. agentgate does not judge "
                    "a tree git refuses: rewrite the commit without the duplicate.")
            seen.add((side, p))


def _binary(r: pygit2.Repository, *sides: tuple[Oid | None, int]) -> bool:
    """git's content test on either side (id, canonical mode); a submodule has no content."""
    for oid, mode in sides:
        if oid is not None and mode != MODE_GITLINK:
            blob = r[oid]
            # memoryview: only the probe is copied, not a large blob.
            if isinstance(blob, pygit2.Blob) and b"\0" in bytes(memoryview(blob)[:_BINARY_PROBE]):
                return True
    return False


def _blob_hunks(r: pygit2.Repository, old: Oid | None, new: Oid | None,
                force_text: bool = False) -> tuple[tuple[Hunk, ...], bool]:
    # Blobs without paths: libgit2 reads no attributes for them, only content.
    blobs = [None if x is None else cast(pygit2.Blob, r[x]) for x in (old, new)]
    flag = DiffOption.INDENT_HEURISTIC | (DiffOption.FORCE_TEXT if force_text else 0)
    patch = pygit2.Patch.create_from(blobs[0], blobs[1], flag=flag, context_lines=0)
    if patch.delta.is_binary:
        return (), True
    return tuple(Hunk(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in patch.hunks), False


def _too_different(r: pygit2.Repository, d: pygit2.DiffDelta, old: Oid | None, new: Oid | None) -> bool:
    """git's first test of a rename pair (diffcore-rename's estimate_similarity):
    when the smaller file is under half the larger, the pair cannot reach 50% and
    git never scores it. libgit2 has no such test and pairs a 5-byte file with a
    15-byte one that shares a line."""
    sizes = sorted((_size(r, old, d.old_file), _size(r, new, d.new_file)))
    return sizes[1] * 50 < (sizes[1] - sizes[0]) * 100


def _unpaired(r: pygit2.Repository, d: pygit2.DiffDelta, old: Oid | None, new: Oid | None) -> list[FileChange]:
    """A rename git would not make, as git shows it: the old file deleted, the new added.
    (git might then pair either with a third file; libgit2 has already chosen, and
    that second round is not redone.)"""
    out = []
    for f, oid, gone in ((d.old_file, old, True), (d.new_file, new, False)):
        blob = r[f.id]
        assert isinstance(blob, pygit2.Blob)
        patch = pygit2.Patch.create_from(blob if gone else None, None if gone else blob, context_lines=0)
        binary = bool(patch.delta.is_binary)
        hunks = () if binary else tuple(Hunk(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in patch.hunks)
        out.append(FileChange(
            status=DELETED if gone else ADDED, old_path=_path(f) if gone else None, new_path=None if gone else _path(f),
            old_oid=oid if gone else None, new_oid=None if gone else oid,
            old_mode=canonical_mode(f.mode) if gone else 0,
            new_mode=0 if gone else canonical_mode(f.mode), binary=binary, old_size=_size(r, oid, f) if gone else 0,
            new_size=0 if gone else _size(r, oid, f), hunks=hunks))
    return out


def _similarity(d: pygit2.DiffDelta, old: Oid | None, new: Oid | None) -> int:
    """The rename's similarity index, where 100 means identical content and only
    that, so a consumer may take a 100% rename for a pure move.

    Scores below 100 are libgit2's and differ a little from git's; both can reach
    100 for changed content (libgit2 skips blank lines, git counts line chunks
    regardless of order)."""
    if old == new:
        return 100
    return min(int(d.similarity), 99)


def _typechange_hunks(r: pygit2.Repository, d: pygit2.DiffDelta) -> tuple[tuple[Hunk, ...], bool]:
    """Hunks of a type change, as git shows it: the old blob deleted, the new one added.

    libgit2 gives a type change no hunks at all, which would hide its lines from the
    overlap and secret checks. As in git, the change is binary when either side is,
    and a text side keeps its hunk; a submodule side has no lines.
    """
    hunks: list[Hunk] = []
    binary = False
    for f, old in ((d.old_file, True), (d.new_file, False)):
        if canonical_mode(f.mode) == MODE_GITLINK:
            continue
        blob = r[f.id]
        assert isinstance(blob, pygit2.Blob)
        patch = pygit2.Patch.create_from(blob if old else None, None if old else blob, context_lines=0)
        if patch.delta.is_binary:
            binary = True
        hunks.extend(Hunk(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in patch.hunks)
    return tuple(hunks), binary


def _pair_link_renames(files: list[FileChange]) -> tuple[FileChange, ...]:
    """Pair a deleted and an added symlink with the same target into a rename.

    libgit2's rename detection skips symlinks; git pairs identical ones (exact
    renames only: git never scores the similarity of two symlinks). As git does,
    a candidate with the same file name is preferred, then the first by path.
    """
    deleted = [fc for fc in files if fc.status == DELETED and fc.old_mode == MODE_LINK]
    if not deleted:
        return tuple(files)
    gone: set[int] = set()
    out: list[FileChange] = []
    for fc in files:
        if fc.status == ADDED and fc.new_mode == MODE_LINK:
            cands = [d for d in deleted if id(d) not in gone and d.old_oid == fc.new_oid]
            if cands:
                name = fc.path.rsplit("/", 1)[-1]
                src = next((d for d in cands if d.path.rsplit("/", 1)[-1] == name), cands[0])
                gone.add(id(src))
                fc = FileChange(
                    status=RENAMED, old_path=src.old_path, new_path=fc.new_path,
                    old_oid=src.old_oid, new_oid=fc.new_oid, old_mode=src.old_mode,
                    new_mode=fc.new_mode, binary=False, old_size=src.old_size,
                    new_size=fc.new_size, hunks=(), similarity=100,
                )
        out.append(fc)
    return tuple(fc for fc in out if id(fc) not in gone)


def _size(r: pygit2.Repository, oid: Oid | None, f: pygit2.DiffFile) -> int:
    if oid is None:
        return 0
    if f.size:
        return int(f.size)
    if canonical_mode(f.mode) == MODE_GITLINK:
        return 0
    try:
        blob = r[oid]
    except (KeyError, ValueError, pygit2.GitError):
        return 0
    return len(blob.data) if isinstance(blob, pygit2.Blob) else 0


# -- cache ------------------------------------------------------------------------


def to_json(cs: ChangeSet) -> dict[str, Any]:
    return {
        "v": CACHE_VERSION,
        "base": cs.base,
        "head": cs.head,
        "files": [
            [
                fc.status,
                encode_path(fc.old_path),
                encode_path(fc.new_path),
                fc.old_oid,
                fc.new_oid,
                fc.old_mode,
                fc.new_mode,
                fc.binary,
                fc.old_size,
                fc.new_size,
                [[h.old_start, h.old_lines, h.new_start, h.new_lines] for h in fc.hunks],
                fc.similarity,
            ]
            for fc in cs.files
        ],
    }


def from_json(data: dict[str, Any]) -> ChangeSet:
    files = tuple(
        FileChange(
            status=f[0],
            old_path=decode_path(f[1]),
            new_path=decode_path(f[2]),
            old_oid=f[3],
            new_oid=f[4],
            old_mode=f[5],
            new_mode=f[6],
            binary=f[7],
            old_size=f[8],
            new_size=f[9],
            hunks=tuple(Hunk(*h) for h in f[10]),
            similarity=f[11],
        )
        for f in data["files"]
    )
    return ChangeSet(base=Oid(data["base"]), head=Oid(data["head"]), files=files)


def encode_path(p: str | None) -> str | None:
    """A path as JSON can carry it (``decode_path`` gives it back)."""
    # JSON cannot carry lone surrogates portably: store non-UTF-8 paths as hex bytes.
    if p is None:
        return None
    try:
        p.encode("utf-8")
        return p
    except UnicodeEncodeError:
        return "\0hex:" + os.fsencode(p).hex()


def decode_path(p: str | None) -> str | None:
    if p is not None and p.startswith("\0hex:"):
        return os.fsdecode(bytes.fromhex(p[5:]))
    return p


def changeset(repo: GitRepo, base: str | None, head: str, use_cache: bool = True) -> ChangeSet:
    """The change set of ``head`` against ``base`` (None: the empty tree, for a
    root commit), from the cache when present."""
    path = repo.cache_dir("cs", head[:2], f"{head}-{base or 'root'}.json")
    if use_cache:
        data = read_json(path)
        if isinstance(data, dict) and data.get("v") == CACHE_VERSION:
            try:
                return from_json(data)
            except (KeyError, IndexError, TypeError, ValueError):
                pass
    cs = compute(repo, base, head)
    if use_cache:
        store(path, to_json(cs))
    return cs
