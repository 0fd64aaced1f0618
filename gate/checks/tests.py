"""Test rules (``tests.failed``, ``tests.error``, ``tests.timeout``): the outcome
``gate.testrun`` produced for the branch before the checks ran, as findings.

Nothing runs here and nothing is written: a subject without an outcome (no
``--tests``, or a merge that conflicts) has no test findings. The cases of one
test function (parametrized cases, subtests) are one finding: a signature change
that breaks a test with 100 parameters is one problem, not 100.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.checks import Found, Subject, Tested
from gate.context import BranchInfo, Context
from gate.model import Finding

if TYPE_CHECKING:  # an outcome exists only once gate.testrun ran: the hook path never loads it
    from gate.testrun.result import FailedFunction

CASES_NAMED = 3  # case ids a grouped finding's message names


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
        from gate.testrun.result import by_function

        for fn in by_function(o.failures):
            first = fn.cases[0]
            found.append(ctx.finding(
                "tests.failed", f"{fn_name(fn)} fails on {what}{reused}: {cases_said(fn)}{first.message_head}",
                path=first.path, line=first.line, end_line=first.line, other=other(fn),
                key=(b.head, ctx.target_oid, fn_name(fn)),
                hint="run the test on the target with this branch merged; rebase and fix"))
    elif o.kind in ("error", "timeout"):
        found.append(ctx.finding(
            f"tests.{o.kind}", f"the test command on {what}{reused}: {o.message}",
            key=(b.head, ctx.target_oid),
            hint=("its last output lines are below (JSON: facts.tests.output_tail)" if o.output_tail.strip()
                  else "it printed nothing") + "; fix the command or raise [tests] timeout"))
    return tuple(f for f in found if f)


def fn_name(fn: FailedFunction) -> str:
    """What the finding names: the one failed case itself, else the function."""
    return fn.cases[0].test_id if len(fn.cases) == 1 and not fn.cases[0].subtests else fn.test_id


def cases_said(fn: FailedFunction) -> str:
    """``"4 failed cases (test_x[a], test_x[b], test_x[c], …): "``; "" for one case."""
    n = fn.failed
    if n <= 1:
        return ""
    parts = fn.parts
    if len(parts) == 1:  # subtests of one case: JUnit does not name them
        return f"{n} failed subtests: "
    ids = [p.test_id.rpartition("::")[2] for p in parts[:CASES_NAMED]]
    more = ", …" if len(parts) > CASES_NAMED else ""
    return f"{n} failed cases ({', '.join(ids)}{more}): "


def other(fn: FailedFunction) -> dict[str, object]:
    if fn.failed <= 1:
        return {"test": fn_name(fn)}
    if len(fn.parts) == 1:
        return {"test": fn_name(fn), "failed_subtests": fn.failed}
    return {"test": fn.test_id, "failed_cases": fn.failed,
            "cases": [p.test_id for p in fn.parts[:CASES_NAMED]]}
