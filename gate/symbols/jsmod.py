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

``localize`` writes the answers into a parse result's imports (``js_imports.RESOLVED``
+ the module, or ``js_imports.OTHER``), following ``export … from``, ``export *``,
``export * as``, ``export { x as y }``, ``export default``, ``module.exports`` to
the defining module and name, at most ``MAX_DEPTH`` files deep, cycles stopped.
Like ``gomod.GoTree`` the tree reads blobs on demand, and it records every path it
looked at and what it found there: the cache key of the answer (``Deps``).
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from gate.model import MODE_EXEC, MODE_FILE
from gate.symbols import jsconfig
from gate.symbols.js_imports import OTHER, REQUIRED, RESOLVED, strip_extension
from gate.symbols.values import FileSymbols, Import

if TYPE_CHECKING:
    from gate.git.repo import GitRepo

MAX_DEPTH = 8  # re-export hops followed from an import
MAX_STEPS = 2000  # re-export lookups for one file's imports, at most
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
        self._answers: dict[tuple[str, str], tuple[tuple[str, str], str] | None] = {}
        self._steps = 0

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
            self._note(f"{path}: {doc}; ignored")
            return None
        assert isinstance(doc, tuple)
        value: object = doc[0]
        return value

    def _note(self, text: str) -> None:
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
                self._note(f"{path}: extends a file outside the repository; ignored")
                return None
            if at in seen or len(seen) >= jsconfig.MAX_EXTENDS:
                self._note(f"{path}: extends loops or runs deeper than {jsconfig.MAX_EXTENDS} files; ignored")
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

    # -- names ---------------------------------------------------------------------------

    def module_symbols(self, found: tuple[str, str]) -> FileSymbols | None:
        oid = self.blob(found[1])
        return self.symbols(found[1], oid) if oid else None

    def name(self, found: tuple[str, str], name: str, depth: int = 0) -> tuple[tuple[str, str], str] | None:
        """Where the module ``found`` gets what it exports as ``name``: (module, name
        there), the name ``"*"`` for a namespace; None when it does not say."""
        key = (found[0], name)
        if key in self._answers:  # asked before, or under way (a cycle): None
            return self._answers[key]
        self._answers[key] = None
        if depth > MAX_DEPTH or not self._step():
            return None
        hit = self._name(found, name, depth)
        self._answers[key] = hit
        return hit

    def _step(self) -> bool:
        """Whether the budget of lookups for one file (``MAX_STEPS``) allows another:
        a barrel of barrels written to fan out costs bounded time."""
        self._steps += 1
        if self._steps == MAX_STEPS:
            self._note(f"re-exports fan out beyond {MAX_STEPS} lookups; the rest are not followed")
        return self._steps < MAX_STEPS

    def _name(self, found: tuple[str, str], name: str, depth: int) -> tuple[tuple[str, str], str] | None:
        fs = self.module_symbols(found)
        if fs is None:
            return None
        if any(s.qualname == name for s in fs.symbols):
            return found, name
        for imp in fs.imports:
            if imp.export == name or (name == "default" and imp.export == "="):
                hit = self._exported(fs, found, imp, depth)
                if hit is not None:
                    return hit
        for imp in fs.imports:
            if imp.export == "*" and imp.module:
                sub = self.resolve(fs.path, imp.module)
                if isinstance(sub, tuple) and sub != found:
                    hit = self.name(sub, name, depth + 1)
                    if hit is not None:
                        return hit
        return None

    def _exported(self, fs: FileSymbols, found: tuple[str, str], imp: Import,
                  depth: int) -> tuple[tuple[str, str], str] | None:
        assert imp.name is not None
        if imp.module:  # export { a as b } from './x', export * as b from './x'
            sub = self.resolve(fs.path, imp.module)
            if not isinstance(sub, tuple):
                return None
            if imp.name == "*":
                return sub, "*"
            return self.name(sub, imp.name, depth + 1) or (sub, imp.name)
        local = imp.name  # export { a as b }, export default a, module.exports = a
        if any(s.qualname == local for s in fs.symbols):
            return found, local
        source = next((i for i in fs.imports if i.export is None and i.local == local and i.module), None)
        if source is None or source.name is None:
            return None
        sub = self.resolve(fs.path, source.module)
        if not isinstance(sub, tuple):
            return None
        if source.name == "*":
            return sub, "*"
        return self.name(sub, source.name, depth + 1) or (sub, source.name)

    def members(self, found: tuple[str, str], alias: str, line: int) -> list[Import]:
        """``alias.key`` for each key of a default export written as an object
        (``export default { createElement }``)."""
        fs = self.module_symbols(found)
        out = []
        for imp in fs.imports if fs is not None else ():
            if imp.export is not None and imp.export.startswith("default."):
                hit = self._exported(fs, found, imp, 0) if fs is not None else None
                if hit is not None and hit[1] != "*":
                    out.append(Import(RESOLVED + hit[0][0], hit[1], f"{alias}.{imp.export[8:]}", line))
        return out

    def namespace(self, found: tuple[str, str], alias: str, line: int, depth: int = 0,
                  seen: set[str] | None = None) -> list[Import]:
        """Readings of ``import * as alias`` of ``found``: the module itself, what its
        ``export *`` re-export, and ``alias.b`` for each name it re-exports."""
        seen = set() if seen is None else seen
        if found[0] in seen or depth > MAX_DEPTH or not self._step():
            return []
        seen.add(found[0])
        fs = self.module_symbols(found)
        if fs is not None and any(i.export == "=" for i in fs.imports):
            hit = self.name(found, "default", depth)  # module.exports = View: the namespace is View
            if hit is not None and hit[1] == "*":  # module.exports = require('./lib/express')
                return self.namespace(hit[0], alias, line, depth + 1, seen)
            if hit is not None:
                return [Import(RESOLVED + hit[0][0], hit[1], alias, line)]
        out = [Import(RESOLVED + found[0], "*", alias, line)]
        if fs is None or alias.startswith(REQUIRED):
            return out
        for imp in fs.imports:
            if imp.export == "*" and imp.module:
                sub = self.resolve(fs.path, imp.module)
                if isinstance(sub, tuple):
                    out += self.namespace(sub, alias, line, depth + 1, seen)
            elif imp.export is not None and imp.export not in ("*", "=", imp.name if not imp.module else None):
                hit = self._exported(fs, found, imp, depth)
                if hit is not None:
                    out.append(Import(RESOLVED + hit[0][0], hit[1], f"{alias}.{imp.export}", line))
        return out


def localize(fs: FileSymbols, tree: JsTree) -> FileSymbols:
    """``fs`` with each import resolved (module ``RESOLVED`` + path, or ``OTHER``) and
    followed to the module and name that define what it binds."""
    imports: list[Import] = []
    local: list[Import] = []
    for imp in fs.imports:
        if imp.export is not None:
            imports.append(imp)
            continue
        if not imp.module:
            local.append(imp)
            continue
        found = tree.resolve(fs.path, imp.module)
        if found is None:
            imports.append(imp)
        elif isinstance(found, str):
            imports.append(Import(OTHER + imp.module, imp.name, imp.alias, imp.line))
        elif imp.name is None:
            imports.append(Import(RESOLVED + found[0], None, None, imp.line))
        elif imp.name == "*":
            imports += tree.namespace(found, imp.alias or "", imp.line) if imp.alias else []
        else:
            hit = tree.name(found, imp.name) or (found, imp.name)
            if hit[1] == "*":
                imports += tree.namespace(hit[0], imp.local or "", imp.line) if imp.local else []
            else:
                imports.append(Import(RESOLVED + hit[0][0], hit[1], imp.local, imp.line))
            if imp.name == "default" and imp.local:
                imports += tree.members(found, imp.local, imp.line)
    for imp in local:  # const h = createElement: h reads as what createElement is bound to
        if any(s.qualname == imp.name for s in fs.symbols):
            imports.append(Import(RESOLVED + fs.module, imp.name, imp.alias, imp.line))
        imports += [Import(i.module, i.name, imp.alias, imp.line) for i in imports
                    if (i.alias or i.local) == imp.name and i.module.startswith(RESOLVED)]
    return replace(fs, imports=tuple(imports))


def stem(path: str) -> str:
    """The word an importer of ``path`` spells: its name without extension, or its
    folder's name for an index file (``lib/index.ts``: ``lib``)."""
    parts = path.split("/")
    name = parts[-1].split(".", 1)[0]
    return parts[-2] if name == "index" and len(parts) > 1 else name


def aliases(files: list[FileSymbols], names: set[str], stems: set[str]) -> set[str]:
    """Words the users of ``names`` (defined in files of ``stems``) may spell instead
    of the name, from what ``files`` export: another name (``export { parse as
    parseText } from``, ``exports.fmt = impl``, ``module.exports = { parse: impl }``),
    or a default export (``export default impl``, ``module.exports = impl``,
    ``export { default as Parse } from './parse'``), whose importers spell the file.
    Read without resolving: a few more candidate files, never a missed one."""
    out: set[str] = set()
    for fs in files:
        for imp in fs.imports:
            if imp.export in (None, "*", imp.name) or not imp.name:
                continue
            named = imp.name in names or (imp.name == "default" and stem(imp.module) in stems)
            if not named:
                continue
            out.add(stem(fs.path) if imp.export in ("default", "=") else imp.export)
    return {w for w in out if w.isidentifier() and w != "default"}
