"""Tests on the merge candidate, in a reusable test checkout (issues 6, 17; DESIGN §5 ``tests.*``, §9, §10).

``run_tests``/``run_many`` take a candidate commit id (the lead's in-memory merge,
or a branch tip), check it out (detached) in a slot of the repository's pool of
test checkouts (``pool``), run the test
command there in its own process group with a timeout, read the JUnit report, and
cache the outcome by key. No pygit2 here: the git command line does the checkouts.
"""

from __future__ import annotations

from gate.testrun.result import TestFailure, TestJob, TestOutcome
from gate.testrun.runner import run_many, run_tests, with_junit

__all__ = ["TestFailure", "TestJob", "TestOutcome", "run_many", "run_tests", "with_junit"]
