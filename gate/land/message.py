"""The merge commit message ``merge`` and ``land`` both write: one wording, so a
target's history reads the same whichever command landed a branch."""

from __future__ import annotations

from gate.context import BranchInfo
from gate.model import Report
from gate.report import text


def subject(b: BranchInfo) -> str:
    agent = f" (agent {b.agent})" if b.agent else ""
    return f"Merge {b.short}{agent}"


def merge_message(b: BranchInfo, rep: Report) -> str:
    return f"{subject(b)}\n\nGated by agentgate: {rep.verdict} ({text.tally(rep)}).\nBranch: {b.ref}\nHead: {b.head}\n"
