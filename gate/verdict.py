"""Findings + approvals -> verdict. The only place that decides."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Set

from gate.errors import EXIT_ALLOW, EXIT_ASK, EXIT_BLOCK
from gate.model import Finding, Verdict

_ORDER = {"block": 0, "ask": 1, "warn": 2, "off": 3}


def apply_approvals(findings: Iterable[Finding], approved: Set[str]) -> tuple[Finding, ...]:
    """Mark ``ask`` findings whose fingerprint has an approval; drop ``off`` ones."""
    out = []
    for f in findings:
        if f.action == "off":
            continue
        if f.action == "ask" and f.fingerprint in approved:
            f = dataclasses.replace(f, approved=True)
        out.append(f)
    return tuple(sorted(out, key=sort_key))


def sort_key(f: Finding) -> tuple[int, str, str, int]:
    """Most severe first, then by path and line: the order every renderer shows."""
    return (_ORDER[f.action], f.path or "", f.rule, f.line or 0)


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


def exit_code(verdict: Verdict) -> int:
    return {"allow": EXIT_ALLOW, "block": EXIT_BLOCK, "ask": EXIT_ASK}[verdict]
