"""Merge attributes as git reads them with the target checked out: which merge
driver git would use for a path.

git picks a file's merge driver from the ``merge`` attribute (gitattributes(5)):
set (``merge``) is the 3-way ``text`` merge, unset (``-merge``, or the built-in
``binary`` macro) is ``binary`` (a conflict unless one side kept the file),
``merge=union`` keeps both sides' lines, and ``merge=NAME`` names a driver defined
in git config (``merge.NAME.driver``), else a built-in of that name, else ``text``.
Unspecified falls back to ``merge.default`` from config, else ``text``.

Attributes come from the ``.gitattributes`` files of the target's *tree* (root,
then each directory down to the path; a deeper file and a later line win), never
from a working directory or the branch under review: an agent that adds
``* merge=union`` on its branch changes nothing about how its merge is judged.
Only the files along a path's directories are read, each once per commit, so a
lookup costs a few tree reads, never a walk of the tree. ``$GIT_DIR/info/attributes``
and ``core.attributesFile`` are not read: they are one machine's settings, and the
server, CI and an agent's clone must agree.

libgit2's whole-tree merges read attributes from the working directory and the index
of whatever repository handle runs them (a branch's checkout); ``gate.git.asgit``
runs them where they read none and applies these drivers itself.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from gate.git.repo import GitRepo
from gate.model import MODE_TREE

TEXT, BINARY, UNION = "text", "binary", "union"
CUSTOM = "custom:"  # prefix of a driver git config defines: agentgate does not run it
_BUILTIN = (TEXT, BINARY, UNION)
FILE = ".gitattributes"

# One attribute state: True (set), False (unset), None (unspecified, "!name") or a value.
State = bool | str | None
_MACROS: dict[str, tuple[tuple[str, State], ...]] = {
    "binary": (("diff", False), ("merge", False), ("text", False)),
}


@dataclass(frozen=True)
class _Line:
    match: re.Pattern[str]
    basename: bool  # a pattern without "/" matches the name at any depth
    states: tuple[tuple[str, State], ...]


@dataclass
class MergeAttributes:
    """The merge driver of each path as ``commit``'s tree and ``repo``'s config say."""

    repo: GitRepo
    commit: str | None  # None: no attributes (every file merges as text)
    _files: dict[str, tuple[_Line, ...]] = field(default_factory=dict)
    _macros: dict[str, tuple[tuple[str, State], ...]] | None = None
    _config: dict[str, str | None] = field(default_factory=dict)

    def driver(self, path: str) -> str:
        """``text``, ``binary``, ``union`` or ``custom:NAME`` (a driver from git config)."""
        if self.commit is None:
            return TEXT
        state = self.merge_state(path)
        if state is True:
            return TEXT
        if state is False:
            return BINARY
        name = state if isinstance(state, str) else self._conf("merge.default")
        if not name:
            return TEXT
        if self._conf(f"merge.{name}.driver"):
            return CUSTOM + name
        return name if name in _BUILTIN else TEXT

    def agree(self, drivers: tuple[tuple[str, str], ...]) -> bool:
        """Whether each path of ``drivers`` still has that driver (a cached merge holds)."""
        return all(self.driver(p) == d for p, d in drivers)

    def merge_state(self, path: str) -> State:
        """The ``merge`` attribute of ``path``: later lines and deeper files win, and a
        macro (``binary``) sets what it stands for where it is written."""
        state: State = None
        parts = path.split("/")
        for depth in range(len(parts)):
            d = "/".join(parts[:depth])
            rel = "/".join(parts[depth:])
            for line in self._lines(d):
                if line.match.fullmatch(parts[-1] if line.basename else rel) is None:
                    continue
                for name, value in line.states:
                    for n, v in self._expand(name, value):
                        if n == "merge":
                            state = v
        return state

    def _expand(self, name: str, value: State) -> tuple[tuple[str, State], ...]:
        macro = self.macros.get(name)
        if macro is None or value is not True:
            return ((name, value),)
        out: list[tuple[str, State]] = [(name, value)]
        for n, v in macro:
            out.extend(self._expand(n, v) if n != name else ((n, v),))
        return tuple(out)

    @property
    def macros(self) -> dict[str, tuple[tuple[str, State], ...]]:
        """Built-in macros and ``[attr]NAME`` lines of the root file (git reads
        macros from no other ``.gitattributes``)."""
        if self._macros is None:
            self._macros = dict(_MACROS)
            self._lines("")
        return self._macros

    def _lines(self, directory: str) -> tuple[_Line, ...]:
        hit = self._files.get(directory)
        if hit is None:
            hit = self._files[directory] = self._parse(directory, self._read(directory))
        return hit

    def _read(self, directory: str) -> bytes:
        if self.commit is None:
            return b""
        path = f"{directory}/{FILE}" if directory else FILE
        entry = self.repo.entry_at(self.commit, path)
        if entry is None or entry[1] == MODE_TREE or entry[1] & 0o170000 != 0o100000:
            return b""  # git reads .gitattributes only from a regular file, never a symlink
        return self.repo.read_blob(entry[0])

    def _parse(self, directory: str, data: bytes) -> tuple[_Line, ...]:
        out = []
        macros: dict[str, tuple[tuple[str, State], ...]] = dict(_MACROS)
        for raw in os.fsdecode(data).split("\n"):
            text = raw.strip(" \t\r")
            if not text or text.startswith("#"):
                continue
            pattern, rest = _split_pattern(text)
            states = tuple(_state(w) for w in rest.split())
            if pattern.startswith("[attr]"):
                if not directory:
                    macros[pattern[6:]] = states
                continue
            line = _compile(pattern, states)
            if line is not None:
                out.append(line)
        if not directory:
            self._macros = macros
        return tuple(out)

    def _conf(self, key: str) -> str | None:
        if key not in self._config:
            self._config[key] = self.repo.config_get(key)
        return self._config[key]


def _split_pattern(text: str) -> tuple[str, str]:
    """(pattern, attributes) of one line; a pattern may be a C-style quoted string."""
    if text.startswith('"'):
        end = text.find('"', 1)
        while end > 0 and text[end - 1] == "\\":
            end = text.find('"', end + 1)
        if end > 0:
            body = text[1:end].encode("latin-1", "backslashreplace").decode("unicode_escape")
            return body, text[end + 1:]
    head, _, rest = text.replace("\t", " ").partition(" ")
    return head, rest


def _state(word: str) -> tuple[str, State]:
    if word.startswith("-"):
        return word[1:], False
    if word.startswith("!"):
        return word[1:], None
    if "=" in word:
        name, _, value = word.partition("=")
        return name, value
    return word, True


def _compile(pattern: str, states: tuple[tuple[str, State], ...]) -> _Line | None:
    """A line's pattern as git's attribute matcher reads it; None when it matches
    nothing (a negative pattern is refused by git; a pattern ending in "/" names a
    directory, and attributes never apply to directories)."""
    if not pattern or pattern.startswith("!") or pattern.endswith("/"):
        return None
    body = pattern[1:] if pattern.startswith("/") else pattern
    basename = "/" not in pattern
    return _Line(re.compile(_wildmatch(body), re.S), basename, states)


def _wildmatch(pat: str) -> str:
    """git's wildmatch with WM_PATHNAME as a regular expression: ``*`` and ``?`` stop
    at "/", ``**/`` is any number of leading directories, ``/**`` everything below."""
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if c == "*" and pat.startswith("**", i):
            before = i == 0 or pat[i - 1] == "/"
            j = i + 2
            if before and (j == n or pat[j] == "/"):
                if j == n:
                    out.append(".*")
                    i = j
                else:
                    out.append("(?:.*/)?")
                    i = j + 1
                continue
            out.append("[^/]*")
            i = j
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = pat.find("]", i + 2 if pat[i + 1:i + 2] in ("!", "^", "]") else i + 1)
            if j < 0:
                out.append(re.escape(c))
                i += 1
                continue
            inner = pat[i + 1:j]
            neg = inner[:1] in ("!", "^")
            inner = inner[1:] if neg else inner
            out.append("(?!/)[" + ("^" if neg else "") + inner.replace("\\", "\\\\") + "]")
            i = j + 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pat[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)
