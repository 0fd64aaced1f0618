"""Which crates of the repository a Rust file's paths can name (``CargoTree.crates``).

Another crate can name only a library: the libraries of the workspace members
(``[workspace] members`` globs of the nearest ``Cargo.toml`` with a
``[workspace]``, ``exclude`` left out) and the path dependencies of the file's
package (``[dependencies]``, ``[dev-dependencies]``, ``[build-dependencies]``,
per-target ones, ``workspace = true`` through ``[workspace.dependencies]``), each
by the name code writes it with (a renamed dependency by its key). Globs, members
and dependencies are bounded by ``MAX_MEMBERS``; a path leaving the repository is
ignored.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

from gate.symbols.cargo import MAX_MEMBERS, Crate, join, table

if TYPE_CHECKING:
    from gate.symbols.cargo import CargoTree

_DEP_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")


def crates(tree: CargoTree, folder: str) -> dict[str, Crate]:
    """The libraries the files of the package in ``folder`` can name, by the name they
    are written with: the workspace members', its path dependencies' and its own."""
    out: dict[str, Crate] = {}
    root = tree.nearest(folder, "workspace")
    if root is not None:
        for member in members(tree, root):
            lib = tree.library(member)
            if lib is not None:
                out.setdefault(lib.name, lib)
    doc = tree.manifest(folder) or {}
    ws_deps = table(table(tree.manifest(root) or {}, "workspace"), "dependencies") if root else {}
    tables = [table(doc, t) for t in _DEP_TABLES]
    for target in table(doc, "target").values():
        if isinstance(target, dict):
            tables += [table(target, t) for t in _DEP_TABLES]
    for deps in tables:
        for key, spec in list(deps.items())[:MAX_MEMBERS]:
            base = folder
            if isinstance(spec, dict) and spec.get("workspace") is True and root is not None:
                spec, base = ws_deps.get(key), root
            dep = join(base, spec["path"]) if isinstance(spec, dict) and "path" in spec else None
            lib = tree.library(dep) if dep is not None else None
            if lib is not None and isinstance(spec, dict):
                out[key.replace("-", "_") if "package" in spec else lib.name] = lib
    own = tree.library(folder)
    if own is not None:
        out[own.name] = own
    return out




def members(tree: CargoTree, root: str) -> list[str]:
    """Member folders of the workspace in ``root`` (globs expanded, ``exclude`` left out)."""
    ws = table(tree.manifest(root) or {}, "workspace")
    excluded = {join(root, e) for e in ws.get("exclude", []) if isinstance(e, str)} \
        if isinstance(ws.get("exclude"), list) else set()
    out = [root] if isinstance(table(tree.manifest(root) or {}, "package"), dict) else []
    patterns = ws.get("members")
    for pattern in patterns[:MAX_MEMBERS] if isinstance(patterns, list) else []:
        for found in _glob(tree, root, pattern):
            if found not in excluded and found not in out and len(out) < MAX_MEMBERS:
                out.append(found)
    return out


def _glob(tree: CargoTree, root: str, pattern: object) -> list[str]:
    if not isinstance(pattern, str):
        return []
    joined = join(root, pattern.rstrip("/"))
    if joined is None:
        return []
    found = ["."]
    for part in joined.split("/"):
        if not any(ch in part for ch in "*?["):
            found = [part if f == "." else f"{f}/{part}" for f in found]
            continue
        found = [f"{f}/{n}" if f != "." else n for f in found[:MAX_MEMBERS]
                 for n in tree.folders(f) if fnmatch.fnmatchcase(n, part)]
    return found[:MAX_MEMBERS]
