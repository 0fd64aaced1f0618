"""JUnit XML (GitLab's test report widget, Jenkins…), written with junitparser.

One test suite per branch, one test case per rule that ran on it. A case fails
when the rule found something that stops the merge (a block, or an ask nobody
approved), so the JUnit report is red exactly when the gate says no. Warnings
and approved asks do not fail their case; they are listed in its
``system-out``. Test rules are skipped on a branch whose tests did not run, and
the rules that need commits on a diff (``check --diff``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

from junitparser import Failure, JUnitXml, Skipped, TestCase, TestSuite

from gate import rules, verdict
from gate.model import BranchResult, Finding, Report
from gate.report import text


def _line(f: Finding) -> str:
    loc = text.location(f)
    head = f"[{text.LABEL[verdict.kind(f)]}] " + (f"{loc}: " if loc else "")
    head += "\n    ".join(text.printable_lines(f.message))
    if f.hint:
        head += "\n    → " + "\n      ".join(text.printable_lines(f.hint))
    return head


def _case(b: BranchResult, suite: str, rule_id: str, found: Sequence[Finding]) -> TestCase:
    case = TestCase(rule_id, classname=suite, time=0.0)
    failing = [f for f in found if text.gates(f)]
    if failing:
        worst = failing[0]
        message = "\n".join(text.printable_lines(worst.message))
        if len(failing) > 1:
            message = f"{len(failing)} findings; first: {message}"
        failure = Failure(message, type_=worst.action)
        failure.text = "\n".join(_line(f) for f in failing)
        case.result = [failure]
    elif not found and rule_id in _not_run_on_diff(b):
        case.result = [Skipped("not run on a diff: it needs commits (agentgate check BRANCH runs it)")]
    elif not found and rule_id.startswith("tests.") and b.facts.get("tests") is None:
        case.result = [Skipped("tests did not run (agentgate check --tests runs them)")]
    others = [f for f in found if not text.gates(f)]
    if others:
        case.system_out = "\n".join(_line(f) for f in others)
    return case


def _not_run_on_diff(b: BranchResult) -> Sequence[str]:
    """The rules ``check --diff`` could not run (its facts name them)."""
    diff = b.facts.get("diff")
    skipped = diff.get("skipped_rules") if isinstance(diff, dict) else None
    return [str(r) for r in skipped] if isinstance(skipped, list) else []


def _suite(b: BranchResult, ran: Sequence[str]) -> TestSuite:
    name = text.printable(text.short_ref(b.ref)) if b.ref is not None else f"diff ({text.printable(b.agent or '?')})"
    suite = TestSuite(name)
    by_rule: dict[str, list[Finding]] = {}
    for f in verdict.ordered(b.findings):
        by_rule.setdefault(f.rule, []).append(f)
    ids = list(ran) + sorted(r for r in by_rule if r not in ran)
    # The JUnit schema puts <properties> before the test cases.
    if b.agent:
        suite.add_property("agent", text.printable(b.agent))
    suite.add_property("verdict", b.verdict)
    suite.add_testcases([_case(b, name, r, by_rule.get(r, [])) for r in ids])
    return suite


def render(report: Report, rules_run: Iterable[str] | None = None) -> str:
    """The report as JUnit XML text.

    ``rules_run`` lists the rule ids that were on (the policy can turn rules
    off); by default every rule a branch check runs (all but ``ref.*``).
    """
    ran = list(rules.CHECK_RULES if rules_run is None else rules_run)
    xml = JUnitXml("agentgate")
    for b in report.branches:
        xml.add_testsuite(_suite(b, ran))
    xml.update_statistics()  # type: ignore[no-untyped-call]
    # Re-read with the standard library so the output is the same whether or not
    # junitparser found lxml, and indent it for people reading the file.
    root = ET.fromstring(xml.tostring())  # type: ignore[no-untyped-call]
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
