"""Verdicts remembered under everything they depend on, looked up before pygit2 loads.

A warm gate is asked the same question again and again: an agent re-pushes a
refused commit, a CI job is re-run, a board is refreshed. Importing pygit2 alone
costs more than half of a hook's budget (DESIGN §9), so the answer to a question
already asked is found without it.

A run's result is a function of: every ref (the target, the pushed branch, the
other agent branches, approvals; the policy is in the target's tree), the pushed
lines, the command line, the working directory, the environment, git's
configuration files, the cached test results, and agentgate's own code and the
installed packages. ``probe`` hashes all of them with nothing but ``os`` and
``hashlib``; ``keep`` stores a completed run's result under that hash, and only
when the hash is unchanged at the end of the run (a ref that moved meanwhile
makes the result a mix of two states, so it is not kept).

Anything this module cannot read the way libgit2 does (reftable refs,
``GIT_COMMON_DIR``) means no memo, never a guess. A variable of the environment
is left out of the hash only when agentgate never reads it or when it names a
place whose content is fixed by object ids (git's quarantine directories).
``AGENTGATE_NO_MEMO=1`` turns the memo off.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence

from gate.memo.state import code_stamp, locate, snapshot

# Only for type checkers: typing, dataclasses and tempfile cost a replay about 30 ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

VERSION = 1
KEEP = 256  # entries kept when the folder is pruned
_PRUNE_AT = 2 * KEEP

# Per-invocation values agentgate never reads (or, for the quarantine, that only
# say where objects with fixed ids are): they would make every run a miss.
_VOLATILE = frozenset({
    "GIT_QUARANTINE_PATH", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_PUSH_CERT", "GIT_PUSH_CERT_KEY", "GIT_PUSH_CERT_NONCE", "GIT_PUSH_CERT_NONCE_SLOP",
    "GIT_PUSH_CERT_NONCE_STATUS", "GIT_PUSH_CERT_SIGNER", "GIT_PUSH_CERT_STATUS",
    "GIT_TRACE2_PARENT_SID",
    # The connection a push came over (ssh, or a web server running git http-backend).
    "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "SSH_AUTH_SOCK",
    "REMOTE_ADDR", "REMOTE_PORT", "CONTENT_LENGTH", "HTTP_CONTENT_LENGTH", "UNIQUE_ID", "HTTP_X_REQUEST_ID",
    "_", "OLDPWD", "SHLVL", "TERM_SESSION_ID", "WINDOWID",
})
_TRACE = ("AGENTGATE_DEBUG", "AGENTGATE_NO_MEMO")


class Probe:
    """One question: its key and the repository it was asked in."""

    __slots__ = ("kind", "key", "git_dir", "common_dir", "inputs")

    def __init__(self, kind: str, key: str, git_dir: str, common_dir: str, inputs: tuple[Any, ...]) -> None:
        self.kind = kind
        self.key = key
        self.git_dir = git_dir
        self.common_dir = common_dir
        self.inputs = inputs

    @property
    def path(self) -> str:
        return os.path.join(self.common_dir, "agentgate", "memo", f"{self.key}.json")


_armed: Probe | None = None


def arm(probe: Probe | None) -> None:
    """Let the command that runs next keep its result under ``probe``."""
    global _armed
    _armed = probe


def armed(kind: str) -> Probe | None:
    return _armed if _armed is not None and _armed.kind == kind else None


def probe(kind: str, args: Sequence[str], stdin: str | None = None,
          env: Mapping[str, str] | None = None, cwd: str | None = None) -> Probe | None:
    """The key of this run, or None when no memo may be used."""
    env = os.environ if env is None else env
    if any(env.get(k) for k in _TRACE):
        return None
    try:
        cwd = cwd or os.getcwd()
        found = locate(env, cwd)
        if found is None:
            return None
        git_dir, common_dir = found
        inputs = (kind, tuple(args), stdin, cwd,
                  tuple(sorted((k, v) for k, v in env.items() if k not in _VOLATILE)))
        return Probe(kind, _key(inputs, git_dir, common_dir), git_dir, common_dir, inputs)
    except (OSError, UnicodeError, ValueError):
        return None


def _key(inputs: tuple[Any, ...], git_dir: str, common_dir: str) -> str:
    state = snapshot(git_dir, common_dir)
    # ASCII JSON escapes lone surrogates (non-UTF-8 paths and values) instead of failing.
    blob = json.dumps([VERSION, inputs, git_dir, common_dir, state, code_stamp()]).encode()
    return hashlib.sha256(blob).hexdigest()


def recall(p: Probe | None) -> dict[str, Any] | None:
    """The kept result of this exact question, if any."""
    if p is None:
        return None
    try:
        with open(p.path, encoding="utf-8") as fh:
            value = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(value, dict) or value.get("version") != VERSION or value.get("kind") != p.kind:
        return None
    return value


def keep(p: Probe | None, value: Mapping[str, Any], git_dir_used: os.PathLike[str] | str) -> bool:
    """Keep ``value`` as the answer to ``p`` when nothing it depends on moved
    during the run and the run used the repository the probe located. Never
    raises: a memo that cannot be written is only a slower next run."""
    if p is None:
        return False
    try:
        if os.path.realpath(git_dir_used) != p.git_dir or _key(p.inputs, p.git_dir, p.common_dir) != p.key:
            return False
        text = json.dumps({"version": VERSION, "kind": p.kind, **value}, allow_nan=False)
        from gate.atomic import write_atomic  # its tempfile import is for this path, not a replay's

        write_atomic(p.path, text)
        _prune(os.path.dirname(p.path))
        return True
    except (OSError, TypeError, ValueError):
        return False


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _prune(folder: str) -> None:
    """At most ``_PRUNE_AT`` entries: past that, the oldest go down to ``KEEP``."""
    with os.scandir(folder) as it:
        entries = [e for e in it if e.name.endswith(".json") and not e.name.startswith(".")]
    if len(entries) <= _PRUNE_AT:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns)
    for e in entries[: len(entries) - KEEP]:
        _unlink(e.path)
