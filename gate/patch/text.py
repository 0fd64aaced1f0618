"""Reading the text of a unified diff: extended headers, hunk lines, quoted paths.

The pieces ``gate.patch.parse`` assembles into file changes. Everything here is a
pure function of diff text.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from unidiff.patch import Hunk as UHunk

from gate.model import Hunk, Oid

# Every extended header git apply reads (apply.c's table), mapped to the one
# fact it sets: "rename old"/"rename new" are git's first spellings of "rename
# from"/"rename to", and "deleted file mode"/"new file mode" set the same mode as
# "old mode"/"new mode". git keeps the last line that sets a fact, other readers
# the first, so a fact set twice is refused rather than guessed.
KNOWN = {
    "old mode": "old mode", "deleted file mode": "old mode",
    "new mode": "new mode", "new file mode": "new mode",
    "rename from": "rename from", "rename old": "rename from",
    "rename to": "rename to", "rename new": "rename to",
    "copy from": "copy from", "copy to": "copy to",
    "similarity index": "similarity index", "dissimilarity index": "dissimilarity index",
    "index": "index",
}
_HEADER = re.compile("(?P<key>" + "|".join(sorted(KNOWN, key=len, reverse=True)) + ") (?P<value>.*)")
INDEX = re.compile(r"(?P<old>[0-9a-fA-F]+)\.\.(?P<new>[0-9a-fA-F]+)(?: (?P<mode>[0-7]{6}))?")
_PREFIX = re.compile(r"[abciow12]/")  # git's a/ b/, the mnemonic prefixes, --no-index's 1/ 2/
_SUBPROJECT = re.compile(r"Subproject commit ([0-9a-f]{40,64})\b")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


class Ambiguous(ValueError):
    """A section that git apply and other readers would read differently."""


@dataclass
class Headers:
    """A section's extended headers by name (each fact once: ``KNOWN``'s values, plus
    the spelling used, e.g. ``deleted file mode``), and what its binary marker says."""

    values: dict[str, str]
    binary: bool = False
    block: int = 0  # index in the section of the line after "GIT binary patch" (0: none)

    @property
    def changes(self) -> bool:
        """Whether the headers alone change the file (a mode, a rename, a copy)."""
        return any(k not in ("index", "similarity index", "dissimilarity index") for k in self.values)


def headers(section: list[str], at: int = 1) -> Headers:
    """The extended header lines of one ``diff --git`` section (before its hunks);
    ``at`` is the section's line number in the diff. Raises Ambiguous for a fact
    set twice, for contradicting facts and for a line git apply does not know."""
    out = Headers({})
    spelled: dict[str, str] = {}
    for i, raw in enumerate(section[1:], start=1):
        line = raw.rstrip("\n")
        if line.startswith(("@@ ", "--- ", "+++ ")):
            break
        if line.startswith("Binary files ") and line.endswith(" differ"):
            out.binary = True
            break
        if line == "GIT binary patch":
            out.binary, out.block = True, i + 1
            break
        m = _HEADER.fullmatch(line)
        if m is None:
            # git apply ends the header at a line it does not know, and then finds no
            # hunks where a reader that skips the line finds them: nobody can say which.
            raise Ambiguous(f"has a line agentgate does not know among its headers, at line {at + i} "
                            f"({line[:60]!r})")
        key, fact = m.group("key"), KNOWN[m.group("key")]
        if fact in spelled:
            what = f"two '{key}' lines" if spelled[fact] == key else f"both '{spelled[fact]}' and '{key}' lines"
            raise Ambiguous(f"has {what} (git apply uses the last, other readers the first)")
        spelled[fact] = key
        out.values[fact] = m.group("value")
        if key != fact:
            out.values[key] = m.group("value")
    for a, b in (("deleted file mode", "new file mode"), ("rename from", "copy from"), ("rename to", "copy to"),
                 ("rename from", "copy to"), ("copy from", "rename to")):
        if a in out.values and b in out.values:
            raise Ambiguous(f"has both '{a}' and '{b}' lines")
    return out


def lines(hunks: list[UHunk]) -> tuple[list[tuple[int, str]], Oid | None, Oid | None, list[str]]:
    """Added lines (number, text without its newline), the gitlink ids of the removed
    and added ``Subproject commit`` lines, and the added lines' exact text (to
    measure a new file and read a symlink's target)."""
    added: list[tuple[int, str]] = []
    exact: list[str] = []
    old_link = new_link = None
    for uh in hunks:
        body = list(uh)
        for j, line in enumerate(body):
            if line.line_type not in ("+", "-"):
                continue
            value = str(line.value)
            sub = _SUBPROJECT.match(value)
            if line.line_type == "-":
                if sub:
                    old_link = Oid(sub.group(1))
                continue
            if sub:
                new_link = Oid(sub.group(1))
            no_eol = j + 1 < len(body) and body[j + 1].line_type == "\\"
            exact.append(value[:-1] if no_eol and value.endswith("\n") else value)
            added.append((line.target_line_no or 0, value[:-1] if value.endswith("\n") else value))
    return added, old_link, new_link, exact


def runs(uh: UHunk) -> list[Hunk]:
    """git's -U0 hunks inside one hunk with context: each run of - and + lines.

    As in git, a side with no lines has ``start`` = the line after which the other
    side's lines sit. A hunk with an empty side has no context lines at all.
    """
    if not uh.source_length or not uh.target_length:
        return [Hunk(uh.source_start, uh.source_length, uh.target_start, uh.target_length)]
    out: list[Hunk] = []
    o, t = uh.source_start, uh.target_start
    ro = rt = removed = added = 0
    for line in uh:
        kind = line.line_type
        if kind in ("-", "+"):
            if not (removed or added):
                ro, rt = o, t
            if kind == "-":
                removed, o = removed + 1, o + 1
            else:
                added, t = added + 1, t + 1
        elif kind == " ":
            if removed or added:
                out.append(Hunk(ro if removed else ro - 1, removed, rt if added else rt - 1, added))
                removed = added = 0
            o, t = o + 1, t + 1
    if removed or added:
        out.append(Hunk(ro if removed else ro - 1, removed, rt if added else rt - 1, added))
    return out


def path(name: str) -> str:
    """A path as a diff header writes it: C-quoted when unusual, with an a/ or b/ prefix."""
    name = name.rstrip("\n")
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = unquote(name[1:-1])
    return _PREFIX.sub("", name, count=1) if _PREFIX.match(name) else name


def unquoted(name: str) -> str:
    """A path as a ``rename``/``copy`` header writes it: C-quoted when unusual, no prefix."""
    name = name.rstrip("\n")
    return unquote(name[1:-1]) if len(name) >= 2 and name[0] == name[-1] == '"' else name


def unquote(s: str) -> str:
    """git's C quoting (core.quotePath): backslash escapes and octal bytes."""
    raw = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            digits = s[i + 1 : i + 4]
            if len(digits) == 3 and all(ch in "01234567" for ch in digits):
                raw.append(int(digits, 8) & 0xFF)
                i += 4
                continue
            if nxt in _ESCAPES:
                raw.append(_ESCAPES[nxt])
                i += 2
                continue
        raw.extend(c.encode("utf-8", "surrogateescape"))
        i += 1
    return os.fsdecode(bytes(raw))


def mode(value: str | None) -> int:
    """An octal git mode (``100644``); 0 when absent or not a number."""
    return number(value or "", 8)


def number(value: str, base: int = 10) -> int:
    """``value`` as an int; 0 when it is not one (a header edited by hand)."""
    try:
        return int(value, base)
    except ValueError:
        return 0
