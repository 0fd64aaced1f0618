"""Trees read from their raw bytes, as git reads them.

pygit2 hands out modes as libgit2 normalises them (``120755`` becomes an
executable file) and looks a name up by binary search (which of two duplicate
entries it finds is chance). git canonicalises modes and, when it checks a tree
out, the last of duplicate entries wins. So agentgate reads tree entries here:
from the object's bytes, ``<octal mode> <name>\\0<raw id>`` per entry.
"""

from __future__ import annotations

import pygit2

from gate.errors import GateError
from gate.git.modes import canonical_mode
from gate.model import MODE_TREE, Oid

RawEntry = tuple[int, bytes, str]  # (mode as written, name, hex id)


class MalformedTree(ValueError):
    """The bytes are not a tree git can parse."""


def parse(data: bytes, id_bytes: int = 20) -> list[RawEntry]:
    """The entries of a raw tree, in stored order, duplicates kept."""
    out: list[RawEntry] = []
    pos, end = 0, len(data)
    while pos < end:
        sp = data.find(b" ", pos)
        nul = data.find(b"\0", sp + 1) if sp >= 0 else -1
        if sp < 0 or nul < 0 or nul + 1 + id_bytes > end:
            raise MalformedTree(f"entry at byte {pos} is cut short")
        mode_text = data[pos:sp]
        # git's get_mode: octal digits up to the space, nothing else.
        if mode_text.strip(b"01234567"):
            raise MalformedTree(f"entry at byte {pos} has a malformed mode {mode_text[:12]!r}")
        mode = int(mode_text, 8) if mode_text else 0
        out.append((mode, data[sp + 1:nul], data[nul + 1:nul + 1 + id_bytes].hex()))
        pos = nul + 1 + id_bytes
    return out


class Trees:
    """Raw trees of one repository, parsed once each: name -> (canonical mode, id),
    the last entry of a name winning as in a checkout."""

    def __init__(self, repo: pygit2.Repository) -> None:
        self._r = repo
        self._names: dict[str, dict[bytes, tuple[int, str]]] = {}
        self._folders: dict[str, dict[bytes, str]] = {}

    def read(self, tree: str) -> list[RawEntry]:
        try:
            kind, data = self._r.odb.read(tree)
        except KeyError:
            raise GateError(f"tree {tree} is missing from this repository.") from None
        except (ValueError, pygit2.GitError) as e:
            raise GateError(f"tree {tree} cannot be read: {e}") from None
        if kind != pygit2.enums.ObjectType.TREE:
            raise GateError(f"object {tree} is not a tree (a folder's entry points at it).")
        try:
            return parse(bytes(data), len(tree) // 2)
        except MalformedTree as e:
            raise GateError(f"tree {tree} cannot be read: {e}.") from None

    def _index(self, tree: str) -> None:
        names: dict[bytes, tuple[int, str]] = {}
        folders: dict[bytes, str] = {}
        for mode, name, oid in self.read(tree):
            mode = canonical_mode(mode)
            names[name] = (mode, oid)
            if mode == MODE_TREE:
                folders[name] = oid
        self._names[tree] = names
        self._folders[tree] = folders

    def lookup(self, tree: str, path: bytes) -> tuple[Oid, int] | None:
        """(id, canonical mode) of ``path`` under ``tree`` as a checkout writes it, or None."""
        parts = path.split(b"/")
        for part in parts[:-1]:
            if tree not in self._folders:
                self._index(tree)
            sub = self._folders[tree].get(part)
            if sub is None:
                return None
            tree = sub
        if tree not in self._names:
            self._index(tree)
        hit = self._names[tree].get(parts[-1])
        return None if hit is None else (Oid(hit[1]), hit[0])
