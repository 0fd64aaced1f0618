"""Local hooks, through the shims and real git: ``pre-push`` stops bad pushes before
anything leaves, ``pre-merge-commit`` checks the branch merged into the target,
``commit-msg`` adds the ``Agent:`` trailer in agent worktrees. All advisory."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gate.commands import hooks as hooks_cmd
from gate.hooks.local import ABORT, ADVISORY
from tests.gitutil import Repo, git, seeded_repo

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = ("agentgate: agent/alice/x: BLOCK scope.outside src/ui/app.py  src/ui/app.py is owned by bob "
           "(pattern src/ui/**), not by alice")
MIGRATION = "src/billing/migrations/001.sql"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """A working repository with the local hooks, pushing to a bare remote without any."""
    prog = tmp_path / "agentgate"
    prog.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gate "$@"\n')
    prog.chmod(0o755)
    monkeypatch.setenv("AGENTGATE", str(prog))
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    r = seeded_repo(tmp_path / "work")
    Repo.init(tmp_path / "remote.git", bare=True)
    r.git("remote", "add", "origin", (tmp_path / "remote.git").as_uri())
    r.git("push", "-q", "origin", "main")
    hooks_cmd.install(r.path, server=False, out=io.StringIO())
    return r


def run(repo: Repo | Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    """Run git; return its exit code and agentgate's lines on stderr."""
    e = dict(os.environ)
    e.update(env or {})
    path = repo.path if isinstance(repo, Repo) else repo
    proc = subprocess.run(["git", *args], cwd=path, env=e, capture_output=True, text=True, check=False)
    return proc.returncode, [ln for ln in proc.stderr.splitlines() if ln.startswith("agentgate: ")]


def remote_has(work: Repo, ref: str) -> bool:
    return bool(git(work.path.parent / "remote.git", "rev-parse", "--verify", "-q", ref, check=False).strip())


def alice(work: Repo, files: dict[str, str | bytes], name: str = "agent/alice/x") -> None:
    work.branch(name)
    work.commit("alice's work", files)
    work.checkout("main")


# -- pre-push ------------------------------------------------------------------------------------


def test_pre_push_stops_an_out_of_scope_push_before_anything_leaves(work: Repo) -> None:
    alice(work, {"src/ui/app.py": "x = 1\n"})
    rc, lines = run(work, "push", "origin", "agent/alice/x")
    assert rc == 1
    assert lines == [
        OUTSIDE,
        "agentgate: agent/alice/x: block: refused",
        "agentgate: push refused; see more: agentgate check agent/alice/x",
        "agentgate: " + ADVISORY,
    ]
    assert not remote_has(work, "agent/alice/x")
    # Advisory: --no-verify skips it (the server's pre-receive is what enforces).
    assert run(work, "push", "-q", "--no-verify", "origin", "agent/alice/x") == (0, [])
    assert remote_has(work, "agent/alice/x")


def test_pre_push_under_the_pre_commit_framework_reads_its_variables(work: Repo) -> None:
    # pre-commit runs pre-push hooks with no stdin and PRE_COMMIT_* variables instead.
    alice(work, {"src/ui/app.py": "x = 1\n"})
    head = work.rev("agent/alice/x")
    env = {**os.environ, "PRE_COMMIT_TO_REF": head, "PRE_COMMIT_FROM_REF": "0" * 40,
           "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/agent/alice/x",
           "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/agent/alice/x", "PRE_COMMIT_REMOTE_NAME": "origin"}
    proc = subprocess.run([sys.executable, "-m", "gate", "hook", "pre-push"], cwd=work.path, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert OUTSIDE in proc.stderr.splitlines()


def test_pre_push_lets_in_scope_work_through(work: Repo) -> None:
    alice(work, {"src/billing/invoice.py": "x = 2\n"})
    assert run(work, "push", "-q", "origin", "agent/alice/x") == (0, ["agentgate: agent/alice/x: allow"])
    assert remote_has(work, "agent/alice/x")


def test_pre_push_stops_main_bringing_in_an_unapproved_migration(work: Repo) -> None:
    alice(work, {MIGRATION: "create table t (id int);\n"})
    # --no-verify: past pre-merge-commit, which would stop this merge already.
    work.git("merge", "-q", "--no-verify", "--no-ff", "-m", "Merge branch 'agent/alice/x'", "agent/alice/x")
    rc, lines = run(work, "push", "origin", "main")
    assert rc == 1
    assert lines == [
        f"agentgate: main <- agent/alice/x: ASK gate.migration {MIGRATION}  {MIGRATION} is a migration "
        "(pattern **/migrations/**): added",
        "agentgate: main: ask: refused until an approver approves",
        "agentgate: push refused; see more: agentgate check agent/alice/x",
        "agentgate: to let it in, an approver runs: agentgate approve agent/alice/x && git push origin "
        "refs/agentgate/approvals; then push again",
        "agentgate: " + ADVISORY,
    ]
    # The approver's own push approves its own asks.
    rc, lines = run(work, "push", "-q", "origin", "main", env={"AGENTGATE_USER": "lead"})
    assert rc == 0
    assert lines[-2:] == ["agentgate: main: allow", "agentgate: " + ADVISORY]


def test_pre_push_in_an_agent_worktree_stops_pushes_outside_its_branches(work: Repo) -> None:
    work.git("config", "agentgate.agent", "alice")
    alice(work, {"src/ui/app.py": "x = 3\n"}, name="agent/bob/x")
    rc, lines = run(work, "push", "origin", "agent/bob/x")
    assert rc == 1
    assert lines[0] == ("agentgate: agent/bob/x: BLOCK ref.namespace  agent alice (test@example.com) may push only "
                        "its own branches (agent/alice/*), not agent/bob/x")


# -- pre-merge-commit --------------------------------------------------------------------------------


def test_pre_merge_commit_refuses_merging_out_of_scope_work_into_main(work: Repo) -> None:
    alice(work, {"src/ui/app.py": "x = 4\n"})
    before = work.rev("main")
    rc, lines = run(work, "merge", "--no-ff", "-m", "merge it", "agent/alice/x")
    assert rc != 0
    assert lines == [
        OUTSIDE,
        "agentgate: agent/alice/x: block: refused",
        "agentgate: merge refused; see more: agentgate check agent/alice/x",
        "agentgate: " + ABORT,
        "agentgate: " + ADVISORY,
    ]
    assert work.rev("main") == before
    work.git("merge", "--abort")


def test_a_refused_merge_cannot_be_finished_with_git_commit(work: Repo) -> None:
    alice(work, {"src/ui/app.py": "x = 4\n"})
    before = work.rev("main")
    assert run(work, "merge", "--no-ff", "-m", "merge it", "agent/alice/x")[0] != 0
    # git says "use 'git commit' to complete the merge": commit-msg judges it again.
    rc, lines = run(work, "commit", "--no-edit")
    assert rc != 0
    assert lines == [
        OUTSIDE,
        "agentgate: agent/alice/x: block: refused",
        "agentgate: commit refused; see more: agentgate check agent/alice/x",
        "agentgate: " + ABORT,
        "agentgate: " + ADVISORY,
    ]
    assert work.rev("main") == before
    assert work.git("rev-parse", "-q", "--verify", "MERGE_HEAD").strip() == work.rev("agent/alice/x")
    work.git("merge", "--abort")
    assert work.rev("main") == before


def test_an_unapproved_migration_merge_is_refused_at_commit_unless_an_approver_commits(work: Repo) -> None:
    alice(work, {MIGRATION: "create table t (id int);\n"})
    before = work.rev("main")
    assert run(work, "merge", "--no-ff", "-m", "merge it", "agent/alice/x")[0] != 0
    rc, lines = run(work, "commit", "--no-edit")
    assert rc != 0 and lines[1] == "agentgate: agent/alice/x: ask: refused until an approver approves"
    assert work.rev("main") == before
    # The approver's own commit approves its own asks, as the approver's push does.
    rc, lines = run(work, "commit", "-q", "--no-edit", env={"AGENTGATE_USER": "lead"})
    assert rc == 0
    assert work.git("rev-parse", "main^2").strip() == work.rev("agent/alice/x")


def test_a_human_resolving_a_conflict_can_finish_the_merge(work: Repo) -> None:
    alice(work, {"src/billing/invoice.py": "x = 'alice'\n"})
    work.commit("the lead edits the same line", {"src/billing/invoice.py": "x = 'lead'\n"})
    rc, _ = run(work, "merge", "-m", "merge it", "agent/alice/x")
    assert rc != 0  # a conflict: git stops before pre-merge-commit
    (work.path / "src/billing/invoice.py").write_text("x = 'both'\n")
    work.git("add", "src/billing/invoice.py")
    rc, lines = run(work, "commit", "-q", "--no-edit")
    assert (rc, lines) == (0, ["agentgate: agent/alice/x: allow"])
    assert work.git("rev-parse", "main^2").strip() == work.rev("agent/alice/x")


def test_pre_merge_commit_lets_clean_work_in(work: Repo) -> None:
    alice(work, {"src/billing/invoice.py": "x = 5\n"})
    assert run(work, "merge", "-q", "--no-ff", "-m", "merge it", "agent/alice/x") == (
        0, ["agentgate: agent/alice/x: allow"])
    assert work.git("rev-list", "--count", "--merges", "main").strip() == "1"


def test_git_skips_pre_merge_commit_on_a_fast_forward(work: Repo) -> None:
    # Why local hooks are only early warnings: nothing runs here.
    alice(work, {"src/ui/app.py": "x = 6\n"})
    assert run(work, "merge", "-q", "--ff-only", "agent/alice/x") == (0, [])


def test_pre_merge_commit_is_silent_outside_the_target(work: Repo) -> None:
    alice(work, {"src/ui/app.py": "x = 7\n"})
    work.branch("feature/y")
    assert run(work, "merge", "-q", "--no-ff", "-m", "merge it", "agent/alice/x") == (0, [])


# -- commit-msg ---------------------------------------------------------------------------------------


def _message(repo: Repo | Path, rev: str = "HEAD") -> str:
    return git(repo.path if isinstance(repo, Repo) else repo, "log", "-1", "--format=%B", rev)


def test_commit_msg_adds_the_agent_trailer_in_an_agent_worktree_only(work: Repo, tmp_path: Path) -> None:
    work.git("config", "extensions.worktreeConfig", "true")
    wt = tmp_path / "alice-wt"
    work.git("worktree", "add", "-q", "-b", "agent/alice/y", str(wt))
    git(wt, "config", "--worktree", "agentgate.agent", "alice")
    (wt / "src/billing/new.py").write_text("n = 1\n")
    git(wt, "add", "-A")
    git(wt, "commit", "-q", "-m", "add new\n\nbody text")
    assert _message(wt) == "add new\n\nbody text\n\nAgent: alice\n\n"
    # An existing trailer is never duplicated.
    git(wt, "commit", "-q", "--allow-empty", "-m", "again\n\nAgent: alice")
    assert _message(wt) == "again\n\nAgent: alice\n\n"
    # The main worktree belongs to no agent.
    work.commit("a human's commit", {"README.md": "human\n"})
    assert _message(work) == "a human's commit\n\n"


def test_agent_trailer_attributes_the_commit_on_the_server_side_too(work: Repo, tmp_path: Path) -> None:
    work.git("config", "agentgate.agent", "alice")
    work.commit("alice touches ui", {"src/ui/app.py": "x = 8\n"})
    assert _message(work).endswith("Agent: alice\n\n")
    work.git("config", "--unset", "agentgate.agent")
    # Pushed to main (rebased agent work): judged as alice's by its trailer.
    rc, lines = run(work, "push", "origin", "main", env={"AGENTGATE_USER": "dev"})
    assert rc == 1
    head = work.rev("main")[:9]
    assert lines[0] == (f"agentgate: main <- {head} as alice (Agent: trailer): BLOCK scope.outside src/ui/app.py  "
                        "src/ui/app.py is owned "
                        "by bob (pattern src/ui/**), not by alice")


def test_an_unknown_hook_is_a_usage_error(work: Repo) -> None:
    proc = subprocess.run([sys.executable, "-m", "gate", "hook", "post-nothing"], cwd=work.path,
                          capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stderr) == (2, "agentgate: agentgate has no 'post-nothing' hook. Hooks: pre-receive, "
                                                 "update, pre-push, pre-merge-commit, commit-msg.\n")
