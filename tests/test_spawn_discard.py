"""spawn, discard, restore, trash: real branches and worktrees, nothing lost on the way."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import gate
from gate.commands import discard as discard_cmd
from gate.git.opening import open_repo
from tests.gitutil import POLICY, Repo, Run, git, seeded_repo


def worktree_paths(repo: Repo) -> list[str]:
    return [
        line[len("worktree ") :]
        for line in repo.git("worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]


def files(root: Path) -> dict[str, tuple[str, bytes]]:
    """Every file under ``root`` but git's own: kind (exec, file, link) and bytes."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            p = Path(dirpath, name)
            rel = p.relative_to(root).as_posix()
            if rel == ".git":
                continue
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p).encode())
            else:
                kind = "exec" if p.stat().st_mode & stat.S_IXUSR else "file"
                out[rel] = (kind, p.read_bytes())
    return out


def state(wt: Path) -> dict[str, object]:
    return {
        "head": git(wt, "rev-parse", "HEAD"),
        "branch": git(wt, "symbolic-ref", "HEAD"),
        "status": git(wt, "status", "--porcelain", "--untracked-files=all"),
        "diff": git(wt, "diff", "--binary"),
        "cached": git(wt, "diff", "--cached", "--binary"),
        "files": files(wt),
    }


# -- spawn -----------------------------------------------------------------------------------


def test_spawn_creates_the_agent_branch_at_the_target_tip_and_a_worktree(run: Run, main_repo: Repo) -> None:
    rc, out, err = run("spawn", "alice", "fix-total", cwd=main_repo.path)
    wt = main_repo.path.parent / "repo.agents" / "alice-fix-total"
    assert (rc, err) == (0, "")
    assert out.splitlines() == [
        f"spawned alice on agent/alice/fix-total at main ({main_repo.rev('main')[:7]})",
        f"  worktree: {wt}",
        "  owns:     src/billing/, tests/billing/",
        "  shared:   src/common/, pyproject.toml  (any agent may change these; each change is reported)",
        "  agentgate.agent = alice is set in that worktree's config only",
        f"start with: cd {wt}",
    ]
    assert main_repo.rev("agent/alice/fix-total") == main_repo.rev("main")
    assert str(wt) in worktree_paths(main_repo)
    assert git(wt, "symbolic-ref", "HEAD").strip() == "refs/heads/agent/alice/fix-total"
    assert git(wt, "status", "--porcelain") == ""
    reflog = main_repo.git("reflog", "show", "--format=%gs", "agent/alice/fix-total")
    assert reflog.splitlines() == ["agentgate spawn alice: agent/alice/fix-total at main"]


def test_agents_spawned_and_discarded_side_by_side_all_succeed(main_repo: Repo) -> None:
    """Five agents started at once, then thrown away at once: git's worktree admin
    is not safe against itself, so agentgate serialises its changes to it."""
    env = {**os.environ, "PYTHONPATH": str(Path(gate.__file__).resolve().parent.parent)}

    def together(*commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
        procs = [subprocess.Popen([sys.executable, "-m", "gate", *c], cwd=main_repo.path, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in commands]
        done = [(p, *p.communicate()) for p in procs]
        return [subprocess.CompletedProcess(p.args, p.returncode, out, err) for p, out, err in done]

    tasks = [f"task{i}" for i in range(5)]
    spawned = together(*(["spawn", "alice", t] for t in tasks))
    assert [(p.returncode, p.stderr) for p in spawned] == [(0, "")] * 5
    assert len(worktree_paths(main_repo)) == 6
    discarded = together(*(["discard", f"agent/alice/{t}"] for t in tasks))
    assert [p.returncode for p in discarded] == [0] * 5, [p.stderr for p in discarded]
    assert worktree_paths(main_repo) == [str(main_repo.path)]


def test_spawn_sets_agentgate_agent_visible_only_in_that_worktree(run: Run, main_repo: Repo) -> None:
    assert run("spawn", "alice", "a", cwd=main_repo.path)[0] == 0
    assert run("spawn", "bob", "b", cwd=main_repo.path)[0] == 0
    agents = main_repo.path.parent / "repo.agents"
    assert git(agents / "alice-a", "config", "agentgate.agent").strip() == "alice"
    assert git(agents / "bob-b", "config", "agentgate.agent").strip() == "bob"
    main_view = subprocess.run(["git", "config", "agentgate.agent"], cwd=main_repo.path, capture_output=True)
    assert main_view.returncode == 1 and main_view.stdout == b""
    assert main_repo.git("config", "extensions.worktreeConfig").strip() == "true"


def test_spawn_of_an_unknown_agent_is_refused_with_the_policy_snippet(run: Run, main_repo: Repo) -> None:
    rc, out, err = run("spawn", "carol", "x", cwd=main_repo.path)
    assert (rc, out) == (4, "")
    assert err.splitlines() == [
        "agentgate: no agent 'carol' in .agentgate.toml on main. Known agents: alice, bob. "
        "Add it to .agentgate.toml, commit that to main, and run spawn again:",
        "",
        "[agents.carol]",
        'branches = ["agent/carol/*"]',
        'owns = ["src/carol/"]   # the paths carol may change',
    ]
    assert main_repo.git("branch", "--list", "agent/carol/*") == ""
    assert worktree_paths(main_repo) == [str(main_repo.path)]
    assert not (main_repo.path.parent / "repo.agents").exists()


def test_spawn_without_a_task_counts_up_and_follows_worktrees_root_and_from(run: Run, tmp_path: Path) -> None:
    r = seeded_repo(tmp_path / "repo", POLICY + '\n[worktrees]\nroot = "../trees"\n')
    first = r.rev("main")
    r.commit("second", {"README.md": "two\n"})
    assert run("spawn", "alice", cwd=r.path)[0] == 0
    rc, out, _ = run("spawn", "alice", "--from", first, cwd=r.path)
    assert rc == 0
    assert out.splitlines()[0] == f"spawned alice on agent/alice/task-2 at {first} ({first[:7]})"
    assert r.rev("agent/alice/task-1") == r.rev("main")
    assert r.rev("agent/alice/task-2") == first
    assert (tmp_path / "trees" / "alice-task-1").is_dir() and (tmp_path / "trees" / "alice-task-2").is_dir()


def test_spawn_refuses_an_existing_branch(run: Run, main_repo: Repo) -> None:
    main_repo.git("branch", "agent/alice/x")
    rc, _, err = run("spawn", "alice", "x", cwd=main_repo.path)
    assert rc == 4
    assert err == (
        "agentgate: the branch agent/alice/x exists already. Choose another TASK, or discard it "
        "first ('agentgate discard agent/alice/x').\n"
    )


# -- discard and restore -------------------------------------------------------------------


def busy_worktree(run: Run, repo: Repo) -> Path:
    """alice's worktree with a commit and every kind of uncommitted work."""
    assert run("spawn", "alice", "wip", cwd=repo.path)[0] == 0
    wt = repo.path.parent / "repo.agents" / "alice-wip"
    w = Repo(wt)
    w.commit(
        "billing: discounts",
        {
            "src/billing/discount.py": "RATE = 0.1\n",
            "src/billing/gone.py": "x = 1\n",
            "src/billing/deleted.py": "y = 2\n",
            "src/billing/run.sh": "echo hi\n",
        },
    )
    w.write("src/billing/invoice.py", "def total(items):\n    return round(sum(items), 2)\n")
    w.git("add", "src/billing/invoice.py")  # staged...
    w.write("src/billing/invoice.py", "def total(items):\n    return round(sum(items), 3)\n")  # ...then changed again
    w.write("src/billing/new.py", "NEW = True\n")
    w.git("add", "src/billing/new.py")  # staged new file
    w.git("rm", "-q", "src/billing/gone.py")  # staged deletion
    (wt / "src/billing/deleted.py").unlink()  # unstaged deletion
    (wt / "src/billing/run.sh").chmod(0o755)  # unstaged mode change
    w.write("src/billing/blob.bin", bytes(range(256)) + b"\xff\xfe not utf-8")  # untracked binary
    w.write("notes/idea — draft.md", "half an idea\n")  # untracked, in an untracked directory
    os.symlink("invoice.py", wt / "src/billing/link.py")  # untracked symlink
    w.write(".gitignore", "*.log\nbuild/\n")  # untracked, and it ignores:
    w.write("debug.log", "noise\n")
    w.write("build/out.o", b"\x00obj")
    return wt


def test_discard_then_restore_gives_back_committed_staged_unstaged_and_untracked_work(
    run: Run, main_repo: Repo
) -> None:
    wt = busy_worktree(run, main_repo)
    before = state(wt)
    assert before["status"] == (
        " D src/billing/deleted.py\nD  src/billing/gone.py\nMM src/billing/invoice.py\nA  src/billing/new.py\n"
        ' M src/billing/run.sh\n?? .gitignore\n?? "notes/idea \\342\\200\\224 draft.md"\n'
        "?? src/billing/blob.bin\n?? src/billing/link.py\n"
    )
    rc, out, err = run("discard", "agent/alice/wip", cwd=main_repo.path)
    assert (rc, err) == (0, "")
    name = re.search(r"agentgate restore (\S+)", out)
    assert name is not None
    assert re.fullmatch(r"agent\+alice\+wip-\d{8}T\d{6}Z", name.group(1))
    assert out.splitlines() == [
        f"discarded agent/alice/wip (was at {before['head'][:7]}); removed the worktree {wt}",  # type: ignore[index]
        "  saved uncommitted work: 3 staged, 3 unstaged, 4 untracked file(s)",
        "  not saved (ignored by .gitignore): build/, debug.log",
        f"restore it with: agentgate restore {name.group(1)}",
    ]
    assert not wt.exists()
    assert worktree_paths(main_repo) == [str(main_repo.path)]
    assert not (main_repo.path / ".git" / "worktrees" / "alice-wip").exists()
    assert main_repo.git("branch", "--list", "agent/alice/wip") == ""
    assert main_repo.git("for-each-ref", "--format=%(refname)", "refs/agentgate/trash/").splitlines() == [
        f"refs/agentgate/trash/{name.group(1)}"
    ]

    rc, out, err = run("restore", cwd=main_repo.path)
    assert (rc, err) == (0, "")
    assert out.splitlines() == [
        f"restored agent/alice/wip at {before['head'][:7]} in the worktree {wt}",  # type: ignore[index]
        "  with its uncommitted work: staged, unstaged and untracked files as they were",
        f"continue with: cd {wt}",
    ]
    after = state(wt)
    ignored = {k: v for k, v in before["files"].items() if k in ("debug.log", "build/out.o")}  # type: ignore[attr-defined]
    assert set(ignored) == {"debug.log", "build/out.o"}
    expected = dict(before, files={k: v for k, v in before["files"].items() if k not in ignored})  # type: ignore[attr-defined]
    assert after == expected
    assert git(wt, "config", "agentgate.agent").strip() == "alice"
    assert main_repo.git("for-each-ref", "refs/agentgate/trash/") == ""


def test_discard_refuses_a_worktree_holding_a_nested_clone_and_changes_nothing(run: Run, main_repo: Repo) -> None:
    assert run("spawn", "alice", "nested", cwd=main_repo.path)[0] == 0
    wt = main_repo.path.parent / "repo.agents" / "alice-nested"
    Repo.init(wt / "vendor" / "lib").commit("lib", {"lib.py": "L = 1\n"})
    before = state(wt)
    rc, out, err = run("discard", "agent/alice/nested", cwd=main_repo.path)
    assert (rc, out) == (4, "")
    assert err == (
        f"agentgate: the worktree {wt} holds a git repository at vendor/lib (a submodule or a nested "
        "clone), which agentgate cannot save. Move it away, then run the command again; nothing was "
        "changed.\n"
    )
    assert state(wt) == before
    assert main_repo.git("for-each-ref", "refs/agentgate/trash/") == ""


def test_discard_by_agent_needs_all_when_it_has_several_branches(run: Run, main_repo: Repo) -> None:
    for task in ("one", "two"):
        assert run("spawn", "alice", task, cwd=main_repo.path)[0] == 0
    rc, out, err = run("discard", "alice", cwd=main_repo.path)
    assert (rc, out) == (2, "")
    assert err == (
        "agentgate: agent 'alice' has 2 branches (agent/alice/one, agent/alice/two): name one, or pass --all.\n"
    )
    rc, out, _ = run("discard", "alice", "--all", cwd=main_repo.path)
    assert rc == 0
    assert [line for line in out.splitlines() if not line.startswith(" ")][::2] == [
        f"discarded agent/alice/one (was at {main_repo.rev('main')[:7]}); removed the worktree "
        f"{main_repo.path.parent / 'repo.agents' / 'alice-one'}",
        f"discarded agent/alice/two (was at {main_repo.rev('main')[:7]}); removed the worktree "
        f"{main_repo.path.parent / 'repo.agents' / 'alice-two'}",
    ]
    assert "  no uncommitted work" in out.splitlines()
    assert main_repo.git("branch", "--list", "agent/*") == ""
    assert worktree_paths(main_repo) == [str(main_repo.path)]
    listing = run("trash", cwd=main_repo.path)[1].splitlines()
    assert listing[0].split() == ["NAME", "BRANCH", "DISCARDED", "SAVED"]
    assert sorted(line.split()[1] for line in listing[1:3]) == ["agent/alice/one", "agent/alice/two"]
    assert all(line.endswith("  no uncommitted work") for line in listing[1:3])


def test_discard_of_a_branch_without_worktree_keeps_it_and_restore_brings_it_back(run: Run, main_repo: Repo) -> None:
    main_repo.branch("agent/bob/solo")
    tip = main_repo.commit("ui", {"src/ui/app.py": "x = 1\n"})
    main_repo.checkout("main")
    rc, out, _ = run("discard", "agent/bob/solo", cwd=main_repo.path)
    assert rc == 0
    assert out.splitlines()[0] == f"discarded agent/bob/solo (was at {tip[:7]})"
    assert main_repo.git("branch", "--list", "agent/bob/solo") == ""
    rc, out, _ = run("restore", "agent/bob/solo", cwd=main_repo.path)
    assert rc == 0
    assert out.splitlines() == [f"restored agent/bob/solo at {tip[:7]}"]
    assert main_repo.rev("agent/bob/solo") == tip


def test_discard_refuses_the_target_and_a_branch_checked_out_in_the_main_worktree(run: Run, main_repo: Repo) -> None:
    rc, _, err = run("discard", "main", cwd=main_repo.path)
    assert rc == 4
    assert err == "agentgate: main is the target or a protected branch: agentgate will not discard it.\n"
    main_repo.branch("agent/alice/here")
    rc, _, err = run("discard", "agent/alice/here", cwd=main_repo.path)
    assert rc == 4
    assert err == f"agentgate: {main_repo.path} is the main worktree: check out another branch there first.\n"
    assert main_repo.git("for-each-ref", "refs/agentgate/trash/") == ""
    assert main_repo.rev("agent/alice/here") == main_repo.rev("main")


def test_restore_refuses_when_the_branch_exists_again(run: Run, main_repo: Repo) -> None:
    assert run("spawn", "alice", "again", cwd=main_repo.path)[0] == 0
    assert run("discard", "agent/alice/again", cwd=main_repo.path)[0] == 0
    main_repo.git("branch", "agent/alice/again")
    rc, _, err = run("restore", cwd=main_repo.path)
    assert rc == 4
    assert err.startswith("agentgate: the branch agent/alice/again exists again.")
    assert len(main_repo.git("for-each-ref", "refs/agentgate/trash/").splitlines()) == 1


def test_trash_purges_only_entries_older_than_the_age(
    run: Run, main_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("trash", cwd=main_repo.path)[1] == "the trash is empty\n"
    assert run("spawn", "alice", "old", cwd=main_repo.path)[0] == 0
    assert run("discard", "agent/alice/old", cwd=main_repo.path)[0] == 0
    (entry,) = discard_cmd.entries(open_repo(main_repo.path))
    assert run("trash", "--purge", cwd=main_repo.path)[1] == "purged 0 trash entries older than 30d\n"
    rc = discard_cmd.trash(True, "30d", str(main_repo.path), now=entry.when + timedelta(days=31))
    assert rc == 0
    assert capsys.readouterr().out == f"purged {entry.name}\npurged 1 trash entry older than 30d\n"
    assert main_repo.git("for-each-ref", "refs/agentgate/trash/") == ""
    rc, _, err = run("trash", "--older-than", "3d", cwd=main_repo.path)
    assert (rc, err) == (2, "agentgate: --older-than goes with --purge.\n")
    assert entry.when <= datetime.now(UTC)


# -- the README walkthrough ------------------------------------------------------------------

WALKTHROUGH = """\
cd "$(mktemp -d)"
agentgate demo shop && cd shop
agentgate spawn alice round-totals
cd ../shop.agents/alice-round-totals
printf '\\ndef rounded_total(items):\\n    return round(total(items), 2)\\n' >> src/billing/invoice.py
git commit -qam "billing: rounded totals"
agentgate check
cd ../../shop
agentgate merge agent/alice/round-totals
agentgate revert agent/alice/round-totals
echo "half-done idea" > ../shop.agents/alice-round-totals/NOTES.txt
agentgate discard agent/alice/round-totals
agentgate trash
agentgate restore
cat ../shop.agents/alice-round-totals/NOTES.txt
"""


def test_the_readme_walkthrough_runs_as_pasted(tmp_path: Path) -> None:
    env = dict(os.environ, TMPDIR=str(tmp_path), PYTHONPATH=str(Path(gate.__file__).parents[1]))
    prelude = f'set -euo pipefail\nagentgate() {{ "{sys.executable}" -m gate "$@"; }}\n'
    proc = subprocess.run(["bash", "-c", prelude + WALKTHROUGH], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout.splitlines()
    assert any(line.startswith("spawned alice on agent/alice/round-totals at main (") for line in out)
    assert any(line.startswith("merged agent/alice/round-totals into main: ") for line in out)
    assert any(line.startswith("reverted 1 merge(s) of agent/alice/round-totals on main:") for line in out)
    assert "  saved uncommitted work: 0 staged, 0 unstaged, 1 untracked file(s)" in out
    assert any(line.startswith("restored agent/alice/round-totals at ") for line in out)
    assert out[-1] == "half-done idea"
    (shop,) = [p for p in tmp_path.iterdir() if p.is_dir() and (p / "shop").is_dir()]
    main_tree = git(shop / "shop", "rev-parse", "main^{tree}", "main~2^{tree}").split()
    assert main_tree[0] == main_tree[1]  # the revert undid the merge exactly
    wt = shop / "shop.agents" / "alice-round-totals"
    assert git(wt, "status", "--porcelain") == "?? NOTES.txt\n"


def test_the_readme_holds_the_tested_walkthrough() -> None:
    readme = Path(gate.__file__).parents[1] / "README.md"
    text = readme.read_text() if readme.exists() else ""
    if "agentgate spawn alice round-totals" not in text:
        pytest.skip("the walkthrough section is not in README.md yet")
    assert "```sh\n" + WALKTHROUGH + "```" in text
