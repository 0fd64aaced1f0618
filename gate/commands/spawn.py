"""``agentgate spawn AGENT [TASK] [--from REF] [--isolated]``: a branch and a worktree
(or an isolated clone) for one agent.

The branch follows the agent's first usable ``branches`` pattern (``agent/alice/*``
and TASK give ``agent/alice/TASK``) and starts at the target's tip. The worktree
goes to ``../<repo>.agents/<agent>-<task>`` (or under ``[worktrees] root``) and
carries ``agentgate.agent`` in its own config, so hooks and the guard running
there know whose work it is.

With ``--isolated`` the same place holds a clone with its own ``.git`` instead
(``gate.git.clones``): objects shared, its only remote the running ``agentgate
serve``, the agent's token in the clone's own credential store. The branch is made
in the human's repository as for a worktree; the agent's pushes move it there.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from gate import context
from gate.context import Context
from gate.errors import GateError, UsageError
from gate.git import clones, lifecycle, write
from gate.git.opening import open_repo
from gate.git.repo import GitRepo
from gate.model import RefName, short_name
from gate.policy import POLICY_FILE, Agent, require_policy
from gate.serve import state, tokens

_TASK = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_GLOB = set("*?[]")


def unknown_agent(ctx: Context, name: str) -> GateError:
    """The refusal for an agent the policy does not name, with the table to add."""
    target = short_name(ctx.target_ref)
    known = ", ".join(sorted(ctx.policy.agents)) or "none yet"
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        return GateError(
            f"'{name}' cannot be an agent name: use letters, digits, '.', '_' or '-'. Known agents: {known}."
        )
    return context.no_such_agent(
        ctx, name,
        f" Add it to {POLICY_FILE}, commit that to {target}, and run spawn again:\n\n"
        f"[agents.{name}]\n"
        f'branches = ["agent/{name}/*"]\n'
        f'owns = ["src/{name}/"]   # the paths {name} may change'
    )


def branch_for(agent: Agent, task: str) -> str:
    """The short branch name for ``task`` from the agent's first usable pattern:
    one ``*`` is replaced by the task; a pattern without wildcards is used as is."""
    for pat in agent.branches:
        wild = _GLOB & set(pat)
        if not wild:
            return pat
        if wild == {"*"} and pat.count("*") == 1:
            return pat.replace("*", task)
    raise GateError(
        f"none of agent '{agent.name}''s branch patterns ({', '.join(agent.branches)}) names one branch "
        f"per task. Add a pattern with a single '*' first in its branches, e.g. \"agent/{agent.name}/*\"."
    )


def _free_task(repo: GitRepo, agent: Agent, root: Path) -> str:
    if branch_for(agent, "a") == branch_for(agent, "b"):
        return "task-1"  # a fixed branch name: the task only names the worktree
    n = 1
    while True:
        task = f"task-{n}"
        free = repo.ref_oid("refs/heads/" + branch_for(agent, task)) is None
        if free and not (root / f"{agent.name}-{task}").exists():
            return task
        n += 1


def main(
    agent_name: str,
    task: str | None = None,
    start: str | None = None,
    target: str | None = None,
    repo_path: str | None = None,
    isolated: bool = False,
) -> int:
    repo = open_repo(repo_path)
    ctx = context.build(repo, target)
    require_policy(ctx.policy, ctx.target_ref)
    agent = ctx.policy.agents.get(agent_name)
    if agent is None:
        raise unknown_agent(ctx, agent_name)
    if task is not None and (not _TASK.fullmatch(task) or task.endswith(".lock")):
        raise UsageError(f"bad task name {task!r}: use letters, digits, '.', '_' or '-' (no '/').")
    root = lifecycle.worktree_root(repo, ctx.policy.worktree_root)
    task = task or _free_task(repo, agent, root)
    short = branch_for(agent, task)
    ref = "refs/heads/" + short
    if not lifecycle.valid_branch(short) or not agent.matches_branch(short):
        raise UsageError(f"'{short}' is not a valid branch name for agent '{agent.name}'; choose another TASK.")
    if repo.ref_oid(ref) is not None:
        raise GateError(
            f"the branch {short} exists already. Choose another TASK, or discard it first "
            f"('agentgate discard {short}')."
        )
    path = root / f"{agent.name}-{task}"
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise GateError(f"{path} exists already. Choose another TASK, or move that directory away.")
    base = repo.resolve_commit(start) if start else ctx.target_oid
    base_name = start or short_name(ctx.target_ref)
    if isolated:
        return _isolated(repo, ctx, agent, ref, path, base, base_name)

    lifecycle.enable_worktree_config(repo)
    write.update_ref(repo, ref, base, None, f"agentgate spawn {agent.name}: {short} at {base_name}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lifecycle.add_worktree(repo, path, ref, {"agentgate.agent": agent.name})
    except BaseException:
        # Leave nothing half made: no worktree pointing at a branch we then delete.
        wt = lifecycle.worktree_of(repo, ref)
        if wt is not None:
            lifecycle.remove_worktree(repo, wt)
        write.delete_ref(repo, ref, base)
        raise

    shared = ", ".join(ctx.policy.shared)
    print(f"spawned {agent.name} on {short} at {base_name} ({base[:7]})")
    print(f"  worktree: {path}")
    print(f"  owns:     {', '.join(agent.owns) or '(nothing yet: every change is out of scope)'}")
    if shared:
        print(f"  shared:   {shared}  (any agent may change these; each change is reported)")
    print(f"  agentgate.agent = {agent.name} is set in that worktree's config only")
    print(f"start with: cd {shlex.quote(str(path))}")
    return 0


def _isolated(repo: GitRepo, ctx: Context, agent: Agent, ref: str, path: Path, base: str, base_name: str) -> int:
    served = state.running(repo.common_dir)
    if served is None:
        root = lifecycle.main_root(repo)
        raise GateError(
            "spawn --isolated needs 'agentgate serve' running for this repository: its URL is the clone's "
            f"only remote. Start it in another terminal ('agentgate serve --repo {shlex.quote(str(root))}'), "
            "then run spawn again. Nothing was made."
        )
    short = short_name(ref)
    write.update_ref(repo, ref, base, None, f"agentgate spawn --isolated {agent.name}: {short} at {base_name}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clones.make(repo, path, ref, served.url_for(agent.name), agent.name)
        clones.register(repo, clones.Clone(RefName(ref), path, agent.name))
        _, others = tokens.hand_out(repo, agent.name)
    except BaseException:
        # Leave nothing half made: no clone, no registry entry, no branch.
        clones.unregister(repo, ref)
        if path.exists():
            clones.remove(path)
        write.delete_ref(repo, ref, base)
        raise
    print(f"spawned {agent.name} on {short} at {base_name} ({base[:7]}), isolated")
    print(f"  clone:    {path} (its own .git; objects shared with {lifecycle.main_root(repo)})")
    print(f"  remote:   origin = {served.url} ('agentgate serve', pid {served.pid})")
    print(f"  token:    in {path / '.git' / clones.CREDENTIALS} (mode 0600)")
    for other in others:
        if other != path:
            print(f"            and renewed in {other}")
    print(f"  owns:     {', '.join(agent.owns) or '(nothing yet: every change is out of scope)'}")
    print(f"  agentgate.agent = {agent.name} is set in that clone's config")
    print(f"start with: cd {shlex.quote(str(path))}   (push with 'git push'; the gate judges it as {agent.name})")
    return 0
