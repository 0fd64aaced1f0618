"""JS/TS names followed through re-exports to the module and name that define them.

``localize`` writes into a parse result's imports what ``jsmod.JsTree`` resolves
(``js_imports.RESOLVED`` + the module, or ``js_imports.OTHER``) and, for each name
imported, where it is defined: through ``export … from``, ``export *``, ``export *
as``, ``export { x as y }``, ``export default``, ``module.exports``, an imported name
exported again, at most ``MAX_DEPTH`` files deep, each (module, name) answered once
per file (cycles cut) and at most ``MAX_STEPS`` lookups in all. ``aliases`` names
the words a changed symbol's users may spell instead of its name, for the word
search that finds candidate files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from gate.symbols.js_imports import LOADED, OTHER, REQUIRED, RESOLVED
from gate.symbols.jsmod import JsTree, stem
from gate.symbols.values import FileSymbols, Import

if TYPE_CHECKING:
    from gate.symbols.cache import Source
    from gate.symbols.changed import Changes

MAX_DEPTH = 8  # re-export hops followed from an import
MAX_STEPS = 2000  # re-export lookups for one file's imports, at most
LOADED_DEPTH = 3  # require/import hops followed beyond a file's own imports (``loaded``)
LOADED_FILES = 32  # modules read for that, at most, per file

Found = tuple[str, str]  # (module, file path), as ``JsTree.resolve`` answers


class Follower:
    """Follows the names one file imports (``localize``) through ``tree``."""

    def __init__(self, tree: JsTree) -> None:
        self.tree = tree
        self._answers: dict[tuple[str, str], tuple[Found, str] | None] = {}
        self._steps = 0

    def module_symbols(self, found: Found) -> FileSymbols | None:
        oid = self.tree.blob(found[1])
        return self.tree.symbols(found[1], oid) if oid else None

    def name(self, found: Found, name: str, depth: int = 0) -> tuple[Found, str] | None:
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
            self.tree.note(f"re-exports fan out beyond {MAX_STEPS} lookups; the rest are not followed")
        return self._steps < MAX_STEPS

    def _name(self, found: Found, name: str, depth: int) -> tuple[Found, str] | None:
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
                sub = self.tree.resolve(fs.path, imp.module)
                if isinstance(sub, tuple) and sub != found:
                    hit = self.name(sub, name, depth + 1)
                    if hit is not None:
                        return hit
        return None

    def _exported(self, fs: FileSymbols, found: Found, imp: Import,
                  depth: int) -> tuple[Found, str] | None:
        assert imp.name is not None
        if imp.module:  # export { a as b } from './x', export * as b from './x'
            sub = self.tree.resolve(fs.path, imp.module)
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
        sub = self.tree.resolve(fs.path, source.module)
        if not isinstance(sub, tuple):
            return None
        if source.name == "*":
            return sub, "*"
        return self.name(sub, source.name, depth + 1) or (sub, source.name)

    def members(self, found: Found, alias: str, line: int) -> list[Import]:
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

    def namespace(self, found: Found, alias: str, line: int, depth: int = 0,
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
                sub = self.tree.resolve(fs.path, imp.module)
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
    follow = Follower(tree)
    imports: list[Import] = []
    local: list[Import] = []
    reached: list[Found] = []
    for imp in fs.imports:
        if imp.export is not None:
            imports.append(imp)
            continue
        if not imp.module:
            local.append(imp)
            continue
        found = tree.resolve(fs.path, imp.module)
        if isinstance(found, tuple):
            reached.append(found)
        if found is None:
            imports.append(imp)
        elif isinstance(found, str):
            imports.append(Import(OTHER + imp.module, imp.name, imp.alias, imp.line))
        elif imp.name is None:
            imports.append(Import(RESOLVED + found[0], None, None, imp.line))
        elif imp.name == "*":
            imports += namespace(tree, found, imp.alias, imp.line) if imp.alias else []
        else:
            hit = follow.name(found, imp.name) or (found, imp.name)
            if hit[1] == "*":
                imports += namespace(tree, hit[0], imp.local, imp.line) if imp.local else []
            else:
                imports.append(Import(RESOLVED + hit[0][0], hit[1], imp.local, imp.line))
            if imp.name == "default" and imp.local:
                imports += follow.members(found, imp.local, imp.line)
    imports += loaded(follow, [f for f in reached if f[0] != fs.module], fs.module)
    for imp in local:  # const h = createElement: h reads as what createElement is bound to
        if any(s.qualname == imp.name for s in fs.symbols):
            imports.append(Import(RESOLVED + fs.module, imp.name, imp.alias, imp.line))
        imports += [Import(i.module, i.name, imp.alias, imp.line) for i in imports
                    if (i.alias or i.local) == imp.name and i.module.startswith(RESOLVED)]
    return replace(fs, imports=tuple(imports))


# ``import * as alias`` of one module, per (git dir, commit, module, file, alias):
# its readings (line 0), the files the answer read and the notes it gave.
_NAMESPACES: dict[tuple[str, str, str, str, str], tuple[list[Import], dict[str, str], list[str]]] = {}


def namespace(tree: JsTree, found: Found, alias: str, line: int) -> list[Import]:
    """``Follower.namespace`` of a fresh follower, answered once per commit: zod's
    files each ``import * as core`` of one index re-exporting hundreds of names,
    and following them again for every file was a third of a cold check. The files
    the answer read join ``tree.deps`` (they key the caller's cache) on every read."""
    key = (tree.key, tree.commit, found[0], found[1], alias)
    kept = _NAMESPACES.get(key)
    if kept is None:
        outer, tree.deps = tree.deps, {}
        told = len(tree.notes)
        try:
            readings = Follower(tree).namespace(found, alias, 0)
        finally:
            read, tree.deps = tree.deps, outer
        kept = _NAMESPACES[key] = (readings, read, tree.notes[told:])
        tree.deps.update(read)
        return [replace(i, line=line) for i in readings]
    readings, read, notes = kept
    tree.deps.update(read)
    for text in notes:
        tree.note(text)
    return [replace(i, line=line) for i in readings]


def loaded(follow: Follower, roots: list[Found], own: str) -> list[Import]:
    """The modules that loading ``roots`` loads in turn (their own imports, at most
    ``LOADED_DEPTH`` hops and ``LOADED_FILES`` files), as imports aliased ``LOADED``
    (line 0): they relate the file to the methods those modules assign onto the
    objects they export (``res.cookie``, matched by name only on a receiver ``res``:
    ``refs.Resolver._by_name``), which the package root hands out (express's tests
    ``require('..')`` and get ``res`` from ``lib/response.js`` through
    ``lib/express.js``). A class's method called on an unknown receiver still needs
    a direct import of its module."""
    seen = {f[0] for f in roots} | {own}
    todo = [(f, 0) for f in roots]
    out: list[Import] = []
    while todo and len(seen) < LOADED_FILES:
        found, depth = todo.pop(0)
        fs = follow.module_symbols(found) if depth < LOADED_DEPTH else None
        for imp in fs.imports if fs is not None else ():
            hit = follow.tree.resolve(found[1], imp.module) if imp.module else None
            if isinstance(hit, tuple) and hit[0] not in seen and len(seen) < LOADED_FILES:
                seen.add(hit[0])
                out.append(Import(RESOLVED + hit[0], None, LOADED, 0))
                todo.append((hit, depth + 1))
    return out


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


def alias_search(ctx: Source, changes: Changes, index: dict[str, list[str]], save: Callable[[], None],
                 out: dict[str, list[str]]) -> frozenset[str]:
    """Add to ``out`` (candidate path -> words, ``uses.candidates``) the files spelling
    a name a candidate re-exports a changed JS/TS symbol under, a few rounds deep (a
    barrel of barrels); ``index`` is the word search's cache (word -> paths), written
    back by ``save``. Returns the words added."""
    from gate.git.grep import words_in_tree
    from gate.model import LANGUAGES, language_of
    from gate.symbols.cache import parsed
    from gate.symbols.language import family

    def read(path: str) -> FileSymbols | None:
        lang = language_of(path)
        entry = ctx.repo.entry_at(ctx.target_oid, path) if lang and family(lang) == "js" else None
        if entry is None:
            return None
        try:
            data = ctx.repo.read_blob(entry[0])
        except (KeyError, ValueError):
            return None
        # Only a file that can export something under another name is parsed here
        # (the rest are parsed later only if another agent owns them).
        if b"export" not in data or not any(w in data for w in (b" as ", b"default", b"exports")):
            return None
        return parsed(ctx, path, entry[0], entry[1], [], "target")

    words = set(changes.words)
    defining = {c.target.path for c in changes.items if family(c.target.language) == "js"}
    stems = {stem(p) for p in defining}
    todo = sorted(set(out) | defining)
    for _ in range(3):
        extra = aliases([fs for fs in map(read, todo) if fs is not None], words, stems) - words
        if not extra:
            break
        words |= extra
        missing = {w for w in extra if w not in index}
        if missing:
            found: dict[str, list[str]] = {w: [] for w in missing}
            for path, hits in sorted(words_in_tree(ctx.repo, ctx.target_oid, missing, LANGUAGES).items()):
                for w in hits:
                    found[w].append(path)
            index.update(found)
            save()
        todo = []
        for w in sorted(extra):
            for path in index[w]:
                if path.lower().endswith(changes.suffixes):
                    todo += [] if path in out else [path]
                    out.setdefault(path, []).append(w)
    return frozenset(words - set(changes.words))


def localize_at(ctx: Source, fs: FileSymbols, tree: str, side: str,
                notes: list[str]) -> tuple[FileSymbols, dict[str, str]]:
    """``localize`` of ``fs`` against the commit ``tree`` of the repository ``ctx``
    reads (modules parsed through the symbol cache), and the paths the answer read
    with their blob ids (``JsTree.deps``: what a cached answer depends on)."""
    from gate.model import MODE_FILE
    from gate.symbols.cache import parsed

    def symbols(p: str, o: str) -> FileSymbols | None:
        return parsed(ctx, p, o, MODE_FILE, [], side)

    js = JsTree(ctx.repo, tree, symbols, notes)
    return localize(fs, js), js.deps
