"""Tests on the merge candidate, in a throwaway worktree (issue 6, DESIGN §5 ``tests.*``, §10).

``run_tests``/``run_many`` take a candidate commit id (the lead's in-memory merge,
or a branch tip), check it out in a temporary detached worktree, run the test
command there in its own process group with a timeout, read the JUnit report, and
cache the outcome by key. No pygit2 here: the git command line does the worktrees.
"""

from __future__ import annotations

from gate.testrun.result import TestFailure, TestJob, TestOutcome
from gate.testrun.runner import run_many, run_tests, with_junit

__all__ = ["TestFailure", "TestJob", "TestOutcome", "run_many", "run_tests", "with_junit"]
