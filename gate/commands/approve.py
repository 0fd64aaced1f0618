"""``agentgate approve BRANCH [--rule R]...`` and ``agentgate approvals``.

``approve`` records consent to a branch's current unapproved ``ask`` findings, each
bound to its content fingerprint, as one commit on ``refs/agentgate/approvals``
(compare-and-swap). The record is local until pushed; the server accepts it only
from an approver and only as a fast-forward.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from gate import approvals, context, engine
from gate.errors import EXIT_ALLOW, GateError, UsageError
from gate.git.opening import open_repo
from gate.git.repo import GitRepo
from gate.model import short_name
from gate.policy import require_policy
from gate.report import approvals as approvals_report
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
    repo = open_repo(repo_path)
    ctx = context.build(repo, target)
    require_policy(ctx.policy, ctx.target_ref)
    agent = repo.config_get("agentgate.agent")
    if agent:
        raise GateError(f"this worktree belongs to agent '{agent}' (git config agentgate.agent); agents never "
                        "approve. Run 'agentgate approve' from a human's checkout.")
    who = approver_identity(repo, env)
    if not who or who.casefold() not in {a.casefold() for a in ctx.policy.approvers}:
        listed = ", ".join(ctx.policy.approvers) or "nobody"
        raise GateError(f"{who or 'you (no user.email)'} is not an approver ([gate] approvers on "
                        f"{short_name(ctx.target_ref)}: {listed}). Ask an approver to review and approve, "
                        "or set AGENTGATE_USER to your approver login.")
    [info] = context.select(ctx, [branch], False)
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


def list_main(fmt: str = "text", repo_path: str | None = None) -> int:
    """``agentgate approvals``: every recorded approval, oldest first."""
    if fmt not in approvals_report.FORMATS:
        raise UsageError(f"unknown format {fmt!r} for approvals: use text or json")
    repo = open_repo(repo_path)
    sys.stdout.write(approvals_report.listing(approvals.list_all(repo), fmt, approvals.APPROVALS_REF))
    return EXIT_ALLOW
