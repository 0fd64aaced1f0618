"""``agentgate guard install``: a hook that fails closed, and in an isolated clone
Claude Code's sandbox and permission settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gate.commands import guard_install
from gate.guard import sandbox
from tests.gitutil import Repo, seeded_repo

SERVE = "http://127.0.0.1:8421/"
# Read before the hermetic fixture clears agentgate's variables.
SCHEMA = os.environ.get("AGENTGATE_CLAUDE_SETTINGS_SCHEMA")


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    repo = seeded_repo(tmp_path / "repo")
    wt = tmp_path.resolve() / "alice-x"
    repo.git("worktree", "add", "-q", "-b", "agent/alice/x", str(wt), "main")
    repo.git("config", "extensions.worktreeConfig", "true")
    Repo(wt).git("config", "--worktree", "agentgate.agent", "alice")
    return wt


def _edit(path: Path, cwd: Path) -> str:
    return json.dumps({"session_id": "s", "transcript_path": "/tmp/t.jsonl", "cwd": str(cwd),
                       "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Edit",
                       "tool_input": {"file_path": str(path), "old_string": "a", "new_string": "b"},
                       "tool_use_id": "toolu_01"})


def _hook(command: str, stdin: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the hook command as Claude Code does: through a shell, JSON on stdin, with a
    minimal PATH (no venv, no ~/.local/bin)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ["HOME"], "CLAUDE_PROJECT_DIR": str(cwd)}
    return subprocess.run(command, shell=True, executable="/bin/sh", input=stdin, cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


def _settings(root: Path) -> dict[str, Any]:
    data = json.loads((root / ".claude" / "settings.local.json").read_text())
    assert isinstance(data, dict)
    return data


# -- the hook command ---------------------------------------------------------------------


def test_the_hook_runs_this_agentgate_by_absolute_path_and_works_with_a_minimal_path(worktree: Path) -> None:
    guard_install.install_guard(worktree)
    command = guard_install.hook_command()
    assert command == f"/bin/sh -c '{sys.executable} -P -m gate guard || exit 2'"
    assert Path(sys.executable).is_absolute()
    [group] = _settings(worktree)["hooks"]["PreToolUse"]
    assert group["hooks"] == [{"type": "command", "command": command, "timeout": 30}]
    proc = _hook(command, _edit(worktree / "src/ui/app.py", worktree), worktree)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert json.loads(proc.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    # No opinion is still exit 0 with nothing on stdout.
    assert _hook(command, _edit(worktree / "src/billing/x.py", worktree), worktree).returncode == 0


def test_a_hook_that_cannot_run_exits_2_so_claude_code_blocks_the_call(worktree: Path, tmp_path: Path) -> None:
    gone = tmp_path / "venv" / "bin" / "python"  # a venv deleted or moved since install
    guard_install.install_guard(worktree, [str(gone), "-P", "-m", "gate"])
    [group] = _settings(worktree)["hooks"]["PreToolUse"]
    proc = _hook(group["hooks"][0]["command"], _edit(worktree / "src/ui/app.py", worktree), worktree)
    assert proc.returncode == 2
    assert str(gone) in proc.stderr and proc.stdout == ""
    # A program that crashes (exit 1) blocks too.
    crash = guard_install.hook_command(["/bin/false"])
    assert _hook(crash, "{}", worktree).returncode == 2


def test_reinstalling_replaces_a_bare_agentgate_guard_and_keeps_the_users_hooks(worktree: Path) -> None:
    settings = worktree / ".claude" / "settings.local.json"
    settings.parent.mkdir()
    old = {"type": "command", "command": "agentgate guard", "timeout": 30}
    mine = {"type": "command", "command": "my-linter"}
    settings.write_text(json.dumps({"hooks": {
        "PreToolUse": [{"matcher": "Bash", "hooks": [mine]},
                       {"matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash", "hooks": [old]}],
        "PostToolUse": [{"matcher": "Bash", "hooks": [old, mine]}],
    }}))
    lines = guard_install.install_guard(worktree)
    assert lines[0].startswith(f"{settings}: added PreToolUse hook command replaced, PreToolUse hook (")
    ours = {"type": "command", "command": guard_install.hook_command(), "timeout": 30}
    assert _settings(worktree)["hooks"] == {
        "PreToolUse": [{"matcher": "Bash", "hooks": [mine]},
                       {"matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash", "hooks": [ours]}],
        "PostToolUse": [{"matcher": "Bash", "hooks": [mine]}, {"matcher": "Bash", "hooks": [ours]}],
    }
    assert guard_install.install_guard(worktree) == [f"{settings}: already set up"]


# -- an isolated clone ----------------------------------------------------------------------


@pytest.fixture
def clones(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The human's repository and two isolated clones beside each other, as spawn
    --isolated leaves them (objects borrowed with --shared, origin the serve URL)."""
    human = seeded_repo(tmp_path / "project").path.resolve()
    agents = tmp_path.resolve() / "project.agents"
    made = []
    for agent in ("alice", "bob"):
        clone = agents / f"{agent}-x"
        subprocess.run(["git", "clone", "-q", "--shared", str(human), str(clone)], check=True)
        r = Repo(clone)
        r.git("remote", "set-url", "origin", SERVE)
        r.git("config", "agentgate.agent", agent)
        r.git("config", "agentgate.isolated", "true")
        made.append(clone)
    (agents / "notes").mkdir()  # not an agent's folder
    return human, made[0], made[1]


def expected_settings(clone: Path, human: Path, other: Path) -> dict[str, Any]:
    # The keys are Claude Code's, as documented on https://code.claude.com/docs/en/sandboxing
    # (sandbox.enabled, failIfUnavailable, allowUnsandboxedCommands, filesystem.allowWrite /
    # denyWrite / denyRead with '//' for absolute paths, network.allowedDomains) and
    # https://code.claude.com/docs/en/permissions (permissions.deny, Read(//path/**) and
    # Edit(//path/**), an Edit rule covering every file-editing tool).
    return {
        "sandbox": {
            "enabled": True,
            "failIfUnavailable": True,
            "allowUnsandboxedCommands": False,
            "filesystem": {
                "allowWrite": [f"/{clone}"],
                "denyWrite": [f"/{clone}/.claude", f"/{human}/.git", f"/{other}"],
                "denyRead": [f"/{human}/.git/agentgate", f"/{other}"],
            },
            "network": {"allowedDomains": ["127.0.0.1"]},
        },
        "permissions": {
            "deny": [
                f"Edit(/{clone}/.claude/**)",
                f"Edit(/{human}/.git/**)",
                f"Read(/{human}/.git/agentgate/**)",
                f"Edit(/{human}/.git/agentgate/**)",
                f"Read(/{other}/**)",
                f"Edit(/{other}/**)",
            ],
        },
    }


def test_the_sandbox_settings_keep_the_agent_inside_its_clone() -> None:
    clone, human, other = Path("/w/p.agents/alice-x"), Path("/w/p"), Path("/w/p.agents/bob-x")
    got = sandbox.sandbox_settings(clone, "127.0.0.1:8421", human / ".git" / "agentgate", [other])
    assert got == expected_settings(clone, human, other)
    assert got["permissions"]["deny"][0] == "Edit(//w/p.agents/alice-x/.claude/**)"
    assert sandbox.serve_host("http://localhost:9000/") == "localhost"


def test_guard_install_in_an_isolated_clone_writes_the_sandbox_and_keeps_the_users_settings(
    clones: tuple[Path, Path, Path],
) -> None:
    human, alice, bob = clones
    settings = alice / ".claude" / "settings.local.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"model": "opus", "sandbox": {"enabled": False, "network": {
        "allowedDomains": ["pypi.org"]}}, "permissions": {"deny": ["Bash(curl:*)"]}}))
    lines = guard_install.install_guard(alice)
    assert f"isolated clone (serve {SERVE}): sandbox.enabled, " in lines[0]
    data = _settings(alice)
    want = expected_settings(alice, human, bob)
    assert data["model"] == "opus"
    assert data["sandbox"] == want["sandbox"] | {"network": {"allowedDomains": ["pypi.org", "127.0.0.1"]}}
    assert data["permissions"]["deny"] == ["Bash(curl:*)", *want["permissions"]["deny"]]
    assert data["permissions"]["allow"] == guard_install.ALLOW
    before = settings.read_bytes()
    assert guard_install.install_guard(alice) == [f"{settings}: already set up"]
    assert settings.read_bytes() == before
    # Turned off by hand, turned on again: the clone is not isolated without it.
    data["sandbox"]["allowUnsandboxedCommands"] = True
    settings.write_text(json.dumps(data))
    assert "allowUnsandboxedCommands" in guard_install.install_guard(alice)[0]
    assert _settings(alice)["sandbox"]["allowUnsandboxedCommands"] is False


def test_an_isolated_clone_never_writes_a_credential_from_its_origin(clones: tuple[Path, Path, Path]) -> None:
    human, alice, bob = clones
    Repo(alice).git("remote", "set-url", "origin", "http://alice:s3cret@127.0.0.1:8421/")
    lines = guard_install.install_guard(alice)
    assert f"serve {SERVE}" in lines[0] and "s3cret" not in (alice / ".claude" / "settings.local.json").read_text()


def test_a_worktree_gets_no_sandbox_settings(worktree: Path) -> None:
    guard_install.install_guard(worktree)
    assert "sandbox" not in _settings(worktree)


@pytest.mark.skipif(not SCHEMA,
                    reason="set AGENTGATE_CLAUDE_SETTINGS_SCHEMA to a copy of "
                           "https://json.schemastore.org/claude-code-settings.json")
def test_the_written_settings_validate_against_the_published_schema(clones: tuple[Path, Path, Path]) -> None:
    import jsonschema

    assert SCHEMA is not None
    schema = json.loads(Path(SCHEMA).read_text())
    human, alice, bob = clones
    guard_install.install_guard(alice)
    jsonschema.validate(_settings(alice), schema)
