"""One ``land`` at a time per repository, and signals that cannot split a landing.

The lock is a ``flock`` on ``<git-common-dir>/agentgate/land.lock``: the kernel
drops it however the holder dies, so a lock that can be taken is free. The file
holds the holder's pid, for the message a second run prints.
"""

from __future__ import annotations

import fcntl
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from gate.errors import GateError


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextmanager
def exclusive(common_dir: Path) -> Iterator[None]:
    """Hold the land lock, or raise GateError naming the run that holds it."""
    path = common_dir / "agentgate" / "land.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise GateError(f"cannot write {path} ({exc.strerror}): land needs it to run alone. Nothing was changed.") \
            from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            raise GateError(
                f"another 'agentgate land' (pid {holder}) is running in this repository. Nothing was changed: "
                "run again when it has finished (two queues at once would test and land against each other)."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


@contextmanager
def interruptible() -> Iterator[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` in the main thread, so that the cleanup
    on the way out (worktrees, the lock) runs; SIGTERM's default would end the process
    on the spot. SIGINT is taken explicitly too: a process started from a shell's
    background job (a CI runner, ``cmd &``) inherits it ignored, and Python then
    raises no KeyboardInterrupt, so a Ctrl-C meant for the queue would do nothing."""
    def raise_(signum: int, _frame: FrameType | None) -> None:
        raise Interrupted(signum)

    old = {s: signal.signal(s, raise_) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done (the target's one move and the
    checkout that follows it), then raise ``Interrupted`` for the first that came."""
    came: list[int] = []

    def note(signum: int, _frame: FrameType | None) -> None:
        came.append(signum)

    old = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)
    if came:
        raise Interrupted(came[0])
