"""Unified diffs that are not commits: ``git diff`` output, ``gh pr diff``, a patch
an agent proposes. ``parse`` turns the text into the change set the gates read.

Each ``diff --git`` section is one file: its extended headers (``new file mode``,
``deleted file mode``, ``old mode``/``new mode``, ``rename from``/``rename to``,
``index abc..def MODE``, ``Binary files … differ``, ``GIT binary patch``) are read
here, its hunks by ``unidiff``. A section that git apply and other readers would
read differently is refused (``gate.patch.names``, ``gate.patch.text.headers``); a
binary patch's new side is rebuilt (``gate.patch.binside``). Plain ``diff -u``
output (no ``diff --git``) gives paths and hunks only. Hunks become git's ``-U0`` hunks (each run of removed and
added lines between context lines), so line ranges mean what they mean in a
branch's change set. A type change, which git prints as a deletion and an
addition of one path, becomes one ``typechange``.

Blob ids come from ``index`` lines, abbreviated; a resolver expands them to full
ids (and sizes) when the blobs exist in the repository, else they stay None. The
new side's added lines are kept from the diff text: a patch's content is usually
in no repository, so the secret scan and symlink targets read them here.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchedFile, PatchSet

from gate.errors import GateError
from gate.git.links import Change
from gate.model import (
    ADDED,
    DELETED,
    MODE_FILE,
    MODE_GITLINK,
    MODE_LINK,
    MODIFIED,
    RENAMED,
    TYPECHANGE,
    ChangeSet,
    FileChange,
    Oid,
)
from gate.patch import binside, names
from gate.patch import text as dt
from gate.patch.binary import BinaryError
from gate.patch.binside import Reader, Resolver

DEV_NULL = "/dev/null"

# unidiff's messages, said for people.
_REASONS = {
    "Hunk is shorter than expected": "a hunk has fewer lines than its @@ header says (the diff is cut short?)",
    "Hunk is longer than expected": "a hunk has more lines than its @@ header says",
    "Hunk diff line expected": "a line inside a hunk starts with none of ' ', '+', '-'",
}


@dataclass(frozen=True)
class FilePatch:
    """One file of a diff: its change and the lines it adds, as (new line number, text)."""

    change: FileChange
    added: tuple[tuple[int, str], ...] = ()
    link_target: str | None = None  # the new side's text when it is a symlink
    hidden: bool = False  # a binary new side this repository cannot rebuild (a delta on an absent blob)


@dataclass(frozen=True)
class Patch:
    """A parsed diff. ``added_lines`` and ``link_target`` let the content gates read
    the new side from the diff text instead of blobs."""

    files: tuple[FilePatch, ...]
    _by_change: dict[FileChange, FilePatch] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_change.update((fp.change, fp) for fp in self.files)

    def changeset(self) -> ChangeSet:
        # A diff has no commits: base and head are empty ids no check of a diff reads.
        return ChangeSet(base=Oid(""), head=Oid(""), files=tuple(fp.change for fp in self.files))

    def added_lines(self, fc: FileChange) -> Iterable[tuple[int, str]]:
        fp = self._by_change.get(fc)
        return fp.added if fp is not None else ()

    def link_target(self, fc: FileChange) -> str | None:
        fp = self._by_change.get(fc)
        return fp.link_target if fp is not None else None

    def hidden(self, fc: FileChange) -> bool:
        fp = self._by_change.get(fc)
        return fp is not None and fp.hidden

    def links(self) -> dict[str, Change]:
        """What the diff leaves at each path it touches, for resolving links on top of
        the target's tree: its links, its other files, and the paths it empties."""
        out: dict[str, Change] = {}
        for fp in self.files:
            fc = fp.change
            if fc.old_path is not None and fc.old_path != fc.new_path:
                out.setdefault(fc.old_path, Change("gone"))
        for fp in self.files:
            fc = fp.change
            if fc.new_path is not None:
                link = fc.new_mode == MODE_LINK and fp.link_target is not None
                out[fc.new_path] = Change("link", fp.link_target or "") if link else Change("file")
        return out


def malformed(detail: str) -> GateError:
    return GateError(
        f"the diff is malformed: {detail}. Pass the output of 'git diff' (or 'gh pr diff') unchanged and "
        "complete: a patch that was cut short, re-wrapped or edited by hand cannot be checked."
    )


def ambiguous(detail: str) -> GateError:
    return GateError(
        f"the diff is ambiguous: {detail}. git apply and other readers (patch, review tools) would write "
        "different files from it, so agentgate does not judge it: pass the output of 'git diff' unchanged."
    )


def parse(data: bytes, resolve: Resolver | None = None, read: Reader | None = None) -> Patch:
    """The files a unified diff changes; ``resolve`` expands abbreviated blob ids and
    ``read`` reads blobs (to rebuild binary deltas). Raises GateError (exit 4) on a
    malformed or ambiguous diff."""
    # surrogateescape: non-UTF-8 bytes survive, and paths decode as os.fsdecode does.
    text = data.decode("utf-8", "surrogateescape")
    # Split as unidiff reads a stream: on "\n" only, keeping line ends.
    lines = list(io.StringIO(text, newline="\n"))
    marks = [line for line in lines if line.startswith(("diff --git ", "--- ", "+++ ", "@@ "))]
    if marks and all(line.endswith("\r\n") for line in marks):
        # Every line re-ended with CRLF (a Windows editor, a mail client): undo it.
        lines = [line[:-2] + "\n" if line.endswith("\r\n") else line for line in lines]
    starts = [i for i, line in enumerate(lines) if line.startswith("diff --git ")]
    out: list[FilePatch] = []
    # Anything before the first "diff --git": a mail's preamble, or a plain `diff -u`.
    for pf in _unidiff(lines[: starts[0] if starts else len(lines)], 1):
        out.append(_file(pf, [], resolve, read))
    for n, start in enumerate(starts):
        section = lines[start : starts[n + 1] if n + 1 < len(starts) else len(lines)]
        where = f"the section at line {start + 1} ({section[0].strip()})"
        try:
            # Before unidiff reads it: its names, not unidiff's, say what the section writes.
            h = dt.headers(section, start + 1)
            paths = names.git(section, h.values)
        except dt.Ambiguous as e:
            raise ambiguous(f"{where} {e}") from None
        files = _unidiff(section, start + 1)
        if len(files) != 1:
            raise malformed(f"{where} holds {len(files)} files")
        out.append(_file(files[0], section, resolve, read, start + 1, h, paths))
    if not out and text.strip():
        raise malformed("it holds no file changes (no 'diff --git', '---'/'+++' or '@@' lines); it is not a "
                        "unified diff")
    return Patch(_pair_typechanges(out))


def _unidiff(lines: list[str], first: int) -> list[PatchedFile]:
    try:
        return list(PatchSet(lines))
    except UnidiffParseError as e:
        reason, _, line = str(e).partition(": ")
        reason = _REASONS.get(reason, str(e)) + (f" ({line.strip()!r})" if line and reason in _REASONS else "")
        raise malformed(f"{reason}, in the part starting at line {first}") from None


def _file(pf: PatchedFile, section: list[str], resolve: Resolver | None, read: Reader | None, at: int = 0,
          h: dt.Headers | None = None, paths: tuple[str | None, str | None] | None = None) -> FilePatch:
    """One file: ``section`` is its ``diff --git`` section (with its headers ``h`` and
    the ``paths`` it writes), empty for a plain ``diff -u`` file."""
    where = f"the section at line {at} ({section[0].strip()})" if section else ""
    h = h or dt.Headers({})
    old_path, new_path = paths if paths is not None else _plain_paths(pf)
    for p in (old_path, new_path):
        if p is not None and (p.startswith("/") or ".." in p.split("/")):
            # git apply ("invalid path") and GNU patch ("potentially dangerous file name")
            # write nothing there; judging the name as written would judge another file.
            raise malformed(f"{where or 'an entry'} names {p}, a path outside the repository or through '..', "
                            "which git apply and patch refuse to write")
    binary = bool(getattr(pf, "is_binary_file", False)) or h.binary
    hunks = list(pf)
    if "copy to" in h.values:
        old_path = None  # a copy leaves its source as it is: only the new file is written
    if old_path is None:
        status = ADDED
    elif new_path is None:
        status = DELETED
    elif old_path != new_path:
        status = RENAMED
    else:
        status = MODIFIED
    if not (hunks or binary or h.changes or status != MODIFIED):
        where = where or f"the entry for {new_path}"
        raise malformed(f"{where} changes nothing: it ends before its changes")
    index = dt.INDEX.fullmatch(h.values.get("index", ""))
    index_mode = dt.mode(index.group("mode")) if index and index.group("mode") else 0
    old_mode = 0
    if old_path is not None:
        old_mode = dt.mode(h.values.get("old mode")) or index_mode or MODE_FILE
    new_mode = 0
    if new_path is not None:
        new_mode = dt.mode(h.values.get("new mode")) or index_mode or old_mode or MODE_FILE
    old_oid = new_oid = None
    old_size = new_size = 0
    if index and resolve is not None:
        if old_path is not None and old_mode != MODE_GITLINK:
            old_oid, old_size = resolve(index.group("old")) or (None, 0)
        if new_path is not None and new_mode != MODE_GITLINK:
            new_oid, new_size = resolve(index.group("new")) or (None, 0)
    added, removed_gitlink, added_gitlink, link = dt.lines(hunks)
    if old_mode == MODE_GITLINK and old_path is not None:
        old_oid = removed_gitlink
    if new_mode == MODE_GITLINK and new_path is not None:
        new_oid = added_gitlink
    if new_oid is None and status == ADDED and new_mode != MODE_GITLINK and not binary:
        # The whole new file is in the diff: its size is known without its blob.
        new_size = sum(len(t.encode("utf-8", "surrogateescape")) for t in link)
    runs = () if binary else tuple(run for uh in hunks for run in dt.runs(uh))
    target_text = "".join(link) if new_mode == MODE_LINK and link else None
    shown = True
    if h.block and new_path is not None and new_mode != MODE_GITLINK:
        side = _binary_side(section, h.block, index, old_path is None, resolve, read, where)
        shown = side.data is not None
        if side.data is not None:
            new_size = len(side.data)
            binary, runs, added = side.binary, side.hunks, list(side.added)
            if new_mode == MODE_LINK:
                target_text = side.data.decode("utf-8", "surrogateescape")
    change = FileChange(
        status=status, old_path=old_path, new_path=new_path, old_oid=old_oid, new_oid=new_oid,
        old_mode=old_mode, new_mode=new_mode, binary=binary, old_size=old_size, new_size=new_size,
        hunks=runs,
        similarity=dt.number(h.values.get("similarity index", "").rstrip("%")) if status == RENAMED else 0,
    )
    return FilePatch(change, () if binary else tuple(added), target_text, hidden=not shown)


def _plain_paths(pf: PatchedFile) -> tuple[str | None, str | None]:
    """The (old, new) paths a plain diff's file is judged on (None: /dev/null); see
    ``gate.patch.names``."""
    source, target = str(pf.source_file or ""), str(pf.target_file or "")
    old_path = None if source == DEV_NULL else dt.path(source)
    new_path = None if target == DEV_NULL else dt.path(target)
    if old_path is not None and new_path is not None:
        return names.plain(old_path, new_path)
    return old_path, new_path


def _binary_side(section: list[str], block: int, index: re.Match[str] | None, created: bool,
                 resolve: Resolver | None, read: Reader | None, where: str) -> binside.NewSide:
    ids = (index.group("old"), index.group("new")) if index else None
    try:
        return binside.read(section[block:], ids, created, resolve, read)
    except BinaryError as e:
        raise malformed(f"{where}: {e}") from None


def _pair_typechanges(files: list[FilePatch]) -> tuple[FilePatch, ...]:
    """One ``typechange`` for git's deletion + addition of one path (a file becoming a
    symlink…), with both halves' hunks, old first, as a branch's change set has them.
    Any other path seen twice is an error: several diffs pasted together."""
    out: list[FilePatch] = []
    seen: dict[str, int] = {}
    for fp in files:
        fc = fp.change
        key = fc.path
        if key in seen:
            i = seen[key]
            old = out[i].change
            if old.status == DELETED and fc.status == ADDED:
                kind = TYPECHANGE if (old.old_mode & 0o170000) != (fc.new_mode & 0o170000) else MODIFIED
                merged = replace(fc, status=kind, old_path=old.old_path, old_oid=old.old_oid,
                                 old_mode=old.old_mode, old_size=old.old_size, binary=old.binary or fc.binary,
                                 hunks=old.hunks + fc.hunks)
                out[i] = FilePatch(merged, fp.added, fp.link_target, fp.hidden)
                continue
            raise malformed(f"{key} appears twice; give one diff, not several pasted together")
        for p in fc.paths:
            seen.setdefault(p, len(out))
        out.append(fp)
    return tuple(out)
