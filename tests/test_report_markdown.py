"""The Markdown summary (job summary, pull-request comment)."""

from __future__ import annotations

from gate.model import Finding, RefName, Report
from gate.report import markdown
from tests.test_report_samples import TARGET, allow_report, assert_golden, many_report, one_branch, sample_report


def test_sample_report_matches_expected_markdown() -> None:
    assert_golden("sample.md", markdown.render(sample_report()))


def test_clean_branch() -> None:
    assert markdown.render(allow_report()) == (
        "## ✅ agentgate: allow\n\n"
        "Checked 1 branch against `main` at `1a2b3c4`: no findings.\n\n"
        "### ✅ `agent/carol/docs` · carol · allow\n\n"
        "No findings.\n\n"
        "### What to do next\n\n"
        "- nothing blocks: the branch may merge\n"
    )


def test_text_from_branches_cannot_become_markup() -> None:
    assert markdown.escape("a|b *c* [d](e) <img> $x$ ~f~ #1 & `g`") == (
        "a\\|b \\*c\\* \\[d\\](e) \\<img\\> \\$x\\$ \\~f\\~ \\#1 \\& \\`g\\`"
    )


def test_code_spans_hold_backticks_and_pipes() -> None:
    assert markdown.code("a/b.py") == "`a/b.py`"
    assert markdown.code("a`b|c") == "``a`b\\|c``"
    assert markdown.code("`x`") == "`` `x` ``"


def test_long_branch_lists_are_cut_with_a_pointer_to_the_rest() -> None:
    out = markdown.render(many_report(blocks=5, asks=0, warns=0, approved=0), max_rows=2)
    rows = [line for line in out.splitlines() if line.startswith("| `scope.outside`")]
    assert len(rows) == 2
    assert "… and 3 more findings: run `agentgate check agent/alice/big` to see all." in out.splitlines()


def test_long_messages_are_cut_in_cells() -> None:
    report = one_branch("allow", Finding("scope.shared", "warn", "y" * 1000, path="p"))
    row = next(line for line in markdown.render(report).splitlines() if "`p`" in line)
    assert row == f"| `scope.shared` | ⚠️ warn | `p` | {'y' * (markdown.MAX_CELL - 1)}… |"


def test_matrix_only_when_the_report_has_one() -> None:
    assert "Overlaps" not in markdown.render(allow_report())
    report = Report(
        "allow",
        RefName("refs/heads/main"),
        TARGET,
        (),
        extra={
            "matrix": {
                "agents": ["a", "b"],
                "cells": {"b|a": "same lines"},
            }
        },
    )
    lines = markdown.render(report).splitlines()
    start = lines.index("### Overlaps between agents")
    assert lines[start + 2 : start + 6] == [
        "| | a | b |",
        "| --- | --- | --- |",
        "| **a** | — | same lines |",
        "| **b** | same lines | — |",
    ]
