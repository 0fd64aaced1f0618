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
    _refuse_agent(repo.config_get("agentgate.agent"), "this worktree")
    agents = lifecycle.worktree_root(repo, ctx.policy.worktree_root).resolve()
    if caller.resolve().is_relative_to(agents):
        raise GateError(f"your current directory is inside {agents}, where agent worktrees and clones are spawned; "
                        "agents never approve. Run 'agentgate approve' from a human's checkout.")
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
    _, written = approvals.record(repo, asks, who, info.short)
    skipped = len(asks) - len(written)
    sys.stdout.write(approvals_report.recorded(written, skipped, info.short, who, approvals.APPROVALS_REF,
                                               blocked=result.verdict == "block"))
    return EXIT_ALLOW


def _require_approver(ctx: context.Context, who: str | None) -> str:
    if not who or who.casefold() not in {a.casefold() for a in ctx.policy.approvers}:
        listed = ", ".join(ctx.policy.approvers) or "nobody"
        raise GateError(f"{who or 'you (no user.email)'} is not an approver ([gate] approvers on "
                        f"{short_name(ctx.target_ref)}: {listed}). Ask an approver to review and approve, "
                        "or set AGENTGATE_USER to your approver login.")
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


def list_main(fmt: str = "text", repo_path: str | None = None) -> int:
    """``agentgate approvals``: every recorded approval, oldest first."""
    if fmt not in approvals_report.FORMATS:
        raise UsageError(f"unknown format {fmt!r} for approvals: use text or json")
    repo = open_repo(repo_path)
    sys.stdout.write(approvals_report.listing(approvals.list_all(repo), fmt, approvals.APPROVALS_REF))
    return EXIT_ALLOW
