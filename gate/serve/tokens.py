"""One token per agent for ``agentgate serve``: made here, kept only as a salted hash.

The file is ``<common dir>/agentgate/serve-tokens.json`` (mode 0600), read again
on every request, so a token made while ``serve`` runs works at once and a
replaced one stops working at once. A token is 256 random bits: a salted SHA-256
is enough to keep it from being read back (a slow hash such as scrypt protects
guessable passwords, and would cost every fetch and push its time).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gate.errors import GateError
from gate.git import clones
from gate.git.repo import GitRepo
from gate.serve import state

FILE = "serve-tokens.json"
PREFIX = "agt_"


def path(common_dir: Path) -> Path:
    return common_dir / "agentgate" / FILE


def _digest(salt: str, token: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + token.encode("utf-8")).hexdigest()


def _read(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise GateError(f"cannot read {file} ({e}). Move it away and make the tokens again "
                        "('agentgate serve token AGENT').") from None
    agents = data.get("agents") if isinstance(data, dict) else None
    return agents if isinstance(agents, dict) else {}


@contextmanager
def _locked(file: Path) -> Iterator[None]:
    file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(file.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write(file: Path, agents: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=".tmp-tokens-")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"version": 1, "agents": agents}, fh, indent=1, sort_keys=True)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def issue(common_dir: Path, agent: str) -> str:
    """Make a new token for ``agent``, replacing its old one; the token itself (only
    its hash is kept)."""
    token = PREFIX + secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    file = path(common_dir)
    with _locked(file):
        agents = _read(file)
        agents[agent] = {"salt": salt, "sha256": _digest(salt, token),
                         "made": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        _write(file, agents)
    return token


def verify(common_dir: Path, agent: str, token: str) -> bool:
    """Whether ``token`` is ``agent``'s current token."""
    try:
        entry = _read(path(common_dir)).get(agent)
    except GateError:
        return False  # an unreadable file lets nobody in
    if not isinstance(entry, dict):
        return False
    salt, want = entry.get("salt"), entry.get("sha256")
    if not isinstance(salt, str) or not isinstance(want, str):
        return False
    try:
        got = _digest(salt, token)
    except ValueError:
        return False
    return hmac.compare_digest(got, want)


def agents(common_dir: Path) -> list[str]:
    """The agents that have a token."""
    return sorted(_read(path(common_dir)))


def hand_out(repo: GitRepo, agent: str) -> tuple[str, list[Path]]:
    """A new token for ``agent``, written into the credential store of each of its
    isolated clones (a token replaced would otherwise lock them out); the token and
    the clones updated."""
    token = issue(repo.common_dir, agent)
    served = state.read(repo.common_dir)
    done = []
    if served is not None:
        for c in clones.clones(repo):
            if c.agent == agent and not c.missing:
                clones.set_credential(c.path, served.origin, agent, token)
                done.append(c.path)
    return token, done
