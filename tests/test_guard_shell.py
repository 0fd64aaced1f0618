"""The guard reading shell commands for writes and escapes, end to end: each
command goes to ``agentgate guard`` as Claude Code's PreToolUse JSON, from an
agent's real worktree beside another agent's and the human's repository."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from gate.commands import guard as guard_cmd
from tests.gitutil import Repo, seeded_repo

DENY, ASK = "deny", "ask"
OUTSIDE = "outside this worktree"
BOBS = "owned by bob, outside alice's scope"
ELSEWHERE = "alice runs git only in its own folder"
HUMANS = "is a human's command"
CONFIRM = "confirm"


@pytest.fixture(scope="module")
def agents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The human's repository and two agents' worktrees, as spawn lays them out."""
    top = tmp_path_factory.mktemp("shell").resolve()
    human = seeded_repo(top / "project")
    human.git("config", "extensions.worktreeConfig", "true")
    made = {"human": human.path}
    for agent in ("alice", "bob"):
        wt = top / "project.agents" / f"{agent}-x"
        human.git("worktree", "add", "-q", "-b", f"agent/{agent}/x", str(wt), "main")
        Repo(wt).git("config", "--worktree", "agentgate.agent", agent)
        made[agent] = wt
    (made["alice"] / "src/billing/old").mkdir()
    return made


# (command, directory under alice's worktree it starts in, decision, a phrase of the reason)
CASES: list[tuple[str, str, str | None, str]] = [
    # Writes, by redirection, tee, dd, in-place editors and the file utilities.
    ("echo x > src/billing/new.py", ".", None, ""),
    ("echo x > src/ui/app.py", ".", DENY, BOBS),
    ("echo x >> ../bob-x/src/ui/app.py", ".", DENY, OUTSIDE),
    ("cat > ../../project/src/ui/app.py <<'EOF'\nx = 1; rm -rf /\nEOF", ".", DENY, OUTSIDE),
    ("printf x | tee src/ui/app.py", ".", DENY, BOBS),
    ("tee -a src/billing/log.txt < /dev/null", ".", None, ""),
    ("dd if=/dev/zero of=src/ui/app.py bs=1 count=1", ".", DENY, BOBS),
    ("sed -i s/a/b/ src/ui/app.py", ".", DENY, BOBS),
    ("sed -i.bak -e s/a/b/ src/billing/invoice.py", ".", None, ""),
    ("perl -pi -e 's/a/b/' src/ui/app.py", ".", DENY, BOBS),
    ("cp src/billing/invoice.py src/ui/", ".", DENY, BOBS),
    ("mv src/ui/app.py src/billing/app.py", ".", DENY, BOBS),
    ("rm src/ui/app.py", ".", DENY, BOBS),
    ("rm src/billing/invoice.py", ".", None, ""),
    ("install -m 644 src/billing/invoice.py ../bob-x/src/ui/", ".", DENY, OUTSIDE),
    ("ln -s ../billing/invoice.py src/ui/link.py", ".", DENY, BOBS),
    ("touch .claude/settings.local.json", ".", DENY, "configures this guard"),
    ("truncate -s 0 src/ui/app.py", ".", DENY, BOBS),
    ("echo 'exit 0' > .git/hooks/pre-push", ".", DENY, "git's own data"),
    ("cd src/billing && echo x > ../ui/app.py", ".", DENY, BOBS),
    ("echo x > ../ui/app.py", "src/billing", DENY, BOBS),
    ("cd .. && rm -rf bob-x", ".", DENY, OUTSIDE),
    ("echo log > /tmp/out.txt", ".", DENY, OUTSIDE),
    ("rm -rf src/billing/old", ".", ASK, "deletes recursively"),
    ("rm -rf src/ui", ".", DENY, BOBS),
    ("echo done 2>&1 >/dev/null", ".", None, ""),
    ("python -m pytest -q > src/billing/out.txt", ".", None, ""),
    # Commands only a human runs, refs, other folders, hooks switched off.
    ("agentgate approve agent/alice/x --repo ../../project", ".", DENY, HUMANS),
    ("agentgate approvals", ".", DENY, HUMANS),
    ("agentgate merge agent/alice/x", ".", DENY, HUMANS),
    ("uv run agentgate land", ".", DENY, HUMANS),
    ("python -m gate approve agent/alice/x", ".", DENY, HUMANS),
    ("git update-ref refs/heads/main HEAD", ".", DENY, "writes a ref directly"),
    ("git push origin main", ".", DENY, "pushes to main, the target branch"),
    ("git push origin HEAD:agent/bob/x", ".", DENY, "a branch of agent bob"),
    ("git push origin refs/agentgate/approvals", ".", DENY, "only an approver"),
    ("git checkout main && git merge agent/alice/x", ".", DENY, "merges into main"),
    ("git switch main; git pull", ".", DENY, "merges into main"),
    ("cd ../../project && git status", ".", DENY, ELSEWHERE),
    ("git -C ../bob-x log", ".", DENY, ELSEWHERE),
    ("git --git-dir=../../project/.git log", ".", DENY, "points git at another repository"),
    ("GIT_DIR=../../project/.git git commit -m x", ".", DENY, "points git at another repository"),
    ("git commit --no-verify -m x", ".", DENY, "--no-verify"),
    ("git commit -nm x", ".", DENY, "--no-verify"),
    ("git -c core.hooksPath=/dev/null commit -m x", ".", DENY, "core.hooksPath"),
    ("git config core.hooksPath /dev/null", ".", DENY, "changes core.hookspath"),
    ("git config agentgate.agent bob", ".", DENY, "changes agentgate.agent"),
    ("git config --worktree --unset agentgate.agent", ".", DENY, "changes agentgate.agent"),
    ("bash -c 'cd ../bob-x && git commit -am x'", ".", DENY, ELSEWHERE),
    # Destructive, inside the agent's own folder: ask.
    ("git rm -r src/billing/old", ".", ASK, "deletes recursively"),
    ("find . -name '*.pyc' -delete", ".", ASK, "-delete"),
    ("git clean -fdx", ".", ASK, "deletes untracked files"),
    ("git reset --hard HEAD~1", ".", ASK, "reset --hard"),
    ("git checkout -- .", ".", ASK, "overwrites uncommitted changes"),
    ("git stash drop", ".", ASK, "drops stashed work"),
    # No opinion.
    ("git status && git diff", ".", None, ""),
    ("git push origin agent/alice/x", ".", None, ""),
    ("git merge main", ".", None, ""),
    ("git config --get agentgate.agent", ".", None, ""),
    ("git config user.name Alice", ".", None, ""),
    ("ls -la ../bob-x && cat ../bob-x/src/ui/app.py", ".", None, ""),
    ("git checkout main && git merge --abort", ".", None, ""),
]


def _pre_bash(command: str, cwd: Path) -> str:
    return json.dumps({"session_id": "abc123", "transcript_path": "/tmp/t.jsonl", "cwd": str(cwd),
                       "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                       "tool_input": {"command": command, "description": "run it"}, "tool_use_id": "toolu_01"})


def _guard(command: str, cwd: Path, project: Path) -> dict[str, Any] | None:
    out, err = io.StringIO(), io.StringIO()
    assert guard_cmd.main(_pre_bash(command, cwd), {"CLAUDE_PROJECT_DIR": str(project)}, out=out, err=err) == 0
    assert err.getvalue() == ""
    return json.loads(out.getvalue()) if out.getvalue() else None


def test_the_table_has_every_kind_of_case() -> None:
    assert len(CASES) >= 40
    assert {d for _, _, d, _ in CASES} == {DENY, ASK, None}


@pytest.mark.parametrize(("command", "where", "decision", "phrase"), CASES)
def test_shell_command(agents: dict[str, Path], command: str, where: str, decision: str | None, phrase: str) -> None:
    answer = _guard(command, agents["alice"] / where, agents["alice"])
    if decision is None:
        assert answer is None
        return
    assert answer is not None
    out = answer["hookSpecificOutput"]
    assert (out["hookEventName"], out["permissionDecision"]) == ("PreToolUse", decision)
    assert phrase in out["permissionDecisionReason"]


def test_the_reasons_say_what_and_why(agents: dict[str, Path]) -> None:
    alice, bob = agents["alice"], agents["bob"]

    def reason(command: str) -> str:
        answer = _guard(command, alice, alice)
        assert answer is not None
        return str(answer["hookSpecificOutput"]["permissionDecisionReason"])

    assert reason("sed -i s/a/b/ src/ui/app.py") == (
        "agentgate: `sed -i s/a/b/ src/ui/app.py` writes src/ui/app.py, owned by bob, outside alice's scope. "
        "Leave it to bob, or ask a human to change the policy on main.")
    assert reason("echo x >> ../bob-x/src/ui/app.py") == (
        f"agentgate: `echo x >> ../bob-x/src/ui/app.py` writes ../bob-x/src/ui/app.py (that is {bob}/src/ui/app.py), "
        f"outside this worktree ({alice}); alice changes only files in it.")
    assert reason("git -C ../bob-x log") == (
        f"agentgate: `git -C ../bob-x log` runs git in {bob}, outside this worktree ({alice}); alice runs git only "
        "in its own folder.")
    assert reason("agentgate approve agent/alice/x") == (
        "agentgate: `agentgate approve agent/alice/x` is a human's command: agents never approve, list or spend "
        "approvals, merge or land. Ask a human.")
    assert reason("git push origin HEAD:agent/bob/x") == (
        "agentgate: `git push origin HEAD:agent/bob/x` pushes to agent/bob/x, a branch of agent bob; alice pushes "
        "only its own branches.")
