"""Failing tests out of a JUnit XML report (pytest's, or any tool's).

Both roots occur in the wild: ``<testsuites>`` (pytest, most tools) and a bare
``<testsuite>`` (Maven surefire, older tools); junitparser reads both.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast
from xml.etree import ElementTree

from junitparser import Attr, Error, Failure, JUnitXml, JUnitXmlError, TestCase, TestSuite

from gate.testrun.result import TestFailure

MESSAGE_LINES = 5
_LINE_CHARS = 300

# `tests/test_x.py:12: AssertionError` (pytest) and `File "x.py", line 12` (Python).
_PYTEST_LOC = re.compile(r"^(?P<path>[^\s:][^:\n]*?):(?P<line>\d+):", re.MULTILINE)
_PYTHON_LOC = re.compile(r'File "(?P<path>[^"\n]+)", line (?P<line>\d+)')
_PYTEST_E = re.compile(r"^E +(?P<text>.*)$", re.MULTILINE)
# pytest's own subtests close a test with this failure after one per failed subtest.
_SUBTESTS_SUMMARY = re.compile(r"contains (?P<n>\d+) failed subtests?")


class _Case(TestCase):
    # Attributes some tools add (pytest's xunit1, Jest, PHPUnit); unknown to junitparser.
    file = Attr()
    line = Attr()


class _Suite(TestSuite):
    testcase = _Case


class _Report(JUnitXml):
    testsuite = _Suite


class JUnitUnreadable(Exception):
    """The JUnit file exists but is not a JUnit report."""


@dataclass(frozen=True)
class JUnitReport:
    tests: int
    failures: tuple[TestFailure, ...]


def read_report(xml: Path, root: Path) -> JUnitReport | None:
    """The failing tests in ``xml``; None when there is no report (missing or empty file).

    ``root`` is the checkout the tests ran in: it turns class names into file paths
    and absolute paths into repository-relative ones, so read before removing it.
    """
    try:
        if xml.stat().st_size == 0:
            return None
    except FileNotFoundError:
        return None
    try:
        # The standard library's parser, even when lxml is installed: it does not
        # resolve external entities, and the report comes from code under test.
        report = _Report.fromfile(str(xml), parse_func=ElementTree.parse)
    except (ElementTree.ParseError, JUnitXmlError, OSError, ValueError) as exc:
        raise JUnitUnreadable(f"the JUnit report is unreadable: {exc}") from exc
    root_real = Path(os.path.realpath(root))
    tests = 0
    failures: dict[str, TestFailure] = {}
    for suite in report:
        for case in suite:
            tests += 1
            results = [r for r in case.result if isinstance(r, (Failure, Error))]
            if not results:
                continue
            failure = _failure(cast(_Case, case), results[0], root_real)
            subtests = _subtests(results)
            if subtests:
                failure = replace(failure, subtests=subtests)
            failures.setdefault(failure.test_id, failure)
    return JUnitReport(tests=tests, failures=tuple(failures.values()))


def _failure(case: _Case, result: Failure | Error, root: Path) -> TestFailure:
    classname = case.classname or ""
    name = case.name or ""
    message = result.message or ""
    text = result.text or ""
    path = _relative(case.file, root) if case.file else None
    if path is not None:
        test_id = "::".join([path, *_inner_names(path, classname), name])
    else:
        path, test_id = _from_dotted(classname, name, root)
    line = _traceback_line(f"{text}\n{message}", path, root)
    if line is None:
        found = _first_local_frame(f"{text}\n{message}", root) if path is None else None
        if found is not None:
            path, line = found
        elif case.line and str(case.line).isdigit():
            # pytest's xunit1 `line` is 0-based; other tools count from 1. Only a
            # fallback: pytest always leaves a traceback line to read instead.
            line = int(case.line)
    return TestFailure(test_id=test_id, path=path, line=line, message_head=_head(message, text, result))


def _subtests(results: list[Failure | Error]) -> int:
    """How many subtests of one test case failed (0: the case has no failed subtests).

    Subtests (pytest's ``subtests``, unittest's ``subTest``) are one ``<testcase>``
    with one ``<failure>`` per failed subtest; pytest adds a last one that counts them.
    """
    for r in results:
        m = _SUBTESTS_SUMMARY.fullmatch((r.message or "").strip())
        if m is not None:
            return int(m["n"])
    return len(results) if len(results) > 1 else 0


def _relative(raw: str, root: Path) -> str | None:
    if not os.path.isabs(raw):
        return Path(os.path.normpath(raw)).as_posix()
    try:
        return Path(os.path.realpath(raw)).relative_to(root).as_posix()
    except ValueError:
        return None  # outside the checkout: a library's file, not the repository's


def _inner_names(path: str, classname: str) -> list[str]:
    """``tests.test_x.TestC`` with path ``tests/test_x.py`` → ``["TestC"]``."""
    if not path.endswith(".py"):
        return []
    module = path[: -len(".py")].replace("/", ".")
    if classname.startswith(module + "."):
        return classname[len(module) + 1 :].split(".")
    return []


def _from_dotted(classname: str, name: str, root: Path) -> tuple[str | None, str]:
    """Find the test file a pytest-style dotted class name comes from.

    pytest writes ``classname="tests.test_x.TestC"`` for ``tests/test_x.py::TestC``, and
    a collection error as ``classname="" name="tests.test_x"``.
    """
    dotted = classname or name
    parts = dotted.split(".") if dotted else []
    for k in range(len(parts), 0, -1):
        candidate = "/".join(parts[:k]) + ".py"
        if (root / candidate).is_file():
            rest = parts[k:] + ([name] if classname else [])
            return candidate, "::".join([candidate, *rest])
    return None, f"{classname}::{name}" if classname else name


def _locations(text: str, root: Path) -> list[tuple[str, int]]:
    found = [(m.start(), m["path"], int(m["line"])) for rx in (_PYTEST_LOC, _PYTHON_LOC) for m in rx.finditer(text)]
    out: list[tuple[str, int]] = []
    for _, raw, line in sorted(found):
        rel = _relative(raw.strip(), root)
        if rel is not None:
            out.append((rel, line))
    return out


def _traceback_line(text: str, path: str | None, root: Path) -> int | None:
    """The first traceback line in ``path``: in the test itself, where it failed or called in."""
    if path is None:
        return None
    return next((line for p, line in _locations(text, root) if p == path), None)


def _first_local_frame(text: str, root: Path) -> tuple[str, int] | None:
    return next(((p, line) for p, line in _locations(text, root) if (root / p).is_file()), None)


def _head(message: str, text: str, result: Failure | Error) -> str:
    """The first lines of the message; pytest's ``E`` lines when the message says little.

    A collection error's message is just "collection failure"; the reason is in the
    ``E   ModuleNotFoundError: ...`` lines of the text.
    """
    lines = [ln.rstrip() for ln in message.strip("\n").splitlines() if ln.strip()]
    seen = {ln.strip() for ln in lines}
    for m in _PYTEST_E.finditer(text):
        extra = m["text"].rstrip()
        if extra.strip() and extra.strip() not in seen:
            lines.append(extra)
            seen.add(extra.strip())
    if not lines:
        lines = [ln.rstrip() for ln in text.strip("\n").splitlines() if ln.strip()]
    if not lines:
        lines = [result.type or ("error" if isinstance(result, Error) else "failed")]
    return "\n".join(ln[:_LINE_CHARS] for ln in lines[:MESSAGE_LINES])
