"""Go modules: which folder of the repository a Go import path names, from ``go.mod``.

A Go file belongs to the module of the nearest ``go.mod`` above it. An import path
names a folder of the repository only through that module's path (the module
root's own package included: ``github.com/hmarr/codeowners`` is the folder of the
go.mod) or through one of its ``replace`` directives whose replacement is a folder
of the repository (``=> ./shared``). Anything else is a package of another module,
built from its released version: never a user of a symbol here, whatever folder
its path ends with. A folder below a nested ``go.mod`` belongs to that module, so
the outer module's path does not reach it.

``localize`` writes the answer into a parse result's imports (``Import.name``: the
folder, ``""`` for another module); ``lang_go.bindings`` then matches folders
exactly. A file with no ``go.mod`` above it (a GOPATH layout) keeps its import paths
unresolved, and ``lang_go`` matches them by folder suffix as before.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from gate.model import MODE_EXEC, MODE_FILE
from gate.symbols.values import FileSymbols, Import

if TYPE_CHECKING:
    from gate.git.repo import GitRepo

OTHER_MODULE = ""  # ``Import.name`` of a Go import naming no folder of the repository
# The folders known to hold (a go.mod blob id) or not hold (None) a go.mod, per
# (git dir, commit): every Go file of a tree asks about the same few folders.
_GOMODS: dict[tuple[str, str, str], str | None] = {}
_PARSED: dict[tuple[str, str], GoMod | None] = {}
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|\S+')


@dataclass(frozen=True)
class GoMod:
    """One ``go.mod``: its folder (``.`` at the top), module path and the
    replacements that point at folders of the repository (import path, folder)."""

    folder: str
    path: str
    replaces: tuple[tuple[str, str], ...] = ()

    def locate(self, import_path: str) -> tuple[str, str] | None:
        """(package folder, root folder of the module it is reached through), or None
        when ``import_path`` is not in this module or a local replacement."""
        roots = [(self.path, self.folder), *self.replaces]
        # The longest prefix decides: a replaced nested path beats the module's own.
        for prefix, root in sorted(roots, key=lambda r: -len(r[0])):
            if import_path == prefix or import_path.startswith(prefix + "/"):
                return _join(root, import_path[len(prefix) + 1:]), root
        return None


def parse(text: str, folder: str) -> GoMod | None:
    """The module path and local replacements of a ``go.mod`` in ``folder``; None
    without a ``module`` line (then it is not a module Go can build)."""
    path = None
    replaces: list[tuple[str, str]] = []
    block = None
    for raw in text.splitlines():
        words = _words(raw)
        if not words:
            continue
        if block is not None:
            if words == [")"]:
                block = None
            elif block == "replace":
                _replace(words, folder, replaces)
            continue
        if words[0] == "module" and len(words) > 1:
            path = words[1]
        elif words[0] == "replace":
            if words[1:] == ["("]:
                block = "replace"
            else:
                _replace(words[1:], folder, replaces)
        elif len(words) == 2 and words[1] == "(":
            block = words[0]  # require, exclude, retract…: not read
    return GoMod(folder, path, tuple(replaces)) if path else None


def _words(line: str) -> list[str]:
    # ``//`` starts a comment outside a quoted string; import paths hold no quotes.
    out = []
    for token in _TOKEN.findall(line):
        if token.startswith("//"):
            break
        out.append(_unquote(token))
    return out


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"`":
        return token[1:-1]
    return token


def _replace(words: list[str], folder: str, out: list[tuple[str, str]]) -> None:
    """``old [version] => new [version]``: kept when ``new`` is a folder of the repository."""
    if "=>" not in words:
        return
    arrow = words.index("=>")
    if arrow == 0 or arrow + 1 >= len(words):
        return
    old, new = words[0], words[arrow + 1]
    if not new.startswith(("./", "../")) and new not in (".", ".."):
        return  # another module (a version follows) or an absolute path outside
    target = _join(folder, new)
    if target != ".." and not target.startswith("../"):
        out.append((old, target))


def _inside(folder: str, root: str) -> bool:
    return root == "." or folder == root or folder.startswith(root + "/")


def _join(folder: str, rest: str) -> str:
    return posixpath.normpath(posixpath.join(folder, rest)) if rest else folder


class GoTree:
    """The ``go.mod`` files of one commit, read on demand through ``repo``."""

    def __init__(self, repo: GitRepo, commit: str) -> None:
        self.repo = repo
        self.commit = commit
        self.key = str(repo.git_dir)

    def gomod_at(self, folder: str) -> str | None:
        """The blob id of ``folder/go.mod``, or None."""
        key = (self.key, self.commit, folder)
        if key not in _GOMODS:
            entry = self.repo.entry_at(self.commit, "go.mod" if folder == "." else f"{folder}/go.mod")
            # A folder or a link named go.mod is no module file Go would read.
            _GOMODS[key] = entry[0] if entry is not None and entry[1] in (MODE_FILE, MODE_EXEC) else None
        return _GOMODS[key]

    def nearest(self, folder: str) -> str | None:
        """The folder of the nearest ``go.mod`` at or above ``folder``."""
        while True:
            if self.gomod_at(folder) is not None:
                return folder
            if folder == ".":
                return None
            folder = posixpath.dirname(folder) or "."

    def module(self, folder: str) -> tuple[str, GoMod] | None:
        """(blob id, parse) of the module holding ``folder``; None outside any (or
        when its go.mod names no module)."""
        root = self.nearest(folder)
        if root is None:
            return None
        oid = self.gomod_at(root)
        assert oid is not None
        key = (self.key, f"{oid}:{root}")
        if key not in _PARSED:
            _PARSED[key] = parse(self.repo.read_blob(oid).decode("utf-8", "replace"), root)
        mod = _PARSED[key]
        return (oid, mod) if mod is not None else None

    def cache_key(self, path: str, folders: set[str]) -> str:
        """What ``localize`` of a file at ``path`` depends on, as far as uses of
        symbols in ``folders`` go: its module's go.mod and the modules holding those."""
        own = self.module(posixpath.dirname(path) or ".")
        if own is None:
            return ""
        return ",".join([f"{own[1].folder}={own[0]}", *(f"{f}>{self.nearest(f)}" for f in sorted(folders))])


def localize(fs: FileSymbols, tree: GoTree) -> FileSymbols:
    """``fs`` with each import's ``name`` set to the folder it names, or to
    ``OTHER_MODULE``; unchanged when no ``go.mod`` governs the file."""
    found = tree.module(fs.module)
    if found is None:
        return fs
    mod = found[1]
    imports = []
    for imp in fs.imports:
        at = mod.locate(imp.module)
        folder = OTHER_MODULE
        if at is not None:
            # A folder below a go.mod nested in the module is a package of that other module.
            holder = tree.nearest(at[0])
            if holder is None or holder == at[1] or not _inside(holder, at[1]):
                folder = at[0]
        imports.append(Import(imp.module, folder, imp.alias, imp.line))
    return replace(fs, imports=tuple(imports))
