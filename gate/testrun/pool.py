"""A small pool of reusable test checkouts per repository (DESIGN §9, §10).

Making a fresh worktree for each run cost seconds on a 5,000-file repository for a
test command that takes a fraction of one; a slot kept from the last run only has to
move to the next candidate (``gate.git.scratch``: the files that differ) and be
cleaned afterwards.

Layout, for the repository whose common dir is C (digest D of its real path):

- ``<system temp>/agentgate-pool-<uid>-D/N/`` — slot N: the checkout ``N/checkout/``
  and, beside it, the JUnit file and output log of the run in it. Outside the
  repository on purpose: tools that look for their configuration in parent
  directories (pytest's rootdir and conftest.py, node_modules, .editorconfig) would
  otherwise find the user's own checkout above ``.git/``. The pool directory must be
  the user's own and private (0700): anything else in a shared temp dir could have
  been planted.
- ``C/agentgate/pool/N.lock`` — ``flock``-ed while a run uses slot N, so one slot is
  never handed to two runs; the kernel drops the lock however the holder dies. Its
  text says whether the slot was left clean (``ready`` and a digest of the slot's
  git config). Anything else (a run killed mid-way, a test that changed the slot's
  config) and the next run repairs the slot, or makes it again.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gate.git import scratch
from gate.git.wtlock import worktrees_locked
from gate.testrun.worktree import WorktreeError, rmtree

PREFIX = "agentgate-pool-"


@dataclass(frozen=True)
class Checkout:
    """A slot's checkout and the files of its run, kept outside the checkout."""

    path: Path
    junit: Path
    log: Path


def pool_dir(common_dir: Path) -> Path:
    """Where the slots of the repository at ``common_dir`` live."""
    digest = hashlib.sha256(os.fsencode(os.path.realpath(common_dir))).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"{PREFIX}{os.getuid()}-{digest}"


def _private_dir(path: Path) -> None:
    """Create ``path`` 0700, or accept it only when it already is a private directory of ours."""
    try:
        path.mkdir(mode=0o700)
        return
    except FileExistsError:
        pass
    except OSError as exc:
        raise WorktreeError(f"could not create a directory for the tests: {exc}") from exc
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise WorktreeError(
            f"{path} exists but is not a private directory of yours (owner {st.st_uid}, mode "
            f"{stat.filemode(st.st_mode)}): agentgate keeps its test checkouts there. Remove it and run again.")


def _config_digest(checkout: Path) -> bytes:
    try:
        return hashlib.sha256((checkout / ".git" / "config").read_bytes()).hexdigest().encode()
    except OSError:
        return b"-"


def _claim(locks: Path) -> tuple[int, int]:
    """Lock the first free slot (making a new one when all are taken); (slot, fd)."""
    try:
        locks.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorktreeError(f"could not write to {locks}: {exc}") from exc
    n = 0
    while True:
        try:
            fd = os.open(locks / f"{n}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise WorktreeError(f"could not write to {locks}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return n, fd
        except BlockingIOError:
            os.close(fd)  # another run has it
            n += 1


@contextmanager
def checkout(common_dir: Path, commit: str) -> Iterator[Checkout]:
    """A slot with ``commit`` checked out (detached), cleaned when the block exits."""
    root = pool_dir(common_dir)
    _private_dir(root)
    with worktrees_locked(common_dir):
        n, fd = _claim(common_dir / "agentgate" / "pool")
    try:
        status, _, digest = os.pread(fd, 4096, 0).strip().partition(b" ")
        _mark(fd, b"busy", digest)  # until cleaned: a kill from here on leaves it for repair
        slot = root / str(n)
        co = Checkout(path=slot / "checkout", junit=slot / "junit.xml", log=slot / "output.log")
        digest = _prepare(common_dir, co, commit, status == b"ready", digest)
        _mark(fd, b"busy", digest)
        try:
            yield co
        finally:
            if _release(co):
                _mark(fd, b"ready", digest)
    finally:
        # Unlock before closing: a git child forked meanwhile by another thread holds a
        # copy of this descriptor until it execs, and would keep the slot looking busy.
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _mark(fd: int, status: bytes, digest: bytes) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, status + b" " + digest + b"\n", 0)


def _prepare(common_dir: Path, co: Checkout, commit: str, ready: bool, digest: bytes) -> bytes:
    """Move the slot to ``commit``, or make it anew; returns its config's digest.

    A slot whose git config is not the one it was made with (a test command ran
    ``git config`` in it) is made anew rather than trusted.
    """
    co.junit.unlink(missing_ok=True)
    co.log.unlink(missing_ok=True)
    if (co.path / ".git").is_dir() and digest and _config_digest(co.path) == digest:
        try:
            scratch.move(co.path, commit, repair=not ready)
            return digest
        except scratch.ScratchError as exc:
            if not scratch.has_commit(common_dir, commit):
                raise WorktreeError(str(exc)) from exc
        # The slot is broken (a clone cut short, a test that wrecked its .git): anew.
    rmtree(co.path.parent)
    try:
        _private_dir(co.path.parent)
        scratch.clone(common_dir, co.path)
        scratch.move(co.path, commit, repair=False)
    except scratch.ScratchError as exc:
        raise WorktreeError(str(exc)) from exc
    return _config_digest(co.path)


def _release(co: Checkout) -> bool:
    """Clean the slot for the next run (False: it could not be, and is removed)."""
    co.junit.unlink(missing_ok=True)
    co.log.unlink(missing_ok=True)
    try:
        scratch.clean(co.path)
    except scratch.ScratchError:
        rmtree(co.path.parent)  # made again at next use
        return False
    return True
