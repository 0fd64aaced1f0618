"""Symlinks resolved as the OS resolves them on a checkout (issue 14, item 3).

The resolver (``gate.git.links``) follows the links in the tree as the OS does; the
differential test holds it against ``os.path.realpath`` and the kernel on real
checkouts of generated layouts.
"""

from __future__ import annotations

import errno
import os
import posixpath
import random
from collections import Counter
from pathlib import Path

import pytest

from gate.git import links
from gate.git.opening import open_repo
from tests.gitutil import Repo

# -- the resolver against the OS ---------------------------------------------------------

DIRS = ("", "a", "a/b", "c")
NAMES = ("..", "..", ".", "a", "b", "c", "f", "x", "l0", "l1", "l2", "l3")


def _layout(rng: random.Random) -> dict[str, str]:
    """Links (path -> target) scattered over DIRS: targets of files, folders, other
    links, names that do not exist, parents, and now and then an absolute path."""
    out: dict[str, str] = {}
    for n in range(rng.randint(3, 7)):
        where = rng.choice(DIRS)
        path = f"{where}/l{n % 4}".lstrip("/")
        if rng.random() < 0.08:
            out[path] = rng.choice(("/tmp", "/etc/passwd"))
        else:
            out[path] = "/".join(rng.choice(NAMES) for _ in range(rng.randint(1, 4)))
    return out


def _os_answer(root: Path, rel: str) -> tuple[str, str | None, str | None]:
    """(where, path, kind) as the OS and ``os.path.realpath`` see ``rel`` in a checkout."""
    try:
        os.stat(root / rel)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "loop", None, None
    real = Path(os.path.realpath(root / rel))
    # realpath gives up on a loop the kernel never reached (past a missing name) and
    # hands back a path that still holds a link.
    if any(p.is_symlink() for p in (real, *real.parents)):
        return "loop", None, None
    inside = os.path.relpath(real, root)
    if inside == ".." or inside.startswith("../"):
        return "outside", None, None
    kind = "dir" if real.is_dir() else "file" if real.exists() else None
    return "inside", "" if inside == "." else inside, kind


def test_links_resolve_as_the_os_resolves_them_on_a_checkout(tmp_path: Path) -> None:
    seen: Counter[str] = Counter()
    for seed in range(12):
        layout = _layout(random.Random(seed))
        repo = Repo.init(tmp_path / f"r{seed}")
        for d in DIRS:
            repo.write(f"{d}/f".lstrip("/"), f"file in {d or 'the root'}\n")
        for path, target in layout.items():
            os.symlink(target, repo.path / path)
        head = repo.commit("layout")
        checkout = tmp_path / f"checkout{seed}"
        repo.git("worktree", "add", "-q", "--detach", str(checkout), head)
        root = Path(os.path.realpath(checkout))
        tree = links.Tree(open_repo(repo.path), head)
        for path in sorted(layout):
            target = layout[path]
            assert tree.link(path) == target
            got = links.resolve(tree, path, target)
            expected = _os_answer(root, path)
            assert (got.where, got.path if got.where == "inside" else None, got.kind) == expected, (seed, path, layout)
            lexical = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            seen[got.where] += 1
            seen["physical, not lexical"] += got.where == "inside" and got.path != lexical.strip(".")
    # The layouts hold every answer, and links the lexical reading gets wrong.
    assert min(seen.values()) >= 3, seen


def test_a_chain_of_more_links_than_the_os_follows_is_a_loop(tmp_path: Path) -> None:
    repo = Repo.init(tmp_path / "r")
    repo.write("end", "x\n")
    for n in range(45):
        os.symlink(f"c{n + 1}" if n < 44 else "end", repo.path / f"c{n}")
    head = repo.commit("chain")
    tree = links.Tree(open_repo(repo.path), head)
    with pytest.raises(OSError) as e:
        os.stat(repo.path / "c0")
    assert e.value.errno == errno.ELOOP
    assert links.resolve(tree, "c0", "c1").where == "loop"
    assert links.resolve(tree, "c5", "c6") == links.Resolved("inside", "end", "file")  # 39 links: followed
