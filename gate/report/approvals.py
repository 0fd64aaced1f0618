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
from typing import Protocol

FORMATS = ("text", "json")
# The JSON fields of one approval, in the order ``approvals --format json`` has
# always written them (the record's own field order).
FIELDS = ("fingerprint", "rule", "path", "who", "when", "branch")


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


def listing(records: Sequence[Approval], fmt: str, ref: str) -> str:
    """``agentgate approvals``: every recorded approval, in the order given (oldest first)."""
    if fmt == "json":
        rows = [{name: getattr(a, name) for name in FIELDS} for a in records]
        return json.dumps({"version": 1, "approvals": rows}, indent=2) + "\n"
    if not records:
        return f"no approvals recorded on {ref}. Fetch the server's: git fetch origin {ref}:{ref}\n"
    return "".join(f"{a.fingerprint[:12]}  {a.rule}  {a.path or '-'}  {a.branch}  {a.who}  {a.when}\n"
                   for a in records)
