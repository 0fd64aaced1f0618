"""The git command line: one runner, and the one list of repository-local variables.

Everything in agentgate that runs ``git`` as a program goes through ``git()`` here;
objects and refs go through pygit2 in the rest of ``gate.git``. This module imports
only ``os``, ``subprocess`` and ``typing`` (no pygit2, no dataclasses): the
``commit-msg`` hook, the update hook's no-op and the installed hook shims
(``python3 -c 'import gate.hookinstall'``) use it, and pay for every import on
every commit or push (DESIGN §9).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from gate.errors import GateError

# Variables a hook or an outer git command sets that would point a child git (or a
# test command) at another repository, index, object store or config than the one
# its cwd or --git-dir names. The first sixteen are what `git rev-parse
# --local-env-vars` prints (git 2.39, in its order); git leaves out two that matter
# to us as much: GIT_QUARANTINE_PATH (receive-pack sets it for pre-receive, and a git
# that sees it refuses every ref update) and GIT_NAMESPACE (every ref would be read
# and written under refs/namespaces/NAME).
LOCAL_VARS = (
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
    "GIT_OBJECT_DIRECTORY", "GIT_DIR", "GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE",
    "GIT_INDEX_FILE", "GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_PREFIX",
    "GIT_INTERNAL_SUPER_PREFIX", "GIT_SHALLOW_FILE", "GIT_COMMON_DIR",
    "GIT_QUARANTINE_PATH", "GIT_NAMESPACE",
)  # fmt: skip
# GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n are counted by GIT_CONFIG_COUNT and go with it.
_PAIRED = ("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_")


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without the repository-local variables, then ``extra``.

    GIT_CONFIG_GLOBAL and GIT_CONFIG_NOSYSTEM are the user's, not the repository's,
    and stay.
    """
    env = {k: v for k, v in os.environ.items() if k not in LOCAL_VARS and not k.startswith(_PAIRED)}
    env.update(extra or {})
    return env


class Ran(NamedTuple):
    """What a finished git printed, as bytes: paths and ref names need not be UTF-8.

    A NamedTuple rather than a frozen dataclass: ``dataclasses`` (with ``inspect``)
    is not loaded on the ``commit-msg`` path, and this must not be what loads it.
    """

    code: int
    out: bytes
    err: bytes

    @property
    def text(self) -> str:
        """stdout as text; bytes that are not UTF-8 survive a round trip to ``os.fsencode``."""
        return self.out.decode("utf-8", "surrogateescape")

    @property
    def error(self) -> str:
        """stderr as one readable message."""
        return self.err.decode("utf-8", "replace").strip()


class GitUnavailable(GateError):
    """git could not be started (not on PATH, ``cwd`` gone) or did not finish in time.

    ``reason`` is the operating system's word for it, for callers that say it their way.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def git(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None,
        input: bytes | None = None, check: bool = True, ok: tuple[int, ...] = (0,),
        timeout: float | None = None) -> Ran:
    """Run ``git ARGS`` and capture its output.

    ``env`` is git's whole environment (None: this process's, as it is; see
    ``clean_env``). ``input`` goes to git's stdin; without it git inherits this
    process's stdin.
    With ``check``, an exit code not in ``ok`` raises GateError carrying git's own
    message (stderr, else stdout). GitUnavailable when git cannot run at all,
    whatever ``check`` says.
    """
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, env=env, input=input, capture_output=True,
                              timeout=timeout, check=False)
    except OSError as e:
        raise GitUnavailable(f"cannot run git ({e}). Is git installed and on PATH?", str(e)) from None
    except subprocess.TimeoutExpired:
        why = f"git {args[0]} did not finish within {timeout:g} s"
        raise GitUnavailable(f"{why}. Try again when the machine is less busy.", why) from None
    ran = Ran(proc.returncode, proc.stdout, proc.stderr)
    if check and ran.code not in ok:
        msg = ran.error or ran.out.decode("utf-8", "replace").strip()
        where = "" if cwd is None else f" in {cwd}"
        raise GateError(f"git {args[0]} failed{where}: {msg}")
    return ran


def start(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start ``git ARGS`` with pipes on stdin, stdout and stderr, for a caller that
    streams (``agentgate serve`` relays request and response bodies through
    ``git http-backend`` without holding a push in memory). GitUnavailable when git
    cannot be started."""
    try:
        return subprocess.Popen(["git", *args], cwd=cwd, env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        raise GitUnavailable(f"cannot run git ({e}). Is git installed and on PATH?", str(e)) from None
