"""The README's first command: the demo builds its repository and shows each verdict."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def agentgate(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gate", *args], cwd=cwd, capture_output=True, text=True)


def test_demo_prints_a_verdict_per_branch_and_exits_0(tmp_path: Path) -> None:
    proc = agentgate("demo", str(tmp_path / "shop"))
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[1]: line.split()[0] for line in proc.stdout.splitlines()
             if line.startswith("  ") and line.split()[0] in ("ALLOW", "ASK", "BLOCK")}
    assert lines["agent/alice/refactor"] == "BLOCK"
    assert lines["agent/carol/orders-status"] == "ASK"
    assert lines["agent/dave/more-scope"] == "BLOCK"
    # One branch is allowed, and the demo says so: a newcomer sees what may merge.
    assert lines["agent/dave/guide"] == "ALLOW"
    out = proc.stdout.splitlines()
    at = out.index("  agent/dave/guide is allowed: nothing blocks or waits for an approval, tests on the merge result "
                   "included. It may merge:")
    assert out[at + 1] == "    agentgate merge agent/dave/guide"
    assert "agentgate status" in proc.stdout
    # The board: a row per branch, then the agents x agents matrix (alice and bob conflict).
    assert "overlaps between agents:" in proc.stdout
    assert any(line.split()[:3] == ["alice", "none", "conflict"] for line in proc.stdout.splitlines())


def test_demo_repository_findings_by_rule(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    assert agentgate("demo", str(root)).returncode == 0
    proc = agentgate("check", "--all", "--format", "json", cwd=root)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    rules = {b["ref"].removeprefix("refs/heads/"): {f["rule"] for f in b["findings"]} for b in report["branches"]}
    assert "scope.outside" in rules["agent/alice/refactor"]
    assert "gate.migration" in rules["agent/carol/orders-status"]
    assert "gate.policy" in rules["agent/dave/more-scope"]
    assert "scope.shared" in rules["agent/alice/strict-config"]


def test_demo_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine\n")
    proc = agentgate("demo", str(tmp_path))
    assert proc.returncode == 4
    assert "not empty" in proc.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine\n"


def test_demo_shows_a_branch_that_passes_alone_and_fails_merged(tmp_path: Path) -> None:
    proc = agentgate("demo", str(tmp_path / "shop"))
    assert proc.returncode == 0, proc.stderr
    assert "agent/bob/title passes its tests on its own tip, and fails once merged with main:" in proc.stdout
    assert "tests/test_ui.py::Ui::test_title_shows_zero fails on the merge result" in proc.stdout


def test_status_after_the_demo_shows_the_merge_result_of_bobs_branch_failing(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    assert agentgate("demo", str(root)).returncode == 0
    # The demo tests every branch merged, then each tip alone (bob's tip passes):
    # the board shows the merge result.
    proc = agentgate("status", "--format", "json", cwd=root)
    assert (proc.returncode, proc.stderr) == (1, "")
    assert {b["branch"]: b["tests"] for b in json.loads(proc.stdout)["branches"]} == {
        "agent/alice/refactor": "passed",
        "agent/alice/strict-config": "passed",
        "agent/bob/title": "failed",
        "agent/carol/orders-status": "passed",
        "agent/dave/guide": "passed",
        "agent/dave/more-scope": "passed",
    }
    # …and the failing merge result counts in bob's verdict, as check --tests would.
    bob = [b for b in json.loads(proc.stdout)["branches"] if b["branch"] == "agent/bob/title"][0]
    assert bob["verdict"] == "block"
