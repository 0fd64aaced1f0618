"""What ``check --tests`` shows about a failing test command (issue 18): one
finding per failing test function, the command's last output lines (redacted)
under the findings in every report for people, and the program a command that
cannot start was missing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.gitutil import POLICY, Repo

TESTS = '\n[tests]\ncommand = "{command}"\ntimeout = 60\n'
PYTEST = f"{sys.executable} -m pytest -q -p no:cacheprovider"
# A signature change on main: parse() gained a parameter. alice's branch adds cases
# to a parametrized test that calls parse(x); on the merge result all of them fail.
CASES = ", ".join(str(i) for i in range(1, 104))


def agentgate(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gate", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", **(env or {})})


def project(tmp_path: Path, command: str = PYTEST) -> Repo:
    r = Repo.init(tmp_path / "repo")
    r.commit("init", {
        ".agentgate.toml": POLICY + TESTS.format(command=command),
        "src/__init__.py": "", "src/common/__init__.py": "",
        "src/common/parse.py": "def parse(x):\n    return int(x)\n",
        "tests/billing/test_ok.py": "def test_ok():\n    assert True\n",
    })
    r.branch("agent/alice/x")
    r.commit("cases", {
        "tests/billing/test_parse.py": (
            "import pytest\n\nfrom src.common.parse import parse\n\n\n"
            f"@pytest.mark.parametrize('x', [{CASES}])\n"
            "def test_parse(x):\n    assert parse(str(x)) == x\n\n\n"
            "def test_env():\n    assert parse('7', 8) == 8, 'octal'\n"),
    })
    r.checkout("main")
    r.commit("parse takes a base", {"src/common/parse.py": "def parse(x, base):\n    return int(x, base)\n"})
    return r


def branch(report: dict[str, Any]) -> dict[str, Any]:
    (b,) = report["branches"]
    return b


def test_a_parametrized_test_failing_in_103_cases_is_one_finding_naming_three(tmp_path: Path) -> None:
    r = project(tmp_path)
    proc = agentgate(r.path, "check", "agent/alice/x", "--tests", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    b = branch(json.loads(proc.stdout))
    failed = [(f["path"], f["message"], f["other"]) for f in b["findings"] if f["rule"] == "tests.failed"]
    assert failed == [
        ("tests/billing/test_parse.py",
         "tests/billing/test_parse.py::test_parse fails on the merge result: 103 failed cases "
         "(test_parse[1], test_parse[2], test_parse[3], …): TypeError: parse() missing 1 required positional "
         "argument: 'base'",
         {"test": "tests/billing/test_parse.py::test_parse", "failed_cases": 103,
          "cases": ["tests/billing/test_parse.py::test_parse[1]", "tests/billing/test_parse.py::test_parse[2]",
                    "tests/billing/test_parse.py::test_parse[3]"]}),
        ("tests/billing/test_parse.py",
         "tests/billing/test_parse.py::test_env fails on the merge result: AssertionError: octal\nassert 7 == 8\n"
         " +  where 7 = parse('7', 8)",
         {"test": "tests/billing/test_parse.py::test_env"}),
    ]
    tail = b["facts"]["tests"]["output_tail"]
    assert tail.splitlines()[-1].startswith("104 failed, 1 passed")
    assert "FAILED tests/billing/test_parse.py::test_parse[103]" in tail


def test_text_markdown_and_github_summary_show_the_output_under_the_findings(tmp_path: Path) -> None:
    r = project(tmp_path)
    proc = agentgate(r.path, "check", "agent/alice/x", "--tests")
    lines = proc.stdout.splitlines()
    at = lines.index("           output of the test command (last 60 lines):")
    assert lines[at - 4:at] == [
        "  BLOCK    tests.failed  tests/billing/test_parse.py:12  tests/billing/test_parse.py::test_env fails on "
        "the merge result: AssertionError: octal",
        "                         assert 7 == 8",
        "                          +  where 7 = parse('7', 8)",
        "           → run the test on the target with this branch merged; rebase and fix",
    ]
    # Which case opens the tail depends on pytest's own summary width (it does not
    # shorten those lines when CI is set): the tail is the last 60 lines either way.
    assert lines[at + 1].startswith("             FAILED tests/billing/test_parse.py::test_parse[")
    assert lines[at + 60].startswith("             104 failed, 1 passed")
    assert lines[at + 61] == ""
    summary = tmp_path / "summary.md"
    gh = agentgate(r.path, "check", "agent/alice/x", "--tests", "--format", "github",
                   env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert gh.returncode == 1
    md = summary.read_text()
    assert "<details><summary>Output of the test command (last 60 lines)</summary>\n\n```text\n" in md
    assert md.split("```text\n", 1)[1].split("\n```\n")[0].splitlines()[-1].startswith("104 failed, 1 passed")
    assert "output of the test command (last 60 lines):" in gh.stdout  # the log group's text report


def test_subtests_of_one_test_are_one_finding_that_counts_them(tmp_path: Path) -> None:
    r = Repo.init(tmp_path / "repo")
    r.commit("init", {".agentgate.toml": POLICY + TESTS.format(command=PYTEST), "src/billing/a.py": ""})
    r.branch("agent/alice/x")
    r.commit("subtests", {"tests/billing/test_sub.py": (
        "import unittest\n\n\nclass T(unittest.TestCase):\n    def test_u(self):\n"
        "        for i in range(4):\n            with self.subTest(i=i):\n                self.assertLess(i, 1)\n")})
    proc = agentgate(r.path, "check", "agent/alice/x", "--tests", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    failed = [(f["message"], f["other"]) for f in branch(json.loads(proc.stdout))["findings"]
              if f["rule"] == "tests.failed"]
    assert failed == [("tests/billing/test_sub.py::T::test_u fails on the merge result: 3 failed subtests: "
                       "AssertionError: 1 not less than 1",
                       {"test": "tests/billing/test_sub.py::T::test_u", "failed_subtests": 3})]


def test_a_test_command_that_cannot_start_names_the_program_and_shows_the_shell(tmp_path: Path) -> None:
    r = project(tmp_path, command="echo GITHUB_TOKEN=$LEAKY; agentgate-test-go test ./...")
    leaky = {"LEAKY": "ghp_" + "Zy9x8W7v" * 5}
    proc = agentgate(r.path, "check", "agent/alice/x", "--tests", "--format", "json", env=leaky)
    assert proc.returncode == 1, proc.stderr
    b = branch(json.loads(proc.stdout))
    errors = [(f["rule"], f["message"]) for f in b["findings"] if f["rule"].startswith("tests.")]
    assert errors == [("tests.error", "the test command on the merge result: the command could not start: "
                                      "agentgate-test-go was not found (exit 127)")]
    # The token the command printed is redacted: never in a report, nor in the cache.
    assert b["facts"]["tests"]["output_tail"] == (
        "[redacted: GitHub token]\n/bin/sh: 1: agentgate-test-go: not found")
    assert "Zy9x8W7v" not in proc.stdout
    text = agentgate(r.path, "check", "agent/alice/x", "--tests", env=leaky).stdout.splitlines()
    at = text.index("           output of the test command (last 2 lines):")
    assert text[at - 1] == ("           → its last output lines are below (JSON: facts.tests.output_tail); "
                            "fix the command or raise [tests] timeout")
    assert text[at + 1:at + 4] == ["             [redacted: GitHub token]",
                                   "             /bin/sh: 1: agentgate-test-go: not found", ""]


def test_go_style_subtests_group_under_their_parent_which_is_not_counted() -> None:
    from gate.testrun.result import TestFailure, by_function, function_id

    def case(test_id: str) -> TestFailure:
        return TestFailure(test_id, None, None, "boom")

    assert function_id("pkg/x::TestParse/base_8") == "pkg/x::TestParse"
    assert function_id("tests/t.py::C::test_p[a/b-1]") == "tests/t.py::C::test_p"
    assert function_id("adds") == "adds"
    (parse, other) = by_function((case("pkg::TestParse"), case("pkg::TestParse/a"), case("pkg::TestOther"),
                                  case("pkg::TestParse/b")))
    assert (parse.test_id, parse.failed, [c.test_id for c in parse.parts]) == (
        "pkg::TestParse", 2, ["pkg::TestParse/a", "pkg::TestParse/b"])
    assert (other.test_id, other.failed) == ("pkg::TestOther", 1)
