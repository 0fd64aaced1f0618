"""The JSON report of DESIGN §6 (``version`` 1). Other renderers build on ``to_dict``."""

from __future__ import annotations

import json
from typing import Any

from gate.model import BranchResult, Finding, Report


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "action": f.action,
        "path": f.path,
        "line": f.line,
        "end_line": f.end_line,
        "message": f.message,
        "hint": f.hint,
        "other": f.other,
        "fingerprint": f.fingerprint,
        "approved": f.approved,
    }


def branch_dict(b: BranchResult) -> dict[str, Any]:
    return {
        "ref": b.ref,
        "agent": b.agent,
        "head": b.head,
        "base": b.base,
        "verdict": b.verdict,
        "findings": [finding_dict(f) for f in b.findings],
        "facts": b.facts,
    }


def to_dict(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": 1,
        "verdict": report.verdict,
        "target": {"ref": report.target_ref, "oid": report.target_oid},
        "branches": [branch_dict(b) for b in report.branches],
        "elapsed_ms": report.elapsed_ms,
    }
    if report.extra:
        out.update(report.extra)
    return out


def render(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=True) + "\n"
