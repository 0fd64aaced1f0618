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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pygit2

from gate.git.repo import GitRepo
from gate.model import MODE_LINK, MODE_TREE

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
        self._dirs: dict[str, dict[bytes, pygit2.Object] | None] = {}
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
        mode = int(entry.filemode)
        return "dir" if mode == MODE_TREE else "link" if mode == MODE_LINK else "file"

    def link(self, path: str) -> str | None:
        """The target of the link at ``path``; None when ``path`` is not a link."""
        change = self._changes.get(path)
        if change is not None:
            return change.target if change.kind == "link" else None
        entry = self._entry(path)
        if entry is None or int(entry.filemode) != MODE_LINK:
            return None
        target = self._targets.get(path)
        if target is None:
            target = self._targets[path] = self._repo.read_blob(str(entry.id)).decode("utf-8", "surrogateescape")
        return target

    def _entry(self, path: str) -> pygit2.Object | None:
        parent, _, name = path.rpartition("/")
        listing = self._listing(parent)
        return None if listing is None else listing.get(name.encode("utf-8", "surrogateescape"))

    def _listing(self, path: str) -> dict[bytes, pygit2.Object] | None:
        """The entries of the directory ``path`` by raw name; None when it is none."""
        if path in self._dirs:
            return self._dirs[path]
        tree: pygit2.Object | None
        if path == "":
            tree = self._repo.raw[self._commit].peel(pygit2.Tree)
        else:
            change = self._changes.get(path)
            tree = None if change is not None else self._entry(path)
            if tree is not None and int(tree.filemode) != MODE_TREE:
                tree = None
        listing = None
        if tree is not None:
            # By raw name: a path that is not UTF-8 is still found (str lookups would
            # miss it and read a link as a missing name), and the last duplicate wins.
            listing = {bytes(e.raw_name or b""): e for e in self._repo.raw[tree.id].peel(pygit2.Tree)}
        self._dirs[path] = listing
        return listing


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
