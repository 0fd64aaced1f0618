"""JUnit XML: one suite per branch, one case per rule, failures for what gates."""

from __future__ import annotations

from junitparser import Failure, JUnitXml, Skipped

from gate import rules
from gate.model import BranchResult, Finding, RefName, Report
from gate.report import junit
from tests.test_report_samples import assert_golden, diff_report, many_report, one_branch, sample_report


def test_sample_report_matches_expected_xml() -> None:
    assert_golden("sample.junit.xml", junit.render(sample_report()))


def test_parses_back_with_the_right_counts() -> None:
    xml = JUnitXml.fromstring(junit.render(sample_report()).encode("utf-8"))
    suites = {s.name: s for s in xml}
    assert list(suites) == ["agent/alice/billing", "agent/bob/ui", "agent/carol/docs"]
    n = len(rules.CHECK_RULES)
    assert [(s.tests, s.failures, s.errors, s.skipped) for s in suites.values()] == [
        (n, 4, 0, 3),
        (n, 1, 0, 3),
        (n, 0, 0, 3),
    ]
    alice = {c.name: c for c in suites["agent/alice/billing"]}
    assert [name for name, c in alice.items() if c.is_failure] == [
        "scope.outside",
        "target.conflict",
        "gate.migration",
        "gate.secret",
    ]
    failure = alice["gate.migration"].result[0]
    assert isinstance(failure, Failure)
    assert (failure.type, failure.message) == ("ask", "a migration is added:\nreview it before it runs")
    assert failure.text == (
        "[ASK] db/migrations/0002_add|total.sql: a migration is added:\n    review it before it runs\n"
        "    → approve it once reviewed"
    )
    # Warnings and approved asks pass, and say why in system-out.
    assert alice["overlap.file"].is_passed
    assert alice["overlap.file"].system_out == "[WARN] src/common/util.py: also changed by agent/bob/ui (bob)"
    assert alice["gate.deletion"].is_passed
    assert isinstance(alice["tests.failed"].result[0], Skipped)
    assert (xml.tests, xml.failures) == (3 * n, 5)


def test_several_findings_of_one_rule_make_one_failing_case() -> None:
    xml = JUnitXml.fromstring(junit.render(many_report(blocks=3, asks=0, warns=0, approved=0)).encode("utf-8"))
    (suite,) = list(xml)
    case = next(c for c in suite if c.name == "scope.outside")
    (failure,) = case.result
    assert failure.message == "3 findings; first: block finding 0"
    assert failure.text.splitlines() == [
        "[BLOCK] src/block/00.py:1: block finding 0",
        "[BLOCK] src/block/01.py:2: block finding 1",
        "[BLOCK] src/block/02.py:3: block finding 2",
    ]
    assert suite.failures == 1


def test_rules_that_ran_come_from_the_caller_and_unknown_rules_are_added() -> None:
    report = one_branch("block", Finding("plugin.thing", "block", "m"))
    out = junit.render(report, rules_run=["scope.outside", "tests.failed"])
    (suite,) = list(JUnitXml.fromstring(out.encode("utf-8")))
    assert [c.name for c in suite] == ["scope.outside", "tests.failed", "plugin.thing"]
    assert [c.is_failure for c in suite] == [False, False, True]


def test_tests_rules_pass_when_tests_ran() -> None:
    b = BranchResult(RefName("refs/heads/agent/a/x"), "a", None, None, "allow", (), facts={"tests": {"passed": True}})
    (suite,) = list(JUnitXml.fromstring(junit.render(Report("allow", None, None, (b,))).encode("utf-8")))
    assert suite.skipped == 0 and suite.failures == 0


def test_patch_suite_is_named_after_the_agent() -> None:
    (suite,) = list(JUnitXml.fromstring(junit.render(diff_report()).encode("utf-8")))
    assert suite.name == "diff (alice)"


def test_xml_stays_well_formed_with_control_characters_and_bad_bytes() -> None:
    report = one_branch("block", Finding("scope.outside", "block", "bell\x07 and \x00 nul", path="bad\udcff\x01.py"))
    out = junit.render(report)
    (suite,) = list(JUnitXml.fromstring(out.encode("utf-8")))
    case = next(c for c in suite if c.name == "scope.outside")
    assert case.result[0].text == "[BLOCK] bad\\xff\\x01.py: bell\\x07 and \\x00 nul"
