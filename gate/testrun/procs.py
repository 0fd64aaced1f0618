"""Test commands in their own process group: start, and kill the whole group.

The command runs under ``/bin/sh`` in a new session, so its process group id is
the shell's pid and every process it forks (pytest workers, servers a test
starts) stays in that group unless it calls ``setsid`` itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

GRACE = 2.0  # seconds between SIGTERM and SIGKILL: room for a test runner to exit cleanly
KILL_WAIT = 5.0  # seconds to wait for SIGKILLed processes to be gone before giving up
_POLL = 0.02

_subreaper = False


def become_subreaper() -> None:
    """On Linux, adopt orphaned descendants so that this process can reap them.

    When the shell of a test command dies, its children are reparented to the
    nearest subreaper, else to pid 1. Some container inits never reap, and a group
    made only of zombies still answers ``killpg(pgid, 0)``: without adopting them
    we could not tell that the group is gone. Process-wide and idempotent.
    """
    global _subreaper
    if _subreaper or not sys.platform.startswith("linux"):
        return
    import ctypes  # only here: ctypes costs an import the hook path must not pay

    pr_set_child_subreaper = 36
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_child_subreaper, 1, 0, 0, 0)
    except (OSError, AttributeError):
        return
    _subreaper = True


def start(command: str, cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``command`` with the shell in ``cwd``, stdout and stderr into ``log``.

    Output goes to a file, not a pipe: a grandchild that keeps the pipe open would
    otherwise hold up the reader after the group is killed.
    """
    with open(log, "wb") as out:
        return subprocess.Popen(
            command,
            shell=True,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def group_alive(pgid: int) -> bool:
    """Whether any process (a zombie counts) is left in process group ``pgid``."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a member changed its uid: still there, just not ours to signal
    return True


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Reap the leader, then any adopted zombies of its group.

    The group-wide ``waitpid`` runs only once Popen has the leader's status:
    reaping the leader behind Popen's back would make it report exit code 0.
    """
    if proc.poll() is None:
        return
    while True:
        try:
            pid, _ = os.waitpid(-proc.pid, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_group(proc: subprocess.Popen[bytes], grace: float = GRACE) -> None:
    """Make sure no process of ``proc``'s group is left: SIGTERM, then SIGKILL after ``grace``.

    Called after every run, not only on timeout: a test suite that exits 0 but
    leaves a server running in the background must not outlive the gate.
    """
    pgid = proc.pid
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, KILL_WAIT)):
        _reap(proc)
        if not group_alive(pgid):
            return
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            _reap(proc)
            return
        except PermissionError:
            pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            _reap(proc)
            if not group_alive(pgid):
                return
            time.sleep(_POLL)
