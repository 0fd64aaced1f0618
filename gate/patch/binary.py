"""git's binary patches (``git diff --binary``): what a ``GIT binary patch`` block holds.

The format, as git writes and ``git apply`` reads it: after ``GIT binary patch``
come a forward hunk and (from git) a reverse one, each a ``literal N`` or
``delta N`` line, then lines of base85 text, then an empty line. ``N`` is the
hunk's size once inflated. Each data line starts with a letter giving its byte
count (``A``-``Z`` 1-26, ``a``-``z`` 27-52), then 5 base85 characters per 4 bytes
(big-endian, git's alphabet, the last group padded). The bytes joined are zlib
data. A literal inflates to the whole new blob; a delta to git's pack delta
against the old blob: two sizes (source, result) as little-endian base-128
numbers, then instructions, each either a copy from the source (high bit set; the
low four bits say which offset bytes follow, the next three which size bytes; a
size of 0 means 0x10000) or an insert of the next 1-127 bytes (the byte is the
count; 0 is reserved).

Everything here is a pure function of the text; a bad block raises BinaryError.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
_VALUE = {c: i for i, c in enumerate(_ALPHABET)}
# A hunk bigger than this is not inflated: its content is then "not shown" and
# judged as such, rather than holding a patch's claimed gigabytes in memory.
MAX_BYTES = 32 * 1024 * 1024


class BinaryError(ValueError):
    """A ``GIT binary patch`` block that git apply would not read."""


@dataclass(frozen=True)
class BinaryHunk:
    """One hunk of a block: ``literal`` (the new blob) or ``delta`` (against the old
    one), its inflated size, and its inflated bytes (None when over MAX_BYTES)."""

    kind: str
    size: int
    data: bytes | None


def read_block(lines: list[str]) -> BinaryHunk:
    """The forward hunk of a block; ``lines`` start after ``GIT binary patch``.

    The reverse hunk (old from new) is read only as far as checking it is well
    formed: what lands is the forward one.
    """
    forward, rest = _hunk(lines)
    if rest and rest[0].rstrip("\n"):
        _hunk(rest)
    return forward


def _hunk(lines: list[str]) -> tuple[BinaryHunk, list[str]]:
    head = lines[0].rstrip("\n").split(" ") if lines else []
    if len(head) != 2 or head[0] not in ("literal", "delta") or not head[1].isdigit():
        shown = lines[0].rstrip("\n") if lines else "the end of the diff"
        raise BinaryError(f"'GIT binary patch' is followed by {shown!r}, not 'literal N' or 'delta N'")
    kind, size = head[0], int(head[1])
    raw = bytearray()
    i = 1
    while i < len(lines) and lines[i].rstrip("\n"):
        raw.extend(decode_line(lines[i].rstrip("\n")))
        i += 1
    if i >= len(lines):
        raise BinaryError(f"the binary {kind} hunk does not end with an empty line (the diff is cut short?)")
    return BinaryHunk(kind, size, None if size > MAX_BYTES else inflate(bytes(raw), size)), lines[i + 1:]


def decode_line(line: str) -> bytes:
    """One data line's bytes."""
    first = line[:1]
    if "A" <= first <= "Z":
        count = ord(first) - ord("A") + 1
    elif "a" <= first <= "z":
        count = ord(first) - ord("a") + 27
    else:
        raise BinaryError(f"a binary data line starts with {first!r}, not a length letter")
    body = line[1:]
    if len(body) != (count + 3) // 4 * 5:
        raise BinaryError(f"a binary data line holds {len(body)} characters where its length letter says "
                          f"{(count + 3) // 4 * 5}")
    out = bytearray()
    for g in range(0, len(body), 5):
        word = 0
        for ch in body[g:g + 5]:
            digit = _VALUE.get(ch)
            if digit is None:
                raise BinaryError(f"a binary data line holds {ch!r}, which is not a base85 digit")
            word = word * 85 + digit
        if word > 0xFFFFFFFF:
            raise BinaryError("a binary data line holds a base85 group over 32 bits")
        out.extend(word.to_bytes(4, "big"))
    return bytes(out[:count])


def inflate(data: bytes, size: int) -> bytes:
    """zlib data that must inflate to exactly ``size`` bytes."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, size + 1)
    except zlib.error as e:
        raise BinaryError(f"a binary hunk is not zlib data ({e})") from None
    if len(out) != size or not d.eof:
        raise BinaryError(f"a binary hunk inflates to other than the {size} bytes its header says")
    return out


def apply_delta(base: bytes, delta: bytes) -> bytes:
    """git's pack delta applied to ``base``."""
    src, i = _varint(delta, 0)
    dst, i = _varint(delta, i)
    if src != len(base):
        raise BinaryError(f"a binary delta is made for a {src}-byte blob, the old blob has {len(base)}")
    if dst > MAX_BYTES:
        raise BinaryError(f"a binary delta makes a {dst}-byte blob, over what agentgate reads")
    out = bytearray()
    while i < len(delta):
        op = delta[i]
        i += 1
        if op & 0x80:
            offset = size = 0
            for bit in range(4):
                if op & (1 << bit):
                    offset |= _byte(delta, i) << (8 * bit)
                    i += 1
            for bit in range(3):
                if op & (0x10 << bit):
                    size |= _byte(delta, i) << (8 * bit)
                    i += 1
            size = size or 0x10000
            if offset + size > len(base):
                raise BinaryError("a binary delta copies from beyond the end of the old blob")
            out.extend(base[offset:offset + size])
        elif op:
            if i + op > len(delta):
                raise BinaryError("a binary delta is cut short inside an insert")
            out.extend(delta[i:i + op])
            i += op
        else:
            raise BinaryError("a binary delta holds the reserved instruction 0")
        if len(out) > dst:
            break
    if len(out) != dst:
        raise BinaryError(f"a binary delta makes {len(out)} bytes where its header says {dst}")
    return bytes(out)


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = _byte(data, i)
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, i


def _byte(data: bytes, i: int) -> int:
    if i >= len(data):
        raise BinaryError("a binary delta is cut short")
    return data[i]
