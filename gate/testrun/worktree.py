"""Throwaway detached worktrees for test runs, and removal of ones a killed run left.

Layout, for a run with random token T:

- ``<system temp>/agentgate-T/`` — the scratch dir: the worktree
  ``agentgate-T/agentgate-T/``, the JUnit file and the output log beside it.
  Outside the repository on purpose: tools that look for their configuration in
  parent directories (pytest's rootdir and conftest.py, node_modules, .editorconfig)
  would otherwise find the user's own checkout above ``.git/``.
- ``<git-common-dir>/agentgate/wt/T.lock`` — holds the scratch path and is
  ``flock``-ed for the whole run. The kernel drops the lock when the process dies,
  however it dies, so a lock that can be taken belongs to a dead run.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gate.git.run import GitUnavailable, Ran, clean_env, git
from gate.git.wtlock import worktrees_locked

PREFIX = "agentgate-"
_SCRATCH_NAME = re.compile(r"agentgate-[0-9a-f]{12}")
_TMP_LOCK_AGE = 3600.0  # seconds before an unrenamed lock file is certainly abandoned

class WorktreeError(Exception):
    """The temporary worktree could not be created."""


@dataclass(frozen=True)
class Checkout:
    """A temporary worktree and the files of its run, kept outside the worktree."""

    path: Path
    junit: Path
    log: Path


def _git(git_dir: Path, cwd: Path, *args: str) -> Ran:
    # No repository-local variable from a hook or an outer git: the repository is
    # the one --git-dir names.
    try:
        return git(f"--git-dir={git_dir}", *args, cwd=cwd if cwd.is_dir() else git_dir, env=clean_env(),
                   check=False)
    except GitUnavailable as exc:
        raise WorktreeError(f"tests need the git command line, which could not run: {exc.reason}") from exc


def _lock_dir(git_dir: Path) -> Path:
    return git_dir / "agentgate" / "wt"


@contextmanager
def temporary_worktree(git_dir: Path, repo_dir: Path, commit: str) -> Iterator[Checkout]:
    """A detached worktree at ``commit``, removed with its files when the block exits.

    No branch and no ref is created: the worktree's HEAD lives in its own admin dir,
    which goes with it. Hooks are off for the checkout (``core.hooksPath=/dev/null``):
    a user's ``post-checkout`` hook has no business in a throwaway tree.
    """
    token = secrets.token_hex(6)
    scratch = Path(tempfile.gettempdir()) / f"{PREFIX}{token}"
    fd, lock = _claim(_lock_dir(git_dir), token, scratch)
    try:
        try:
            scratch.mkdir(mode=0o700)
        except OSError as exc:
            raise WorktreeError(f"could not create a temporary directory for the tests: {exc}") from exc
        wt = scratch / scratch.name
        with worktrees_locked(git_dir):
            proc = _git(
                git_dir, repo_dir, "-c", "core.hooksPath=/dev/null",
                "worktree", "add", "--quiet", "--detach", str(wt), commit,
            )  # fmt: skip
        if proc.code != 0:
            raise WorktreeError(f"could not check out {commit[:12]} in a temporary worktree: {proc.error}")
        yield Checkout(path=wt, junit=scratch / "junit.xml", log=scratch / "output.log")
    finally:
        remove_scratch(git_dir, repo_dir, scratch)
        lock.unlink(missing_ok=True)
        os.close(fd)


def _claim(locks: Path, token: str, scratch: Path) -> tuple[int, Path]:
    """Create and hold the lock file naming ``scratch``; returns its fd and path.

    Locked under a name no pruner looks at, then renamed into place: a ``*.lock``
    a pruner can see is either held by a live run or stale.
    """
    pending = locks / f"{token}.tmp"
    try:
        locks.mkdir(parents=True, exist_ok=True)
        fd = os.open(pending, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise WorktreeError(f"could not write to {locks}: {exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, os.fsencode(scratch) + b"\n")
        lock = locks / f"{token}.lock"
        os.rename(pending, lock)
    except OSError as exc:
        os.close(fd)
        pending.unlink(missing_ok=True)
        raise WorktreeError(f"could not write to {locks}: {exc}") from exc
    return fd, lock


def remove_scratch(git_dir: Path, repo_dir: Path, scratch: Path) -> None:
    """Remove a scratch dir, its worktree and the worktree's admin dir in ``git_dir``."""
    wt = scratch / scratch.name
    removed = False
    with worktrees_locked(git_dir):
        if wt.is_dir():
            # Twice --force: removes a dirty worktree, and a locked one (git locks a
            # worktree while `worktree add` runs; a run killed then leaves it locked).
            removed = _git(git_dir, repo_dir, "worktree", "remove", "--force", "--force", str(wt)).code == 0
        if not removed:
            _drop_admin_dirs(git_dir, scratch)
    _rmtree(scratch)


def _drop_admin_dirs(git_dir: Path, scratch: Path) -> None:
    """Delete the admin dirs of worktrees that lived in ``scratch``, and only those.

    This is what ``git worktree prune`` does for one entry; a blanket prune would
    also drop a user's worktree that is merely unreachable (an unmounted disk).
    """
    admin_root = git_dir / "worktrees"
    inside = os.path.realpath(scratch) + os.sep
    try:
        admins = list(admin_root.iterdir())
    except OSError:
        return
    for admin in admins:
        try:
            gitdir = (admin / "gitdir").read_text(errors="surrogateescape").strip()
        except OSError:
            continue
        if os.path.realpath(gitdir).startswith(inside):
            _rmtree(admin)
    try:
        admin_root.rmdir()  # as git does when the last linked worktree goes
    except OSError:
        pass


def prune_stale(git_dir: Path, repo_dir: Path) -> list[Path]:
    """Remove what runs that died without cleaning up left behind; returns their scratch dirs."""
    locks = _lock_dir(git_dir)
    if not locks.is_dir():
        return []
    pruned: list[Path] = []
    for lock in sorted(locks.glob("*.lock")):
        try:
            fd = os.open(lock, os.O_RDWR)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a live run holds it
            scratch = Path(os.fsdecode(os.read(fd, 4096).strip()))
            # Only ever delete what we could have made: a random-named dir in a temp dir.
            if _SCRATCH_NAME.fullmatch(scratch.name) and scratch.is_absolute():
                remove_scratch(git_dir, repo_dir, scratch)
                pruned.append(scratch)
            lock.unlink(missing_ok=True)
        finally:
            os.close(fd)
    now = time.time()
    for pending in locks.glob("*.tmp"):
        try:
            if now - pending.stat().st_mtime > _TMP_LOCK_AGE:
                pending.unlink()
        except OSError:
            pass
    return pruned


def _rmtree(path: Path) -> None:
    """Delete a tree, even where a test suite left read-only directories in it."""
    if not os.path.lexists(path):
        return
    shutil.rmtree(path, ignore_errors=True)
    if not os.path.lexists(path) or os.path.islink(path):
        return
    for root, dirs, _files in os.walk(path, onerror=lambda _e: None):
        for d in dirs:
            try:
                os.chmod(os.path.join(root, d), 0o700)
            except OSError:
                pass
    shutil.rmtree(path, ignore_errors=True)
