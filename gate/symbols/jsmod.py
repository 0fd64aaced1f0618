"""JS/TS module resolution at a commit: which repository file an import names, and
which definition a name it imports is, through re-exports and default exports.

A specifier names a file of the repository when it is relative, when the nearest
``tsconfig.json``/``jsconfig.json`` above the importing file maps it (``paths``,
then ``baseUrl``; ``extends`` followed), or when it names a package of the
repository (root ``package.json`` ``workspaces``, ``pnpm-workspace.yaml``, and the
root package itself) through its ``exports``, entry fields or index file. A file is
found as TypeScript finds it: ``.js`` written for a ``.ts`` file, ``.mjs``/``.cjs``
for ``.mts``/``.cts``, a folder's ``package.json`` entry or ``index``. A bare
specifier of no repository package is another package: never a user of a symbol
here. Anything else (an alias of a bundler config) keeps the old suffix guess.

``jsfollow.localize`` writes the answers into a parse result's imports, following
re-exports. Like ``gomod.GoTree`` the tree reads blobs on demand, and it records
every path it looked at and what it found there (``deps``): the cache key of the
answers.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable
from typing import TYPE_CHECKING

from gate.model import MODE_EXEC, MODE_FILE
from gate.symbols import jsconfig
from gate.symbols.js_imports import OTHER, RESOLVED, strip_extension
from gate.symbols.values import FileSymbols

if TYPE_CHECKING:
    from gate.git.repo import GitRepo

# Tried after the name as written; TypeScript's order (a ``.d.ts`` only last: it
# declares, the implementation beside it defines).
_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mts", ".cts", ".mjs", ".cjs", ".d.ts")
_SWAP = {".js": (".ts", ".tsx", ".d.ts"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}
_DECL = (".d.ts", ".d.mts", ".d.cts")
# Per (git dir, commit, path): the blob id there (a regular file) or "" (none).
_ENTRIES: dict[tuple[str, str, str], str] = {}
_DOCS: dict[tuple[str, str], object] = {}  # per (git dir, blob id): parsed JSON or an error text
_PACKAGES: dict[tuple[str, str], tuple[list[jsconfig.Package], dict[str, str]]] = {}

Symbols = Callable[[str, str], FileSymbols | None]  # (path, blob id) -> its parse


class JsTree:
    """The JS/TS configuration and modules of one commit, read on demand."""

    def __init__(self, repo: GitRepo, commit: str, symbols: Symbols, notes: list[str]) -> None:
        self.repo = repo
        self.commit = commit
        self.key = str(repo.git_dir)
        self.symbols = symbols
        self.notes = notes
        self.deps: dict[str, str] = {}  # path -> blob id ("" none): what the answers depend on
        self._packages: list[jsconfig.Package] | None = None

    # -- the tree ------------------------------------------------------------------------

    def blob(self, path: str) -> str:
        """The blob id of the regular file ``path``, "" when there is none."""
        key = (self.key, self.commit, path)
        oid = _ENTRIES.get(key)
        if oid is None:
            entry = self.repo.entry_at(self.commit, path) if path not in (".", "") else None
            oid = _ENTRIES[key] = entry[0] if entry is not None and entry[1] in (MODE_FILE, MODE_EXEC) else ""
        self.deps[path] = oid
        return oid

    def json(self, path: str) -> object | None:
        """The JSON(C) value of ``path``; None (with a note) when it cannot be read."""
        oid = self.blob(path)
        if not oid:
            return None
        key = (self.key, oid)
        if key not in _DOCS:
            try:
                _DOCS[key] = (jsconfig.loads(self.repo.read_blob(oid)),)
            except ValueError as exc:
                _DOCS[key] = str(exc)
        doc = _DOCS[key]
        if isinstance(doc, str):
            self.note(f"{path}: {doc}; ignored")
            return None
        assert isinstance(doc, tuple)
        value: object = doc[0]
        return value

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- configuration -------------------------------------------------------------------

    def config(self, folder: str) -> jsconfig.Config | None:
        """The tsconfig/jsconfig nearest at or above ``folder``, ``extends`` applied."""
        while True:
            for name in ("tsconfig.json", "jsconfig.json"):
                path = name if folder == "." else f"{folder}/{name}"
                if self.blob(path):
                    return self._load(path)
            if folder == ".":
                return None
            folder = posixpath.dirname(folder) or "."

    def _load(self, path: str) -> jsconfig.Config | None:
        chain: list[jsconfig.Options] = []
        seen: set[str] = set()
        todo = [path]
        while todo:
            at = todo.pop(0)
            if at == "..":
                self.note(f"{path}: extends a file outside the repository; ignored")
                return None
            if at in seen or len(seen) >= jsconfig.MAX_EXTENDS:
                self.note(f"{path}: extends loops or runs deeper than {jsconfig.MAX_EXTENDS} files; ignored")
                return None
            seen.add(at)
            doc = self.json(at)
            if doc is None:
                continue  # a missing or broken base: the rest still counts, as for tsc's errors
            opts = jsconfig.options(doc, at)
            chain.append(opts)
            todo = list(opts.extends) + todo
        return jsconfig.merge(chain)

    def packages(self) -> list[jsconfig.Package]:
        """The repository's own packages: the root one and its workspaces (read once
        per commit; what they were read from goes into ``deps`` on every ask)."""
        key = (self.key, self.commit)
        if key in _PACKAGES:
            found, deps = _PACKAGES[key]
            self.deps.update(deps)
            return found
        outer, self.deps = self.deps, {}
        try:
            found = self._read_packages()
        finally:
            deps, self.deps = self.deps, outer
        _PACKAGES[key] = (found, deps)
        self.deps.update(deps)
        return found

    def _read_packages(self) -> list[jsconfig.Package]:
        if self._packages is None:
            root = self.json("package.json")
            pnpm_oid = self.blob("pnpm-workspace.yaml")
            pnpm = None
            if pnpm_oid:
                data = self.repo.read_blob(pnpm_oid)
                pnpm = data.decode("utf-8", "replace") if len(data) <= jsconfig.MAX_BYTES else None
            found = [jsconfig.Package.of(root, ".")] if root is not None else []
            for folder in self._expand(jsconfig.workspace_globs(root, pnpm)):
                doc = self.json(f"{folder}/package.json")
                if doc is not None:
                    found.append(jsconfig.Package.of(doc, folder))
            self._packages = [p for p in found if p.name]
        return self._packages

    def _expand(self, globs: list[str]) -> list[str]:
        """Folders matching workspace patterns (``packages/*``; ``**`` two levels deep)."""
        out: list[str] = []
        for glob in globs:
            folders = ["."]
            for part in glob.split("/"):
                if part in (".", ""):
                    continue
                nxt: list[str] = []
                for f in folders[:256]:
                    if part == "**":
                        subs = [f] + [posixpath.join(f, n) for n in self.repo.folder_names(self.commit, f)]
                        nxt += [posixpath.normpath(s) for s in subs]
                    elif any(c in part for c in "*?["):
                        nxt += [posixpath.normpath(posixpath.join(f, n))
                                for n in self.repo.folder_names(self.commit, f) if fnmatch.fnmatchcase(n, part)]
                    else:
                        nxt.append(posixpath.normpath(posixpath.join(f, part)))
                folders = nxt
            out += [f for f in folders if f != "." and not f.startswith("..")]
        return sorted(set(out))[:256]

    # -- specifiers ----------------------------------------------------------------------

    def resolve(self, importer: str, spec: str) -> tuple[str, str] | str | None:
        """(module, file path) a specifier names; ``OTHER`` for a package that is not in
        the repository; None when it cannot be told (left to the old guess)."""
        folder = posixpath.dirname(importer) or "."
        if spec.startswith((RESOLVED, OTHER)) or not spec:
            return None
        if spec.startswith("."):
            joined = jsconfig.join(folder, spec)
            return self.file(joined) if joined is not None else None
        if spec.startswith("#") and len(spec) > 1:
            hit = self._subpath_import(folder, spec)
            if hit is not None:
                return hit
        config = self.config(folder)
        conditions = config.conditions if config is not None else ()
        if config is not None:
            for candidate in config.candidates(spec):
                found = self.file(candidate, conditions)
                if found is not None:
                    return found
        for pkg in sorted(self.packages(), key=lambda p: -len(p.name or "")):
            name = pkg.name or ""
            if spec == name or spec.startswith(name + "/"):
                return self._package_file(pkg, "." + spec[len(name):], conditions) or OTHER
        if config is not None and (config.paths or config.base_url) and not spec.startswith(("@/", "~/", "#")):
            return OTHER  # tsc would look in node_modules now
        if spec.startswith(("@/", "~/", "~", "#", "src/", "@src/")):
            return None  # a bundler's alias, unknown here: the suffix guess
        return OTHER

    def _subpath_import(self, folder: str, spec: str) -> tuple[str, str] | None:
        """``#internal/x`` through the ``imports`` of the nearest ``package.json``
        (None when it does not map it: then tsconfig ``paths`` may)."""
        while True:
            doc = self.json("package.json" if folder == "." else f"{folder}/package.json")
            if doc is not None:
                pkg = jsconfig.Package.of(doc, folder)
                config = self.config(folder)
                conditions = config.conditions if config is not None else ()
                for target in pkg.subpath(spec, conditions, "imports"):
                    found = self.file(target, conditions, folders=False)
                    if found is not None:
                        return found
                return None
            if folder == ".":
                return None
            folder = posixpath.dirname(folder) or "."

    def _package_file(self, pkg: jsconfig.Package, sub: str, conditions: tuple[str, ...]) -> tuple[str, str] | None:
        if pkg.exports is not None:
            for target in pkg.subpath(sub, conditions):
                found = self.file(target, conditions, folders=False)
                if found is not None:
                    return found
            return None
        joined = jsconfig.join(pkg.folder, sub)
        return self.file(joined, conditions) if joined is not None else None

    def file(self, path: str, conditions: tuple[str, ...] = (), folders: bool = True) -> tuple[str, str] | None:
        """(module, file path) of ``path`` as TypeScript finds it, or None."""
        for candidate in self._names(path):
            if self.blob(candidate):
                return strip_extension(candidate), candidate
        if not folders:
            return None
        folder = path
        doc = self.json(f"{folder}/package.json") if folder != "." else self.json("package.json")
        if doc is not None:
            pkg = jsconfig.Package.of(doc, folder)
            for entry in pkg.entries:
                joined = jsconfig.join(folder, entry)
                found = self.file(joined, conditions, folders=False) if joined else None
                if found is not None:
                    return found
        index = "index" if folder == "." else f"{folder}/index"
        return self.file(index, conditions, folders=False)

    def _names(self, path: str) -> list[str]:
        """The file names ``path`` may stand for, in the order tried."""
        for decl in _DECL:
            if path.endswith(decl):  # the declared module's implementation first
                stem = path[:-len(decl)]
                return [stem + s for s in _SUFFIXES[:-1]] + [path]
        ext = posixpath.splitext(path)[1]
        if ext in _SUFFIXES:
            return [path] + [path[:-len(ext)] + s for s in _SWAP.get(ext, ())]
        return [path + s for s in _SUFFIXES]


def stem(path: str) -> str:
    """The word an importer of ``path`` spells: its name without extension, or its
    folder's name for an index file (``lib/index.ts``: ``lib``)."""
    parts = path.split("/")
    name = parts[-1].split(".", 1)[0]
    return parts[-2] if name == "index" and len(parts) > 1 else name
