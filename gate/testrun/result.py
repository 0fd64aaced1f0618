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
    traceback where possible. ``subtests`` counts the failed subtests (pytest's
    ``subtests``, unittest's ``subTest``) the case reported; 0 when it has none.
    """

    __test__ = False  # not a pytest test class

    test_id: str
    path: str | None
    line: int | None
    message_head: str
    subtests: int = 0  # failed subtests reported inside this one test case


@dataclass(frozen=True)
class FailedFunction:
    """The failed cases of one test function: its parametrized cases
    (``test_x[a]``, ``test_x[b]``), Go-style subtests (``TestX/a``), or one case."""

    __test__ = False

    test_id: str  # the function's id: a case id without its parameters
    cases: tuple[TestFailure, ...]

    @property
    def parts(self) -> tuple[TestFailure, ...]:
        """The cases that count: a Go-style parent (``TestX`` failing because
        ``TestX/a`` did) is not one of them when its subtests are listed."""
        inner = tuple(c for c in self.cases if c.test_id != self.test_id)
        return inner or self.cases

    @property
    def failed(self) -> int:
        """Failed cases, each case's failed subtests counted one by one."""
        return sum(c.subtests or 1 for c in self.parts)


def function_id(test_id: str) -> str:
    """``tests/t.py::test_x[a-1]`` -> ``tests/t.py::test_x``; ``pkg::TestX/sub`` -> ``pkg::TestX``."""
    head, sep, name = test_id.rpartition("::")
    if name.endswith("]") and "[" in name:
        name = name[: name.index("[")]
    name = name.split("/", 1)[0] or name
    return head + sep + name


def by_function(failures: tuple[TestFailure, ...]) -> tuple[FailedFunction, ...]:
    """``failures`` gathered by test function, in the order each function first failed."""
    groups: dict[str, list[TestFailure]] = {}
    for f in failures:
        groups.setdefault(function_id(f.test_id), []).append(f)
    return tuple(FailedFunction(fid, tuple(cases)) for fid, cases in groups.items())


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
