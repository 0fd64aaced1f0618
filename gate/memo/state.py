"""The state a kept verdict depends on, read with plain file access (no pygit2):
where the repository is, its refs, configuration and cached test results, and
agentgate's own code."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping

TYPE_CHECKING = False  # typing costs a replay 5 ms
if TYPE_CHECKING:
    from typing import Any

def _is_git_dir(d: str) -> bool:
    return (os.path.isfile(os.path.join(d, "HEAD")) and os.path.isdir(os.path.join(d, "objects"))
            and os.path.isdir(os.path.join(d, "refs")))


def locate(env: Mapping[str, str], cwd: str) -> tuple[str, str] | None:
    """(git dir, common dir), found the way git does from ``cwd``; None when in doubt."""
    if env.get("GIT_COMMON_DIR"):
        return None
    git_dir: str | None = None
    if env.get("GIT_DIR"):
        git_dir = os.path.join(cwd, env["GIT_DIR"])
    else:
        d = cwd
        while True:
            dot = os.path.join(d, ".git")
            if os.path.isdir(dot):
                git_dir = dot
            elif os.path.isfile(dot):
                with open(dot, encoding="utf-8") as fh:
                    line = fh.readline().strip()
                if not line.startswith("gitdir: "):
                    return None
                git_dir = os.path.join(d, line[len("gitdir: "):])
            elif _is_git_dir(d):
                git_dir = d
            parent = os.path.dirname(d)
            if git_dir is not None or parent == d:
                break
            d = parent
    if git_dir is None or not _is_git_dir(git_dir) and not os.path.isfile(os.path.join(git_dir, "commondir")):
        return None
    common = git_dir
    commondir = os.path.join(git_dir, "commondir")
    if os.path.isfile(commondir):
        with open(commondir, encoding="utf-8") as fh:
            common = os.path.join(git_dir, fh.read().strip())
    if os.path.exists(os.path.join(common, "reftable")):
        return None  # refs we cannot read without libgit2
    return os.path.realpath(git_dir), os.path.realpath(common)


_READ_UP_TO = 8 << 20


def _fingerprint(path: str) -> str | tuple[int, int, int] | None:
    """A file's content hash; for a huge one, its inode, mtime and size (git
    replaces such files by renaming a new one over them)."""
    try:
        st = os.stat(path)
        if st.st_size > _READ_UP_TO:
            return st.st_ino, st.st_mtime_ns, st.st_size
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _loose_refs(root: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            it = os.scandir(d)
        except OSError:
            continue
        with it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                elif not e.name.endswith(".lock"):
                    try:
                        with open(e.path, "rb") as fh:
                            out.append((e.path[len(root):], fh.read().decode("utf-8", "surrogateescape")))
                    except OSError:
                        continue  # deleted meanwhile: the end-of-run check sees the change
    return sorted(out)


def _config_files(git_dir: str, common_dir: str) -> list[str]:
    # The process environment, not the probe's: it is what libgit2 and git read.
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    files = [os.path.join(common_dir, "config"), os.path.join(git_dir, "config.worktree"),
             os.path.join(home, ".gitconfig"), os.path.join(xdg, "git", "config"), "/etc/gitconfig"]
    for var in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"):
        if os.environ.get(var):
            files.append(os.environ[var])
    return files


def snapshot(git_dir: str, common_dir: str) -> list[Any]:
    """What in the repository a verdict depends on: every ref, HEAD, packed refs,
    configuration, grafts and shallow files, and the cached test results."""
    state: list[Any] = [_loose_refs(os.path.join(common_dir, "refs"))]
    # In order, not a set: a set of strings iterates differently in each process.
    for d in dict.fromkeys((git_dir, common_dir)):
        for name in ("HEAD", "packed-refs", "shallow", "info/grafts", "info/attributes"):
            state.append((d, name, _fingerprint(os.path.join(d, name))))
    if git_dir != common_dir:
        state.append(_loose_refs(os.path.join(git_dir, "refs")))
    state.append([(f, _fingerprint(f)) for f in _config_files(git_dir, common_dir)])
    # The worktree's own policy file: check and who tell when it differs from the
    # target's (gate.report.notes), so a replay must not outlive an edit of it.
    wt = _worktree_of(git_dir)
    state.append(None if wt is None else _fingerprint(os.path.join(wt, ".agentgate.toml")))
    tests = os.path.join(common_dir, "agentgate", "tests")
    try:
        with os.scandir(tests) as it:
            state.append(sorted((e.name, e.inode(), e.stat().st_mtime_ns, e.stat().st_size) for e in it))
    except OSError:
        state.append(None)
    return state


def _worktree_of(git_dir: str) -> str | None:
    """The checkout of ``git_dir``: a linked worktree's (its ``gitdir`` file), the
    folder around a ``.git`` folder, else None (bare)."""
    link = os.path.join(git_dir, "gitdir")
    if os.path.isfile(link):
        with open(link, encoding="utf-8") as fh:
            return os.path.dirname(os.path.join(git_dir, fh.read().strip()))
    return os.path.dirname(git_dir) if os.path.basename(git_dir) == ".git" else None


_stamp: list[Any] | None = None


def code_stamp() -> list[Any]:
    """agentgate's own files and the installed packages (their dist-info names
    carry versions): an upgrade or an edit of agentgate is a different question."""
    global _stamp
    if _stamp is not None:
        return _stamp
    pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # gate/
    files: list[tuple[str, int, int]] = []
    stack = [pkg]
    while stack:
        d = stack.pop()
        with os.scandir(d) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    if e.name != "__pycache__":
                        stack.append(e.path)
                elif e.name.endswith((".py", ".json", ".toml")):
                    st = e.stat()
                    files.append((e.path[len(pkg):], st.st_mtime_ns, st.st_size))
    sites = []
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")) and os.path.isdir(entry):
            sites.append((entry, sorted(os.listdir(entry))))
    _stamp = [sys.version, sorted(files), sites]
    return _stamp
