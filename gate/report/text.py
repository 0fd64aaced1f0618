"""The report for people at a terminal, and the helpers the other renderers share.

Branch by branch: a header (short ref, agent, verdict), one line per finding
(``  ACTION rule path:line  message``) with its hint below, then the verdict and
what to do next. Colour only when asked for.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from gate.model import BranchResult, Finding, Report
from gate.verdict import kind, ordered

LABEL = {"block": "BLOCK", "ask": "ASK", "approved": "APPROVED", "warn": "WARN", "off": "OFF"}

# Characters that must not reach a terminal, a log or a file raw: C0/C1 controls (a
# hostile path could carry escape sequences), bidi overrides ("trojan source"), and
# the lone surrogates that os.fsdecode uses for non-UTF-8 bytes (they cannot be
# encoded as UTF-8 at all).
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")

_ANSI = {"block": "1;31", "ask": "1;33", "approved": "32", "warn": "33", "allow": "1;32", "dim": "2"}


def escape_char(m: re.Match[str]) -> str:
    """The backslash escape shown for one unsafe character (``\\xNN`` for a non-UTF-8 byte)."""
    c = m.group(0)
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # a non-UTF-8 byte kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(c, f"\\x{code:02x}")
    return f"\\u{code:04x}"


def printable(s: str) -> str:
    """``s`` with every unsafe character shown as a backslash escape (one line)."""
    return UNSAFE.sub(escape_char, s)


def printable_lines(s: str) -> list[str]:
    """``s`` split on its line breaks, each line made printable."""
    return [printable(line) for line in s.replace("\r\n", "\n").split("\n")]


def short_ref(ref: str | None) -> str:
    """``refs/heads/agent/x`` -> ``agent/x``; a diff (no ref) is ``(diff)``."""
    if ref is None:
        return "(diff)"
    for prefix in ("refs/heads/", "refs/remotes/", "refs/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


def gates(f: Finding) -> bool:
    """Whether the finding stops the merge: a block, or an ask nobody approved."""
    return f.action == "block" or (f.action == "ask" and not f.approved)


def location(f: Finding) -> str:
    """``path:12``, ``path:12-14``, ``path``, or ``""`` when the finding has no path."""
    if f.path is None:
        return ""
    loc = printable(f.path)
    if f.line is not None:
        loc += f":{f.line}"
        if f.end_line is not None and f.end_line > f.line:
            loc += f"-{f.end_line}"
    return loc


def counts(report: Report) -> dict[str, int]:
    """How many findings of each kind the whole report holds."""
    out = dict.fromkeys(("block", "ask", "approved", "warn"), 0)
    for b in report.branches:
        for f in b.findings:
            k = kind(f)
            if k in out:
                out[k] += 1
    return out


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def tally(report: Report) -> str:
    """``2 blocking, 1 to approve, 3 warnings``: the findings that matter, in words."""
    c = counts(report)
    parts = []
    if c["block"]:
        parts.append(f"{c['block']} blocking")
    if c["ask"]:
        parts.append(f"{c['ask']} to approve")
    if c["approved"]:
        parts.append(f"{c['approved']} approved")
    if c["warn"]:
        parts.append(plural(c["warn"], "warning"))
    return ", ".join(parts) or "no findings"


@dataclass(frozen=True)
class Step:
    """One thing to do next; ``command`` is a shell command line when there is one."""

    text: str
    command: str | None = None


def next_steps(report: Report) -> list[Step]:
    """What the reader should do now, worst problem first."""
    steps: list[Step] = []
    for b in report.branches:
        name = short_ref(b.ref)
        where = "in the patch" if b.ref is None else f"on {printable(name)}"
        if any(f.action == "block" for f in b.findings):
            steps.append(Step(f"fix the blocking findings {where} (see the hints) and push again"))
    for b in report.branches:
        asks = sum(1 for f in b.findings if f.action == "ask" and not f.approved)
        if not asks:
            continue
        if b.ref is None:
            what = plural(asks, "finding in the patch needs", "findings in the patch need")
            steps.append(
                Step(
                    f"{what} a human approval; push the patch to its agent branch, then after review an approver runs",
                    "agentgate approve BRANCH",
                )
            )
        else:
            name = printable(short_ref(b.ref))
            what = plural(asks, f"finding on {name} needs", f"findings on {name} need")
            steps.append(
                Step(
                    f"{what} a human approval; after review, an approver runs",
                    "agentgate approve " + shlex.quote(name),
                )
            )
    if report.branches and report.verdict == "allow":
        n = len(report.branches)
        steps.append(Step("nothing blocks: " + ("the branch may merge" if n == 1 else f"the {n} branches may merge")))
    if counts(report)["warn"]:
        steps.append(Step("warnings do not block: read them before merging"))
    return steps


def _paint(text: str, style: str, color: bool) -> str:
    return f"\x1b[{_ANSI[style]}m{text}\x1b[0m" if color else text


def _facts(b: BranchResult) -> str:
    ahead, behind = b.facts.get("ahead"), b.facts.get("behind")
    if isinstance(ahead, int) and isinstance(behind, int):
        return f"  ({ahead} ahead, {behind} behind)"
    return ""


def _branch(b: BranchResult, color: bool) -> list[str]:
    agent = printable(b.agent) if b.agent else "no agent"
    verdict = _paint(b.verdict.upper(), "allow" if b.verdict == "allow" else b.verdict, color)
    lines = [f"{printable(short_ref(b.ref))} — {agent} — {verdict}{_facts(b)}"]
    findings = ordered(b.findings)
    if not findings:
        lines.append("  no findings")
        return lines + _notes(b, color)
    width = max(len(f.rule) for f in findings)
    # The output is the command's, not one test's: shown once, under the last tests.* finding.
    last_test = next((f for f in reversed(findings) if f.rule.startswith("tests.")), None) if test_output(b) else None
    pad = " " * (2 + 8 + 1)  # under the rule column
    for f in findings:
        k = kind(f)
        label = _paint(f"{LABEL[k]:<8}", k, color)
        message = printable_lines(f.message)
        loc = location(f)
        lines.append(f"  {label} {f.rule:<{width}}  {loc + '  ' if loc else ''}{message[0]}".rstrip())
        lines.extend(f"{pad}{' ' * (width + 2)}{more}".rstrip() for more in message[1:])
        if f.hint:
            hint = printable_lines(f.hint)
            lines.append(pad + _paint("→ " + hint[0], "dim", color))
            lines.extend(pad + _paint("  " + more, "dim", color) for more in hint[1:])
        if f is last_test:
            shown = test_output(b)
            lines.append(pad + _paint(f"output of the test command (last {plural(len(shown), 'line')}):", "dim", color))
            lines.extend(f"{pad}  {line}".rstrip() for line in shown)
    return lines + _notes(b, color)


def test_output(b: BranchResult) -> list[str]:
    """The test command's last output lines (redacted when they were read), shown
    under the branch's ``tests.*`` findings; [] when there are none or no output."""
    tests = b.facts.get("tests")
    tail = tests.get("output_tail") if isinstance(tests, dict) else None
    if not isinstance(tail, str) or not tail.strip() or not any(f.rule.startswith("tests.") for f in b.findings):
        return []
    return printable_lines(tail.strip("\n"))


NOTES_SHOWN = 5


def _notes(b: BranchResult, color: bool) -> list[str]:
    """What the checks could not look at (a file that does not parse…): not findings,
    but the reader should know the answer is partial."""
    notes = [n for n in b.facts.get("notes", ()) if isinstance(n, str)]
    lines = [_paint(f"  note: {printable(n)}", "dim", color) for n in notes[:NOTES_SHOWN]]
    if len(notes) > NOTES_SHOWN:
        more = len(notes) - NOTES_SHOWN
        lines.append(_paint(f"  note: {plural(more, 'more note')} in --format json (facts.notes)", "dim", color))
    return lines


def render(report: Report, color: bool = False) -> str:
    """The report as text for a terminal; ANSI colours only when ``color``."""
    n = len(report.branches)
    diff = n > 0 and all(b.ref is None for b in report.branches)
    head = "agentgate: checked " + ("a patch" if diff else plural(n, "branch", "branches"))
    if report.target_ref is not None:
        head += f" against {printable(short_ref(report.target_ref))}"
        if report.target_oid:
            head += f" at {report.target_oid[:7]}"
    lines = [head, ""]
    for b in report.branches:
        lines.extend(_branch(b, color))
        lines.append("")
    verdict = report.verdict.upper()
    lines.append(
        f"verdict: {_paint(verdict, 'allow' if verdict == 'ALLOW' else report.verdict, color)} ({tally(report)})"
    )
    steps = next_steps(report)
    if steps:
        lines.append("next:")
        lines.extend(f"  - {s.text}" + (f": {s.command}" if s.command else "") for s in steps)
    return "\n".join(lines) + "\n"
