"""GitHub Actions output: workflow-command annotations and the job summary.

GitHub shows at most 10 annotations of each kind (error, warning, notice) per
step and drops the rest silently, so the findings that stop the merge come
first, each kind stops at 10, and a last plain line counts what was left out.
The whole text report goes first in a collapsed log group, with workflow
commands stopped around it: messages and paths come from agent branches, and a
line of theirs must never be read as a command.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from gate import verdict
from gate.model import Finding, Report
from gate.report import markdown, text

LIMIT = 10  # annotations of one kind that GitHub shows per step
KIND = {"block": "error", "ask": "error", "approved": "notice", "warn": "warning"}
# GitHub refuses a step summary over 1 MiB (and then shows none of it).
SUMMARY_LIMIT = 1024 * 1024


def escape_data(s: str) -> str:
    """Escape a workflow command's message, as the Actions toolkit does."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    """Escape a workflow command's property value (also ``:`` and ``,``)."""
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def _safe(s: str) -> str:
    # Control characters other than line breaks would show raw in the UI; line
    # breaks are escaped by escape_data and shown as line breaks by GitHub.
    return "\n".join(text.printable_lines(s))


def _path(path: str) -> str:
    """The path for a ``file=`` property. Line breaks stay as they are, so that
    escape_property turns them, like ``%``, ``:`` and ``,``, into what the runner
    reads back (``%0A``, not the two characters ``\\n``, which name no file). Other
    control characters, bidi overrides and non-UTF-8 bytes are shown as escapes, as
    everywhere else: a hostile name must not reach a CI log raw."""
    return text.UNSAFE.sub(lambda m: m.group(0) if m.group(0) in "\r\n" else text.escape_char(m), path)


def annotation(f: Finding, branch: str | None) -> str:
    """One ``::error``/``::warning``/``::notice`` line for a finding.

    ``branch`` prefixes the message when several branches share the step.
    """
    k = verdict.kind(f)
    props: list[tuple[str, str]] = []
    if f.path is not None:
        props.append(("file", _path(f.path)))
        if f.line is not None:
            props.append(("line", str(f.line)))
            if f.end_line is not None and f.end_line >= f.line:
                props.append(("endLine", str(f.end_line)))
    props.append(("title", f.rule))
    message = _safe(f.message)
    if branch is not None:
        message = f"{text.printable(branch)}: {message}"
    if k == "approved":
        message += " (approved)"
    if f.hint:
        message += "\n→ " + _safe(f.hint)
    head = ",".join(f"{name}={escape_property(value)}" for name, value in props)
    return f"::{KIND[k]} {head}::{escape_data(message)}"


def render(report: Report) -> str:
    """Annotations for the findings, most important first, within GitHub's limits."""
    multi = len(report.branches) > 1
    ranked: list[tuple[int, int, int, Finding, str | None]] = []
    for bi, b in enumerate(report.branches):
        for fi, f in enumerate(verdict.ordered(b.findings)):
            ranked.append((verdict.rank(f), bi, fi, f, text.short_ref(b.ref) if multi else None))
    ranked.sort(key=lambda r: r[:3])

    body = text.render(report)
    # The token only has to be something the report cannot contain: a hash of the
    # report itself is (a text holding its own hash is out of reach) and keeps
    # the output reproducible.
    token = "agentgate-" + hashlib.sha256(body.encode("utf-8", "replace")).hexdigest()[:32]
    lines = [
        "::group::" + escape_data(f"agentgate: {report.verdict} ({text.tally(report)})"),
        f"::stop-commands::{token}",
        *body.rstrip("\n").split("\n"),
        f"::{token}::",
        "::endgroup::",
    ]
    shown = dict.fromkeys(KIND.values(), 0)
    left = 0
    for _, _, _, f, branch in ranked:
        k = KIND[verdict.kind(f)]
        if shown[k] >= LIMIT:
            left += 1
            continue
        shown[k] += 1
        lines.append(annotation(f, branch))
    if left:
        lines.append(f"… and {text.plural(left, 'more finding', 'more findings')}: see the job summary")
    lines.append(f"agentgate: {report.verdict.upper()} ({text.tally(report)})")
    return "\n".join(lines) + "\n"


def summary_markdown(report: Report) -> str:
    """The job summary: the Markdown report, cut down to fit GitHub's 1 MiB limit."""
    for rows in (markdown.MAX_ROWS, 10, 0):
        out = markdown.render(report, max_rows=rows)
        if len(out.encode("utf-8")) < SUMMARY_LIMIT:
            return out
    return out.encode("utf-8")[: SUMMARY_LIMIT - 1024].decode("utf-8", "ignore") + "\n\n(cut to fit)\n"


def write_step_summary(report: Report, env: Mapping[str, str]) -> bool:
    """Append the summary to ``$GITHUB_STEP_SUMMARY`` when ``env`` names one.

    Returns whether it wrote. Appending is what GitHub asks for: other steps'
    writes to the same file are kept.
    """
    path = env.get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(summary_markdown(report))
    return True
