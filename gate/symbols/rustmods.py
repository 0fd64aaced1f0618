"""Rust paths named by crate (``gate.symbols.cargo``): modules, imports, re-exports.

``localize`` rewrites a parse result's module from ``crate::a::b`` (relative to
its own crate) to ``<crate name>::a::b`` and its imports the same way:
``crate::x`` is the file's own crate (``self::``/``super::`` were resolved against
the module already), a leading name that is a child module of the file's module
is that module, one that names a library of the repository (``CargoTree.crates``)
is that crate, and anything else (``std``, crates.io) is ``EXTERN``: never a module
of the repository. Then ``use other::text::norm`` is no longer
``util::text::norm`` by suffix, and ``use util::helper`` reaches
``crates/util/src/lib.rs``.

``aliases`` follows ``pub use`` re-exports: a target reachable as
``util::text::norm`` is also ``util::norm`` when ``util``'s root re-exports it
(``pub use self::text::norm``, ``pub use text::*``, ``pub use x::{Y as Z}``,
``pub extern crate a as b``). Re-exports are read in the modules above the target
and in the root of every crate a file can name, to a bounded depth.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from gate.symbols.cargo import CargoTree, Crate
from gate.symbols.values import FileSymbols, Import, Target

if TYPE_CHECKING:
    from gate.symbols.cache import Source
    from gate.symbols.changed import Changes

EXTERN = "<extern>"  # the head of a path outside the repository: no Rust path spells it
MAX_ALIASES = 64  # readings of one target, at most
MAX_DEPTH = 4  # re-exports of re-exports followed


def localize(fs: FileSymbols, tree: CargoTree) -> FileSymbols:
    """``fs`` with its module and imports named by crate; unchanged outside a package."""
    crate = tree.crate_of(fs.path)
    if crate is None:
        return fs
    own = crate.module_of(fs.path)
    derived = fs.module.split("::")
    # ``self``/``super`` were resolved against the module the path alone gives
    # (``crate::crates::core::flags`` for a crate rooted at crates/core/main.rs):
    # what that module has in front of the real one is dropped.
    extra: list[str] = []
    if derived[:1] == ["crate"] and (len(own) == 1 or derived[-(len(own) - 1):] == own[1:]):
        extra = derived[1:len(derived) - (len(own) - 1)]
    crates = tree.crates(fs.path)
    imports = tuple(_localize_import(imp, own, extra, crates, crate, tree) for imp in fs.imports)
    return replace(fs, module="::".join(own), imports=imports)


def _localize_import(imp: Import, own: list[str], extra: list[str], crates: dict[str, Crate], crate: Crate,
                     tree: CargoTree) -> Import:
    parts = imp.module.split("::") if imp.module else []
    head = parts[0] if parts else (imp.name or "")
    if head == "crate":
        rest = parts[1:]
        if extra and rest[:len(extra)] == extra:
            rest = rest[len(extra):]
        return replace(imp, module="::".join([own[0], *rest]))
    if head in crates and (not parts or parts[0] == head):
        lib = crates[head]
        if not parts:
            return replace(imp, module="", name=lib.name)
        return replace(imp, module="::".join([lib.name, *parts[1:]]))
    if head and _child(own, head, crate, tree):
        return replace(imp, module="::".join([*own, *parts]) if parts else "::".join(own))
    return replace(imp, module="::".join([EXTERN, *parts]))


def _child(own: list[str], name: str, crate: Crate, tree: CargoTree) -> bool:
    """Whether the module ``own`` has a child module ``name`` in a file of its own
    (Rust 2018 ``use`` paths may start with one: ``pub use inner::X`` in lib.rs)."""
    folder = posixpath.join(crate.folder, *own[1:]) if crate.folder != "." else posixpath.join(*own[1:] or ["."])
    folder = posixpath.normpath(folder)
    base = name if folder == "." else f"{folder}/{name}"
    return tree.blob(f"{base}.rs") is not None or tree.blob(f"{base}/mod.rs") is not None


def localize_target(target: Target, tree: CargoTree) -> Target:
    crate = tree.crate_of(target.path)
    return target if crate is None else replace(target, module="::".join(crate.module_of(target.path)))


def module_file(crate: Crate, parts: list[str], tree: CargoTree) -> str | None:
    """The file of module ``parts`` (after the crate's name) of ``crate``, if any."""
    if not parts:
        return crate.root
    base = posixpath.normpath(posixpath.join(crate.folder, *parts))
    for path in (f"{base}.rs", f"{base}/mod.rs"):
        if tree.blob(path) is not None:
            return path
    return None


def aliases(target: Target, tree: CargoTree, crates: Iterable[Crate],
            read: Callable[[str], FileSymbols | None]) -> list[Target]:
    """Other full names of ``target`` (localized) through ``pub use`` re-exports.

    ``read`` gives the localized parse of a file of the tree (None: not readable).
    """
    by_name = {c.name: c for c in crates}
    qual = len(target.qualname.split("."))
    start = [*target.module.split("::"), *target.qualname.split(".")]
    roots = [c.root for c in by_name.values()]
    seen = {tuple(start)}
    frontier = [start]
    out: list[Target] = []
    for _ in range(MAX_DEPTH):
        nxt: list[list[str]] = []
        for full in frontier:
            files = [module_file(by_name[full[0]], full[1:k], tree) for k in range(1, len(full) - qual + 1)] \
                if full[0] in by_name else []
            # Another crate's root can re-export ``full`` only by spelling its crate
            # (a renamed dependency aside): the others are not parsed.
            others = [r for r in roots if tree.spells(r, full[0])]
            for path in dict.fromkeys([*(f for f in files if f), *others]):
                fs = read(path)
                for alias in _through(fs, full, qual) if fs is not None else []:
                    if tuple(alias) not in seen and len(alias) > qual and len(seen) < MAX_ALIASES:
                        seen.add(tuple(alias))
                        nxt.append(alias)
                        out.append(replace(target, module="::".join(alias[:-qual]),
                                           qualname=".".join(alias[-qual:])))
        frontier = nxt
    return out


def _through(fs: FileSymbols, full: list[str], qual: int) -> list[list[str]]:
    """What ``full`` is also called through the public imports of the module ``fs``."""
    module = fs.module.split("::")
    out = []
    for imp in fs.imports:
        if imp.export is None:  # not a ``pub use``
            continue
        source = [*(imp.module.split("::") if imp.module else [])]
        if imp.name == "*":
            # What the module itself defines: a glob does not reach into its private
            # child modules (their items come up through their own re-exports).
            if len(full) - len(source) == qual and full[:len(source)] == source:
                out.append(module + full[len(source):])
        elif imp.name:
            source.append(imp.name)
            if len(full) >= len(source) and full[:len(source)] == source:
                out.append([*module, imp.alias or imp.name, *full[len(source):]])
    return out


class RustPaths:
    """The Cargo view of one tree for one set of targets (``uses.RefCache``): the
    targets named by crate with their re-exported names, and per file a cache key
    naming every blob the answer read."""

    def __init__(self, tree: CargoTree, targets: Iterable[Target], read: Callable[[str], FileSymbols | None]) -> None:
        self.tree = tree
        self.wanted = list(targets)
        self.read = read

    def _aliases(self) -> dict[Target, list[Target]]:
        def compute() -> dict[Target, list[Target]]:
            out: dict[Target, list[Target]] = {}
            for t in self.wanted:
                local = localize_target(t, self.tree)
                crates = self.tree.crates(t.path).values()
                out[t] = [local, *aliases(local, self.tree, crates, self._localized)] if local != t else [t]
            return out

        return self.tree.remember(("aliases",), compute)

    def _localized(self, path: str) -> FileSymbols | None:
        fs = self.read(path) if self.tree.blob(path) is not None else None
        return None if fs is None else localize(fs, self.tree)

    def key(self, path: str, notes: list[str]) -> str:
        """What the uses in ``path`` depend on besides its blob: manifests, the files
        of the modules re-exports were read from. Ignored manifests go to ``notes``."""
        outer, self.tree.facts = self.tree.facts, {}
        try:
            self.tree.crate_of(path)
            self.tree.crates(path)
            self._aliases()
            notes.extend(n for n in self.tree.notes() if n not in notes)
            return self.tree.key()
        finally:
            self.tree.facts = outer

    def words(self) -> frozenset[str]:
        """Names the targets are also spelled by through renaming re-exports
        (``pub use inner::{Buf as Buffer}``), for the word searches before parsing."""
        out = set()
        for readings in self._aliases().values():
            for t in readings:
                parts = t.qualname.split(".")
                out.add(parts[-2] if len(parts) > 1 and parts[-1] == "new" else parts[-1])
        return frozenset(out)

    def targets(self, index: dict[Target, int]) -> dict[Target, int]:
        """``index`` over the targets' readings by crate (each to its target's row)."""
        found = self._aliases()
        return {reading: i for t, i in index.items() for reading in found.get(t, [t])}


_PATHS: dict[tuple[str, str, str], RustPaths] = {}


def paths_for(ctx: Source, changes: Changes, tree: str) -> RustPaths:
    """The ``RustPaths`` of the Rust targets of ``changes`` in the commit ``tree``
    (one per run: every candidate file asks)."""
    from gate.symbols.cache import parsed

    key = (str(ctx.repo.git_dir), changes.key, tree)
    found = _PATHS.get(key)
    if found is None:
        def read(path: str) -> FileSymbols | None:
            entry = ctx.repo.entry_at(tree, path)
            return None if entry is None else parsed(ctx, path, entry[0], entry[1], [], "target")

        wanted = [c.target for c in changes.items if c.target.language == "rust"]
        found = _PATHS[key] = RustPaths(CargoTree(ctx.repo, tree), wanted, read)
    return found
