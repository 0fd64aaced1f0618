"""Test rules (``tests.failed``, ``tests.error``, ``tests.timeout``): the outcome
``gate.testrun`` produced for the branch before the checks ran, as findings.

Nothing runs here and nothing is written: a subject without an outcome (no
``--tests``, or a merge that conflicts) has no test findings.
"""

from __future__ import annotations

from gate.checks import Found, Subject, Tested
from gate.context import BranchInfo, Context
from gate.model import Finding


def check(ctx: Context, subject: Subject) -> Found:
    if subject.tested is None:
        return Found()
    return Found(findings(ctx, subject.branch, subject.tested))


def findings(ctx: Context, b: BranchInfo, tested: Tested) -> tuple[Finding, ...]:
    """The tests.* findings of one outcome (the board's cached results too)."""
    o = tested.outcome
    what = "the merge result" if tested.merge else "the branch tip"
    reused = " (reused result)" if o.reused else ""
    found: list[Finding | None] = []
    if o.kind == "failed":
        for f in o.failures:
            found.append(ctx.finding(
                "tests.failed", f"{f.test_id} fails on {what}{reused}: {f.message_head}",
                path=f.path, line=f.line, end_line=f.line, other={"test": f.test_id},
                key=(b.head, ctx.target_oid, f.test_id),
                hint="run the test on the target with this branch merged; rebase and fix"))
    elif o.kind in ("error", "timeout"):
        found.append(ctx.finding(
            f"tests.{o.kind}", f"the test command on {what}{reused}: {o.message}",
            key=(b.head, ctx.target_oid),
            hint="see the output with --format json (facts.tests); fix the command or raise [tests] timeout"))
    return tuple(f for f in found if f)
