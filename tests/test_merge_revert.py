"""merge and revert: gated merge commits into a checked-out target, and exact undo."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import gate
from tests.gitutil import Repo, Run, git


def subprocess_gate(
    *args: str, cwd: Path, stdin: int | None = subprocess.DEVNULL, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ, PYTHONPATH=str(Path(gate.__file__).parents[1]), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "gate", *args], cwd=cwd, stdin=stdin, capture_output=True, text=True, env=full
    )


def agent_work(run: Run, repo: Repo, task: str, files: dict[str, str | bytes], delete: tuple[str, ...] = ()) -> str:
    """alice spawns ``task``, writes ``files``, deletes ``delete``, commits; the tip."""
    assert run("spawn", "alice", task, cwd=repo.path)[0] == 0
    w = Repo(repo.path.parent / "repo.agents" / f"alice-{task}")
    for rel in delete:
        w.delete(rel)
    return w.commit(f"alice: {task}", files)


def snapshot(repo: Repo) -> tuple[str, str, dict[str, bytes]]:
    """main's tip, the checkout's status and its files: what a refusal must not change."""
    tracked = repo.git("ls-files", "-z").split("\0")
    return (
        repo.rev("main"),
        repo.git("status", "--porcelain"),
        {p: (repo.path / p).read_bytes() for p in tracked if p and (repo.path / p).exists()},
    )


BILLING = "def total(items):\n    return sum(items)\n\n\ndef count(items):\n    return len(items)\n"


# -- merge -------------------------------------------------------------------------------------


def test_allowed_merge_makes_a_two_parent_commit_and_updates_the_clean_checked_out_target(
    run: Run, main_repo: Repo
) -> None:
    before = main_repo.rev("main")
    tip = agent_work(run, main_repo, "count", {"src/billing/invoice.py": BILLING})
    rc, out, err = run("merge", "agent/alice/count", cwd=main_repo.path)
    assert (rc, err) == (0, "")
    merge = main_repo.rev("main")
    assert main_repo.git("rev-list", "--parents", "-n", "1", "main").split() == [merge, before, tip]
    assert main_repo.git("log", "-1", "--format=%B", "main") == (
        "Merge agent/alice/count (agent alice)\n\nGated by agentgate: allow (no findings).\n"
        f"Branch: refs/heads/agent/alice/count\nHead: {tip}\n\n"
    )
    assert out.splitlines()[-3:] == [
        f"merged agent/alice/count into main: {merge[:7]} Merge agent/alice/count (agent alice)",
        f"  main: {before[:7]} -> {merge[:7]}; updated the worktree {main_repo.path}",
        "undo it with: agentgate revert agent/alice/count",
    ]
    assert "agent/alice/count — alice — ALLOW  (1 ahead, 0 behind)" in out.splitlines()
    assert (main_repo.path / "src/billing/invoice.py").read_text() == BILLING
    assert main_repo.git("status", "--porcelain", "--untracked-files=all") == ""
    assert main_repo.git("rev-parse", "main^{tree}") == main_repo.git("rev-parse", f"{tip}^{{tree}}")
    reflog = main_repo.git("reflog", "show", "--format=%gs", "-n", "1", "refs/heads/main")
    assert reflog == "agentgate merge agent/alice/count\n"


def test_blocked_merge_leaves_the_target_and_its_worktree_unchanged(run: Run, main_repo: Repo) -> None:
    main_repo.write("scratch.txt", "mine, untracked\n")
    before = snapshot(main_repo)
    agent_work(run, main_repo, "creep", {"src/ui/app.py": "def render():\n    return 'billing ui'\n"})
    rc, out, err = run("merge", "agent/alice/creep", cwd=main_repo.path)
    assert (rc, err) == (1, "")
    lines = out.splitlines()
    assert "agent/alice/creep — alice — BLOCK  (1 ahead, 0 behind)" in lines
    assert any(line.startswith("  BLOCK    scope.outside  src/ui/app.py") for line in lines)
    assert lines[-1] == "not merged: the gate blocks agent/alice/creep; main was not changed."
    assert snapshot(main_repo) == before
    assert main_repo.git("reflog", "show", "--format=%gs", "refs/heads/main").splitlines() == [
        "commit (initial): initial"
    ]


def test_merge_into_a_dirty_target_worktree_is_refused_before_anything_changes(run: Run, main_repo: Repo) -> None:
    agent_work(run, main_repo, "dirty", {"src/billing/invoice.py": BILLING})
    main_repo.write("README.md", "edited, not committed\n")
    before = snapshot(main_repo)
    rc, out, err = run("merge", "agent/alice/dirty", cwd=main_repo.path)
    assert (rc, out) == (4, "")
    assert err == (
        f"agentgate: main is checked out in {main_repo.path} and 1 uncommitted change there "
        "(README.md). Commit or stash that work, then run the command again. Nothing was changed.\n"
    )
    assert snapshot(main_repo) == before


def test_merge_that_needs_approval_exits_3_with_the_approve_command_when_not_in_a_terminal(
    run: Run, main_repo: Repo
) -> None:
    agent_work(run, main_repo, "drop", {}, delete=("src/billing/invoice.py",))
    before = snapshot(main_repo)
    proc = subprocess_gate("merge", "agent/alice/drop", cwd=main_repo.path)
    assert proc.returncode == 3, proc.stderr
    assert any(line.startswith("  ASK      gate.deletion  src/billing/invoice.py") for line in proc.stdout.splitlines())
    assert proc.stdout.splitlines()[-3:] == [
        "not merged: 1 finding(s) on agent/alice/drop need a human approval. After review, an approver runs:",
        "  agentgate approve agent/alice/drop",
        "  agentgate merge agent/alice/drop",
    ]
    assert snapshot(main_repo) == before
    assert main_repo.git("for-each-ref", "refs/agentgate/approvals") == ""


def _merge_in_terminal(repo: Repo, branch: str, answer: str) -> subprocess.CompletedProcess[str]:
    leader, follower = pty.openpty()
    try:
        os.write(leader, answer.encode())
        return subprocess_gate(
            "merge", branch, cwd=repo.path, stdin=follower, env={"AGENTGATE_USER": "lead@example.com"}
        )
    finally:
        os.close(follower)
        os.close(leader)


def test_merge_in_a_terminal_asks_and_on_no_changes_nothing(run: Run, main_repo: Repo) -> None:
    agent_work(run, main_repo, "drop", {}, delete=("src/billing/invoice.py",))
    before = snapshot(main_repo)
    proc = _merge_in_terminal(main_repo, "agent/alice/drop", "n\n")
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout.endswith(
        "Approve these 1 finding(s) as lead@example.com and merge agent/alice/drop into "
        "main? [y/N] \nnot merged; main was not changed.\n"
    )
    assert snapshot(main_repo) == before
    assert main_repo.git("for-each-ref", "refs/agentgate/approvals") == ""


def test_merge_in_a_terminal_records_the_approval_on_yes_then_merges(run: Run, main_repo: Repo) -> None:
    tip = agent_work(run, main_repo, "drop", {}, delete=("src/billing/invoice.py",))
    proc = _merge_in_terminal(main_repo, "agent/alice/drop", "y\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "recorded 1 approval(s) as lead@example.com" in proc.stdout.splitlines()
    assert main_repo.git("rev-list", "--parents", "-n", "1", "main").split()[2] == tip
    assert not (main_repo.path / "src/billing/invoice.py").exists()
    record = main_repo.git("log", "-1", "--format=%B", "refs/agentgate/approvals")
    assert record.startswith("approve 1 finding(s) on agent/alice/drop\n\nApproved-by: lead@example.com\n")


def test_a_non_approver_cannot_approve_from_the_merge_prompt_so_it_needs_approval(run: Run, main_repo: Repo) -> None:
    agent_work(run, main_repo, "drop", {}, delete=("src/billing/invoice.py",))
    before = snapshot(main_repo)
    proc = subprocess_gate(
        "merge", "--yes", "agent/alice/drop", cwd=main_repo.path, env={"AGENTGATE_USER": "someone@example.com"}
    )
    assert proc.returncode == 3  # the branch needs an approval; this user cannot give it
    assert proc.stderr == (
        "agentgate: someone@example.com is not among the approvers (lead@example.com, lead). "
        "Ask one of them to review and run the approve command.\n"
    )
    assert proc.stdout.splitlines()[-3:] == [
        "not merged: 1 finding(s) on agent/alice/drop need a human approval. After review, an approver runs:",
        "  agentgate approve agent/alice/drop",
        "  agentgate merge agent/alice/drop",
    ]
    assert snapshot(main_repo) == before
    # An agent's worktree never approves either: the same exit 3.
    main_repo.git("config", "extensions.worktreeConfig", "true")
    main_repo.git("config", "--worktree", "agentgate.agent", "alice")
    proc = subprocess_gate("merge", "--yes", "agent/alice/drop", cwd=main_repo.path,
                           env={"AGENTGATE_USER": "lead@example.com"})
    assert (proc.returncode, proc.stderr) == (3, (
        "agentgate: this worktree belongs to agent 'alice', and agents never approve. "
        "A human approver merges from their own checkout.\n"))
    assert snapshot(main_repo) == before


# -- revert ------------------------------------------------------------------------------------


def test_revert_gives_the_target_back_the_tree_it_had_before_the_merge(run: Run, main_repo: Repo) -> None:
    before_tree = main_repo.git("rev-parse", "main^{tree}")
    agent_work(run, main_repo, "count", {"src/billing/invoice.py": BILLING, "src/billing/extra.py": "E = 1\n"})
    assert run("merge", "agent/alice/count", cwd=main_repo.path)[0] == 0
    merge = main_repo.rev("main")
    rc, out, err = run("revert", "agent/alice/count", cwd=main_repo.path)
    assert (rc, err) == (0, "")
    rev = main_repo.rev("main")
    assert main_repo.git("rev-parse", "main^{tree}") == before_tree
    assert main_repo.git("rev-list", "--parents", "-n", "1", "main").split() == [rev, merge]
    assert out.splitlines() == [
        "reverted 1 merge(s) of agent/alice/count on main:",
        f"  {merge[:7]} Merge agent/alice/count (agent alice)  ->  {rev[:7]} "
        'Revert "Merge agent/alice/count (agent alice)"',
        f"  main: {merge[:7]} -> {rev[:7]}; updated the worktree {main_repo.path}",
        f"to merge this work again later, revert the revert first: git revert {rev}",
    ]
    assert main_repo.git("status", "--porcelain", "--untracked-files=all") == ""
    assert not (main_repo.path / "src/billing/extra.py").exists()
    # git's own 'revert -m 1' of the same merge gives the same tree and message.
    main_repo.git("worktree", "add", "-q", "--detach", str(main_repo.path.parent / "gitrev"), merge)
    git(main_repo.path.parent / "gitrev", "revert", "-m", "1", "--no-edit", merge)
    theirs = main_repo.path.parent / "gitrev"
    assert git(theirs, "rev-parse", "HEAD^{tree}") == main_repo.git("rev-parse", "main^{tree}")
    assert git(theirs, "log", "-1", "--format=%B") == main_repo.git("log", "-1", "--format=%B", "main")


def test_revert_that_conflicts_is_refused_with_nothing_changed(run: Run, main_repo: Repo) -> None:
    agent_work(run, main_repo, "count", {"src/billing/invoice.py": BILLING})
    assert run("merge", "agent/alice/count", cwd=main_repo.path)[0] == 0
    merge = main_repo.rev("main")
    main_repo.commit(
        "later: count differently", {"src/billing/invoice.py": BILLING.replace("len(items)", "sum(1 for _ in items)")}
    )
    before = snapshot(main_repo)
    rc, out, err = run("revert", "agent/alice/count", cwd=main_repo.path)
    assert (rc, out) == (4, "")
    assert err == (
        f"agentgate: reverting {merge[:7]} (Merge agent/alice/count (agent alice)) conflicts in "
        "src/billing/invoice.py: later commits on main changed the same lines. Nothing was changed. "
        f"Revert it by hand with 'git revert -m 1 {merge}' and resolve the conflicts.\n"
    )
    assert snapshot(main_repo) == before


def test_revert_by_agent_reverts_each_merge_newest_first(run: Run, main_repo: Repo) -> None:
    before_tree = main_repo.git("rev-parse", "main^{tree}")
    agent_work(run, main_repo, "one", {"src/billing/one.py": "ONE = 1\n"})
    assert run("merge", "agent/alice/one", cwd=main_repo.path)[0] == 0
    first = main_repo.rev("main")
    agent_work(run, main_repo, "two", {"src/billing/two.py": "TWO = 2\n"})
    assert run("merge", "agent/alice/two", cwd=main_repo.path)[0] == 0
    second = main_repo.rev("main")
    rc, out, _ = run("revert", "alice", cwd=main_repo.path)
    assert rc == 0
    assert [line.split()[0] for line in out.splitlines()[1:3]] == [second[:7], first[:7]]
    assert main_repo.git("rev-parse", "main^{tree}") == before_tree
    subjects = main_repo.git("log", "--format=%s", "-n", "2", "main").splitlines()
    assert subjects == ['Revert "Merge agent/alice/one (agent alice)"', 'Revert "Merge agent/alice/two (agent alice)"']
    rc, out, _ = run("revert", "alice", cwd=main_repo.path)
    assert (rc, out) == (
        0,
        f"nothing to revert: the merge(s) of agent alice on main were reverted already ({second[:7]}, {first[:7]}).\n",
    )


def test_revert_finds_a_git_merge_of_a_branch_that_was_discarded_since(run: Run, main_repo: Repo) -> None:
    before_tree = main_repo.git("rev-parse", "main^{tree}")
    agent_work(run, main_repo, "gone", {"src/billing/gone.py": "G = 1\n"})
    main_repo.git("merge", "-q", "--no-ff", "--no-edit", "agent/alice/gone")
    assert run("discard", "agent/alice/gone", cwd=main_repo.path)[0] == 0
    rc, out, _ = run("revert", "agent/alice/gone", cwd=main_repo.path)
    assert rc == 0
    assert out.splitlines()[1].endswith("Revert \"Merge branch 'agent/alice/gone'\"")
    assert main_repo.git("rev-parse", "main^{tree}") == before_tree


def test_revert_of_a_branch_never_merged_says_so(run: Run, main_repo: Repo) -> None:
    agent_work(run, main_repo, "open", {"src/billing/open.py": "O = 1\n"})
    rc, _, err = run("revert", "agent/alice/open", cwd=main_repo.path)
    assert rc == 4
    assert err.startswith("agentgate: no merge of agent/alice/open on main's first-parent history.")


def test_revert_leaves_the_merge_of_a_branch_it_was_built_on(run: Run, main_repo: Repo) -> None:
    assert run("spawn", "bob", "base", cwd=main_repo.path)[0] == 0
    bob = Repo(main_repo.path.parent / "repo.agents" / "bob-base")
    bob_tip = bob.commit("bob: base", {"src/ui/base.py": "B = 1\n"})
    assert run("spawn", "alice", "on-bob", "--from", bob_tip, cwd=main_repo.path)[0] == 0
    Repo(main_repo.path.parent / "repo.agents" / "alice-on-bob").commit("alice", {"src/billing/a.py": "A = 1\n"})
    assert run("merge", "agent/bob/base", cwd=main_repo.path)[0] == 0
    after_bob = main_repo.git("rev-parse", "main^{tree}")
    assert run("merge", "agent/alice/on-bob", cwd=main_repo.path)[0] == 0
    rc, out, _ = run("revert", "agent/alice/on-bob", cwd=main_repo.path)
    assert rc == 0
    assert out.splitlines()[0] == "reverted 1 merge(s) of agent/alice/on-bob on main:"
    assert main_repo.git("rev-parse", "main^{tree}") == after_bob
    assert (main_repo.path / "src/ui/base.py").exists()


def test_merge_of_a_branch_with_nothing_new_changes_nothing(run: Run, main_repo: Repo) -> None:
    assert run("spawn", "alice", "idle", cwd=main_repo.path)[0] == 0
    before = snapshot(main_repo)
    rc, out, _ = run("merge", "agent/alice/idle", cwd=main_repo.path)
    assert (rc, out) == (0, "agent/alice/idle has nothing that main does not have already: nothing to merge.\n")
    assert snapshot(main_repo) == before
    rc, _, err = run("merge", "main", cwd=main_repo.path)
    assert (rc, err) == (2, "agentgate: main is the target branch: name the agent branch to merge into it.\n")
