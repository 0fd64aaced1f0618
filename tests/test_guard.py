"""``agentgate guard``: Claude Code hook payloads, shaped as the hooks documentation
describes them, each with the exact decision expected."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from gate.commands import guard as guard_cmd
from gate.commands import guard_install
from gate.errors import GateError
from gate.guard import decide as guard
from gate.policy import load
from tests.gitutil import POLICY, Repo, seeded_repo

AGENT_BRANCH = "agent/alice/x"
_POLICY = load(POLICY)


def _owner(path: str) -> str | None:
    hit = _POLICY.owner_of(path)
    return hit[0] if hit else None


def _gated(path: str) -> str | None:
    if path == ".agentgate.toml":
        return "gate.policy"
    if _POLICY.path_set("migrations", path):
        return "gate.migration"
    return "gate.ci" if _POLICY.path_set("ci", path) else None


def _scope(root: Path, agent: str | None = "alice", branch: str | None = AGENT_BRANCH) -> guard.GuardScope:
    return guard.GuardScope(root=root, agent=agent, owner_of=_owner,
                            is_shared=lambda p: _POLICY.shared_pattern(p) is not None,
                            is_gated=_gated, target="main", branch=branch)


def _pre(tool: str, tool_input: dict[str, Any], cwd: Path | str) -> dict[str, Any]:
    return {"session_id": "abc123", "transcript_path": "/tmp/t.jsonl", "cwd": str(cwd),
            "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": tool,
            "tool_input": tool_input, "tool_use_id": "toolu_01"}


def _edit(path: str | Path, cwd: Path) -> dict[str, Any]:
    return _pre("Edit", {"file_path": str(path), "old_string": "a", "new_string": "b"}, cwd)


def _bash(command: str, cwd: Path | str = "/work") -> dict[str, Any]:
    return _pre("Bash", {"command": command, "description": "run it"}, cwd)


def _answer(decision: str, reason: str) -> dict[str, Any]:
    return {"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": decision,
                                   "permissionDecisionReason": reason}}


BOB_DENY = _answer("deny", "agentgate: src/ui/app.py is owned by bob, outside alice's scope. "
                           "Leave it to bob, or ask a human to change the policy on main.")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A worktree-shaped directory, a directory beside it, and symlinks across."""
    root = tmp_path.resolve() / "wt"
    for rel in ("src/billing/invoice.py", "src/ui/app.py", "src/common/util.py", "README.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n")
    (tmp_path / "outside").mkdir()
    (root / "src" / "billing" / "elsewhere").symlink_to(tmp_path / "outside")
    (root / "src" / "billing" / "ui_alias.py").symlink_to(root / "src" / "ui" / "app.py")
    return root


# -- edits ----------------------------------------------------------------------------


def test_edit_decisions_for_paths_given_every_way(tree: Path) -> None:
    outside = tree.parent / "outside"
    billing = tree / "src" / "billing"
    cases: list[tuple[dict[str, Any], dict[str, Any] | None]] = [
        (_edit(billing / "invoice.py", tree), None),                              # absolute, own
        (_edit("src/billing/invoice.py", tree), None),                            # relative to cwd
        (_edit("invoice.py", billing), None),                                     # relative, deeper cwd
        (_edit(tree / "src/ui/app.py", tree), BOB_DENY),                          # absolute, bob's
        (_edit("../ui/app.py", billing), BOB_DENY),                               # relative through ..
        (_edit(f"{billing}/../ui/app.py", tree), BOB_DENY),                       # absolute through ..
        (_edit(billing / "ui_alias.py", tree), BOB_DENY),                         # symlink to bob's file
        (_edit(tree / "src/common/util.py", tree), None),                         # shared
        (_pre("Write", {"file_path": str(billing / "new.py"), "content": "x"}, tree), None),
        (_pre("MultiEdit", {"file_path": str(tree / "src/ui/app.py"),
                            "edits": [{"old_string": "a", "new_string": "b"}]}, tree), BOB_DENY),
        (_pre("NotebookEdit", {"notebook_path": "src/billing/nb.ipynb", "new_source": "x"}, tree), None),
        (_pre("Read", {"file_path": str(tree / "src/ui/app.py")}, tree), None),   # not an edit
        (_edit(outside / "x.py", tree), _answer(
            "deny", f"agentgate: {outside}/x.py is outside this worktree ({tree}); alice edits only files in it.")),
        (_edit("../outside/x.py", tree), _answer(
            "deny", f"agentgate: ../outside/x.py (that is {outside}/x.py) is outside this worktree ({tree}); "
                    "alice edits only files in it.")),
        (_edit(billing / "elsewhere" / "evil.py", tree), _answer(                 # symlinked directory
            "deny", f"agentgate: {billing}/elsewhere/evil.py (that is {outside}/evil.py) is outside this "
                    f"worktree ({tree}); alice edits only files in it.")),
        (_edit("README.md", tree), _answer(
            "deny", "agentgate: README.md is owned by no agent and not shared, outside alice's scope. "
                    "Ask a human to add it to alice's paths in the policy on main first.")),
        (_edit("src/billing/migrations/0002_add.py", tree), _answer(
            "ask", "agentgate: src/billing/migrations/0002_add.py is gated (gate.migration): a migration needs "
                   "a human's approval before it can merge. Allow only if a human wants this change.")),
        (_edit("db/migrations/0002.sql", tree), _answer(                          # outside scope beats gated
            "deny", "agentgate: db/migrations/0002.sql is owned by no agent and not shared, outside alice's "
                    "scope. Ask a human to add it to alice's paths in the policy on main first.")),
        (_edit(".git/config", tree), _answer(
            "deny", "agentgate: .git/config is git's own data, not a file of the project; leave it alone.")),
        (_edit(".claude/settings.local.json", tree), _answer(
            "deny", "agentgate: .claude/settings.local.json configures this guard; only a human changes it.")),
    ]
    for payload, expected in cases:
        assert guard.decide(payload, _scope(tree)) == expected, payload["tool_input"]


def test_without_an_agent_only_the_worktree_edge_and_the_gates_hold(tree: Path) -> None:
    scope = _scope(tree, agent=None)
    assert guard.decide(_edit("src/ui/app.py", tree), scope) is None
    assert guard.decide(_edit(".agentgate.toml", tree), scope) == _answer(
        "ask", "agentgate: .agentgate.toml is gated (gate.policy): the policy is read from main; a branch that "
               "changes it is blocked at merge. Allow only if a human wants this change.")
    assert guard.decide(_edit(".github/workflows/ci.yml", tree), scope) == _answer(
        "ask", "agentgate: .github/workflows/ci.yml is gated (gate.ci): a CI change needs a human's approval "
               "before it can merge. Allow only if a human wants this change.")
    assert guard.decide(_edit("/etc/hosts", tree), scope) == _answer(
        "deny", f"agentgate: /etc/hosts is outside this worktree ({tree}); this session edits only files in it.")


# -- shell commands -------------------------------------------------------------------

PUSH_MAIN = ("pushes to main, the target branch; agents never push there. Push your own branch; a human "
             "merges it with 'agentgate merge'.")
CONFIRM = "confirm only if a human wants it."


def _deny_push(shown: str) -> dict[str, Any]:
    return _answer("deny", f"agentgate: `{shown}` {PUSH_MAIN}")


def _ask(shown: str, what: str) -> dict[str, Any]:
    return _answer("ask", f"agentgate: `{shown}` {what}; {CONFIRM}")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("git status", None),
        ("git push origin agent/alice/x", None),
        ("git push", None),
        ("git push origin main", _deny_push("git push origin main")),
        ("git push origin HEAD:main", _deny_push("git push origin HEAD:main")),
        ("git push origin HEAD:refs/heads/main", _deny_push("git push origin HEAD:refs/heads/main")),
        ("git push -u origin +topic:main", _deny_push("git push -u origin +topic:main")),
        ("git push --all origin", _deny_push("git push --all origin")),
        ("git push origin --delete main", _deny_push("git push origin --delete main")),
        ("cd src && git push origin main", _deny_push("git push origin main")),
        ("git status; git push origin main | cat", _deny_push("git push origin main")),
        ("bash -c 'git push origin main'", _deny_push("git push origin main")),
        ("bash -lc 'cd x; git reset --hard'",
         _ask("git reset --hard", "throws away uncommitted changes (reset --hard)")),
        ("sudo -u deploy kubectl apply -f k8s/",
         _answer("ask", "agentgate: `sudo -u deploy kubectl apply -f k8s/` deploys or publishes beyond this "
                        "worktree; confirm only if a human wants it.")),
        ("echo 'unbalanced && git push origin main", _deny_push("git push origin main")),
        ("git push --force origin agent/alice/x",
         _ask("git push --force origin agent/alice/x", "force-pushes, rewriting the remote branch's history")),
        ("git push -f", _ask("git push -f", "force-pushes, rewriting the remote branch's history")),
        ("git push --force-with-lease=agent/alice/x origin agent/alice/x",
         _ask("git push --force-with-lease=agent/alice/x origin agent/alice/x",
              "force-pushes, rewriting the remote branch's history")),
        ("git push origin +agent/alice/x",
         _ask("git push origin +agent/alice/x", "force-pushes, rewriting the remote branch's history")),
        ("git push origin :agent/alice/old", _ask("git push origin :agent/alice/old", "deletes a remote branch")),
        ("git reset --hard HEAD~1", _ask("git reset --hard HEAD~1", "throws away uncommitted changes (reset --hard)")),
        ("git reset HEAD~1", None),
        ("git clean -fdx", _ask("git clean -fdx", "deletes untracked files")),
        ("git clean -fdn", None),
        ("git checkout -- .", _ask("git checkout -- .", "overwrites uncommitted changes")),
        ("git checkout -b topic", None),
        ("git restore .", _ask("git restore .", "discards uncommitted changes")),
        ("git restore --staged src/x.py", None),
        ("git branch -D old", _ask("git branch -D old", "deletes or overwrites a branch")),
        ("git branch -d old", None),
        ("git stash drop", _ask("git stash drop", "drops stashed work")),
        ("rm -rf build", _answer("ask", "agentgate: `rm -rf build` deletes recursively; confirm the paths are right.")),
        ("rm notes.txt", None),
        ("git commit -m 'never rm -rf; never git push origin main'", None),
        ("alembic upgrade head", _answer("ask", "agentgate: `alembic upgrade head` runs a database migration; "
                                                "confirm only if a human wants it now.")),
        ("uv run alembic -c db.ini upgrade head",
         _answer("ask", "agentgate: `uv run alembic -c db.ini upgrade head` runs a database migration; "
                        "confirm only if a human wants it now.")),
        ("python manage.py migrate", _answer("ask", "agentgate: `python manage.py migrate` runs a database "
                                                    "migration; confirm only if a human wants it now.")),
        ("npx prisma migrate deploy", _answer("ask", "agentgate: `npx prisma migrate deploy` runs a database "
                                                     "migration; confirm only if a human wants it now.")),
        ("bin/rails db:migrate", _answer("ask", "agentgate: `bin/rails db:migrate` runs a database migration; "
                                                "confirm only if a human wants it now.")),
        ("kubectl apply -f k8s/", _answer("ask", "agentgate: `kubectl apply -f k8s/` deploys or publishes beyond "
                                                 "this worktree; confirm only if a human wants it.")),
        ("terraform apply -auto-approve", _answer("ask", "agentgate: `terraform apply -auto-approve` deploys or "
                                                         "publishes beyond this worktree; confirm only if a human "
                                                         "wants it.")),
        ("helm upgrade web ./chart", _answer("ask", "agentgate: `helm upgrade web ./chart` deploys or publishes "
                                                    "beyond this worktree; confirm only if a human wants it.")),
        ("terraform plan", None),
        ("git reset --hard\nrm -rf build", _answer(
            "ask", "agentgate: `git reset --hard` throws away uncommitted changes (reset --hard); confirm only if "
                   "a human wants it. agentgate: `rm -rf build` deletes recursively; confirm the paths are right.")),
        ("rm -rf build && git push origin main", _deny_push("git push origin main")),
        ("python -m pytest -q", None),
    ],
)
def test_bash_decisions(command: str, expected: dict[str, Any] | None, tmp_path: Path) -> None:
    assert guard.decide(_bash(command, tmp_path), _scope(tmp_path)) == expected


def test_a_plain_push_from_the_target_branch_is_a_push_to_the_target(tmp_path: Path) -> None:
    scope = _scope(tmp_path, branch="main")
    assert guard.decide(_bash("git push", tmp_path), scope) == _deny_push("git push")
    assert guard.decide(_bash("git push origin HEAD", tmp_path), scope) == _deny_push("git push origin HEAD")


# -- after a shell command ------------------------------------------------------------


def _post(command: str) -> dict[str, Any]:
    return {"session_id": "abc123", "transcript_path": "/tmp/t.jsonl", "cwd": "/work",
            "hook_event_name": "PostToolUse", "tool_name": "Bash",
            "tool_input": {"command": command}, "tool_response": {"stdout": "", "stderr": "", "interrupted": False}}


def test_post_bash_reports_changed_files_outside_the_scope(tmp_path: Path) -> None:
    changed = ["src/billing/a.py", "src/ui/app.py", "README.md", "src/common/util.py", "src/ui/app.py"]
    assert guard.decide(_post("sed -i s/a/b/ src/ui/app.py README.md"), _scope(tmp_path), changed) == {
        "decision": "block",
        "reason": "agentgate: files outside alice's scope are changed in this worktree: src/ui/app.py (owned by "
                  "bob), README.md (owned by no agent and not shared). Undo those changes: 'agentgate check' "
                  "blocks a branch that touches them (scope.outside).",
    }
    assert guard.decide(_post("true"), _scope(tmp_path), ["src/billing/a.py", "src/common/x.py"]) is None
    assert guard.decide(_post("true"), _scope(tmp_path, agent=None), ["src/ui/app.py"]) is None


# -- input the guard cannot read ------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ([], "the hook input is not a JSON object"),
        ({"tool_name": "Edit"}, "hook_event_name is missing"),
        ({"hook_event_name": "PreToolUse"}, "tool_name is missing"),
        ({"hook_event_name": "PreToolUse", "tool_name": "Edit", "tool_input": "x"},
         "tool_input of Edit is not an object"),
        ({"hook_event_name": "PreToolUse", "tool_name": "Write", "tool_input": {"content": "x"}},
         "tool_input.file_path of Write is missing"),
        ({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": 3}},
         "tool_input.command of Bash is missing"),
        ({"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": 1, "tool_input": {"command": "ls"}},
         "cwd is not a string"),
    ],
)
def test_malformed_payloads_get_no_decision(payload: Any, why: str, tmp_path: Path) -> None:
    assert guard.problem(payload) == why
    assert guard.decide(payload, _scope(tmp_path)) is None


# -- the command, in a real agent worktree --------------------------------------------


@pytest.fixture
def worktree(tmp_path: Path) -> Path:
    repo = seeded_repo(tmp_path / "repo")
    wt = tmp_path.resolve() / "alice-x"
    repo.git("worktree", "add", "-q", "-b", AGENT_BRANCH, str(wt), "main")
    repo.git("config", "extensions.worktreeConfig", "true")
    Repo(wt).git("config", "--worktree", "agentgate.agent", "alice")
    return wt


def _run(payload: Any, env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    text = payload if isinstance(payload, str) else json.dumps(payload)
    rc = guard_cmd.main(text, env, out=out, err=err)
    return rc, out.getvalue(), err.getvalue()


def test_guard_command_in_an_agent_worktree(worktree: Path) -> None:
    env = {"CLAUDE_PROJECT_DIR": str(worktree)}
    assert _run(_edit(worktree / "src/ui/app.py", worktree), env) == (0, json.dumps(BOB_DENY) + "\n", "")
    assert _run(_edit("src/billing/invoice.py", worktree), env) == (0, "", "")
    assert _run(_bash("git push origin main", worktree), env) == (
        0, json.dumps(_deny_push("git push origin main")) + "\n", "")
    (worktree / "src" / "ui" / "new.py").write_text("x\n")
    (worktree / "src" / "billing" / "ok.py").write_text("x\n")
    post = _post("touch src/ui/new.py") | {"cwd": str(worktree)}
    reason = ("agentgate: files outside alice's scope are changed in this worktree: src/ui/new.py (owned by bob). "
              "Undo those changes: 'agentgate check' blocks a branch that touches them (scope.outside).")
    assert _run(post, env) == (0, json.dumps({"decision": "block", "reason": reason}) + "\n", "")


def test_guard_command_takes_the_worktree_from_cwd_without_claude_project_dir(worktree: Path) -> None:
    assert _run(_edit("../ui/app.py", worktree / "src" / "billing"), {}) == (0, json.dumps(BOB_DENY) + "\n", "")


def test_guard_command_without_an_agent_only_keeps_edits_in_the_worktree(worktree: Path) -> None:
    Repo(worktree).git("config", "--worktree", "--unset", "agentgate.agent")
    env = {"CLAUDE_PROJECT_DIR": str(worktree)}
    assert _run(_edit("src/ui/app.py", worktree), env) == (0, "", "")
    rc, out, _ = _run(_edit(worktree.parent / "repo" / "src/ui/app.py", worktree), env)
    assert json.loads(out)["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_guard_command_says_why_it_has_no_decision(worktree: Path, tmp_path: Path) -> None:
    env = {"CLAUDE_PROJECT_DIR": str(worktree)}
    assert _run("{not json", env) == (
        0, "", "agentgate guard: the hook input is not JSON (Expecting property name enclosed in double quotes: "
               "line 1 column 2 (char 1)); no decision.\n")
    assert _run({"hook_event_name": "PreToolUse", "tool_name": "Edit", "tool_input": {}}, env) == (
        0, "", "agentgate guard: tool_input.file_path of Edit is missing; no decision.\n")
    (tmp_path / "plain").mkdir()
    assert _run(_edit("x.py", tmp_path / "plain"), {"CLAUDE_PROJECT_DIR": str(tmp_path / "plain")}) == (
        0, "", f"agentgate guard: {tmp_path / 'plain'} is not inside a git worktree; no decision.\n")


def test_guard_command_with_a_broken_policy_on_main_has_no_decision(worktree: Path, tmp_path: Path) -> None:
    main = Repo(tmp_path / "repo")
    main.commit("break the policy", {".agentgate.toml": "version = 1\n[agents.x]\nowns = ['a/']\n"})
    rc, out, err = _run(_edit("src/ui/app.py", worktree), {"CLAUDE_PROJECT_DIR": str(worktree)})
    assert (rc, out) == (0, "")
    assert err.startswith("agentgate guard: the policy on main is invalid: .agentgate.toml:2: agent 'x' has no "
                          "'branches'. ")
    assert err.endswith("; no decision.\n") and err.count("\n") == 1


# -- guard install --------------------------------------------------------------------


def test_install_guard_merges_into_existing_settings_and_is_idempotent(worktree: Path) -> None:
    settings = worktree / ".claude" / "settings.local.json"
    settings.parent.mkdir()
    mine = {
        "model": "opus",
        "permissions": {"allow": ["Bash(npm test:*)", "Bash(git push:*)"], "deny": ["Bash(curl:*)"]},
        "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "my-linter"}]}]},
    }
    settings.write_text(json.dumps(mine))
    lines = guard_install.install_guard(worktree)
    exclude = worktree.parent / "repo" / ".git" / "info" / "exclude"
    assert lines == [
        f"{settings}: added PreToolUse hook (Edit|Write|MultiEdit|NotebookEdit|Bash), PostToolUse hook (Bash), "
        f"{len(guard_install.ALLOW)} 'allow' permission rules, {len(guard_install.ASK)} 'ask' permission rules",
        f"{exclude}: git now ignores /.claude/settings.local.json, so it is never committed",
    ]
    ours = {"type": "command", "command": guard_install.hook_command(), "timeout": 30}
    assert json.loads(settings.read_text()) == {
        "model": "opus",
        "permissions": {"allow": ["Bash(npm test:*)", "Bash(git push:*)", *guard_install.ALLOW],
                        "deny": ["Bash(curl:*)"], "ask": guard_install.ASK},
        "hooks": {
            "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "my-linter"}]},
                           {"matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash", "hooks": [ours]}],
            "PostToolUse": [{"matcher": "Bash", "hooks": [ours]}],
        },
    }
    before = settings.read_bytes()
    assert guard_install.install_guard(worktree) == [f"{settings}: already set up"]
    assert settings.read_bytes() == before
    assert Repo(worktree).git("status", "--porcelain", "--untracked-files=all") == ""
    assert sorted(os.listdir(settings.parent)) == ["settings.local.json"]  # no temporary file left


def test_install_guard_creates_the_settings_file(worktree: Path) -> None:
    out = io.StringIO()
    assert guard_install.install_main(worktree / "src", out=out) == 0
    data = json.loads((worktree / ".claude" / "settings.local.json").read_text())
    assert data["hooks"]["PostToolUse"] == [
        {"matcher": "Bash", "hooks": [{"type": "command", "command": guard_install.hook_command(), "timeout": 30}]}]
    assert data["permissions"] == {"allow": guard_install.ALLOW, "ask": guard_install.ASK}
    assert "Bash(git push:*)" in guard_install.ASK and "Bash(rm:*)" in guard_install.ASK


def test_install_guard_refuses_a_settings_file_it_cannot_read(worktree: Path) -> None:
    settings = worktree / ".claude" / "settings.local.json"
    settings.parent.mkdir()
    settings.write_text("{oops")
    with pytest.raises(GateError) as err:
        guard_install.install_guard(worktree)
    assert str(err.value).startswith(f"{settings} is not valid JSON (")
    assert settings.read_text() == "{oops"


def test_guard_command_for_an_agent_missing_from_the_policy_denies_and_says_why(worktree: Path) -> None:
    Repo(worktree).git("config", "--worktree", "agentgate.agent", "carol")
    rc, out, err = _run(_edit("src/billing/invoice.py", worktree), {"CLAUDE_PROJECT_DIR": str(worktree)})
    assert json.loads(out) == _answer(
        "deny", "agentgate: src/billing/invoice.py is owned by alice, outside carol's scope. "
                "Leave it to alice, or ask a human to change the policy on main.")
    assert (rc, err) == (0, "agentgate guard: agent 'carol' (agentgate.agent) is not in the policy on main; "
                            "it owns nothing.\n")
