"""Run the checks for one branch and fold their findings into a result."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gate import verdict
from gate.checks import content, overlap, scope, symbols, target
from gate.context import BranchInfo, Context
from gate.model import BranchResult, ChangeSet, Finding

Check = Callable[[Context, BranchInfo, ChangeSet], list[Finding]]

# Checks that need an agent (DESIGN §5: unattributed work gets gates, no scope).
AGENT_CHECKS: list[Check] = [scope.check, overlap.check, symbols.check]
# Checks for every branch.
GATE_CHECKS: list[Check] = [content.check, target.check]


def register(check: Check, agent_only: bool) -> None:
    """Cross-branch checks (overlaps, symbols…) add themselves here."""
    (AGENT_CHECKS if agent_only else GATE_CHECKS).append(check)


def evaluate(ctx: Context, branch: BranchInfo, extra: Sequence[Finding] = (),
             only: Sequence[Check] | None = None) -> BranchResult:
    """The result for ``branch``; ``only`` narrows the checks (of those that apply)."""
    cs = ctx.changes(branch.head)
    checks = list(GATE_CHECKS)
    if branch.agent is not None or branch.unknown_agent is not None:
        checks = AGENT_CHECKS + checks
    if only is not None:
        checks = [c for c in checks if c in only]
    findings: list[Finding] = list(extra)
    # Notes (a file skipped because it does not parse…) are collected per branch:
    # another branch that meets the same file gets the same note.
    outer, ctx.notes = ctx.notes, []
    try:
        for check in checks:
            findings.extend(check(ctx, branch, cs))
    finally:
        notes, ctx.notes = ctx.notes, outer
        outer.extend(n for n in notes if n not in outer)
    final = verdict.apply_approvals(_dedupe(findings), ctx.approved)
    ahead, behind = ctx.repo.ahead_behind(branch.head, ctx.target_oid)
    facts: dict[str, object] = {"ahead": ahead, "behind": behind, "files_changed": len(cs.files)}
    if notes:
        facts["notes"] = notes
    return BranchResult(ref=branch.ref, agent=branch.agent or branch.unknown_agent, head=branch.head,
                        base=cs.base, verdict=verdict.decide(final), findings=final, facts=facts)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    out = []
    for f in findings:
        if f.fingerprint in seen:
            continue
        seen.add(f.fingerprint)
        out.append(f)
    return out
