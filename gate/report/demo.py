"""The demo's summary: one line per branch with the verdict and why, the branches
that may merge, then what to try."""

from __future__ import annotations

from gate.model import BranchResult, Report

_WORD = {"allow": "ALLOW", "ask": "ASK  ", "block": "BLOCK"}


def _why(b: BranchResult) -> str:
    gating = [f for f in b.findings if f.action in ("block", "ask") and not f.approved]
    if not gating:
        warns = [f for f in b.findings if f.action == "warn"]
        if warns:
            return f"allowed with {len(warns)} warning(s): {warns[0].rule}: {warns[0].message}"
        return "in scope, nothing gated, no overlaps"
    top = gating[0]
    more = f" (+{len(gating) - 1} more)" if len(gating) > 1 else ""
    return f"{top.rule}: {top.message}{more}"


def render(report: Report, root: str, tips_pass: dict[str, bool] | None = None) -> str:
    lines = ["", f"agentgate checked {len(report.branches)} agent branches against main:", ""]
    width = max((len((b.ref or "").removeprefix("refs/heads/")) for b in report.branches), default=10)
    for b in report.branches:
        name = (b.ref or "").removeprefix("refs/heads/")
        lines.append(f"  {_WORD[b.verdict]}  {name:<{width}}  {_why(b)}")
    allowed = [(b.ref or "").removeprefix("refs/heads/") for b in report.branches if b.verdict == "allow"]
    if allowed:
        them = ", ".join(allowed)
        lines += ["", f"  {them} {'is' if len(allowed) == 1 else 'are'} allowed: nothing blocks or waits for an "
                      "approval, tests on the merge result included. It may merge:",
                  *(f"    agentgate merge {name}" for name in allowed)]
    for b in report.branches:
        failed = [f for f in b.findings if f.rule == "tests.failed"]
        if failed and (tips_pass or {}).get(b.head or ""):
            name = (b.ref or "").removeprefix("refs/heads/")
            lines += ["", f"  {name} passes its tests on its own tip, and fails once merged with main:",
                      f"  {failed[0].message}",
                      "  agentgate tests the merge result, not what the agent saw."]
    lines += [
        "",
        "Try next:",
        f"  cd {root}",
        "  agentgate check agent/alice/refactor      # the whole report for one branch",
        "  agentgate check --all --format json       # the same, for programs",
        "  agentgate check agent/bob/title --tests   # tests on the merge result",
        "  agentgate status                          # the board: every agent, overlaps, verdicts",
        "  agentgate who src/ui/app.py               # who owns a path, and why",
        "  agentgate approve agent/carol/orders-status   # a human approves the gated migration",
        "",
    ]
    return "\n".join(lines)
