"""``agentgate check`` on real repositories: scope, attribution and exit codes.

Each test builds the one repository its story needs (seeded_repo: alice owns
src/billing/ and tests/billing/, bob owns src/ui/**, src/common/ is shared) with
a single open agent branch, so no cross-branch rule joins in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.gitutil import POLICY, check_json, findings, on_branch, seeded_repo

BOB = {"agent": "bob", "pattern": "src/ui/**"}


# -- the "done when" -----------------------------------------------------------------


def test_alice_editing_bobs_file_is_blocked_naming_bob(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"src/ui/app.py": "def render():\n    return 'alice'\n"})
    # The real console entry point, in its own process.
    proc = subprocess.run([sys.executable, "-m", "gate", "check", "agent/alice/x", "--format", "json"],
                          cwd=repo.path, capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stderr) == (1, "")
    report = json.loads(proc.stdout)
    assert report["verdict"] == "block"
    assert report["branches"][0]["verdict"] == "block"
    assert findings(report) == [("scope.outside", "block", "src/ui/app.py", BOB)]
    assert findings(report, "message", "line", "approved") == [
        ("src/ui/app.py is owned by bob (pattern src/ui/**), not by alice", None, False)]


def test_editing_the_policy_on_the_branch_changes_nothing_and_adds_gate_policy(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    # The branch also gives itself bob's folder in its copy of the policy.
    grab = POLICY.replace('owns = ["src/billing/", "tests/billing/"]', 'owns = ["src/billing/", "src/ui/"]')
    on_branch(repo, "agent/alice/x", files={"src/ui/app.py": "def render():\n    return 'alice'\n",
                                           ".agentgate.toml": grab})
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, report["verdict"]) == (1, "block")
    # The policy file is no agent's either (DESIGN §5), so it is outside her scope too.
    assert findings(report) == [
        ("gate.policy", "block", ".agentgate.toml", None),
        ("scope.outside", "block", ".agentgate.toml", None),
        ("scope.outside", "block", "src/ui/app.py", BOB),
    ]


def test_renaming_bobs_file_into_alices_folder_is_outside_her_scope(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", mv=(("src/ui/app.py", "src/billing/app.py"),))
    code, report = check_json(repo.path, "agent/alice/x")
    assert code == 1
    assert findings(report, "rule", "action", "path", "other", "message") == [
        ("scope.outside", "block", "src/ui/app.py", BOB,
         "src/ui/app.py (renamed from here) is owned by bob (pattern src/ui/**), not by alice")]


def test_renaming_her_own_file_into_bobs_folder_is_outside_her_scope(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", mv=(("src/billing/invoice.py", "src/ui/invoice.py"),))
    code, report = check_json(repo.path, "agent/alice/x")
    assert code == 1
    assert findings(report, "rule", "path", "other", "message") == [
        ("scope.outside", "src/ui/invoice.py", BOB,
         "src/ui/invoice.py (renamed to here) is owned by bob (pattern src/ui/**), not by alice")]


def test_deleting_bobs_file_is_outside_her_scope_and_a_gated_deletion(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", rm=("src/ui/app.py",))
    code, report = check_json(repo.path, "agent/alice/x")
    assert code == 1
    assert findings(report) == [
        ("scope.outside", "block", "src/ui/app.py", BOB),
        ("gate.deletion", "ask", "src/ui/app.py", None),
    ]


# -- scope, attribution --------------------------------------------------------------------------


def test_work_inside_her_own_folders_is_allowed(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"src/billing/invoice.py": "def total(items):\n    return 0\n",
                                           "tests/billing/test_invoice.py": "def test():\n    pass\n"})
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, report["verdict"], findings(report)) == (0, "allow", [])


def test_a_shared_path_is_reported_not_blocked(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"src/common/util.py": "def helper():\n    return 2\n"})
    code, report = check_json(repo.path, "agent/alice/x")
    assert code == 0
    assert findings(report) == [("scope.shared", "warn", "src/common/util.py", {"pattern": "src/common/"})]


def test_a_path_nobody_owns_is_outside_scope_without_another_agent(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"docs/notes.md": "notes\n"})
    code, report = check_json(repo.path, "agent/alice/x")
    assert code == 1
    assert findings(report, "rule", "path", "other", "message") == [
        ("scope.outside", "docs/notes.md", None, "docs/notes.md is owned by no agent and is not shared")]


def test_an_agent_trailer_attributes_a_branch_with_another_name(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "feature/retry", message="Retry renders\n\nAgent: alice\n",
              files={"src/ui/app.py": "def render():\n    return 'retry'\n"})
    code, report = check_json(repo.path, "feature/retry")
    assert (code, report["branches"][0]["agent"]) == (1, "alice")
    assert findings(report) == [("scope.outside", "block", "src/ui/app.py", BOB)]


def test_an_unknown_agent_branch_is_blocked(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/zed/x", files={"src/billing/z.py": "z = 1\n"})
    code, report = check_json(repo.path, "agent/zed/x")
    assert (code, report["branches"][0]["agent"]) == (1, "zed")
    assert findings(report, "rule", "action", "path", "other", "message") == [
        ("scope.unknown-agent", "block", None, {"agent": "zed"},
         "agent/zed/x looks like a branch of agent 'zed', but the policy has no such agent")]


def test_a_trailer_naming_an_unknown_agent_is_blocked(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "feature/x", message="Work\n\nAgent: zed\n", files={"src/billing/z.py": "z = 1\n"})
    code, report = check_json(repo.path, "feature/x")
    assert code == 1
    assert findings(report, "rule", "other") == [("scope.unknown-agent", {"agent": "zed"})]


def test_a_branch_of_no_agent_gets_the_gates_but_no_scope(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "feature/cleanup", files={"src/ui/app.py": "def render():\n    return 'human'\n"},
              rm=("src/billing/invoice.py",))
    code, report = check_json(repo.path, "feature/cleanup")
    assert (code, report["verdict"], report["branches"][0]["agent"]) == (3, "ask", None)
    assert findings(report) == [("gate.deletion", "ask", "src/billing/invoice.py", None)]


def test_an_unapproved_ask_alone_exits_3(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", rm=("src/billing/invoice.py",))
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, report["verdict"]) == (3, "ask")
    assert findings(report) == [("gate.deletion", "ask", "src/billing/invoice.py", None)]


# -- [rules] overrides -----------------------------------------------------------------------------


def test_a_rule_turned_off_in_the_policy_disappears(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r", POLICY + '\n[rules]\n"gate.deletion" = "off"\n')
    on_branch(repo, "agent/alice/x", rm=("src/billing/invoice.py",))
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, findings(report)) == (0, [])


def test_a_rule_raised_in_the_policy_takes_the_new_action(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r", POLICY + '\n[rules]\n"overlap.file" = "block"\n"scope.shared" = "ask"\n')
    lines = [f"v{i} = {i}\n" for i in range(1, 11)]
    repo.commit("shared module", {"src/common/conf.py": "".join(lines)})
    on_branch(repo, "agent/alice/x", files={"src/common/conf.py": "".join(["v1 = 100\n", *lines[1:]])})
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, findings(report, "rule", "action")) == (3, [("scope.shared", "ask")])
    # Bob changes the same file ten lines away: the same file, not the same lines.
    on_branch(repo, "agent/bob/y", files={"src/common/conf.py": "".join([*lines[:-1], "v10 = 1000\n"])})
    code, report = check_json(repo.path, "agent/alice/x")
    assert code == 1
    assert findings(report, "rule", "action", "path") == [
        ("overlap.file", "block", "src/common/conf.py"),
        ("scope.shared", "ask", "src/common/conf.py"),
    ]


def test_the_policy_on_the_branch_does_not_change_its_rules(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    # Turning gate.deletion off on the branch itself does nothing (DESIGN §2).
    on_branch(repo, "agent/alice/x", rm=("src/billing/invoice.py",),
              files={".agentgate.toml": POLICY + '\n[rules]\n"gate.deletion" = "off"\n"gate.policy" = "off"\n'})
    code, report = check_json(repo.path, "agent/alice/x")
    assert code == 1
    assert findings(report, "rule", "action", "path") == [
        ("gate.policy", "block", ".agentgate.toml"),
        ("scope.outside", "block", ".agentgate.toml"),
        ("gate.deletion", "ask", "src/billing/invoice.py"),
    ]


# -- where it runs from --------------------------------------------------------------------------


def test_check_from_a_linked_worktree_takes_its_branch(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"src/ui/app.py": "x = 1\n"})
    repo.git("worktree", "add", "-q", str(tmp_path / "alice"), "agent/alice/x")
    code, report = check_json(tmp_path / "alice" / "src")
    assert code == 1
    assert report["branches"][0]["ref"] == "refs/heads/agent/alice/x"
    assert findings(report) == [("scope.outside", "block", "src/ui/app.py", BOB)]
    # Its change-set cache lives in the main repository's git directory.
    assert list((repo.path / ".git" / "agentgate" / "cs").glob("*/*.json"))


def test_the_current_branch_is_the_default(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"src/billing/new.py": "n = 1\n"})
    repo.checkout("agent/alice/x")
    code, report = check_json(repo.path)
    assert (code, report["branches"][0]["ref"]) == (0, "refs/heads/agent/alice/x")


def test_the_second_run_reads_the_cached_change_set(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    head = on_branch(repo, "agent/alice/x", files={"src/ui/app.py": "x = 1\n"})
    base = repo.rev("main")
    _, first = check_json(repo.path, "agent/alice/x")
    cached = repo.path / ".git" / "agentgate" / "cs" / head[:2] / f"{head}-{base}.json"
    assert json.loads(cached.read_text())["head"] == head
    # Point the cached entry at another path: the second run must report it.
    data = json.loads(cached.read_text())
    data["files"][0][1] = data["files"][0][2] = "src/ui/from-cache.py"
    cached.write_text(json.dumps(data))
    _, second = check_json(repo.path, "agent/alice/x")
    assert findings(first, "path") == [("src/ui/app.py",)]
    assert findings(second, "path") == [("src/ui/from-cache.py",)]


def test_two_checks_at_once_both_succeed_and_leave_a_valid_cache(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    files: dict[str, str | bytes] = {f"src/billing/m{i}.py": f"v = {i}\n" for i in range(200)}
    files["src/ui/app.py"] = "x = 1\n"
    head = on_branch(repo, "agent/alice/x", files=files)
    cmd = [sys.executable, "-m", "gate", "check", "agent/alice/x", "--format", "json"]
    procs = [subprocess.Popen(cmd, cwd=repo.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], outs
    reports = [json.loads(out) for out, _ in outs]
    assert [findings(r) for r in reports] == [[("scope.outside", "block", "src/ui/app.py", BOB)]] * 2
    (cached,) = (repo.path / ".git" / "agentgate" / "cs" / head[:2]).glob("*.json")
    assert len(json.loads(cached.read_text())["files"]) == 201
