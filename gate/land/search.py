"""Finding the first failing candidate with at most ``jobs`` test runs at a time.

The candidates form a chain, so a failure of Ck is (as far as the tests can tell)
a failure of every later candidate too. The first round tests the last candidate
(all pass: one run lands them all) and, with more jobs, points spread below it;
once one fails, each round splits the interval between the last known pass and
the first known failure by up to ``jobs`` points at once (bisection when jobs = 1),
until the failing candidate's predecessor is known to pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from gate.testrun.result import TestOutcome

# Runs the tests of the candidates at these indices at once; their outcomes by index.
Probe = Callable[[Sequence[int]], Mapping[int, TestOutcome]]


@dataclass(frozen=True)
class Found:
    """``passed``: index of the last candidate known to pass (-1: none; the target is
    taken as it is). ``failed``: the first failing candidate, whose predecessor is
    ``passed``, with its outcome; None when the last candidate passed."""

    passed: int
    failed: int | None
    outcome: TestOutcome | None


def first_failure(n: int, passed: int, jobs: int, probe: Probe) -> Found:
    """Search candidates ``passed + 1 .. n - 1`` (the ones up to ``passed`` passed)."""
    lo, hi = passed, None
    failing: TestOutcome | None = None
    while True:
        if hi is None:
            if lo >= n - 1:
                return Found(lo, None, None)
            points = _with_end(lo, n - 1, jobs)
        else:
            if hi == lo + 1:
                return Found(lo, hi, failing)
            points = _inside(lo, hi, jobs)
        results = probe(points)
        bad = [p for p in points if results[p].kind != "passed"]
        if bad:
            hi = min(bad)
            failing = results[hi]
        # A pass above a failure says nothing the chain can use: the failure is below.
        lo = max([p for p in points if results[p].kind == "passed" and (hi is None or p < hi)], default=lo)


def _with_end(lo: int, end: int, k: int) -> list[int]:
    """``end`` and up to k - 1 points spread evenly between ``lo`` and it."""
    inner = {lo + ((end - lo) * i + k // 2) // k for i in range(1, k)}
    return sorted({p for p in inner if lo < p < end} | {end})


def _inside(lo: int, hi: int, k: int) -> list[int]:
    """Up to k points strictly between ``lo`` and ``hi``, splitting it evenly."""
    if hi - lo - 1 <= k:
        return list(range(lo + 1, hi))
    return sorted({lo + ((hi - lo) * i + (k + 1) // 2) // (k + 1) for i in range(1, k + 1)})
