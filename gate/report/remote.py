"""What a hook says, as lines that read well after git's ``remote:`` prefix.

One line per finding, one verdict line per judged ref, then what happens and the
command that shows more. Each line starts with ``agentgate:``; when ``GL_ID`` is set
(GitLab), with ``GL-HOOK-ERR:`` before that, so GitLab's UI shows it.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TextIO

from gate.model import Finding, Outcome
from gate.report.text import LABEL, location, printable
from gate.verdict import kind, ordered

PREFIX = "agentgate: "
APPROVALS_REF = "refs/agentgate/approvals"  # gate.approvals' ref: the report layer does not load the store
_KIND_ORDER = {"ref": 0, "agent": 1, "target": 2}


def text(lines: Iterable[str], env: Mapping[str, str]) -> str:
    """The lines as written to stderr (git relays it to the pusher as ``remote:`` lines)."""
    gl = "GL-HOOK-ERR: " if env.get("GL_ID") else ""
    return "".join(f"{gl}{PREFIX}{line}\n" for line in lines)


def emit(lines: Iterable[str], env: Mapping[str, str], stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    out.write(text(lines, env))
    out.flush()


def finding_line(label: str, f: Finding) -> str:
    loc = location(f)
    message = printable(f.message.split("\n", 1)[0])
    return f"{printable(label)}: {LABEL[kind(f)]} {f.rule} {loc + '  ' if loc else ' '}{message}"


def object_lines(refused: Sequence[tuple[str, object]]) -> list[str]:
    """One line per object git's fsck (or libgit2) refuses: ``REF: refused: WHERE: ID: WHY``."""
    return [f"{printable(label)}: refused: {printable(str(problem))}" for label, problem in refused]


def verdict_line(o: Outcome, target: str) -> str:
    label = printable(o.label)
    if o.refused:
        tail = "refused until an approver approves" if o.verdict == "ask" else "refused"
        return f"{label}: {o.verdict}: {tail}"
    if o.verdict == "ask":
        return f"{label}: ask: accepted as work in progress; needs approval before it reaches {printable(target)}"
    return f"{label}: {o.verdict}"


def outcome_lines(outcomes: Sequence[Outcome], target: str, action: str = "push") -> list[str]:
    """The lines for a judged push (or merge): findings, verdicts, then what next."""
    lines: list[str] = []
    # Whatever order git listed the refs in: ref rules, then agent branches, then the target.
    outcomes = sorted(outcomes, key=lambda o: (_KIND_ORDER.get(o.kind, 0), o.label))
    for o in outcomes:
        quiet = o.kind == "ref" and not any(p.result.findings for p in o.parts)
        if quiet:
            continue  # a tag or a human's branch with nothing to say
        for p in o.parts:
            lines.extend(finding_line(p.label, f) for f in ordered(p.result.findings))
            lines.extend(f"{printable(p.label)}: note: {printable(n)}" for n in p.result.facts.get("attribution", ()))
        lines.append(verdict_line(o, target))
    names = _names(outcomes)
    more = f"see more: agentgate check {' '.join(shlex.quote(n) for n in names)}" if names else ""
    asking = [n for n in names if n in _asking(outcomes)]
    approve = " && ".join(f"agentgate approve {shlex.quote(n)}" for n in asking)
    if any(o.refused for o in outcomes):
        lines.append(f"{action} refused" + (f"; {more}" if more else ""))
        if approve and not any(o.refused and o.verdict == "block" for o in outcomes):
            # What lets it in, as one command that runs as printed in the pusher's
            # clone: approve judges against the upstream when the clone's target
            # already holds the merge, and the server reads approvals from its own ref.
            lines.append(f"to let it in, an approver runs: {approve} && git push origin {APPROVALS_REF}; "
                         f"then {action} again")
    elif any(o.verdict == "ask" for o in outcomes):
        lines.append("; ".join(x for x in (more, f"an approver runs: {approve}" if approve else "") if x))
    return [x for x in lines if x]


def _names(outcomes: Iterable[Outcome]) -> list[str]:
    out: list[str] = []
    for o in outcomes:
        for p in o.parts:
            if p.more and p.more not in out and (p.result.findings or o.refused):
                out.append(printable(p.more))
    return out


def _asking(outcomes: Iterable[Outcome]) -> set[str]:
    return {printable(p.more) for o in outcomes for p in o.parts
            if p.more and p.result.verdict == "ask"}
