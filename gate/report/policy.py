"""What ``agentgate policy check`` shows: the file is valid, and what it changes
against the policy in force on the target (``gate.policy.diff``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.model import short_name
from gate.report.text import printable

if TYPE_CHECKING:
    from gate.policy.diff import PolicyChanges


def _list(items: tuple[str, ...]) -> str:
    return ", ".join(printable(i) for i in items)


def checked(source: str, target: str | None, present: bool, ch: PolicyChanges | None) -> str:
    """``source`` is valid; then its changes against the target's policy (``present``:
    the target has one), or, with no repository (``target`` None), nothing more."""
    lines = [f"{printable(source)}: valid"]
    if target is None or ch is None:
        return "".join(line + "\n" for line in lines)
    t = printable(short_name(target))
    if ch.empty:
        lines.append(f"no change to agents, owned paths, rules or approvers against the policy on {t}")
        return "".join(line + "\n" for line in lines)
    lines.append(f"against the policy on {t}:" if present else f"against {t}, which has no policy in force yet:")
    for a in ch.agents_added:
        lines.append(f"  + agent {printable(a.agent)}" + (f": owns {_list(a.added)}" if a.added else ""))
    lines.extend(f"  - agent {printable(name)}" for name in ch.agents_removed)
    for o in ch.owns:
        parts = [f"+ {p}" for p in o.added] + [f"- {p}" for p in o.removed]
        lines.append(f"  {printable(o.agent)} owns: " + ", ".join(printable(p) for p in parts))
    lines.extend(f"  rule {rule}: {before} -> {after}" for rule, before, after in ch.rules)
    if ch.approvers_added or ch.approvers_removed:
        parts = [f"+ {a}" for a in ch.approvers_added] + [f"- {a}" for a in ch.approvers_removed]
        lines.append("  approvers: " + ", ".join(printable(p) for p in parts))
    lines.append(f"commit it to {t} (as an approver) to put it in force")
    return "".join(line + "\n" for line in lines)
