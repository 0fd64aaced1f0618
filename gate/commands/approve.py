"""``agentgate approve BRANCH [--rule R]...`` and ``agentgate approvals``.

``approve`` records consent to a branch's current unapproved ``ask`` findings, each
bound to its content fingerprint, as one commit on ``refs/agentgate/approvals``
(compare-and-swap). The record is local until pushed; the server accepts it only
from an approver and only as a fast-forward.

It refuses to run from an agent's worktree or clone, judged from the caller's own
directory and config, whatever ``--repo`` names: ``--repo /path/to/main`` from an
agent's worktree would otherwise record an approval as the human. A guard rail
only (the agent can write its own config, DESIGN §2): the boundary is the server
or ``agentgate serve``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gate import approvals, context, engine
from gate.errors import EXIT_ALLOW, GateError, UsageError
from gate.git import lifecycle, upstream
from gate.git.opening import open_repo
from gate.git.repo import GitRepo
from gate.git.run import GitUnavailable, clean_env, git
from gate.model import short_name
from gate.policy import require_policy
from gate.report import approvals as approvals_report
from gate.report import notes
from gate.rules import DEFAULTS


def approver_identity(repo: GitRepo, env: Mapping[str, str]) -> str | None:
    """Who approves here: ``AGENTGATE_USER``, else git's ``user.email``."""
    return env.get("AGENTGATE_USER", "").strip() or repo.config_get("user.email")


def main(
    branch: str,
    rules: Sequence[str] = (),
    target: str | None = None,
    repo_path: str | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    env = os.environ if env is None else env
    unknown = [r for r in rules if r not in DEFAULTS]
    if unknown:
        raise UsageError(f"unknown rule id(s): {', '.join(unknown)}. See the rules table in the README.")
    caller = Path.cwd()
    _refuse_agent(caller_agent(caller), "your current directory")
    repo = open_repo(repo_path)
    ctx = context.build(repo, target)
    require_policy(ctx.policy, ctx.target_ref)
    _outside_agents(repo, ctx, caller, "approve", "approve")
    who = _require_approver(ctx, approver_identity(repo, env))
    [info] = context.select(ctx, [branch], False)
    drift = upstream.divergence(repo, ctx.target_ref, ctx.target_oid)
    if drift is not None and target is None and _merged_locally(repo, ctx, drift, info.head):
        # The lead merged the branch into the local target and the server refused the
        # push: against the local target the branch changes nothing. The server judges
        # against its own target, which the upstream mirrors.
        ctx = context.build(repo, drift.upstream)
        require_policy(ctx.policy, ctx.target_ref)
        _require_approver(ctx, who)
        [info] = context.select(ctx, [branch], False)
        notes.emit([notes.judged_upstream(drift, info.short)])
    elif drift is not None:
        notes.emit([notes.upstream(drift, ["agentgate", "approve", branch, *(f"--rule={r}" for r in rules)])])
    result = engine.evaluate(ctx, info)
    asks = [f for f in result.findings if f.action == "ask" and not f.approved and (not rules or f.rule in rules)]
    if not asks:
        what = f" for {', '.join(rules)}" if rules else ""
        print(f"{info.short}: no unapproved ask findings{what}: nothing to approve.")
        return EXIT_ALLOW
    _, written = approvals.record(repo, asks, who, info.short, agent=info.agent or info.unknown_agent,
                                  target=ctx.target_oid, changes=ctx.changes(info.head), valid=ctx.approved)
    skipped = len(asks) - len(written)
    sys.stdout.write(approvals_report.recorded(written, skipped, info.short, who, approvals.APPROVALS_REF,
                                               blocked=result.verdict == "block"))
    return EXIT_ALLOW


def _require_approver(ctx: context.Context, who: str | None,
                      then: str = "Ask an approver to review and approve, or set AGENTGATE_USER to your "
                                  "approver login.") -> str:
    """``who`` when the policy lists them among the approvers; else an error that says
    who may, ending with ``then``."""
    if not who or who.casefold() not in {a.casefold() for a in ctx.policy.approvers}:
        listed = ", ".join(ctx.policy.approvers) or "nobody"
        raise GateError(f"{who or 'you (no user.email)'} is not an approver ([gate] approvers on "
                        f"{short_name(ctx.target_ref)}: {listed}). {then}")
    return who


def _merged_locally(repo: GitRepo, ctx: context.Context, drift: upstream.Divergence, head: str) -> bool:
    """The local target holds ``head`` and its upstream does not."""
    return repo.descends(ctx.target_oid, head) and not repo.descends(drift.upstream_oid, head)


def caller_agent(cwd: Path) -> str | None:
    """``agentgate.agent`` as the worktree or clone around ``cwd`` sets it. Asked with
    the repository-local variables removed, so that only the directory decides."""
    try:
        ran = git("config", "--get", "agentgate.agent", cwd=cwd, env=clean_env(), check=False)
    except GitUnavailable:
        return None
    return ran.text.strip() or None if ran.code == 0 else None


def _refuse_agent(agent: str | None, where: str) -> None:
    if agent:
        raise GateError(f"{where} belongs to agent '{agent}' (git config agentgate.agent); agents never approve, "
                        "whatever --repo names. Run 'agentgate approve' from a human's checkout.")


def _outside_agents(repo: GitRepo, ctx: context.Context, caller: Path, verb: str, command: str) -> None:
    """Refuse when the repository is an agent's worktree or clone, or the caller sits
    in the folder agents are spawned in (a guard rail; the boundary is the server)."""
    _refuse_agent(repo.config_get("agentgate.agent"), "this worktree")
    agents = lifecycle.worktree_root(repo, ctx.policy.worktree_root).resolve()
    if caller.resolve().is_relative_to(agents):
        raise GateError(f"your current directory is inside {agents}, where agent worktrees and clones are spawned; "
                        f"agents never {verb}. Run 'agentgate {command}' from a human's checkout.")


def list_main(fmt: str = "text", repo_path: str | None = None, target: str | None = None) -> int:
    """``agentgate approvals``: every recorded approval, oldest first, with the agent it
    counts for and, when its change landed on the target since, where (spent)."""
    if fmt not in approvals_report.FORMATS:
        raise UsageError(f"unknown format {fmt!r} for approvals: use text or json")
    repo = open_repo(repo_path)
    records = approvals.list_all(repo)
    rows = []
    counted = _counted(repo, target) if records else None
    for a in records:
        agent, spent = a.agent, None
        if counted is not None:
            if a.old_form:
                agent = counted.agent_of(a.branch)
            spent = counted.approved.spent(approvals.bind(agent, a.fingerprint) if a.old_form else a.fingerprint)
        rows.append(approvals_report.Row(a.fingerprint, a.rule, a.path, a.who, a.when, a.branch, agent,
                                         a.old_form, spent))
    sys.stdout.write(approvals_report.listing(rows, fmt, approvals.APPROVALS_REF))
    return EXIT_ALLOW


@dataclass(frozen=True)
class _Counted:
    approved: approvals.Approved
    agent_of: approvals.AgentOf


def _counted(repo: GitRepo, target: str | None) -> _Counted | None:
    """The approvals as they count against the target; None when there is no target
    or policy to say whose branch is whose (the list is shown without it)."""
    try:
        ctx = context.build(repo, target)
    except GateError:
        return None
    if not isinstance(ctx.approved, approvals.Approved):
        return None

    def agent_of(short: str) -> str | None:
        agent = ctx.policy.agent_for_branch(short)
        return agent.name if agent is not None else None

    return _Counted(ctx.approved, agent_of)


def revoke_main(ids: Sequence[str], repo_path: str | None = None, target: str | None = None,
                env: Mapping[str, str] | None = None) -> int:
    """``agentgate approvals revoke ID...``: an approver removes records (a new commit
    on the approvals ref; the history keeps them)."""
    env = os.environ if env is None else env
    if not ids:
        raise UsageError("name the approvals to revoke: agentgate approvals revoke ID... "
                         "('agentgate approvals' lists the ids).")
    caller = Path.cwd()
    _refuse_agent(caller_agent(caller), "your current directory")
    repo = open_repo(repo_path)
    ctx = context.build(repo, target)
    require_policy(ctx.policy, ctx.target_ref)
    _outside_agents(repo, ctx, caller, "revoke approvals", "approvals revoke")
    who = _approver(repo, ctx, env, "revoke")
    gone = approvals.find(approvals.list_all(repo), ids)
    approvals.revoke(repo, gone, who, f"agentgate approvals revoke {' '.join(ids)}")
    sys.stdout.write(approvals_report.revoked(gone, who, approvals.APPROVALS_REF))
    return EXIT_ALLOW


def _approver(repo: GitRepo, ctx: context.Context, env: Mapping[str, str], what: str) -> str:
    """The approver running this (an agent's worktree is refused before, by
    ``_outside_agents``), or an error that says who may."""
    return _require_approver(ctx, approver_identity(repo, env), f"Only approvers {what} approvals.")
