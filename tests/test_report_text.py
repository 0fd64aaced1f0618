"""The text report for people, and the helpers every renderer shares."""

from __future__ import annotations

from gate import verdict
from gate.model import BranchResult, Finding, RefName, Report
from gate.report import text
from tests.test_report_samples import TARGET, allow_report, assert_golden, diff_report, one_branch, sample_report


def test_sample_report_matches_expected_text() -> None:
    assert_golden("sample.txt", text.render(sample_report()))


def test_patch_report_says_how_to_approve() -> None:
    assert_golden("diff.txt", text.render(diff_report()))


def test_clean_branch_says_it_may_merge() -> None:
    assert text.render(allow_report()).splitlines() == [
        "agentgate: checked 1 branch against main at 1a2b3c4",
        "",
        "agent/carol/docs — carol — ALLOW",
        "  no findings",
        "",
        "verdict: ALLOW (no findings)",
        "next:",
        "  - nothing blocks: the branch may merge",
    ]


def test_colour_only_when_asked() -> None:
    report = one_branch("block", Finding("gate.secret", "block", "a key", path="k.pem", line=1, hint="revoke it"))
    plain = text.render(report)
    assert "\x1b" not in plain
    assert text.render(report, color=True).splitlines()[2:5] == [
        "agent/a/x — a — \x1b[1;31mBLOCK\x1b[0m",
        "  \x1b[1;31mBLOCK   \x1b[0m gate.secret  k.pem:1  a key",
        "           \x1b[2m→ revoke it\x1b[0m",
    ]


def test_terminal_escapes_in_paths_and_messages_are_shown_not_sent() -> None:
    assert text.printable("a\x1b[2Jb\u202ec\udcffd\te") == "a\\x1b[2Jb\\u202ec\\xffd\\te"
    assert text.printable_lines("one\r\ntwo\nthree") == ["one", "two", "three"]


def test_location_forms() -> None:
    assert text.location(Finding("r", "warn", "m")) == ""
    assert text.location(Finding("r", "warn", "m", path="a:b")) == "a:b"
    assert text.location(Finding("r", "warn", "m", path="a", line=3)) == "a:3"
    assert text.location(Finding("r", "warn", "m", path="a", line=3, end_line=3)) == "a:3"
    assert text.location(Finding("r", "warn", "m", path="a", line=3, end_line=9)) == "a:3-9"


def test_order_puts_what_stops_the_merge_first() -> None:
    fs = [
        Finding("w", "warn", "m", path="a"),
        Finding("k", "ask", "m", path="a", approved=True),
        Finding("k", "ask", "m", path="b"),
        Finding("b", "block", "m", path="z"),
    ]
    assert [verdict.kind(f) for f in verdict.ordered(fs)] == ["block", "ask", "approved", "warn"]


def test_branch_names_in_commands_are_shell_quoted() -> None:
    b = BranchResult(RefName("refs/heads/agent/a/it's"), "a", None, None, "ask", (Finding("gate.ci", "ask", "m"),))
    steps = text.next_steps(Report("ask", RefName("refs/heads/main"), TARGET, (b,)))
    assert steps == [
        text.Step(
            "1 finding on agent/a/it's needs a human approval; after review, an approver runs",
            "agentgate approve 'agent/a/it'\"'\"'s'",
        )
    ]


def test_no_branches() -> None:
    out = text.render(Report("allow", None, None, ()))
    assert out == "agentgate: checked 0 branches\n\nverdict: ALLOW (no findings)\n"
