"""The new side of a ``GIT binary patch`` section, so the content gates can read it.

git apply writes a literal hunk's blob, or the old blob with a delta hunk
applied, and only when the result hashes to the ``index`` line's new id. Here
the same blob is rebuilt and then treated as a commit's blob would be: libgit2
decides whether it is text (a text file sent as a binary patch is scanned like
any text file), and its hunks against the old blob give the added lines. A delta
against a blob this repository lacks cannot be rebuilt: its new side is "not
shown", which the content gates ask a human about.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from gate.git import textdiff
from gate.model import Hunk, Oid
from gate.patch import binary
from gate.patch.binary import BinaryError

Resolver = Callable[[str], "tuple[Oid, int] | None"]
Reader = Callable[[Oid], bytes]


@dataclass(frozen=True)
class NewSide:
    """A binary section's new side: ``data`` None when it cannot be shown."""

    data: bytes | None
    binary: bool = True
    hunks: tuple[Hunk, ...] = ()
    added: tuple[tuple[int, str], ...] = ()


def read(lines: list[str], index: tuple[str, str] | None, created: bool,
         resolve: Resolver | None, read_blob: Reader | None) -> NewSide:
    """The new side of the block whose lines follow ``GIT binary patch``.
    ``index``: the abbreviated (old, new) ids of the ``index`` line. Raises BinaryError."""
    hunk = binary.read_block(lines)
    old = None
    if not created and index is not None and resolve is not None and read_blob is not None:
        found = resolve(index[0])
        old = read_blob(found[0]) if found is not None else None
    if hunk.data is None or (hunk.kind == "delta" and old is None):
        return NewSide(None)
    new = binary.apply_delta(old, hunk.data) if hunk.kind == "delta" and old is not None else hunk.data
    if index is not None and not _names(new, index[1]):
        # git apply refuses it ("binary patch ... creates incorrect result"), or, when
        # it has that blob already, writes its own copy and not this content.
        raise BinaryError(f"its binary hunk makes a blob other than {index[1]}, the one its index line names")
    hunks, is_binary = textdiff.hunks(None if created else old, new)
    if is_binary:
        return NewSide(new)
    if not created and old is None:
        # A literal for a file whose old blob is not here: every line may be new.
        hunks = textdiff.hunks(None, new)[0]
    # As a commit's blob is read (``gate.checks.content.BlobText``): lines split on "\n".
    text = new.decode("utf-8", "replace").split("\n")
    added = tuple((n, text[n - 1]) for h in hunks for n in range(h.new_start, h.new_start + h.new_lines)
                  if n <= len(text))
    return NewSide(new, False, hunks, added)


def _names(data: bytes, abbrev: str) -> bool:
    """Whether ``abbrev`` abbreviates the blob id of ``data`` (SHA-1 or SHA-256 repository)."""
    abbrev = abbrev.lower()
    header = b"blob %d\0" % len(data)
    return any(hashlib.new(algo, header + data).hexdigest().startswith(abbrev) for algo in ("sha1", "sha256"))
