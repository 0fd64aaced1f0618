"""What a merge commit adds beyond its parents: the "evil merge".

A merge commit is judged through the work it brings in (its second parent); its own
tree could still carry content neither parent has, written while resolving a
conflict or slipped in on purpose. For each file the merge changes against its
first parent (a change set, so renames follow the file):

- a line found in neither parent's version of the file is the merge's own;
- where git's answer is plain (the file is in the merge-base and both parents at
  one path, and at most one side changed it), a version other than that answer is
  the merge's own even without new lines (a CI file edited down, say);
- a file both parents have and the merge deletes is a deletion of its own.

The result is a change set whose hunks are those new lines, so the content gates
(secrets, migrations, CI, policy, deletions) and the scope rules judge them like
any other change. A merge git made, or a conflict resolved with the parents' own
lines, adds nothing. Only tree lookups and the blobs of the changed files are
read: the cost follows the merge, not the repository.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import cast

import pygit2

from gate.git.changes import changeset
from gate.git.merge import merge_base
from gate.git.repo import GitRepo
from gate.model import MODE_GITLINK, MODE_LINK, MODE_TREE, ChangeSet, FileChange, Hunk, Oid

Side = tuple[str, int]  # (blob id, mode)


def merge_resolution(repo: GitRepo, merge: Oid) -> ChangeSet | None:
    """The content ``merge`` adds beyond its parents (an empty change set when it
    adds none); None for an octopus merge, which is not judged this way."""
    parents = repo.parents(merge)
    if len(parents) != 2:
        return None
    ours, theirs = parents
    base, unique = merge_base(repo, ours, theirs)
    r = repo.raw
    brought = changeset(repo, ours, merge)
    written: set[bytes] | None = None

    def elsewhere() -> set[bytes]:
        """Lines of either parent at other paths: every line the second parent wrote
        since the merge-base, and the first parent's files the merge moves away (a
        rename rename detection did not pair up)."""
        nonlocal written
        if written is None:
            written = set()
            blobs = [(c.old_oid, c.old_mode, c.binary) for c in brought.files if c.new_oid is None]
            if base is not None:
                blobs += [(c.new_oid, c.new_mode, c.binary) for c in changeset(repo, base, theirs).files]
            for oid, mode, binary in blobs:
                if oid is not None and not binary and mode not in (MODE_GITLINK, MODE_LINK):
                    written.update(_lines(r, oid))
        return written

    files = []
    for fc in brought.files:
        paths = fc.paths  # a rename follows the file from its place in ``ours``
        sides = [x for c in (ours, theirs) for p in paths if (x := _entry(repo, c, p)) is not None]
        # git's answer is plain where at most one side changed the file (not across a
        # rename, nor over criss-cross history): elsewhere only new lines count.
        plain = base is not None and unique and fc.old_path == fc.new_path
        expected = _trivial(repo, base, ours, theirs, fc.path) if plain and base is not None else None
        found = _extra(r, fc, sides, expected, elsewhere)
        if found is not None:
            files.append(found)
    return ChangeSet(Oid(ours), merge, tuple(files))


def _trivial(repo: GitRepo, base: str, ours: str, theirs: str, path: str) -> list[Side] | None:
    """What git's merge leaves at ``path`` when the file is there on all three sides
    and at most one side changed it; None otherwise (then only new lines count)."""
    o, a, b = (_entry(repo, c, path) for c in (base, ours, theirs))
    if o is None or a is None or b is None:
        return None  # added, deleted or renamed on a side: rename detection decides, not the path
    if a == b or o == b:
        return [a]
    if o == a:
        return [b]
    return None


def _entry(repo: GitRepo, commit: str, path: str) -> Side | None:
    """(blob id, canonical mode) of ``path`` as git checks it out; None for a folder."""
    try:
        hit = repo.entry_at(commit, path)
    except UnicodeError:
        return None
    return None if hit is None or hit[1] == MODE_TREE else (str(hit[0]), hit[1])


def _lines(r: pygit2.Repository, oid: str) -> list[bytes]:
    return cast(pygit2.Blob, r[oid]).data.split(b"\n")


def _extra(r: pygit2.Repository, fc: FileChange, sides: list[Side], expected: list[Side] | None,
           elsewhere: Callable[[], set[bytes]]) -> FileChange | None:
    """The merge's own change of one file: its lines found in neither parent's
    version, or (where git's answer is plain) a version git would not have left."""
    now = (str(fc.new_oid), fc.new_mode) if fc.new_oid is not None else None
    if now is None:
        # A deletion is the merge's own when the other parent has the file too.
        return dataclasses.replace(fc, hunks=()) if len(sides) == 2 else None
    plain = expected is not None and now not in expected
    if fc.new_mode in (MODE_GITLINK, MODE_LINK) or fc.binary:
        return dataclasses.replace(fc, hunks=()) if now not in sides and (plain or expected is None) else None
    known: set[bytes] = set()
    for oid, mode in sides:
        if mode not in (MODE_GITLINK, MODE_LINK):
            known.update(_lines(r, oid))
    new = [(n, line) for n, line in enumerate(_lines(r, now[0]), 1) if line not in known and line.strip()]
    if new:
        seen = elsewhere()
        new = [(n, line) for n, line in new if line not in seen]
    hunks = _runs([n for n, _ in new])
    if not hunks and not plain:
        return None  # the parents' own lines, as a resolution or git's merge gives them
    return dataclasses.replace(fc, hunks=hunks)


def _runs(numbers: list[int]) -> tuple[Hunk, ...]:
    """Consecutive line numbers as added-line hunks (``-start,0 +start,count``)."""
    out: list[Hunk] = []
    for n in numbers:
        if out and out[-1].new_start + out[-1].new_lines == n:
            last = out[-1]
            out[-1] = Hunk(last.old_start, 0, last.new_start, last.new_lines + 1)
        else:
            out.append(Hunk(n - 1, 0, n, 1))
    return tuple(out)
