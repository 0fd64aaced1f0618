"""Bad input gets one clear message and a documented exit code, never a traceback.

Exit codes: 2 when the command line is wrong (fix the arguments), 4 when
agentgate cannot run here (fix the repository or the policy). ``agentgate()``
fails a test on any traceback or "internal error".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gitutil import POLICY, Repo, agentgate, check_json, findings, git, on_branch, seeded_repo

BAD_POLICIES = [
    pytest.param('version = 1\n[gate]\ntarget = "main\n',
                 ".agentgate.toml:3: invalid TOML: Illegal character '\\n' (column 15). Fix the syntax and "
                 "commit it to the target branch.", id="malformed-toml"),
    pytest.param(POLICY + "\n[limits]\nmax_files = 3\n",
                 ".agentgate.toml:21: unknown key 'max_files' in [limits]. Allowed here: hook_seconds, max_behind, "
                 "max_file_bytes", id="unknown-key"),
    pytest.param(POLICY + "\n[agents.carol]\nowns = ['docs/']\n",
                 ".agentgate.toml:20: agent 'carol' has no 'branches'. Add branches = [\"agent/carol/*\"] under "
                 "[agents.carol]", id="agent-without-branches"),
    pytest.param(POLICY + "\n[agents.carol]\nbranches = ['agent/carol/*']\nowns = ['src/ui/**']\n",
                 ".agentgate.toml:22: pattern 'src/ui/**' is owned by both 'bob' and 'carol'. Give each pattern "
                 "to one agent; shared paths go under [shared] paths", id="two-agents-same-pattern"),
    pytest.param(POLICY.replace('approvers = ["lead@example.com", "lead"]', 'approvers = ["lead", "bob-bot"]'),
                 ".agentgate.toml:5: 'bob-bot' is an identity of agent 'bob' and an approver. Agents can never "
                 "approve: remove it from approvers or from the agent's identities", id="agent-among-approvers"),
    pytest.param(POLICY + '\n[rules]\n"gate.deletion" = "ask"\n"gate.delete" = "ask"\n',
                 ".agentgate.toml:22: unknown rule id 'gate.delete'. See the rules table in the README for valid "
                 "ids", id="unknown-rule"),
    pytest.param(POLICY + '\n[rules]\n"gate.deletion" = "maybe"\n',
                 ".agentgate.toml:21: unknown action 'maybe' for gate.deletion. Use \"off\", \"warn\", \"ask\" or "
                 "\"block\"", id="unknown-action"),
]


@pytest.mark.parametrize(("policy", "message"), BAD_POLICIES)
def test_a_bad_policy_on_the_target_names_file_and_line(tmp_path: Path, policy: str, message: str) -> None:
    repo = seeded_repo(tmp_path / "r", policy)
    on_branch(repo, "agent/alice/x", files={"src/billing/a.py": "a = 1\n"})
    assert agentgate(repo.path, "check", "agent/alice/x") == (4, "", f"agentgate: {message}\n")


def test_the_line_named_is_the_line_of_the_mistake() -> None:
    # The line numbers expected above, checked against the policy text itself.
    for param in BAD_POLICIES:
        policy, message = param.values
        assert isinstance(policy, str) and isinstance(message, str)
        line = policy.splitlines()[int(message.split(":")[1]) - 1]
        token = {"malformed-toml": 'target = "main', "unknown-key": "max_files", "agent-without-branches":
                 "[agents.carol]", "two-agents-same-pattern": "owns = ['src/ui/**']", "agent-among-approvers":
                 "approvers", "unknown-rule": '"gate.delete"', "unknown-action": '"gate.deletion" = "maybe"'}
        assert token[str(param.id)] in line, (param.id, line)


def test_a_policy_that_is_not_utf8(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r", POLICY)
    repo.commit("latin-1 policy", {".agentgate.toml": POLICY.encode() + b"# caf\xe9\n"})
    on_branch(repo, "agent/alice/x", files={"src/billing/a.py": "a = 1\n"})
    assert agentgate(repo.path, "check", "agent/alice/x") == (
        4, "", "agentgate: .agentgate.toml: not UTF-8 text. Save it as UTF-8.\n")


def test_a_repository_without_a_policy_says_how_to_start(tmp_path: Path) -> None:
    repo = Repo.init(tmp_path / "r")
    repo.commit("initial", {"a.txt": "a\n"})
    on_branch(repo, "agent/alice/x", files={"b.txt": "b\n"})
    assert agentgate(repo.path, "check", "agent/alice/x") == (4, "", (
        "agentgate: no .agentgate.toml on main, so there are no agents. Start one with "
        "'agentgate init', review it, and commit it to the target branch.\n"))


def test_an_unknown_target(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"src/billing/a.py": "a = 1\n"})
    assert agentgate(repo.path, "check", "agent/alice/x", "--target", "nope") == (4, "", (
        "agentgate: --target nope: there is no branch of that name here. Pass an existing branch "
        "('git branch -a' lists them), or fetch it ('git fetch origin').\n"))
    assert agentgate(repo.path, "check", "agent/alice/x", "--target", "mian") == (4, "", (
        "agentgate: --target mian: there is no branch of that name here. Did you mean main? Pass an existing "
        "branch ('git branch -a' lists them), or fetch it ('git fetch origin').\n"))


def test_an_unknown_target_in_git_config_cannot_run(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"src/billing/a.py": "a = 1\n"})
    repo.git("config", "agentgate.target", "trunk")
    assert agentgate(repo.path, "check", "agent/alice/x") == (4, "", (
        "agentgate: the target branch 'trunk' (git config agentgate.target) does not exist here. "
        "Fix the setting, or fetch the branch ('git fetch origin').\n"))


def test_an_unknown_branch(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    assert agentgate(repo.path, "check", "agent/alice/nope") == (4, "", (
        "agentgate: no branch named 'agent/alice/nope' here. List branches with 'git branch -a'; "
        "fetch remote ones with 'git fetch origin'.\n"))


def test_checking_the_target_itself_is_a_usage_error(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    assert agentgate(repo.path, "check") == (
        2, "", "agentgate: main is the target branch; check an agent branch against it.\n")


def test_a_fresh_branch_at_the_target_commit_changes_nothing(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    repo.git("branch", "agent/alice/new")
    code, report = check_json(repo.path, "agent/alice/new")
    assert (code, report["verdict"], findings(report)) == (0, "allow", [])


def test_a_detached_head_needs_a_branch_argument(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"src/billing/a.py": "a = 1\n"})
    repo.git("checkout", "-q", "--detach", "agent/alice/x")
    assert agentgate(repo.path, "check") == (
        2, "", "agentgate: HEAD is detached: name the branch to check (agentgate check BRANCH) or use --all.\n")
    assert check_json(repo.path, "agent/alice/x")[0] == 0


def test_a_shallow_clone_says_how_to_fetch_the_history(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"src/billing/a.py": "a = 1\n"})
    repo.commit("main moves on", {"README.md": "more\n"})  # the fork point is no tip any more
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{repo.path}", "shallow")
    assert agentgate(tmp_path / "shallow", "check", "agent/alice/x") == (4, "", (
        "agentgate: the clone is shallow, so the branch's merge-base with the target is missing. Fetch the "
        "history: 'git fetch --unshallow' (in GitHub Actions: actions/checkout with fetch-depth: 0).\n"))


def test_an_empty_repository(tmp_path: Path) -> None:
    repo = Repo.init(tmp_path / "r")
    assert agentgate(repo.path, "check") == (4, "", (
        "agentgate: the repository has no commits yet. Commit something to the target branch (main), add "
        ".agentgate.toml there ('agentgate init'), then run agentgate again.\n"))


def test_an_empty_repository_on_another_default_branch(tmp_path: Path) -> None:
    (tmp_path / "r").mkdir()
    git(tmp_path / "r", "init", "-q", "-b", "trunk")
    assert agentgate(tmp_path / "r", "check")[2].startswith("agentgate: the repository has no commits yet.")


def test_not_a_repository(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    code, out, err = agentgate(tmp_path / "plain", "check")
    assert (code, out) == (4, "")
    assert err.endswith("is not inside a git repository. Run agentgate from a checkout, or pass --repo PATH.\n")


def test_a_branch_without_common_history(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    repo.git("checkout", "-q", "--orphan", "agent/alice/orphan")
    repo.commit("unrelated", {"src/billing/o.py": "o = 1\n"})
    repo.checkout("main")
    assert agentgate(repo.path, "check", "agent/alice/orphan") == (4, "", (
        "agentgate: agent/alice/orphan has no common history with main (no merge-base: an orphan branch, or "
        "another repository's history). Rebase it onto main, or check it against another --target.\n"))


def test_binary_and_non_utf8_contents_are_gated_not_crashed_on(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={
        "src/billing/logo.png": b"\x89PNG\r\n\x1a\n\0\0" + os.urandom(4000),
        "src/billing/legacy.txt": "caf\xe9 cr\xe8me\n".encode("latin-1") * 50,
        "src/billing/long-line.txt": "x" * 200_000 + "\n",
    })
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, findings(report)) == (0, [])


def test_submodules_added_and_removed(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    # A gitlink to a commit this repository does not even have.
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{'ab' * 20},src/billing/vendor")
    repo.git("commit", "-qm", "vendor")
    on_branch(repo, "agent/alice/x", rm=("src/billing/vendor",))
    repo.branch("agent/alice/y")
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{'cd' * 20},src/billing/other")
    repo.git("commit", "-qm", "another")
    repo.checkout("main")
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, findings(report, "rule", "action", "path", "message")) == (3, [
        ("gate.submodule", "ask", "src/billing/vendor", "submodule src/billing/vendor is removed")])
    code, report = check_json(repo.path, "agent/alice/y")
    assert (code, findings(report, "rule", "path")) == (3, [("gate.submodule", "src/billing/other")])


def _latin1_branch(tmp_path: Path) -> Repo:
    repo = seeded_repo(tmp_path / "r")
    repo.branch("agent/alice/x")
    name = os.fsdecode(b"src/billing/caf\xe9.py")
    repo.write(name, "password = 'hunter2hunter2'\n")
    repo.commit("a Latin-1 file name")
    repo.checkout("main")
    return repo


def test_a_non_utf8_path_reaches_the_json_report_as_valid_unicode_with_its_bytes(tmp_path: Path) -> None:
    repo = _latin1_branch(tmp_path)
    code, report = check_json(repo.path, "agent/alice/x")
    assert code == 1
    assert findings(report, "rule", "path", "path_bytes") == [
        ("gate.secret", "src/billing/caf\\xe9.py", b"src/billing/caf\xe9.py".hex())]
    # Every string is valid Unicode: no lone surrogate, in the message neither.
    json.dumps(report, ensure_ascii=False).encode("utf-8")


def test_a_utf8_path_has_no_path_bytes(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"src/billing/café.py": "password = 'hunter2hunter2'\n"})
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, findings(report, "rule", "path")) == (1, [("gate.secret", "src/billing/café.py")])
    assert "path_bytes" not in report["branches"][0]["findings"][0]


def test_a_non_utf8_path_in_a_real_process_and_every_format(tmp_path: Path) -> None:
    repo = _latin1_branch(tmp_path)
    for fmt in ("text", "json"):
        proc = subprocess.run([sys.executable, "-m", "gate", "check", "agent/alice/x", "--format", fmt],
                              cwd=repo.path, capture_output=True, check=False)
        assert (proc.returncode, proc.stderr) == (1, b""), proc.stderr
        if fmt == "json":
            # Strict UTF-8 and strict JSON: a lone surrogate escape would fail both.
            assert b"\\ud" not in proc.stdout
            finding = json.loads(proc.stdout)["branches"][0]["findings"][0]
            assert (finding["path"], finding["path_bytes"]) == (
                "src/billing/caf\\xe9.py", "7372632f62696c6c696e672f636166e92e7079")
        else:
            assert b"src/billing/caf\\xe9.py:1" in proc.stdout
