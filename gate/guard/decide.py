"""What ``agentgate guard`` answers to a Claude Code hook call (pure decision logic).

Claude Code runs the guard before a tool call (``PreToolUse``) and after one
(``PostToolUse``), with a JSON payload on stdin: ``session_id``, ``cwd``,
``hook_event_name``, ``tool_name`` and ``tool_input`` (``file_path`` for Edit, Write
and MultiEdit, ``notebook_path`` for NotebookEdit, ``command`` for Bash). A
``PreToolUse`` answer is ``hookSpecificOutput.permissionDecision`` (``deny`` is
shown to the agent, ``ask`` to the human); a ``PostToolUse`` answer of
``decision: block`` puts its ``reason`` in front of the agent. ``None`` means no
opinion: Claude Code's own permission rules decide.

The caller builds a ``GuardScope`` (worktree, agent, ownership lookups from the
target branch's policy); nothing here runs git or reads the policy. Shell commands
are read with ``shlex`` (``gate.guard.shell``), not executed, and the paths they
write are judged here as edits are, so this is a guard rail against mistakes, not a
sandbox: the boundary is ``agentgate serve`` plus Claude Code's sandbox, and the
server hook and CI (DESIGN §2).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Verdict and judge_command live beside the shell reading; callers import them from here.
from gate.guard.scope import TREE_ASK, ShellScope, Verdict, locate
from gate.guard.shell import judge_command
from gate.guard.writes import Write

__all__ = ["FILE_TOOLS", "GUARD_CONFIG", "GuardScope", "Verdict", "decide", "judge_command", "judge_path",
           "judge_write", "outside_scope", "problem", "resolve", "shell_scope"]

FILE_TOOLS = {"Edit": "file_path", "Write": "file_path", "MultiEdit": "file_path", "NotebookEdit": "notebook_path"}
# The guard's own configuration: an agent that may rewrite it may switch it off.
GUARD_CONFIG = (".claude/settings.json", ".claude/settings.local.json")
_GATE_WHY = {
    "gate.migration": "a migration needs a human's approval before it can merge",
    "gate.ci": "a CI change needs a human's approval before it can merge",
    "gate.policy": "the policy is read from {target}; a branch that changes it is blocked at merge",
}
_MAX_LISTED = 10


@dataclass(frozen=True)
class GuardScope:
    """What the guard knows about the session's worktree and agent."""

    root: Path  # the worktree's top directory
    agent: str | None  # None: no agent here, so no ownership to hold edits against
    owner_of: Callable[[str], str | None]  # repository-relative path -> owning agent
    is_shared: Callable[[str], bool]
    is_gated: Callable[[str], str | None]  # path -> rule id needing approval
    target: str = "main"
    branch: str | None = None  # the checked-out branch's short name, if any
    branch_owner: Callable[[str], str | None] = lambda _: None  # short branch name -> agent whose pattern matches


def problem(payload: object) -> str | None:
    """Why ``payload`` is not a hook call the guard can read, or None when it is."""
    if not isinstance(payload, dict):
        return "the hook input is not a JSON object"
    event, tool = payload.get("hook_event_name"), payload.get("tool_name")
    if not isinstance(event, str):
        return "hook_event_name is missing"
    if not isinstance(tool, str):
        return "tool_name is missing" if event in ("PreToolUse", "PostToolUse") else None
    if "cwd" in payload and not isinstance(payload["cwd"], str):
        return "cwd is not a string"
    if tool not in FILE_TOOLS and tool != "Bash":
        return None
    tool_input = payload.get("tool_input")
    if not isinstance(tool_input, dict):
        return f"tool_input of {tool} is not an object"
    key = FILE_TOOLS.get(tool, "command")
    value = tool_input.get(key)
    if not isinstance(value, str) or not value.strip():
        return f"tool_input.{key} of {tool} is missing"
    return None


def decide(payload: dict[str, Any], scope: GuardScope, changed: Sequence[str] = ()) -> dict[str, Any] | None:
    """The hook's JSON answer to ``payload``, or None for no opinion (also on bad input).

    ``changed`` is, for ``PostToolUse`` after Bash, the worktree's changed paths
    (relative to its top) as ``git status`` lists them.
    """
    if problem(payload) is not None:
        return None
    event, tool = payload["hook_event_name"], payload["tool_name"]
    if event == "PreToolUse" and tool in FILE_TOOLS:
        raw = payload["tool_input"][FILE_TOOLS[tool]]
        return _pre(judge_path(raw, payload.get("cwd"), scope))
    if event == "PreToolUse" and tool == "Bash":
        return _pre(judge_command(payload["tool_input"]["command"], shell_scope(scope, payload.get("cwd"))))
    if event == "PostToolUse" and tool == "Bash":
        return _post_bash(changed, scope)
    return None


def resolve(raw: str, cwd: str | None, root: Path) -> Path:
    """The real path ``raw`` names: relative to ``cwd``, ``..`` and symlinks resolved."""
    path = Path(os.path.expanduser(raw))
    if not path.is_absolute():
        path = Path(cwd or root) / path
    # realpath resolves the symlinks in the part that exists and normalises the rest,
    # so a new file under a symlinked directory lands where the write would land.
    return Path(os.path.realpath(path))


def judge_path(raw: str, cwd: str | None, scope: GuardScope) -> Verdict | None:
    """The decision on editing the file ``raw`` names."""
    root = Path(os.path.realpath(scope.root))
    real = resolve(raw, cwd, root)
    shown = raw if str(real) == raw else f"{raw} (that is {real})"
    try:
        rel = real.relative_to(root).as_posix()
    except ValueError:
        who = scope.agent or "this session"
        return Verdict("deny", f"agentgate: {shown} is outside this worktree ({root}); {who} edits only files in it.")
    if rel in ("", "."):
        return None
    if rel == ".git" or rel.startswith(".git/"):
        return Verdict("deny", f"agentgate: {rel} is git's own data, not a file of the project; leave it alone.")
    if rel in GUARD_CONFIG:
        return Verdict("deny", f"agentgate: {rel} configures this guard; only a human changes it.")
    outside = outside_scope(rel, scope)
    if outside is not None:
        return Verdict("deny", f"agentgate: {rel} is {outside}, outside {scope.agent}'s scope. {_leave_it(rel, scope)}")
    rule = scope.is_gated(rel)
    if rule is not None:
        why = _GATE_WHY.get(rule, "it needs a human's approval before it can merge").format(target=scope.target)
        return Verdict("ask", f"agentgate: {rel} is gated ({rule}): {why}. Allow only if a human wants this change.")
    return None


def shell_scope(scope: GuardScope, cwd: str | None) -> ShellScope:
    """What the shell reader needs of ``scope``, for a command started in ``cwd``."""
    root = Path(os.path.realpath(scope.root))
    start = Path(os.path.realpath(cwd)) if cwd else root
    return ShellScope(target=scope.target, branch=scope.branch, cwd=start, root=root, agent=scope.agent,
                      write=lambda w, at: judge_write(w, at, scope), branch_owner=scope.branch_owner)


def judge_write(write: Write, cwd: Path | None, scope: GuardScope) -> Verdict | None:
    """The decision on a shell command writing (or deleting) ``write.path`` from ``cwd``.

    The reason is the end of a sentence the shell reader starts with the command.
    Unlike an edit, a write to a path no agent owns is let through (build output,
    caches); ``PostToolUse`` reports tracked files it changed.
    """
    root = Path(os.path.realpath(scope.root))
    real = locate(write.path, cwd)
    if real is None:
        return None
    shown = write.path if str(real) == write.path else f"{write.path} (that is {real})"
    verb = "deletes" if write.deletes else "writes"
    if not real.is_relative_to(root):
        return Verdict("deny", f"{verb} {shown}, outside this worktree ({root}); {scope.agent or 'this session'} "
                               "changes only files in it.")
    rel = real.relative_to(root).as_posix()
    if rel == ".":
        return Verdict("ask", TREE_ASK) if write.tree else None
    if rel == ".git" or rel.startswith(".git/"):
        return Verdict("deny", f"{verb} {rel}, git's own data, not a file of the project; leave it alone.")
    if any(c == rel or c.startswith(rel + "/") for c in GUARD_CONFIG):
        return Verdict("deny", f"{verb} {rel}, which configures this guard; only a human changes it.")
    if scope.agent is not None and not scope.is_shared(rel):
        probes = [rel, rel + "/-"] if write.tree or real.is_dir() else [rel]
        other = next((o for o in map(scope.owner_of, probes) if o is not None and o != scope.agent), None)
        if other is not None:
            return Verdict("deny", f"{verb} {rel}, owned by {other}, outside {scope.agent}'s scope. "
                                   f"Leave it to {other}, or ask a human to change the policy on {scope.target}.")
    if write.tree:
        return Verdict("ask", TREE_ASK)
    rule = scope.is_gated(rel)
    if rule is not None:
        why = _GATE_WHY.get(rule, "it needs a human's approval before it can merge").format(target=scope.target)
        return Verdict("ask", f"{verb} {rel}, gated ({rule}): {why}. Allow only if a human wants this change.")
    return None


def outside_scope(rel: str, scope: GuardScope) -> str | None:
    """'owned by X' / 'owned by no agent' when ``rel`` is outside the agent's scope."""
    if scope.agent is None:
        return None
    owner = scope.owner_of(rel)
    if owner == scope.agent or scope.is_shared(rel):
        return None
    return f"owned by {owner}" if owner is not None else "owned by no agent and not shared"


def _leave_it(rel: str, scope: GuardScope) -> str:
    owner = scope.owner_of(rel)
    if owner is not None:
        return f"Leave it to {owner}, or ask a human to change the policy on {scope.target}."
    return f"Ask a human to add it to {scope.agent}'s paths in the policy on {scope.target} first."


def _pre(verdict: Verdict | None) -> dict[str, Any] | None:
    if verdict is None:
        return None
    return {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": verdict.decision,
            "permissionDecisionReason": verdict.reason,
        }
    }


def _post_bash(changed: Sequence[str], scope: GuardScope) -> dict[str, Any] | None:
    outside: list[str] = []
    for rel in dict.fromkeys(changed):  # keep git's order, drop repeats
        why = outside_scope(rel, scope)
        if why is not None:
            outside.append(f"{rel} ({why})")
    if not outside:
        return None
    listed = ", ".join(outside[:_MAX_LISTED])
    if len(outside) > _MAX_LISTED:
        listed += f" and {len(outside) - _MAX_LISTED} more"
    return {
        "decision": "block",
        "reason": (
            f"agentgate: files outside {scope.agent}'s scope are changed in this worktree: {listed}. "
            "Undo those changes: 'agentgate check' blocks a branch that touches them (scope.outside)."
        ),
    }

