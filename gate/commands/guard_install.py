"""``agentgate guard install``: the guard's hooks, permissions and, in an isolated
clone, Claude Code's sandbox settings, merged into ``.claude/settings.local.json``.

The hook runs this very agentgate by absolute path and fails closed: a guard that
cannot run makes Claude Code block the tool call (exit 2) instead of letting it
through (DESIGN §6).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

from gate.atomic import write_atomic
from gate.errors import GateError
from gate.git.run import GitUnavailable, git
from gate.guard import sandbox

# Any command line that runs the guard, as this or an older install wrote it.
_OURS = re.compile(r"(?:\bagentgate|-m gate)['\"]?\s+guard\b")
PRE_MATCHER = "Edit|Write|MultiEdit|NotebookEdit|Bash"
POST_MATCHER = "Bash"
SETTINGS = Path(".claude") / "settings.local.json"
# Reversible work runs without a prompt (the guard still denies edits out of scope);
# what reaches beyond the worktree or destroys work asks first.
ALLOW = [
    "Read", "Grep", "Glob", "Edit", "Write", "MultiEdit", "NotebookEdit",
    "Bash(git status:*)", "Bash(git diff:*)", "Bash(git log:*)", "Bash(git show:*)", "Bash(git add:*)",
    "Bash(git commit:*)", "Bash(git fetch:*)", "Bash(agentgate check:*)", "Bash(agentgate status:*)",
    "Bash(agentgate who:*)",
]
ASK = [
    "Bash(git push:*)", "Bash(rm:*)", "Bash(git reset --hard:*)", "Bash(git clean:*)",
    "Bash(alembic upgrade:*)", "Bash(alembic downgrade:*)", "Bash(python manage.py migrate:*)",
    "Bash(./manage.py migrate:*)", "Bash(prisma migrate:*)", "Bash(npx prisma migrate:*)",
    "Bash(rails db:migrate:*)", "Bash(bin/rails db:migrate:*)", "Bash(kubectl apply:*)",
    "Bash(terraform apply:*)", "Bash(terraform destroy:*)", "Bash(helm install:*)", "Bash(helm upgrade:*)",
]


def hook_command(program: Sequence[str] | None = None) -> str:
    """The hook command: this agentgate by absolute path, made to exit 2 when it cannot run.

    Claude Code blocks the tool call only on exit 2; 127 (the program is gone, or a
    bare ``agentgate`` outside its venv) or 1 (a crash) would let the call through.
    The guard itself exits 0 and puts its decision in JSON. ``-P`` keeps the
    session's directory off ``sys.path``: a worktree holding a ``gate/`` package
    (agentgate's own) must not replace the guard.
    """
    argv = list(program) if program else [sys.executable, "-P", "-m", "gate"]
    inner = " ".join(shlex.quote(a) for a in argv) + " guard || exit 2"
    return "/bin/sh -c " + shlex.quote(inner)


def install_guard(worktree: Path, program: Sequence[str] | None = None) -> list[str]:
    """Merge the guard's hooks and permissions into ``<worktree>/.claude/settings.local.json``.

    Keeps every key and entry already there, adds nothing twice, replaces a guard
    command an older install wrote, writes atomically, and makes git ignore the file
    so that it never lands in the agent's branch. In an isolated clone
    (``isolated_clone``) it also writes the sandbox settings of ``gate.guard.sandbox``.
    """
    try:
        root = Path(_git(worktree, "rev-parse", "--show-toplevel").strip())
    except GitUnavailable as e:
        raise GateError(f"{worktree}: {e.reason}. Pass --worktree with an agent's worktree.") from None
    command = hook_command(program)
    path = root / SETTINGS
    data = _read_settings(path)
    added: list[str] = []
    hooks = _member(data, "hooks", dict, path)
    for event, matcher in (("PreToolUse", PRE_MATCHER), ("PostToolUse", POST_MATCHER)):
        groups = _member(hooks, event, list, path)
        if _drop_stale(groups, command):
            added.append(f"{event} hook command replaced")
        if not any(_runs(group, command) for group in groups):
            groups.append({"matcher": matcher, "hooks": [{"type": "command", "command": command, "timeout": 30}]})
            added.append(f"{event} hook ({matcher})")
    perms = _member(data, "permissions", dict, path)
    for key, rules in (("allow", ALLOW), ("ask", ASK)):
        have = _member(perms, key, list, path)
        new = [r for r in rules if r not in have]
        have.extend(new)
        if new:
            added.append(f"{len(new)} '{key}' permission rules")
    facts = isolated_clone(root)
    if facts is not None:
        try:
            changed = sandbox.merge(data, sandbox.sandbox_settings(root, *facts))
        except GateError as e:
            raise GateError(f"{path}: {e}") from None
        if changed:
            added.append(f"isolated clone (serve {facts[0]}): " + ", ".join(changed))
    lines = [f"{path}: added " + ", ".join(added)] if added else [f"{path}: already set up"]
    if added:
        write_atomic(path, json.dumps(data, indent=2) + "\n")
    if not _ignored(root):
        exclude = Path(root, _git(root, "rev-parse", "--git-path", "info/exclude").strip())
        exclude.parent.mkdir(parents=True, exist_ok=True)
        text = exclude.read_text() if exclude.exists() else ""
        exclude.write_text(text + ("" if text.endswith("\n") or not text else "\n") + f"/{SETTINGS.as_posix()}\n")
        lines.append(f"{exclude}: git now ignores /{SETTINGS.as_posix()}, so it is never committed")
    return lines


def isolated_clone(root: Path) -> tuple[str, Path, list[Path]] | None:
    """(serve URL, the human's ``.git/agentgate``, the other agents' folders) when
    ``root`` is an isolated clone, else None.

    The convention ``spawn --isolated`` keeps: ``agentgate.isolated = true`` in the
    clone's config, ``remote.origin.url`` is the ``serve`` URL, and the clone borrows
    the human's objects (``clone --shared``/``--reference``), so its
    ``objects/info/alternates`` names the human's ``.git/objects``. The other agents'
    folders are the clone's siblings whose config sets ``agentgate.agent``.
    """
    flag = _git(root, "config", "--type=bool", "--get", "agentgate.isolated", ok=(0, 1)).strip()
    if flag != "true":
        return None
    url = _git(root, "config", "--get", "remote.origin.url", ok=(0, 1)).strip()
    if not url:
        raise GateError(f"{root}: agentgate.isolated is set but the clone has no origin; spawn --isolated makes "
                        "its origin the 'agentgate serve' URL.")
    parts = urlsplit(url)
    serve = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))  # never a credential
    sandbox.serve_host(serve)
    alternates = Path(root, _git(root, "rev-parse", "--git-path", "objects/info/alternates").strip())
    lines = [ln.strip() for ln in alternates.read_text().splitlines()] if alternates.is_file() else []
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if not lines:
        raise GateError(f"{root}: an isolated clone borrows the human's objects, but {alternates} names none. "
                        "Spawn it again with 'agentgate spawn AGENT TASK --isolated'.")
    objects = Path(os.path.realpath(alternates.parent.parent / lines[0]))
    others = [p for p in sorted(root.parent.iterdir())
              if p != root and p.is_dir() and (p / ".git").exists()
              and _git(p, "config", "--get", "agentgate.agent", ok=(0, 1)).strip()]
    return serve, objects.parent / "agentgate", others


def install_main(worktree: Path | None = None, out: TextIO | None = None) -> int:
    """``agentgate guard install [--worktree PATH]``. Exit 0; GateError goes to the CLI."""
    for line in install_guard(worktree or Path.cwd()):
        print(line, file=out or sys.stdout)
    return 0


def _ignored(root: Path) -> bool:
    return git("check-ignore", "-q", SETTINGS.as_posix(), cwd=root, check=False).code == 0


def _drop_stale(groups: list[Any], command: str) -> bool:
    """Remove guard commands other than ``command`` (a bare ``agentgate guard``, an
    old path); drop groups left empty. Whether anything was removed."""
    dropped = False
    for group in list(groups):
        if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
            continue
        keep = [h for h in group["hooks"] if not (isinstance(h, dict) and isinstance(h.get("command"), str)
                                                  and h["command"] != command and _OURS.search(h["command"]))]
        if len(keep) != len(group["hooks"]):
            dropped = True
            group["hooks"] = keep
            if not keep:
                groups.remove(group)
    return dropped


def _runs(group: object, command: str) -> bool:
    if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
        return False
    return any(isinstance(h, dict) and h.get("command") == command for h in group["hooks"])


def _read_settings(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise GateError(f"{path} is not valid JSON ({e}). Fix or move it, then run this again.") from None
    if not isinstance(data, dict):
        raise GateError(f"{path} does not hold a JSON object. Fix or move it, then run this again.")
    return data


def _member(parent: dict[str, Any], key: str, kind: type, path: Path) -> Any:
    value = parent.setdefault(key, kind())
    if not isinstance(value, kind):
        raise GateError(f"{path}: '{key}' is not a JSON {'object' if kind is dict else 'array'}. Fix it, then "
                        "run this again.")
    return value




def _git(cwd: Path, *args: str, ok: tuple[int, ...] = (0,)) -> str:
    ran = git(*args, cwd=cwd, check=False)
    if ran.code not in ok:
        raise GateError(f"{cwd}: git {args[0]} failed ({ran.error}). Is this a git worktree?")
    return ran.text if ran.code == 0 else ""
