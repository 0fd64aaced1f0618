"""Which files a shell command writes, read from its arguments (never run).

Covers the programs an agent reaches for when its Edit tool is refused: ``tee``,
``dd of=``, in-place editors (``sed -i``, ``perl -i``) and ``cp``, ``mv``, ``rm``,
``install``, ``ln``, ``touch``, ``truncate``. Output redirections are the lexer's
(``gate.guard.shell``). Options are read as GNU coreutils reads them; an option this
does not know is taken for a flag, so at worst a value is judged as a path too.
"""

from __future__ import annotations

import posixpath
from typing import NamedTuple


class Write(NamedTuple):
    """One path a command writes; ``deletes`` when it removes it, ``tree`` when
    recursively."""

    path: str
    tree: bool = False
    deletes: bool = False


_VALUE_OPTS: dict[str, set[str]] = {
    "cp": {"-t", "-S", "--target-directory", "--suffix"},
    "mv": {"-t", "-S", "--target-directory", "--suffix"},
    "install": {"-t", "-S", "-m", "-o", "-g", "--target-directory", "--suffix", "--mode", "--owner", "--group"},
    "ln": {"-t", "-S", "--target-directory", "--suffix"},
    "touch": {"-r", "-d", "-t", "--reference", "--date"},
    "truncate": {"-s", "-r", "--size", "--reference"},
    "tee": set(),
    "rm": set(),
}


def written(prog: str, args: list[str]) -> list[Write]:
    """The paths ``prog args`` writes; empty when it writes no file we can name."""
    if prog == "sed":
        return [Write(p) for p in _in_place(args, "sed")]
    if prog == "perl":
        return [Write(p) for p in _in_place(args, "perl")]
    if prog == "dd":
        return [Write(a[3:]) for a in args if a.startswith("of=") and len(a) > 3]
    if prog not in _VALUE_OPTS:
        return []
    opts, pos = _parse(args, _VALUE_OPTS[prog])
    flags = {c for o, _ in opts if not o.startswith("--") for c in o[1:]}
    longs = {o for o, _ in opts if o.startswith("--")}
    target = next((v for o, v in opts if o in ("-t", "--target-directory")), None)
    if prog == "rm":
        tree = bool(flags & {"r", "R"}) or "--recursive" in longs
        return [Write(p, tree, deletes=True) for p in pos]
    if prog in ("tee", "touch", "truncate") or (prog == "install" and "d" in flags):
        return [Write(p) for p in pos if p != "-"]
    if target is not None:
        dests = [posixpath.join(target, posixpath.basename(s.rstrip("/"))) for s in pos]
        return [Write(target), *(Write(d) for d in dests), *(Write(s, deletes=True) for s in pos if prog == "mv")]
    if prog == "ln" and len(pos) == 1:
        return [Write(posixpath.basename(pos[0].rstrip("/")))]  # a link of that name, here
    if len(pos) < 2:
        return []
    *srcs, dest = pos
    # DEST may be a directory: then each source lands inside it. Both are judged.
    into = [Write(posixpath.join(dest, posixpath.basename(s.rstrip("/")))) for s in srcs]
    return [Write(dest), *into, *(Write(s, deletes=True) for s in srcs if prog == "mv")]


def _parse(args: list[str], value_opts: set[str]) -> tuple[list[tuple[str, str | None]], list[str]]:
    """(options with their values, positionals). ``--opt=value`` and ``-tDIR`` too."""
    opts: list[tuple[str, str | None]] = []
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            pos.extend(args[i:])
            break
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            if not eq and name in value_opts and i < len(args):
                value, i = args[i], i + 1
            opts.append((name, value if eq or name in value_opts else None))
        elif a.startswith("-") and a != "-":
            for j, c in enumerate(a[1:], 1):
                if f"-{c}" in value_opts:
                    rest = a[j + 1:]
                    if not rest and i < len(args):
                        rest, i = args[i], i + 1
                    opts.append((f"-{c}", rest))
                    break
                opts.append((f"-{c}", None))
        else:
            pos.append(a)
    return opts, pos


def _in_place(args: list[str], prog: str) -> list[str]:
    """The files ``sed -i`` / ``perl -i`` edit in place; empty without ``-i``."""
    script_opts = "ef" if prog == "sed" else "eE"
    value_opts = "l" if prog == "sed" else "IMmx0C"
    in_place = script_given = False
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        i += 1
        if a == "--":
            pos.extend(args[i:])
            break
        if a.startswith("--"):
            name, eq, _ = a.partition("=")
            in_place = in_place or name == "--in-place"
            if name in ("--expression", "--file"):
                script_given = True
                i += 0 if eq else 1
            continue
        if not a.startswith("-") or a == "-":
            pos.append(a)
            continue
        for j, c in enumerate(a[1:], 1):
            if c == "i":
                in_place = True  # the rest of the word is the backup suffix
                break
            if c in script_opts or c in value_opts:
                script_given = script_given or c in script_opts
                if j == len(a) - 1:
                    i += 1  # the value is the next word
                break
    if not in_place:
        return []
    return pos if script_given else pos[1:]
