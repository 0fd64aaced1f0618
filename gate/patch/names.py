"""Which paths a diff section writes, read so that git apply and GNU patch agree.

A ``diff --git`` section names its paths up to three times: on the ``diff --git``
line, in ``rename``/``copy`` headers, and on ``---``/``+++`` lines. git apply
takes the headers and the ``---``/``+++`` lines (refusing some mismatches, not
all); other readers take the ``diff --git`` line. A section whose names disagree
is refused (``Ambiguous``), so what is judged is what every reader writes.

A plain diff (``diff -u OLD NEW``) names two files, and GNU ``patch`` writes
whichever of them exists (when both do: the one with the fewest components, then
the shortest basename, then the shortest name). Its ``Index:`` line counts only
when ``POSIXLY_CORRECT`` is set, and is not read here. So:

* the same name, or names that differ only in their first component
  (``a/x``/``b/x``, ``old/x``/``new/x``: ``patch -p1``), are one file;
* names in one folder where one is the other plus a suffix (``x.py.orig``/``x.py``,
  ``x.py~``/``x.py``) are the shorter one, which GNU patch writes whenever it exists;
* any other pair is judged on both names, as a rename: patch may write either.
"""

from __future__ import annotations

import posixpath

from gate.patch import text as dt
from gate.patch.text import Ambiguous

DEV_NULL = "/dev/null"


def plain(old: str, new: str) -> tuple[str, str]:
    """The (old, new) paths judged for a plain diff's ``---``/``+++`` names (both
    given, neither /dev/null, prefixes a/ b/ already dropped)."""
    if old == new:
        return old, new
    o, n = old.split("/", 1), new.split("/", 1)
    pairs = [(old, new)]
    if len(o) == len(n) == 2 and o[0] != n[0]:
        if o[1] == n[1]:
            return o[1], n[1]
        pairs.append((o[1], n[1]))
    for a, b in pairs:
        if posixpath.dirname(a) == posixpath.dirname(b):
            short, long = sorted((a, b), key=len)
            if long.startswith(short):
                return short, short
    return old, new


def git(section: list[str], values: dict[str, str]) -> tuple[str | None, str | None]:
    """The (old, new) paths of a ``diff --git`` section (None: /dev/null), once every
    place that names them agrees. ``values``: its extended headers."""
    minus, plus = _marker_names(section)
    moved = next((k for k in ("rename", "copy") if f"{k} from" in values or f"{k} to" in values), None)
    if moved is not None:
        if f"{moved} from" not in values or f"{moved} to" not in values:
            raise Ambiguous(f"has a '{moved} {'to' if f'{moved} from' in values else 'from'}' line but no "
                            f"'{moved} {'from' if f'{moved} from' in values else 'to'}' line")
        old: str | None = dt.unquoted(values[f"{moved} from"])
        new: str | None = dt.unquoted(values[f"{moved} to"])
        for side, said, named in (("---", minus, old), ("+++", plus, new)):
            if said is not None and said != named:
                raise Ambiguous(f"names {said} on its '{side}' line but {named} in its '{moved}' headers")
    else:
        old, new = minus, plus
        if "new file mode" in values and minus not in (None, DEV_NULL):
            raise Ambiguous(f"creates its file but names {minus} on its '---' line, not /dev/null")
        if "deleted file mode" in values and plus not in (None, DEV_NULL):
            raise Ambiguous(f"deletes its file but names {plus} on its '+++' line, not /dev/null")
        if old not in (None, DEV_NULL) and new not in (None, DEV_NULL) and old != new:
            raise Ambiguous(f"changes {old} into {new} with no 'rename' or 'copy' header "
                            "(git apply moves the file, other readers do not)")
    sides = _split(section[0])
    left = old if old not in (None, DEV_NULL) else new
    right = new if new not in (None, DEV_NULL) else old
    if left is None or right is None:
        halves = [a for a, b in sides if a == b]
        if len(halves) != 1:
            raise Ambiguous("names no file but on its 'diff --git' line, where the two names differ or cannot "
                            "be told apart")
        left = right = halves[0]
        old = left if "new file mode" not in values else None
        new = right if "deleted file mode" not in values else None
    elif (left, right) not in sides:
        raise Ambiguous(f"changes {left if left == right else left + ' -> ' + right}, but its 'diff --git' line "
                        "names other paths")
    return (None if old == DEV_NULL else old), (None if new == DEV_NULL else new)


def _split(line: str) -> list[tuple[str, str]]:
    """Every reading of a ``diff --git A B`` line as two paths (a name with a space
    can be cut at several spaces)."""
    rest = line.rstrip("\n")[len("diff --git "):]
    return [(dt.path(rest[:i]), dt.path(rest[i + 1:])) for i, ch in enumerate(rest) if ch == " "]


def _marker_names(section: list[str]) -> tuple[str | None, str | None]:
    """The names on a section's ``---`` and ``+++`` lines (DEV_NULL kept), before its first hunk."""
    minus = plus = None
    for raw in section[1:]:
        if raw.startswith("@@ ") or raw.rstrip("\n") == "GIT binary patch":
            break
        if raw.startswith("--- ") and minus is None:
            minus = _marker(raw[4:])
        elif raw.startswith("+++ ") and plus is None:
            plus = _marker(raw[4:])
    return minus, plus


def _marker(value: str) -> str:
    value = value.rstrip("\n")
    # git ends a name holding a space with a tab; diff -u puts a date after one.
    name = value if value.startswith('"') else value.split("\t", 1)[0]
    return DEV_NULL if name == DEV_NULL else dt.path(name)
