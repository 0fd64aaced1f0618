"""``agentgate check --tests``: the test command runs on the merge result."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.gitutil import POLICY, Repo

TESTS_POLICY = POLICY + '\n[tests]\ncommand = "{python} -m pytest -q -p no:cacheprovider"\ntimeout = 60\n'


def agentgate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gate", *args], cwd=cwd, capture_output=True, text=True,
                          env={**__import__("os").environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})


def build(tmp_path: Path) -> Repo:
    """alice's branch calls helper(); main then renamed helper to assist."""
    r = Repo.init(tmp_path / "repo")
    r.commit("init", {
        ".agentgate.toml": TESTS_POLICY.format(python=sys.executable),
        "src/__init__.py": "", "src/common/__init__.py": "", "src/billing/__init__.py": "",
        "src/common/util.py": "def helper():\n    return 1\n",
        "src/billing/invoice.py": "def total(items):\n    return sum(items)\n",
        "tests/billing/test_invoice.py": "from src.billing.invoice import total\n\n\n"
                                         "def test_total():\n    assert total([1, 2]) == 3\n",
    })
    r.branch("agent/alice/x")
    r.commit("use helper", {
        "src/billing/invoice.py": "from src.common import util\n\n\n"
                                  "def total(items):\n    return sum(items) * util.helper()\n",
    })
    r.checkout("main")
    r.commit("rename helper", {"src/common/util.py": "def assist():\n    return 1\n"})
    return r


def test_branch_green_alone_fails_on_the_merge_result(tmp_path: Path) -> None:
    r = build(tmp_path)
    proc = agentgate(r.path, "check", "agent/alice/x", "--tests", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    branch = json.loads(proc.stdout)["branches"][0]
    failed = [f for f in branch["findings"] if f["rule"] == "tests.failed"]
    assert [f["other"]["test"] for f in failed] == ["tests/billing/test_invoice.py::test_total"]
    assert "has no attribute 'helper'" in failed[0]["message"]
    assert branch["facts"]["tests"]["kind"] == "failed"
    assert branch["facts"]["tests"]["reused"] is False
    # The same candidate again: the cached result is reused, not run twice.
    again = json.loads(agentgate(r.path, "check", "agent/alice/x", "--tests", "--format", "json").stdout)
    assert again["branches"][0]["facts"]["tests"]["reused"] is True
    assert "(reused result)" in [f for f in again["branches"][0]["findings"] if f["rule"] == "tests.failed"][0][
        "message"]
    assert r.git("worktree", "list", "--porcelain").count("worktree ") == 1


def test_tests_without_a_tests_table_is_a_usage_error(tmp_path: Path) -> None:
    r = Repo.init(tmp_path / "repo")
    r.commit("init", {".agentgate.toml": POLICY, "src/billing/a.py": "x = 1\n"})
    r.branch("agent/alice/x")
    r.commit("edit", {"src/billing/a.py": "x = 2\n"})
    proc = agentgate(r.path, "check", "--tests")
    assert proc.returncode == 2
    assert "[tests]" in proc.stderr and "agentgate init" in proc.stderr


# Passes only in a checkout no other run is using: it marks the checkout busy, waits,
# and checks that the mark is still its own and nothing else appeared.
EXCLUSIVE = ("sh -c 'test ! -e busy && echo $$ > busy && sleep 0.5 && test \"$(cat busy)\" = $$ "
             "&& test -z \"$(git status --porcelain | grep -v busy)\"'")


def test_parallel_jobs_each_test_in_a_checkout_of_their_own(tmp_path: Path) -> None:
    r = Repo.init(tmp_path / "repo")
    policy = POLICY + f'\n[tests]\ncommand = "{EXCLUSIVE.replace(chr(34), chr(92) + chr(34))}"\ntimeout = 60\n'
    r.commit("init", {".agentgate.toml": policy, "src/billing/a.py": "x = 1\n", "src/ui/b.py": "y = 1\n"})
    for agent, path in (("alice", "src/billing/a.py"), ("bob", "src/ui/b.py")):
        for n in (1, 2):
            r.branch(f"agent/{agent}/t{n}", "main")
            r.commit(f"{agent} {n}", {path: f"v = {n}\n"})
    r.checkout("main")
    proc = agentgate(r.path, "check", "--all", "--tests", "--jobs", "2", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    tests = {b["ref"].removeprefix("refs/heads/"): b["facts"]["tests"]["kind"] for b in report["branches"]}
    assert tests == {f"agent/{a}/t{n}": "passed" for a in ("alice", "bob") for n in (1, 2)}
    assert r.git("worktree", "list", "--porcelain").count("worktree ") == 1
