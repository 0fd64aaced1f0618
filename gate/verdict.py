"""Findings + approvals (+ a pusher's own consent) -> verdict. The only place that decides.

Everything that turns findings into an answer lives here: which action a rule
takes, which approvals count, what an approver's own push consents to, what
refuses a push, and the one order every renderer shows findings in. No pygit2:
``gate.report`` imports this module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Set

from gate.errors import EXIT_ALLOW, EXIT_ASK, EXIT_BLOCK
from gate.model import Action, BranchResult, Finding, Verdict

# What stops a merge first; an approved ask no longer does, so it comes after the
# asks still waiting and before the warnings.
_RANK = {"block": 0, "ask": 1, "approved": 2, "warn": 3, "off": 4}
# Findings an approver's own unattributed commits do not get: the policy may change
# only through approvers (DESIGN §5 gate.policy), and approvers are the humans
# 'unattributed = "block"' leaves a way in for.
APPROVER_EXEMPT = frozenset({"gate.policy", "ref.unattributed"})


def action(configured: Action, override: Action | None = None) -> Action:
    """The action a finding takes: the policy's for its rule, or ``override`` (a
    symlink out of the repository always blocks) unless the policy turned it off."""
    if override is None or configured == "off":
        return configured
    return override


def apply_approvals(findings: Iterable[Finding], approved: Set[str], *, consent: bool = False,
                    exempt: Set[str] = frozenset()) -> tuple[Finding, ...]:
    """Mark ``ask`` findings whose fingerprint has an approval; drop ``off`` ones and
    those of an ``exempt`` rule. ``consent``: an approver's own push approves its asks
    (nothing is recorded: pre-receive writes nothing). In the order of ``sort_key``."""
    out = []
    for f in findings:
        if f.action == "off" or f.rule in exempt:
            continue
        if f.action == "ask" and not f.approved and (consent or f.fingerprint in approved):
            f = dataclasses.replace(f, approved=True)
        out.append(f)
    return ordered(out)


def kind(f: Finding) -> str:
    """``block``, ``ask``, ``approved`` (an ask with an approval) or ``warn``."""
    if f.action == "ask" and f.approved:
        return "approved"
    return f.action


def rank(f: Finding) -> int:
    """0 for what stops the merge first (block), then unapproved asks, approved asks, warnings."""
    return _RANK[kind(f)]


def sort_key(f: Finding) -> tuple[int, str, str, int]:
    """What stops the merge first, then by path, rule and line: the order every
    renderer shows."""
    return (rank(f), f.path or "", f.rule, f.line or 0)


def ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """``findings`` in the one order (stable)."""
    return tuple(sorted(findings, key=sort_key))


def decide(findings: Iterable[Finding]) -> Verdict:
    verdict: Verdict = "allow"
    for f in findings:
        if f.action == "block":
            return "block"
        if f.action == "ask" and not f.approved:
            verdict = "ask"
    return verdict


def combine(verdicts: Iterable[Verdict]) -> Verdict:
    """The verdict of several branches: the worst of them."""
    vs = set(verdicts)
    if "block" in vs:
        return "block"
    if "ask" in vs:
        return "ask"
    return "allow"


def without(res: BranchResult, rules: Set[str]) -> BranchResult:
    """``res`` decided again without the findings of ``rules`` (a human finishing a
    merge whose conflicts they resolved: ``target.conflict`` no longer stands)."""
    kept = tuple(f for f in res.findings if f.rule not in rules)
    return dataclasses.replace(res, findings=kept, verdict=decide(kept))


def refuses(kind: str, verdict: Verdict) -> bool:
    """Whether a push is refused (DESIGN §8): on ``block``; a move of the target
    (``kind`` "target") also on an unapproved ``ask``, while a push to an agent
    branch lets it through (work in progress may hold a migration)."""
    return verdict == "block" or (kind == "target" and verdict == "ask")


def exit_code(verdict: Verdict) -> int:
    return {"allow": EXIT_ALLOW, "block": EXIT_BLOCK, "ask": EXIT_ASK}[verdict]
