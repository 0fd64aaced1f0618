"""The git command-line runner and the one list of repository-local variables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gate.errors import GateError
from gate.git.run import LOCAL_VARS, GitUnavailable, clean_env, git


def test_local_vars_hold_every_variable_git_calls_local() -> None:
    # A newer git may add names: this fails then, and the list grows.
    printed = subprocess.run(["git", "rev-parse", "--local-env-vars"], capture_output=True, text=True,
                             check=True).stdout.split()
    assert printed and set(printed) <= set(LOCAL_VARS)
    assert {"GIT_QUARANTINE_PATH", "GIT_NAMESPACE"} <= set(LOCAL_VARS)


def test_clean_env_drops_local_variables_and_config_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GIT_DIR", "GIT_NAMESPACE", "GIT_QUARANTINE_PATH", "GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0",
                "GIT_CONFIG_VALUE_0"):
        monkeypatch.setenv(var, "x")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    env = clean_env({"GIT_INDEX_FILE": "/tmp/i"})
    assert not {k for k in env if k in LOCAL_VARS and k != "GIT_INDEX_FILE"}
    assert "GIT_CONFIG_KEY_0" not in env and "GIT_CONFIG_VALUE_0" not in env
    assert env["GIT_CONFIG_GLOBAL"] == "/dev/null" and env["GIT_INDEX_FILE"] == "/tmp/i"


def test_output_stays_bytes_and_input_reaches_git(tmp_path: Path) -> None:
    git("init", "-q", cwd=tmp_path)
    oid = git("hash-object", "-w", "--stdin", cwd=tmp_path, input=b"\xff\n").text.strip()
    assert git("cat-file", "blob", oid, cwd=tmp_path).out == b"\xff\n"


def test_a_failing_git_is_a_gate_error_with_gits_message(tmp_path: Path) -> None:
    with pytest.raises(GateError, match=rf"^git rev-parse failed in {tmp_path}: fatal: not a git repository"):
        git("rev-parse", "--git-dir", cwd=tmp_path, env=clean_env({"GIT_CEILING_DIRECTORIES": str(tmp_path)}))
    ran = git("rev-parse", "--git-dir", cwd=tmp_path, check=False,
              env=clean_env({"GIT_CEILING_DIRECTORIES": str(tmp_path)}))
    assert ran.code != 0 and ran.error.startswith("fatal:")


def test_git_that_cannot_start_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(GitUnavailable) as err:
        git("status", cwd=tmp_path / "gone", check=False)
    assert "No such file or directory" in err.value.reason


def test_the_runner_loads_no_pygit2() -> None:
    code = "import sys, gate.git.run, gate.hookinstall; print('pygit2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
