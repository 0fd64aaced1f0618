"""What ``approve`` and ``approvals`` show: the approvals one run recorded, and the
list of every recorded approval (text, or JSON for programs).

The records arrive as plain values (anything with an approval's fields), and the
ref they live on as a name: the report layer does not load the approvals store,
which reads git.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

FORMATS = ("text", "json")
# The JSON fields of one approval: the record's own fields in the order ``approvals
# --format json`` has always written them, then the agent it counts for, whether the
# record is of the old form (no agent: it counts for the agent of its branch), and
# the commit where its change landed on the target (spent), or null.
FIELDS = ("fingerprint", "rule", "path", "who", "when", "branch", "agent", "old_form", "spent")


@dataclass(frozen=True)
class Row:
    """One approval as ``approvals`` lists it."""

    fingerprint: str
    rule: str
    path: str | None
    who: str
    when: str
    branch: str
    agent: str | None
    old_form: bool
    spent: str | None  # the landing commit on the target; None: still counts


class Approval(Protocol):
    """One recorded approval, as ``gate.approvals.Approval`` holds it."""

    @property
    def fingerprint(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def path(self) -> str | None: ...
    @property
    def who(self) -> str: ...
    @property
    def when(self) -> str: ...
    @property
    def branch(self) -> str: ...
    @property
    def agent(self) -> str | None: ...


def recorded(written: Sequence[Approval], skipped: int, branch: str, who: str, ref: str, blocked: bool) -> str:
    """What ``approve`` prints after recording: each new approval, how to share
    the record, and whether the branch still blocks."""
    lines = [f"approved {a.rule} {a.path or '-'} on {branch} ({a.fingerprint[:12]})" for a in written]
    if skipped:
        lines.append(f"{skipped} already approved by an earlier record")
    lines.append(f"recorded on {ref} as {who}; share it with the server: git push origin {ref}")
    lines.append(f"(if that push is refused as not a fast-forward: git fetch origin +{ref}:{ref}, then approve again)")
    if blocked:
        lines.append(f"note: {branch} still has blocking findings; see 'agentgate check {shlex.quote(branch)}'")
    return "".join(line + "\n" for line in lines)


def listing(records: Sequence[Row], fmt: str, ref: str) -> str:
    """``agentgate approvals``: every recorded approval, in the order given (oldest first)."""
    if fmt == "json":
        rows = [{name: getattr(a, name) for name in FIELDS} for a in records]
        return json.dumps({"version": 1, "approvals": rows}, indent=2) + "\n"
    if not records:
        return f"no approvals recorded on {ref}. Fetch the server's: git fetch origin {ref}:{ref}\n"
    return "".join(f"{a.fingerprint[:12]}  {a.rule}  {a.path or '-'}  {a.agent or '-'}  {a.branch}  {a.who}  "
                   f"{a.when}{_state(a)}\n" for a in records)


def _state(a: Row) -> str:
    out = ""
    if a.spent:
        out += f"  spent: landed in {a.spent[:9]}"
    if a.old_form:
        whose = f"counts for {a.agent}, the agent of its branch" if a.agent else "counts for no agent"
        out += f"  old form: {whose}"
    return out


def revoked(gone: Sequence[Approval], who: str, ref: str) -> str:
    """What ``approvals revoke`` prints: each record removed, and how to share it."""
    lines = [f"revoked {a.rule} {a.path or '-'} of {a.agent or 'no agent'} on {a.branch} "
             f"({a.fingerprint[:12]})" for a in gone]
    lines.append(f"recorded on {ref} as {who}; share it with the server: git push origin {ref}")
    return "".join(line + "\n" for line in lines)
