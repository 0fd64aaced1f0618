"""Kept verdicts (``gate.memo``): a replay says exactly what the run said, without
pygit2, and anything the verdict depends on that moves makes a fresh run.

Commands run as real processes (``python -m gate``), since the memo lives on the
entry path that the in-process click runner skips.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gate import memo
from gate.report import FORMATS
from tests.gitutil import POLICY, Repo, on_branch, seeded_repo
from tests.servers import Server, alice_branch

ROOT = Path(__file__).resolve().parent.parent
# The policy after an approver gives the ui to alice.
UI_TO_ALICE = POLICY.replace('owns = ["src/billing/", "tests/billing/"]',
                             'owns = ["src/billing/", "tests/billing/", "src/ui/"]').replace(
    'owns = ["src/ui/**"]', 'owns = ["src/web/**"]')
OUTSIDE = {"src/ui/app.py": "def render():\n    return 'alice was here'\n"}


def gate(cwd: Path, *args: str, env: dict[str, str] | None = None,
         python: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, *python, "-m", "gate", *args], cwd=cwd, env=e,
                          capture_output=True, text=True, check=False)


def kept(git_dir: Path) -> list[Path]:
    folder = git_dir / "agentgate" / "memo"
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def imported(stderr: str) -> set[str]:
    """Top-level modules named by ``python -X importtime``."""
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def comparable(fmt: str, text: str) -> str:
    if fmt == "json":
        data = json.loads(text)
        data.pop("elapsed_ms")
        return json.dumps(data, sort_keys=True)
    return text


@pytest.fixture
def gated(tmp_path: Path) -> Repo:
    """Alice reaches into bob's files and edits a shared one: a block and an ask."""
    r = seeded_repo(tmp_path / "repo")
    on_branch(r, "agent/alice/x", files={**OUTSIDE, "src/common/util.py": "def helper():\n    return 2\n",
                                         "src/billing/invoice.py": "def total(items):\n    return 0\n"})
    on_branch(r, "agent/bob/y", files={"src/ui/app.py": "def render():\n    return 'bob'\n"})
    return r


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_repeated_check_replays_the_same_report(gated: Repo, fmt: str) -> None:
    first = gate(gated.path, "check", "agent/alice/x", "--format", fmt)
    assert first.returncode == 1, first.stderr
    assert len(kept(gated.path / ".git")) == 1
    again = gate(gated.path, "check", "agent/alice/x", "--format", fmt, python=("-X", "importtime"))
    assert again.returncode == first.returncode
    assert comparable(fmt, again.stdout) == comparable(fmt, first.stdout)
    assert "pygit2" not in imported(again.stderr)  # it was a replay


def test_the_replay_path_imports_neither_pygit2_nor_click(gated: Repo) -> None:
    fresh = gate(gated.path, "check", "agent/alice/x", python=("-X", "importtime"))
    assert {"pygit2", "click"} <= imported(fresh.stderr)
    replay = gate(gated.path, "check", "agent/alice/x", python=("-X", "importtime"))
    assert not {"pygit2", "click"} & imported(replay.stderr)
    assert replay.returncode == fresh.returncode == 1


def test_status_replays_the_board(gated: Repo) -> None:
    first = gate(gated.path, "status", "--format", "json")
    again = gate(gated.path, "status", "--format", "json", python=("-X", "importtime"))
    assert "pygit2" not in imported(again.stderr)
    assert comparable("json", again.stdout) == comparable("json", first.stdout)
    text = gate(gated.path, "status")
    assert gate(gated.path, "status").stdout == text.stdout
    assert "agent/alice/x" in text.stdout


def test_a_branch_that_moves_elsewhere_is_a_fresh_run(gated: Repo) -> None:
    before = json.loads(gate(gated.path, "check", "agent/bob/y", "--format", "json").stdout)
    assert [f["rule"] for f in before["branches"][0]["findings"]] == ["overlap.conflict"]
    # Another agent's branch (not the one checked) moves: alice gives bob's file back.
    gated.checkout("agent/alice/x")
    gated.commit("leave the ui alone", {"src/ui/app.py": "def render():\n    return 'ui'\n"})
    gated.checkout("main")
    after = json.loads(gate(gated.path, "check", "agent/bob/y", "--format", "json").stdout)
    assert after["branches"][0]["findings"] == []
    assert len(kept(gated.path / ".git")) == 2


def test_a_policy_change_on_the_target_is_a_fresh_run(gated: Repo) -> None:
    assert gate(gated.path, "check", "agent/alice/x").returncode == 1
    gated.commit("alice owns the ui too", {".agentgate.toml": UI_TO_ALICE})
    again = gate(gated.path, "check", "agent/alice/x")
    assert "scope.outside" not in again.stdout
    assert again.returncode != 1


def test_another_environment_or_command_line_is_another_question(gated: Repo) -> None:
    assert gate(gated.path, "check", "agent/alice/x").returncode == 1
    assert gate(gated.path, "check", "agent/alice/x", env={"NO_COLOR": "1"}).returncode == 1
    assert gate(gated.path, "check", "agent/bob/y").returncode == 0
    assert len(kept(gated.path / ".git")) == 3


def test_no_memo_is_kept_or_read_when_turned_off(gated: Repo) -> None:
    off = {"AGENTGATE_NO_MEMO": "1"}
    first = gate(gated.path, "check", "agent/alice/x", env=off)
    again = gate(gated.path, "check", "agent/alice/x", env=off, python=("-X", "importtime"))
    assert kept(gated.path / ".git") == []
    assert "pygit2" in imported(again.stderr)
    assert again.stdout == first.stdout


def test_a_damaged_memo_is_computed_afresh(gated: Repo) -> None:
    first = gate(gated.path, "check", "agent/alice/x", "--format", "json")
    (path,) = kept(gated.path / ".git")
    for damage in ("{not json", json.dumps({"version": memo.VERSION, "kind": "check", "report": {"x": 1}})):
        path.write_text(damage)
        again = gate(gated.path, "check", "agent/alice/x", "--format", "json")
        assert again.returncode == first.returncode, again.stderr
        assert comparable("json", again.stdout) == comparable("json", first.stdout)
        assert json.loads(path.read_text())["kind"] == "check"  # rewritten whole


def test_check_with_tests_keeps_nothing(tmp_path: Path) -> None:
    r = seeded_repo(tmp_path / "repo", POLICY + '\n[tests]\ncommand = "true"\n')
    on_branch(r, "agent/bob/y", files={"src/ui/app.py": "def render():\n    return 'bob'\n"})
    for _ in range(2):
        tested = gate(r.path, "check", "agent/bob/y", "--tests")
        assert tested.returncode == 0, tested.stderr
        assert "passed" in tested.stdout + tested.stderr
    assert kept(r.path / ".git") == []


def test_each_worktree_asks_about_its_own_head(gated: Repo, tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    gated.git("worktree", "add", "-q", str(wt), "agent/alice/x")
    alice = gate(wt, "check", "--format", "json")
    assert json.loads(alice.stdout)["branches"][0]["ref"] == "refs/heads/agent/alice/x"
    for _ in range(4):  # each process hashes strings with its own seed: the key must not care
        again = gate(wt, "check", "--format", "json", python=("-X", "importtime"))
        assert "pygit2" not in imported(again.stderr)
    subprocess.run(["git", "switch", "-q", "agent/bob/y"], cwd=wt, check=True)
    bob = gate(wt, "check", "--format", "json")
    assert json.loads(bob.stdout)["branches"][0]["ref"] == "refs/heads/agent/bob/y"
    assert len(kept(gated.path / ".git")) == 2


# -- the key, in this process ---------------------------------------------------------


def test_the_key_follows_every_input(gated: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(gated.path)
    env = dict(os.environ)

    def key(args: tuple[str, ...] = ("check",), stdin: str | None = None, e: dict[str, str] | None = None) -> str:
        p = memo.probe("check", args, stdin=stdin, env=e or env)
        assert p is not None
        return p.key

    seen = {key()}

    def fresh(k: str) -> None:
        assert k not in seen
        seen.add(k)

    fresh(key(("check", "agent/bob/y")))
    fresh(key(stdin="x y z\n"))
    fresh(key(e={**env, "AGENTGATE_USER": "alice-bot"}))
    gated.git("update-ref", "refs/agentgate/approvals", gated.rev("main"))
    fresh(key())
    gated.git("pack-refs", "--all")
    fresh(key())
    gated.git("config", "agentgate.target", "main")
    fresh(key())
    gated.git("checkout", "-q", "agent/bob/y")
    fresh(key())
    tests = gated.path / ".git" / "agentgate" / "tests"
    tests.mkdir(parents=True)
    (tests / "x.json").write_text("{}")
    fresh(key())
    # Values that differ on every push and say nothing about the answer.
    assert key(e={**env, "GIT_QUARANTINE_PATH": "/q/1", "SSH_CLIENT": "1 2 3"}) == key()


def test_keep_refuses_a_result_when_a_ref_moved_during_the_run(gated: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(gated.path)
    p = memo.probe("check", ("check",))
    gated.git("branch", "agent/bob/z")
    assert not memo.keep(p, {"report": {}}, gated.path / ".git")
    assert memo.recall(p) is None
    p = memo.probe("check", ("check",))
    assert not memo.keep(p, {"report": {}}, gated.path / "elsewhere")
    assert memo.keep(p, {"report": {}}, gated.path / ".git")
    assert memo.recall(p) == {"version": memo.VERSION, "kind": "check", "report": {}}


def test_the_folder_is_pruned_to_the_newest(gated: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(gated.path)
    monkeypatch.setattr(memo, "KEEP", 3)
    monkeypatch.setattr(memo, "_PRUNE_AT", 6)
    for i in range(7):
        assert memo.keep(memo.probe("check", (str(i),)), {"report": {}}, gated.path / ".git")
    assert 3 <= len(kept(gated.path / ".git")) <= 6
    assert memo.recall(memo.probe("check", ("6",))) is not None


def test_no_memo_where_refs_cannot_be_read_plainly(tmp_path: Path) -> None:
    r = seeded_repo(tmp_path / "repo")
    assert memo.locate({}, str(r.path / "src")) == (str((r.path / ".git").resolve()),) * 2
    (r.path / ".git" / "reftable").mkdir()
    assert memo.locate({}, str(r.path)) is None
    assert memo.locate({"GIT_COMMON_DIR": str(r.path / ".git")}, str(r.path)) is None
    assert memo.locate({}, str(tmp_path)) is None


# -- the server hook ------------------------------------------------------------------


def test_a_repeated_push_is_answered_from_the_memo_until_the_server_moves(server: Server) -> None:
    alice_branch(server.work, OUTSIDE)
    first = server.push("agent/alice/x", user="alice-bot")
    assert first.rc == 1
    assert len(kept(server.bare)) == 1
    again = server.push("agent/alice/x", user="alice-bot")
    assert (again.rc, again.remote) == (first.rc, first.remote)
    assert len(kept(server.bare)) == 1  # the same question: replayed, nothing new kept
    # An approver gives alice the ui: the same push is now judged afresh, and accepted.
    server.work.commit("alice owns the ui", {".agentgate.toml": UI_TO_ALICE})
    assert server.push("main", user="lead").rc == 0
    accepted = server.push("agent/alice/x", user="alice-bot")
    assert accepted.rc == 0, accepted.remote
    assert accepted.remote == ["agentgate: agent/alice/x: allow"]


def test_another_pusher_is_another_question(server: Server) -> None:
    alice_branch(server.work, OUTSIDE)
    assert server.push("agent/alice/x", user="alice-bot").rc == 1
    other = server.push("agent/alice/x", user="bob-bot")
    assert other.rc == 1
    assert len(kept(server.bare)) == 2


def test_a_report_naming_a_non_utf8_path_replays_exactly(tmp_path: Path) -> None:
    r = seeded_repo(tmp_path / "repo")
    name = os.fsdecode(b"src/ui/caf\xe9.py")
    on_branch(r, "agent/alice/x", files={name: "x = 1\n"})
    first = gate(r.path, "check", "agent/alice/x", "--format", "json")
    assert "caf\\\\xe9.py" in first.stdout and first.returncode == 1
    again = gate(r.path, "check", "agent/alice/x", "--format", "json", python=("-X", "importtime"))
    assert "pygit2" not in imported(again.stderr)
    assert comparable("json", again.stdout) == comparable("json", first.stdout)
