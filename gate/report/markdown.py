"""The Markdown summary: for ``$GITHUB_STEP_SUMMARY`` and pull-request comments.

Verdict, a table per branch, the agents' overlap matrix when the report has
one, and what to do next. Everything that comes from a branch (paths,
messages, names) is escaped: it must not turn into markup or break a table.
"""

from __future__ import annotations

import re
from typing import Any

from gate import verdict
from gate.model import BranchResult, Finding, Report
from gate.report import text

MAX_ROWS = 50  # findings shown per branch: a PR comment is limited to 65,536 characters
MAX_CELL = 400  # characters of one message or hint in a table cell
MAX_OUTPUT = 20_000  # characters of a test command's output shown per branch

ICON = {"allow": "✅", "ask": "✋", "block": "⛔", "approved": "☑️", "warn": "⚠️"}
ACTION = {"block": "block", "ask": "ask", "approved": "ask (approved)", "warn": "warn"}
MATRIX = {"conflict": "**conflict**", "same lines": "same lines", "same files": "same files", "none": "·"}

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$#])")


def escape(s: str) -> str:
    """Plain text safe in Markdown and in a table cell (one line)."""
    return _SPECIAL.sub(r"\\\1", text.printable(s))


def code(s: str) -> str:
    """A code span holding ``s`` literally, also inside a table cell."""
    s = text.printable(s)
    longest = max((len(run) for run in re.findall("`+", s)), default=0)
    fence = "`" * (longest + 1)
    if s.startswith(("`", " ")) or s.endswith(("`", " ")):
        s = f" {s} "
    # GitHub splits table cells before it reads code spans, so "|" needs its backslash even here.
    return fence + s.replace("|", "\\|") + fence


def _cell(s: str) -> str:
    lines = text.printable_lines(s)
    joined = "\n".join(lines)
    if len(joined) > MAX_CELL:
        lines = text.printable_lines(joined[: MAX_CELL - 1] + "…")
    return "<br>".join(escape(line) for line in lines)


def _row(f: Finding) -> str:
    k = verdict.kind(f)
    loc = code(text.location(f)) if f.path is not None else "—"
    msg = _cell(f.message)
    if f.hint:
        msg += "<br>→ " + _cell(f.hint)
    return f"| {code(f.rule)} | {ICON[k]} {ACTION[k]} | {loc} | {msg} |"


def _branch(b: BranchResult, max_rows: int) -> list[str]:
    name = code(text.short_ref(b.ref)) if b.ref is not None else "the patch"
    agent = escape(b.agent) if b.agent else "no agent"
    lines = [f"### {ICON[b.verdict]} {name} · {agent} · {b.verdict}", ""]
    findings = verdict.ordered(b.findings)
    if not findings:
        return [*lines, "No findings.", ""]
    shown = findings[:max_rows]
    if shown:
        lines += ["| rule | action | location | message |", "| --- | --- | --- | --- |"]
        lines += [_row(f) for f in shown]
        lines.append("")
    rest = len(findings) - len(shown)
    if rest:
        run = "agentgate check " + (text.short_ref(b.ref) if b.ref is not None else "--diff")
        lines += [f"… and {text.plural(rest, 'more finding', 'more findings')}: run {code(run)} to see all.", ""]
    return lines + _test_output(b)


def _test_output(b: BranchResult) -> list[str]:
    """The test command's last lines under the table, folded, in a fence no line can close."""
    shown = text.test_output(b)
    if not shown:
        return []
    body = "\n".join(shown)
    if len(body) > MAX_OUTPUT:  # keep the end: that is where a test run says what failed
        body = "…" + body[len(body) - MAX_OUTPUT + 1:]
    longest = max((len(run) for run in re.findall("`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    summary = f"Output of the test command (last {text.plural(len(shown), 'line')})"
    return ["<details><summary>" + summary + "</summary>", "", fence + "text", body, fence, "", "</details>", ""]


def _matrix(matrix: Any) -> list[str]:
    if not isinstance(matrix, dict):
        return []
    agents = [str(a) for a in matrix.get("agents", [])]
    cells = matrix.get("cells", {})
    if len(agents) < 2 or not isinstance(cells, dict):
        return []
    lines = ["### Overlaps between agents", ""]
    lines.append("| | " + " | ".join(escape(a) for a in agents) + " |")
    lines.append("| --- |" + " --- |" * len(agents))
    for a in agents:
        row = []
        for b in agents:
            if a == b:
                row.append("—")
                continue
            value = cells.get(f"{a}|{b}", cells.get(f"{b}|{a}", "none"))
            row.append(MATRIX.get(str(value), escape(str(value))))
        lines.append(f"| **{escape(a)}** | " + " | ".join(row) + " |")
    return [*lines, ""]


def _step(s: text.Step) -> str:
    return f"- {escape(s.text)}" + (f" {code(s.command)}" if s.command else "")


def render(report: Report, max_rows: int = MAX_ROWS) -> str:
    """The Markdown summary; at most ``max_rows`` findings are listed per branch."""
    n = len(report.branches)
    lines = [f"## {ICON[report.verdict]} agentgate: {report.verdict}", ""]
    intro = f"Checked {text.plural(n, 'branch', 'branches')}"
    if report.target_ref is not None:
        intro += f" against {code(text.short_ref(report.target_ref))}"
        if report.target_oid:
            intro += f" at {code(report.target_oid[:7])}"
    lines += [f"{intro}: {escape(text.tally(report))}.", ""]
    for b in report.branches:
        lines += _branch(b, max_rows)
    lines += _matrix(report.extra.get("matrix"))
    steps = text.next_steps(report)
    if steps:
        lines += ["### What to do next", "", *(_step(s) for s in steps), ""]
    return "\n".join(lines)
