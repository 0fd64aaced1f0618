"""Where a symlink leads once it is checked out: its target resolved as the OS would.

A lexical ``normpath`` is wrong for links: with ``src/ui/d -> .`` in the tree,
``src/ui/lnk -> d/../billing`` opens ``src/billing``, not ``src/ui/billing``, because
the OS replaces ``d`` by its target before it applies ``..``. So the target is walked
one component at a time from the link's directory, as ``os.path.realpath`` walks a
checkout: a component that is a link in the tree is replaced by that link's target
(read from its own directory; an absolute one leaves the repository), ``..`` drops
the last component of the path resolved so far, and a component that is not a link
(a file, a directory, or nothing yet) is kept as it is written.

Loops end as the kernel ends them: the 41st link of one lookup is ``ELOOP`` on Linux
(MAXSYMLINKS), whatever the links form (``a -> b -> a``, ``d -> d/x``, or a long
chain). A target longer than the OS lets a link hold is given up on the same way:
``symlink(2)`` refuses it, and without the limit a crafted target would cost time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal
from weakref import WeakKeyDictionary

from gate.git.modes import canonical_mode
from gate.git.repo import GitRepo
from gate.model import MODE_LINK, MODE_TREE, Oid

Where = Literal["inside", "outside", "loop"]
Kind = Literal["link", "file", "dir"]

MAX_HOPS = 40  # Linux's MAXSYMLINKS: the 41st link followed in one lookup is ELOOP
MAX_TARGET = 4095  # PATH_MAX less its NUL: symlink(2) refuses a longer target (ENAMETOOLONG)


@dataclass(frozen=True)
class Resolved:
    """Where a link leads: ``inside`` the repository at ``path`` (``""`` is its root,
    ``kind`` what the tree holds there, None for nothing), ``outside`` it, or a
    ``loop`` the OS gives up on."""

    where: Where
    path: str = ""
    kind: Kind | None = None


@dataclass(frozen=True)
class Change:
    """What a patch leaves at a path on top of a commit's tree: a link to ``target``,
    a file, or nothing (``gone``)."""

    kind: Literal["link", "file", "gone"]
    target: str = ""


class Tree:
    """The paths of ``commit``'s tree as a checkout lays them out, with ``changes``
    (a patch's) on top. Directories are read once each; of duplicate entries the last
    is kept, as a checkout keeps it."""

    def __init__(self, repo: GitRepo, commit: str, changes: Mapping[str, Change] | None = None) -> None:
        self._repo = repo
        self._commit = commit
        self._changes = dict(changes or {})
        self._implied = {p[:i] for p, c in self._changes.items() if c.kind != "gone"
                         for i in range(len(p)) if p[i] == "/"}
        self._targets: dict[str, str] = {}

    def kind(self, path: str) -> Kind | None:
        """What a checkout has at ``path`` (no links followed): None for nothing."""
        if path == "":
            return "dir"
        change = self._changes.get(path)
        if change is not None:
            return None if change.kind == "gone" else change.kind
        if path in self._implied:
            return "dir"
        entry = self._entry(path)
        if entry is None:
            return None
        mode = entry[1]
        return "dir" if mode == MODE_TREE else "link" if mode == MODE_LINK else "file"

    def link(self, path: str) -> str | None:
        """The target of the link at ``path``; None when ``path`` is not a link."""
        change = self._changes.get(path)
        if change is not None:
            return change.target if change.kind == "link" else None
        entry = self._entry(path)
        if entry is None or entry[1] != MODE_LINK:
            return None
        target = self._targets.get(path)
        if target is None:
            target = self._targets[path] = self._repo.read_blob(entry[0]).decode("utf-8", "surrogateescape")
        return target

    def _entry(self, path: str) -> tuple[Oid, int] | None:
        """(id, canonical mode) of ``path`` in the commit's tree, as a checkout writes
        it (``GitRepo.entry_at``: git's modes, the last of duplicate entries); None
        when a change of the patch above it replaces the folder it sits in."""
        parts = path.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in self._changes:  # a file, link or deletion replaces the folder
                return None
        return self._repo.entry_at(self._commit, path)


def resolve(tree: Tree, path: str, target: str) -> Resolved:
    """Where the link at ``path`` with ``target`` leads in ``tree``."""
    if len(target.encode("utf-8", "surrogateescape")) > MAX_TARGET:
        return Resolved("loop")
    here = path.split("/")[:-1]
    todo = _parts(target)
    hops = 0
    if target.startswith("/"):
        return Resolved("outside")
    while todo:
        name = todo.pop()
        if name in ("", "."):
            continue
        if name == "..":
            if not here:
                return Resolved("outside")  # the parent of the checkout
            here.pop()
            continue
        here.append(name)
        inner = tree.link("/".join(here))
        if inner is None:
            continue
        hops += 1
        if hops > MAX_HOPS or len(inner.encode("utf-8", "surrogateescape")) > MAX_TARGET:
            return Resolved("loop")
        if inner.startswith("/"):
            return Resolved("outside")
        here.pop()  # the link's own directory is where its target starts
        todo.extend(_parts(inner))
    end = "/".join(here)
    return Resolved("inside", end, tree.kind(end))


def _parts(target: str) -> list[str]:
    """The components of ``target`` as a stack: the next one to walk is last."""
    return target.split("/")[::-1]


# One tree per (head, source) and run: a change set adding many links reads each
# folder once. Kept per opened repository, as the overlaps' run memory is.
_RUN: WeakKeyDictionary[GitRepo, dict[tuple[str, int], tuple[object, Tree]]] = WeakKeyDictionary()


def tree_for(repo: GitRepo, head: str, source: object, changes: Callable[[], Mapping[str, Change]]) -> Tree:
    """The tree the links of one change set resolve in: ``head``'s, with ``changes()``
    (a patch's links, files and deletions) on top. Keyed by the source's identity,
    the source kept in the value so that the identity cannot be reused meanwhile."""
    run = _RUN.setdefault(repo, {})
    key = (head, id(source))
    hit = run.get(key)
    if hit is None or hit[0] is not source:
        hit = run[key] = (source, Tree(repo, head, changes()))
    return hit[1]


def all_links(repo: GitRepo, commit: str) -> list[str]:
    """The path of every symlink in ``commit``'s tree as a checkout lays it out (git's
    modes, the last of duplicate entries). Walks the whole tree: asked only when a
    change set touches a link."""
    out: list[str] = []
    todo = [("", str(repo.tree_id(commit)))]
    while todo:
        prefix, tree = todo.pop()
        entries = {name: (canonical_mode(mode), oid) for mode, name, oid in repo.trees.read(tree)}
        for name, (mode, oid) in entries.items():
            path = prefix + name.decode("utf-8", "surrogateescape")
            if mode == MODE_TREE:
                todo.append((path + "/", oid))
            elif mode == MODE_LINK:
                out.append(path)
    return sorted(out)
