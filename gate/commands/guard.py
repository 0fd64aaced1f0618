"""``agentgate guard``, the Claude Code hook (``guard install`` is ``guard_install``).

``main`` reads the hook's JSON, works out the worktree, its agent (per-worktree git
config ``agentgate.agent``) and the policy on the target branch, and prints the
decision of ``gate.guard.decide``. It always exits 0: no output is no opinion, and
input it cannot use gets one line on stderr (DESIGN §6).

It talks to git through the command line (``gate.git.run``), not pygit2: Claude
Code runs the guard before every edit and shell command, and four small git
processes cost a fraction of importing pygit2 (~130 ms, DESIGN §9).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from gate.errors import GateError, PolicyError
from gate.git.run import git
from gate.guard import decide as guard
from gate.policy import POLICY_FILE, Policy, empty_policy, load


class _NoDecision(Exception):
    """The guard cannot judge this call; the message goes to stderr."""


def main(stdin_text: str, env: Mapping[str, str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Answer one Claude Code hook call. Always returns 0."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        answer = _answer(stdin_text, env, err)
    except _NoDecision as e:
        print(f"agentgate guard: {e}; no decision.", file=err)
        return 0
    except Exception as e:  # noqa: BLE001 - a guard that crashes would block the session
        print(f"agentgate guard: internal error ({type(e).__name__}: {e}); no decision.", file=err)
        return 0
    if answer is not None:
        print(json.dumps(answer), file=out)
    return 0


def _answer(stdin_text: str, env: Mapping[str, str], err: TextIO) -> dict[str, Any] | None:
    try:
        payload = json.loads(stdin_text)
    except json.JSONDecodeError as e:
        raise _NoDecision(f"the hook input is not JSON ({e})") from None
    why = guard.problem(payload)
    if why is not None:
        raise _NoDecision(why)
    event, tool = payload["hook_event_name"], payload["tool_name"]
    wanted = (tool in guard.FILE_TOOLS or tool == "Bash") if event == "PreToolUse" else tool == "Bash"
    if event not in ("PreToolUse", "PostToolUse") or not wanted:
        return None  # not ours to judge: do not pay for git
    start = env.get("CLAUDE_PROJECT_DIR") or payload.get("cwd") or os.getcwd()
    try:
        root = Path(_git(Path(start), "rev-parse", "--show-toplevel").strip())
    except GateError:  # not a worktree, or no git to ask
        raise _NoDecision(f"{start} is not inside a git worktree") from None
    config = dict(
        line.split(" ", 1)
        for line in _git(root, "config", "--get-regexp", r"^agentgate\.(agent|target)$", ok=(0, 1)).splitlines()
        if " " in line
    )
    policy, target = _policy(root, config.get("agentgate.target"))
    agent = config.get("agentgate.agent") if policy.present else None
    if agent is not None and agent not in policy.agents:
        print(f"agentgate guard: agent '{agent}' (agentgate.agent) is not in the policy on {target}; "
              "it owns nothing.", file=err)

    def owner(path: str) -> str | None:
        hit = policy.owner_of(path)
        return hit[0] if hit else None

    def gated(path: str) -> str | None:
        for rule, hit in (("gate.policy", path == POLICY_FILE), ("gate.migration", policy.path_set("migrations", path)),
                          ("gate.ci", policy.path_set("ci", path))):
            if hit and policy.action(rule) in ("ask", "block"):
                return rule
        return None

    branch = None
    if tool == "Bash" and event == "PreToolUse":
        branch = _git(root, "symbolic-ref", "-q", "--short", "HEAD", ok=(0, 1)).strip() or None
    def branch_owner(short: str) -> str | None:
        hit = policy.agent_for_branch(short)
        return hit.name if hit else None

    scope = guard.GuardScope(root=root, agent=agent, owner_of=owner,
                             is_shared=lambda p: policy.shared_pattern(p) is not None,
                             is_gated=gated, target=target, branch=branch, branch_owner=branch_owner)
    changed = changed_paths(root) if event == "PostToolUse" else []
    return guard.decide(payload, scope, changed)


def _policy(root: Path, explicit: str | None) -> tuple[Policy, str]:
    """The policy on the target branch and its name, found as ``gate.context.resolve_target``
    finds them: ``agentgate.target``, else main (master when there is no main), else
    the target the policy found there names. Local branch first, then origin's."""
    names = [explicit] if explicit else ["main", "master"]
    for name in names:
        policy = _policy_on(root, name)
        if policy is None:
            continue
        if not explicit and policy.present and policy.target != name:
            name = policy.target
            policy = _policy_on(root, name)
            if policy is None:
                raise _NoDecision(f"the target branch '{name}' named by the policy does not exist here")
        return policy, name
    raise _NoDecision(f"the target branch '{names[0]}' does not exist here")


def _policy_on(root: Path, name: str) -> Policy | None:
    cands = [f"refs/heads/{name}", f"refs/remotes/origin/{name}"]
    got = _cat_file(root, [spec for c in cands for spec in (c, f"{c}:{POLICY_FILE}")])
    for i in range(len(cands)):
        if got[2 * i] is None:
            continue
        data = got[2 * i + 1]
        if data is None:
            return empty_policy()
        try:
            return load(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise _NoDecision(f"the policy on {name} is not UTF-8 text") from None
        except PolicyError as e:
            raise _NoDecision(f"the policy on {name} is invalid: {e}") from None
    return None


def changed_paths(root: Path) -> list[str]:
    """Paths changed in the worktree (staged, unstaged, untracked), both sides of a rename."""
    raw = _git_bytes(root, "status", "--porcelain=v1", "-z", "--untracked-files=all")
    items = raw.split(b"\0")
    paths: list[str] = []
    i = 0
    while i < len(items):
        entry = items[i]
        i += 1
        if len(entry) < 4:
            continue
        paths.append(os.fsdecode(entry[3:]))
        if entry[:1] in (b"R", b"C") and i < len(items):
            paths.append(os.fsdecode(items[i]))  # the rename's source follows
            i += 1
    return paths


def _cat_file(root: Path, specs: list[str]) -> list[bytes | None]:
    """Each spec's object content (None when missing), from one ``git cat-file --batch``."""
    data = git("cat-file", "--batch", cwd=root, input="\n".join(specs).encode() + b"\n", check=False).out
    pos = 0
    found: list[bytes | None] = []
    for _ in specs:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) != 3 or header[1] in (b"missing", b"ambiguous"):
            found.append(None)
            continue
        size = int(header[2])
        found.append(data[pos:pos + size])
        pos += size + 1
    return found


def _git(cwd: Path, *args: str, ok: tuple[int, ...] = (0,)) -> str:
    return os.fsdecode(_git_bytes(cwd, *args, ok=ok))


def _git_bytes(cwd: Path, *args: str, ok: tuple[int, ...] = (0,)) -> bytes:
    ran = git(*args, cwd=cwd, check=False)
    if ran.code not in ok:
        raise GateError(f"{cwd}: git {args[0]} failed ({ran.error}). Is this a git worktree?")
    return ran.out if ran.code == 0 else b""
