"""Removal of the throwaway worktrees that runs of earlier versions left when killed.

Test runs now use the slots of ``gate.testrun.pool``. Before, each run made a linked
worktree, and a run killed with ``kill -9`` left, for a random token T:

- ``<system temp>/agentgate-T/`` — the scratch dir, with the worktree
  ``agentgate-T/agentgate-T/`` in it;
- ``<git-common-dir>/agentgate/wt/T.lock`` — the scratch path, ``flock``-ed for the
  whole run (a lock that can be taken belongs to a dead run);
- the worktree's admin dir in ``<git-common-dir>/worktrees/``.

``prune_stale`` removes those, so ``git worktree list`` shows nothing of agentgate
after an upgrade either.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
from pathlib import Path

from gate.git.run import GitUnavailable, Ran, clean_env, git
from gate.git.wtlock import worktrees_locked

PREFIX = "agentgate-"
_SCRATCH_NAME = re.compile(r"agentgate-[0-9a-f]{12}")
_TMP_LOCK_AGE = 3600.0  # seconds before an unrenamed lock file is certainly abandoned

class WorktreeError(Exception):
    """The test checkout could not be made ready; the message says why."""


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
    rmtree(scratch)


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
            rmtree(admin)
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


def rmtree(path: Path) -> None:
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
