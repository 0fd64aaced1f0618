"""The values a test run produces: one outcome per candidate, one failure per failing test."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

OutcomeKind = Literal["passed", "failed", "error", "timeout"]
KINDS: tuple[OutcomeKind, ...] = ("passed", "failed", "error", "timeout")


@dataclass(frozen=True)
class TestFailure:
    """One failed or errored test case, as its JUnit report gives it.

    ``test_id`` is pytest-style (``tests/test_x.py::TestC::test_name``) when the
    test's file could be found in the candidate's tree, else ``classname::name``.
    ``path`` is relative to the repository root; ``line`` is 1-based, taken from the
    traceback where possible.
    """

    __test__ = False  # not a pytest test class

    test_id: str
    path: str | None
    line: int | None
    message_head: str


@dataclass(frozen=True)
class TestOutcome:
    """What running the test command on one candidate commit gave.

    ``kind``: ``passed``; ``failed`` (``failures`` names them); ``error`` (the command
    could not start, or failed without reporting a failing test; ``message`` says
    which); ``timeout`` (it ran past the limit and its process group was killed).
    ``duration`` is the command's own run time in seconds; ``reused`` is true when the
    outcome comes from the cache; ``pgid`` is the process group the command ran in
    (None when reused or never started).
    """

    __test__ = False

    kind: OutcomeKind
    commit: str
    command: str
    failures: tuple[TestFailure, ...] = ()
    tests: int | None = None  # test cases in the JUnit report; None without a report
    exit_code: int | None = None  # negative: killed by that signal
    duration: float = 0.0
    output_tail: str = ""
    message: str = ""
    reused: bool = False
    pgid: int | None = None


@dataclass(frozen=True)
class TestJob:
    """One candidate to test. ``git_dir`` is the common git dir (shared by all worktrees)."""

    __test__ = False

    repo_dir: Path
    git_dir: Path
    commit: str
    command: str
    timeout: float
    cache_key: str
    rerun: bool = False
    label: str = field(default="")

    @property
    def name(self) -> str:
        """What progress lines call this candidate."""
        return self.label or self.commit[:12]


def outcome_to_dict(outcome: TestOutcome) -> dict[str, Any]:
    """A JSON-ready dict (failures as a list of dicts)."""
    return asdict(outcome)


def outcome_from_dict(data: dict[str, Any]) -> TestOutcome:
    """The inverse of :func:`outcome_to_dict`; raises ValueError/TypeError/KeyError on bad data."""
    kind = data["kind"]
    if kind not in KINDS:
        raise ValueError(f"unknown outcome kind {kind!r}")
    failures = tuple(TestFailure(**f) for f in data.get("failures", ()))
    fields = {k: v for k, v in data.items() if k != "failures"}
    return TestOutcome(**{**fields, "failures": failures})
