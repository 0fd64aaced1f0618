"""One lock for every change agentgate makes to a repository's linked worktrees.

git is not safe against itself here: ``worktree add`` reads every other
worktree's admin dir, which a concurrent add may have half written, and
``worktree remove`` (and ``prune``) deletes ``.git/worktrees`` when its last
entry goes, under an add that has just created it. Parallel test runs
(``check --tests --jobs``) and agents spawned side by side hit both.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def worktrees_locked(common_dir: Path) -> Iterator[None]:
    """Hold ``<common dir>/agentgate/worktrees.mutex`` (a ``flock``: a holder that
    dies frees it). A repository where it cannot be written runs unserialised
    rather than not at all."""
    path = common_dir / "agentgate" / "worktrees.mutex"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
