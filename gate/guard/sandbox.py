"""Claude Code's sandbox and permission settings for an isolated agent clone.

``agentgate spawn --isolated`` gives an agent a clone of its own whose only remote
is ``agentgate serve``. What the agent must not do there is write where the
boundary lives: the human's ``.git`` (hooks, config, refs, approvals), the token
hashes under the human's ``.git/agentgate/``, the other agents' clones (their
credentials), and its own ``.claude/`` (the guard and this sandbox). Claude Code's
sandbox holds that for shell commands at the operating-system level; its
``permissions.deny`` rules hold it for its own file tools (Read, Edit, Write…),
which the sandbox does not cover.

Every key is one Claude Code documents (https://code.claude.com/docs/en/settings,
https://code.claude.com/docs/en/sandboxing, https://code.claude.com/docs/en/permissions)
and the published settings schema (json.schemastore.org/claude-code-settings.json)
lists:

- ``sandbox.enabled``; ``sandbox.failIfUnavailable`` (otherwise a machine without
  bubblewrap runs every command unsandboxed, with only a warning);
  ``sandbox.allowUnsandboxedCommands: false`` (otherwise the model may retry a
  refused command with ``dangerouslyDisableSandbox`` and no prompt).
- ``sandbox.filesystem.allowWrite`` / ``denyWrite`` / ``denyRead``: paths with
  ``//`` are absolute (a single ``/`` is relative to the settings file).
- ``sandbox.network.allowedDomains``: the ``serve`` host, for the sandbox's proxy.
- ``permissions.deny`` rules ``Edit(//abs/**)`` and ``Read(//abs/**)``: an Edit
  rule covers every built-in tool that edits files (Write, MultiEdit,
  NotebookEdit); Claude Code warns about path-scoped ``Write(...)`` rules, so
  none is written.

Pure: the caller finds the facts (``gate.commands.guard``) and writes the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gate.errors import GateError


def serve_host(serve: str) -> str:
    """The host of a ``serve`` URL (``http://127.0.0.1:8421/``) or ``host:port``."""
    parts = urlsplit(serve if "://" in serve else f"http://{serve}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GateError(f"{serve!r} is not an agentgate serve address (http://HOST:PORT/).")
    return parts.hostname


def _abs(path: Path) -> str:
    # '//' starts an absolute path in both sandbox paths and permission rules.
    return "/" + Path(path).as_posix()


def sandbox_settings(clone: Path, serve: str, human_agentgate: Path, others: Sequence[Path]) -> dict[str, Any]:
    """The settings that keep an isolated clone's agent inside it.

    ``clone`` is the clone's top directory; ``serve`` the serve URL or host:port;
    ``human_agentgate`` the human's ``.git/agentgate`` directory; ``others`` the other
    agents' clone folders. All paths absolute.
    """
    human_git = Path(human_agentgate).parent
    own_claude = Path(clone) / ".claude"
    secrets = [Path(human_agentgate), *others]
    return {
        "sandbox": {
            "enabled": True,
            "failIfUnavailable": True,
            "allowUnsandboxedCommands": False,
            "filesystem": {
                "allowWrite": [_abs(clone)],
                "denyWrite": [_abs(own_claude), _abs(human_git), *(_abs(o) for o in others)],
                "denyRead": [_abs(p) for p in secrets],
            },
            "network": {"allowedDomains": [serve_host(serve)]},
        },
        "permissions": {
            "deny": [
                f"Edit({_abs(own_claude)}/**)",
                f"Edit({_abs(human_git)}/**)",
                *(f"{tool}({_abs(p)}/**)" for p in secrets for tool in ("Read", "Edit")),
            ],
        },
    }


def merge(into: dict[str, Any], extra: dict[str, Any], where: str = "") -> list[str]:
    """Merge ``extra`` into ``into`` in place: objects key by key, arrays by adding
    the entries missing, other values set. Returns the dotted keys it changed.

    The user's own keys and entries stay; a value of ours that the user changed
    (``sandbox.enabled: false``) is set back, since the clone is not isolated without it.
    """
    changed: list[str] = []
    for key, value in extra.items():
        name = f"{where}.{key}" if where else key
        have = into.get(key)
        if isinstance(value, dict):
            if not isinstance(have, dict):
                if have is not None:
                    raise GateError(f"'{name}' is not a JSON object. Fix it, then run this again.")
                have = into[key] = {}
            changed.extend(merge(have, value, name))
        elif isinstance(value, list):
            if not isinstance(have, list):
                if have is not None:
                    raise GateError(f"'{name}' is not a JSON array. Fix it, then run this again.")
                have = into[key] = []
            new = [v for v in value if v not in have]
            have.extend(new)
            if new:
                changed.append(name)
        elif have != value:
            into[key] = value
            changed.append(name)
    return changed
