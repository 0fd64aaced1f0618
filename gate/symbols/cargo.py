"""Cargo packages: which crate a Rust file belongs to, and which crates a path can name.

A Rust file belongs to the package of the nearest ``Cargo.toml`` with a
``[package]`` above it. A package holds several crates: its library (``[lib]
path``, else ``src/lib.rs``; named ``[lib] name``, else the package name with
``-`` as ``_``) and its binaries, tests, examples and benches (``src/main.rs``,
``src/bin/*.rs``, ``tests/*.rs``…, or ``[[bin]] path``), each a crate of its own.
A file's module is its path relative to the folder of its crate's root file
(``mod text;`` in ``src/lib.rs`` is ``src/text.rs`` or ``src/text/mod.rs``;
``#[path = "…"]`` attributes are not read). Another crate can name only a
library: the crates a file's paths can name are the libraries of the workspace
members and the path dependencies of its package (``cargo_workspace``).

Every manifest read is bounded (``MAX_MANIFEST`` bytes, ``MAX_MEMBERS`` members) and
one that does not parse is ignored with a note: Rust files there are then read
without Cargo, as before. ``CargoTree.facts`` records each blob a result depended
on, for cache keys.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from gate.model import MODE_EXEC, MODE_FILE

if TYPE_CHECKING:
    from gate.git.repo import GitRepo

MAX_MANIFEST = 512 * 1024  # bytes: a real Cargo.toml has a few kilobytes
MAX_MEMBERS = 512  # workspace members and path dependencies read, at most
MAX_DEPTH = 32  # folders walked up to find a package or a workspace
_TARGETS = (("bin", "bin"), ("test", "test"), ("example", "example"), ("bench", "bench"))
_AUTO = {"tests": "test", "examples": "example", "benches": "bench"}
# Blob ids of regular files per (git dir, commit, path), and manifests per blob id:
# every Rust file of a tree asks about the same few manifests.
_BLOBS: dict[tuple[str, str, str], str | None] = {}
_MANIFESTS: dict[tuple[str, str], dict[str, Any] | str] = {}
_FOLDERS: dict[tuple[str, str, str], list[str]] = {}
_SPELLS: dict[tuple[str, str, str], bool] = {}
T = TypeVar("T")


@dataclass(frozen=True)
class Crate:
    """One crate: ``name`` is how paths name it (a library's name; ``bin:rg`` for a
    crate no path can name) and ``root`` its root file; modules are relative to the
    root file's folder."""

    name: str
    root: str

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.root) or "."

    def module_of(self, path: str) -> list[str]:
        """The module parts of a file of this crate (the crate's name first)."""
        if path == self.root:
            return [self.name]
        rel = path if self.folder == "." else path[len(self.folder) + 1:]
        parts = rel.removesuffix(".rs").split("/")
        if parts[-1] == "mod":
            parts.pop()
        return [self.name, *parts]


def join(folder: str, rest: str) -> str | None:
    """``rest`` relative to ``folder``, or None when it leaves the repository."""
    if not isinstance(rest, str) or not rest or rest.startswith("/") or "\\" in rest:
        return None
    out = posixpath.normpath(posixpath.join(folder, rest))
    return None if out == ".." or out.startswith("../") else out


def _within(path: str, folder: str) -> bool:
    return folder == "." or path.startswith(folder + "/")


def table(doc: dict[str, Any], key: str) -> dict[str, Any]:
    value = doc.get(key)
    return value if isinstance(value, dict) else {}


class CargoTree:
    """The Cargo manifests of one commit, read on demand through ``repo``."""

    def __init__(self, repo: GitRepo, commit: str) -> None:
        self.repo = repo
        self.commit = commit
        self.git_dir = str(repo.git_dir)
        self.facts: dict[str, str | None] = {}
        self._memo: dict[tuple[str, ...], tuple[Any, dict[str, str | None]]] = {}

    # -- reads, each recorded in ``facts`` ---------------------------------------------

    def blob(self, path: str) -> str | None:
        """The blob id of the regular file ``path``, or None."""
        key = (self.git_dir, self.commit, path)
        if key not in _BLOBS:
            entry = self.repo.entry_at(self.commit, path)
            _BLOBS[key] = entry[0] if entry is not None and entry[1] in (MODE_FILE, MODE_EXEC) else None
        self.facts[path] = _BLOBS[key]
        return _BLOBS[key]

    def data(self, oid: str) -> bytes | None:
        """A blob's bytes; None when it is missing (a partial clone): not read, as
        the parse cache does with a missing blob."""
        try:
            return self.repo.read_blob(oid)
        except (KeyError, ValueError):
            return None

    def spells(self, path: str, word: str) -> bool:
        """Whether the regular file ``path`` holds the bytes of ``word``."""
        oid = self.blob(path)
        if oid is None:
            return False
        key = (self.git_dir, oid, word)
        if key not in _SPELLS:
            _SPELLS[key] = word.encode() in (self.data(oid) or b"")
        return _SPELLS[key]

    def folders(self, folder: str) -> list[str]:
        key = (self.git_dir, self.commit, folder)
        if key not in _FOLDERS:
            _FOLDERS[key] = self.repo.folder_names(self.commit, folder)
        self.facts[folder + "/"] = ",".join(_FOLDERS[key])
        return _FOLDERS[key]

    def manifest(self, folder: str) -> dict[str, Any] | None:
        """The parsed ``folder/Cargo.toml``; None when absent or unreadable (a note says why)."""
        path = "Cargo.toml" if folder == "." else f"{folder}/Cargo.toml"
        oid = self.blob(path)
        if oid is None:
            return None
        key = (self.git_dir, oid)
        if key not in _MANIFESTS:
            data = self.data(oid)
            _MANIFESTS[key] = "its blob is missing" if data is None else _read(data)
        doc = _MANIFESTS[key]
        return None if isinstance(doc, str) else doc

    def notes(self) -> list[str]:
        """Why manifests among ``facts`` were ignored."""
        out = []
        for path, oid in sorted(self.facts.items()):
            doc = _MANIFESTS.get((self.git_dir, oid)) if oid and path.endswith("Cargo.toml") else None
            if isinstance(doc, str):
                out.append(f"{path}: {doc}; Rust paths there are resolved without it")
        return out

    def remember(self, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        """``compute()`` once per tree, its facts recorded on every use."""
        hit = self._memo.get(key)
        if hit is None:
            outer, self.facts = self.facts, {}
            try:
                value = compute()
            finally:
                inner, self.facts = self.facts, outer
            hit = self._memo[key] = (value, inner)
        self.facts.update(hit[1])
        value_out: T = hit[0]
        return value_out

    def key(self) -> str:
        """A digest of ``facts``: what the answers so far depended on."""
        text = "\n".join(f"{k}={v}" for k, v in sorted(self.facts.items()))
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:20]

    # -- packages and crates -----------------------------------------------------------

    def package(self, folder: str) -> str | None:
        """The folder of the nearest ``Cargo.toml`` with a ``[package]`` at or above ``folder``."""
        return self.remember(("package", folder), lambda: self.nearest(folder, "package"))

    def nearest(self, folder: str, table: str) -> str | None:
        """The folder of the nearest ``Cargo.toml`` with a ``[table]`` at or above ``folder``."""
        for _ in range(MAX_DEPTH):
            doc = self.manifest(folder)
            if doc is not None and isinstance(doc.get(table), dict):
                return folder
            if folder == ".":
                return None
            folder = posixpath.dirname(folder) or "."
        return None

    def library(self, folder: str) -> Crate | None:
        """The library crate of the package in ``folder``, if it has one."""
        return self.remember(("lib", folder), lambda: self._library(folder))

    def _library(self, folder: str) -> Crate | None:
        doc = self.manifest(folder)
        if doc is None:
            return None
        lib = table(doc, "lib")
        name = lib.get("name") or table(doc, "package").get("name")
        if not isinstance(name, str) or not name:
            return None
        root = join(folder, lib["path"]) if isinstance(lib.get("path"), str) else None
        if root is None:
            root = join(folder, "src/lib.rs")
            if root is None or self.blob(root) is None:
                return None
        return Crate(name.replace("-", "_"), root)

    def crates(self, path: str) -> dict[str, Crate]:
        """The libraries a file's paths can name (``cargo_workspace.crates``)."""
        from gate.symbols.cargo_workspace import crates

        folder = self.package(posixpath.dirname(path) or ".")
        return {} if folder is None else self.remember(("crates", folder), lambda: crates(self, folder))

    def crate_of(self, path: str) -> Crate | None:
        """The crate the file ``path`` belongs to, or None outside any package."""
        folder = self.package(posixpath.dirname(path) or ".")
        return None if folder is None else self.remember(("crate", path), lambda: self._crate_of(folder, path))

    def _crate_of(self, folder: str, path: str) -> Crate | None:
        doc = self.manifest(folder) or {}
        pkg = str(table(doc, "package").get("name", "")).replace("-", "_")
        crates: list[Crate] = []
        lib = self.library(folder)
        if lib is not None:
            crates.append(lib)
        for key, kind in _TARGETS:
            entries = doc.get(key)
            for entry in entries if isinstance(entries, list) else []:
                root = join(folder, entry.get("path", "")) if isinstance(entry, dict) else None
                if root is not None:
                    crates.append(Crate(f"{kind}:{entry.get('name', '')}", root))
        rel = path if folder == "." else path[len(folder) + 1:]
        parts = rel.split("/")
        if parts[:2] == ["src", "bin"] and len(parts) > 2:
            root = f"src/bin/{parts[2]}" if len(parts) == 3 else f"src/bin/{parts[2]}/main.rs"
            crates.append(Crate(f"bin:{parts[2].removesuffix('.rs')}", join(folder, root) or path))
        elif parts[0] in _AUTO and len(parts) > 1:
            root = rel if len(parts) == 2 else f"{parts[0]}/{parts[1]}/main.rs"
            crates.append(Crate(f"{_AUTO[parts[0]]}:{parts[1].removesuffix('.rs')}", join(folder, root) or path))
        crates.append(Crate(f"bin:{pkg}", join(folder, "src/main.rs") or path))
        exact = [c for c in crates if c.root == path]
        if exact:
            return exact[0]
        # The deepest root folder holding the file; the library wins a tie with a binary
        # beside it (``src/main.rs`` usually uses the library rather than owning
        # modules) unless only the binary's root declares the file's top module.
        holding = [c for c in crates if _within(path, c.folder)]
        if not holding:
            return None
        best = max(holding, key=lambda c: len(c.folder))
        if best == lib and lib is not None:
            top = path[len(lib.folder) + 1:].split("/")[0].removesuffix(".rs") if lib.folder != "." else ""
            beside = [c for c in holding if c != lib and c.folder == lib.folder]
            if top and beside and not self.declares(lib.root, top) and self.declares(beside[0].root, top):
                return beside[0]
        return best

    def declares(self, root: str, module: str) -> bool:
        """Whether the file ``root`` declares ``mod module`` (read from its bytes)."""
        oid = self.blob(root)
        if oid is None:
            return False
        key = (self.git_dir, oid, f"mod {module}")
        if key not in _SPELLS:
            pattern = rb"(?m)^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+" + re.escape(module.encode()) + rb"\s*[;{]"
            _SPELLS[key] = re.search(pattern, self.data(oid) or b"") is not None
        return _SPELLS[key]


def _read(data: bytes) -> dict[str, Any] | str:
    """A manifest's tables, or why it is not read."""
    if len(data) > MAX_MANIFEST:
        return f"{len(data)} bytes, too large to read"
    import tomllib  # 14 ms to import: only a Rust file under a Cargo.toml pays it

    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8"
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        return f"does not parse ({exc})"
