"""Who did it comes from the server's facts, not from what an agent wrote (DESIGN §2,
§8): the agent branch that holds a commit, else a patch-id match with an agent
branch's commits or its whole diff, and only then an ``Agent:`` trailer. A merge title
or a trailer that contradicts the facts is ``ref.misattributed``.

Real bare remotes with the hooks installed and real ``git push``."""

from __future__ import annotations

from pathlib import Path

from gate.commands import approve
from gate.git.attribution import patch_id
from gate.git.opening import open_repo
from gate.model import Oid
from tests.gitutil import git, seeded_repo
from tests.servers import Server

UI = {"src/ui/app.py": "def render():\n    return 'v2'\n"}
MIGRATION = "src/billing/migrations/001.sql"


def _bob_pushes_his_ui_work(server: Server) -> str:
    work = server.work
    work.branch("agent/bob/y")
    b1 = work.commit("bob's ui work", UI)
    assert server.push("agent/bob/y", user="bob-bot").rc == 0
    return b1


def test_bobs_merge_titled_as_alices_branch_is_judged_as_bobs(server: Server) -> None:
    work = server.work
    b1 = _bob_pushes_his_ui_work(server)
    # bob writes a merge of his work into main, titled as alice's branch…
    work.checkout("main")
    work.git("merge", "-q", "--no-ff", "-m", "Merge branch 'agent/alice/cleanup'", "agent/bob/y")
    lying = work.rev("main")
    # …and moves on, so his branch's tip is not what main gains.
    work.checkout("agent/bob/y")
    work.commit("more ui", {"src/ui/more.py": "x = 1\n"})
    assert server.push("agent/bob/y", user="bob-bot").rc == 0
    work.checkout("main")
    # The lead fast-forwards main to bob's merge: bob's work, judged in bob's scope.
    pushed = server.push("main", user="dev")
    assert pushed.remote == [
        f"agentgate: main: WARN ref.misattributed  merge {lying[:9]} names agent/alice/cleanup (alice), "
        f"but {b1[:9]} is on agent/bob/y (bob): judged as bob's",
        "agentgate: main: allow",
    ]
    assert (pushed.rc, server.ref("main")) == (0, lying)


def test_an_agent_pushing_a_merge_titled_as_another_agents_branch_is_refused(server: Server) -> None:
    work = server.work
    work.branch("agent/bob/side")
    b1 = work.commit("bob's ui work", UI)
    work.branch("agent/bob/y")
    work.git("merge", "-q", "--no-ff", "-m", "Merge branch 'agent/alice/cleanup'", "agent/bob/side")
    lying = work.rev("HEAD")
    work.checkout("main")
    pushed = server.push("agent/bob/y", user="bob-bot")
    assert pushed.remote == [
        f"agentgate: agent/bob/y: BLOCK ref.misattributed  merge {lying[:9]} names agent/alice/cleanup (alice), "
        f"but {b1[:9]} is on agent/bob/y (bob): judged as bob's",
        "agentgate: agent/bob/y: block: refused",
        "agentgate: push refused",
    ]
    assert (pushed.rc, server.ref("agent/bob/y")) == (1, None)


def test_a_trailer_naming_another_agent_than_the_branch_is_refused(server: Server) -> None:
    work = server.work
    work.branch("agent/bob/y")
    b1 = work.commit("ui work\n\nAgent: alice", UI)
    work.checkout("main")
    pushed = server.push("agent/bob/y", user="bob-bot")
    assert pushed.remote[0] == (f"agentgate: agent/bob/y: BLOCK ref.misattributed  commit {b1[:9]} says "
                                "Agent: alice, but it is on agent/bob/y (bob): judged as bob's")
    assert (pushed.rc, server.ref("agent/bob/y")) == (1, None)


def test_a_true_merge_between_agent_branches_is_not_a_finding(server: Server) -> None:
    work = server.work
    work.branch("agent/alice/x")
    work.commit("alice's billing work", {"src/billing/invoice.py": "x = 2\n"})
    assert server.push("agent/alice/x", user="alice-bot").rc == 0
    work.branch("agent/alice/y")
    work.commit("more billing", {"src/billing/tax.py": "t = 1\n"})
    work.git("merge", "-q", "--no-ff", "-m", "Merge branch 'agent/alice/x' into agent/alice/y", "agent/alice/x")
    assert server.push("agent/alice/y", user="alice-bot").remote == ["agentgate: agent/alice/y: allow"]
    work.checkout("main")
    work.git("merge", "-q", "--no-ff", "-m", "Merge branch 'agent/alice/y'", "agent/alice/y")
    pushed = server.push("main", user="dev")
    assert (pushed.rc, pushed.remote) == (0, ["agentgate: main: allow"])


def test_rebased_work_is_attributed_by_patch_id_and_keeps_its_approval(server: Server) -> None:
    work = server.work
    work.branch("agent/alice/x")
    a1 = work.commit("alice's migration", {MIGRATION: "create table t (id int);\n"})
    assert server.push("agent/alice/x", user="alice-bot").rc == 0
    work.checkout("main")
    assert approve.main("agent/alice/x", repo_path=str(work.path), env={"AGENTGATE_USER": "lead"}) == 0
    assert server.push("refs/agentgate/approvals", user="lead").rc == 0
    # main moves on; the lead replays alice's commit onto it (a new commit id, no trailer).
    work.commit("docs", {"README.md": "newer\n"})
    work.git("cherry-pick", a1)
    picked = work.rev("main")
    pushed = server.push("main", user="dev")
    assert pushed.remote == [
        f"agentgate: main <- {picked[:9]} as alice (patch-id of agent/alice/x): APPROVED gate.migration "
        f"{MIGRATION}  {MIGRATION} is a migration (pattern **/migrations/**): added",
        "agentgate: main: allow",
    ]
    assert pushed.rc == 0


def test_squashed_work_is_attributed_by_the_branchs_whole_diff(server: Server) -> None:
    work = server.work
    work.branch("agent/alice/x")
    work.commit("alice: one", {"src/billing/invoice.py": "x = 3\n"})
    work.commit("alice: two", {"src/ui/app.py": "stray = 1\n"})
    work.checkout("main")
    # alice's branch leaves her scope; it reached the server before the hook did (a fetch runs no hook).
    git(server.bare, "fetch", "-q", str(work.path), "agent/alice/x:refs/heads/agent/alice/x")
    work.git("merge", "-q", "--squash", "agent/alice/x")
    work.git("commit", "-q", "-m", "squashed")
    squashed = work.rev("main")
    pushed = server.push("main", user="dev")
    # …and squashed onto main it is still judged as hers, not as nobody's.
    assert pushed.remote[0] == (f"agentgate: main <- {squashed[:9]} as alice (squash of agent/alice/x): BLOCK "
                                "scope.outside src/ui/app.py  src/ui/app.py is owned by bob (pattern src/ui/**), "
                                "not by alice")
    assert pushed.rc == 1


def test_patch_ids_equal_gits_stable_patch_ids(tmp_path: Path) -> None:
    r = seeded_repo(tmp_path / "r")
    r.commit("edit, add, delete, mode", {"src/billing/invoice.py": "def total(items):\n    return 0\n",
                                          "docs/new.md": "new\n"})
    r.delete("README.md")
    r.write("run.sh", "#!/bin/sh\n", mode=0o755)
    r.commit("more")
    r.git("mv", "src/ui/app.py", "src/ui/main.py")
    r.commit("a rename (no rename detection in patch-ids)")
    repo = open_repo(r.path)
    for c in r.git("rev-list", "main").split():
        parents = repo.parents(Oid(c))
        ours = patch_id(repo, parents[0] if parents else None, Oid(c))
        shown = r.git("show", "--no-renames", "--format=commit %H", c)
        theirs = r.git("patch-id", "--stable", input=shown).split()[0]
        assert ours == theirs, c


SHARED = {"src/common/util.py": "def helper():\n    return 2\n"}
SHARED_WARN = ("WARN scope.shared src/common/util.py  src/common/util.py is shared (pattern src/common/); "
               "other agents depend on it")


def _both_push_one_commit(server: Server, env: dict[str, dict[str, str]] | None = None) -> str:
    """bob pushes a commit to his branch, then alice pushes the same commit to hers."""
    work = server.work
    work.branch("agent/bob/y")
    shared = work.commit("a shared helper", SHARED)
    work.git("branch", "agent/alice/x")
    assert server.push("agent/bob/y", user="bob-bot", env=(env or {}).get("bob")).rc == 0
    assert server.push("agent/alice/x", user="alice-bot", env=(env or {}).get("alice")).rc == 0
    work.checkout("main")
    work.git("merge", "-q", "--ff-only", shared)
    return shared


def test_a_commit_two_agents_branches_hold_is_judged_once_and_the_note_says_whose(server: Server) -> None:
    shared = _both_push_one_commit(server)
    pushed = server.push("main", user="dev")
    # No reflog on a bare repository by default: both tips are the commit, so by name.
    assert pushed.remote == [
        f"agentgate: main: note: {shared[:9]} is on agent/alice/x and on agent/bob/y; judged as alice's: "
        "agent/alice/x held it first (no reflog; on its own first-parent line, nearest its tip, then by name)",
        f"agentgate: main <- agent/alice/x: {SHARED_WARN}",
        "agentgate: main: allow",
    ]


def test_with_reflogs_the_branch_that_held_the_commit_first_wins(server: Server) -> None:
    git(server.bare, "config", "core.logAllRefUpdates", "always")
    shared = _both_push_one_commit(server, {"bob": {"GIT_COMMITTER_DATE": "2026-01-02T00:00:00Z"},
                                            "alice": {"GIT_COMMITTER_DATE": "2026-01-03T00:00:00Z"}})
    pushed = server.push("main", user="dev")
    assert pushed.remote == [
        f"agentgate: main: note: {shared[:9]} is on agent/bob/y and on agent/alice/x; judged as bob's: "
        "agent/bob/y held it first (its reflog shows it holding the commit first)",
        f"agentgate: main <- agent/bob/y: {SHARED_WARN}",
        "agentgate: main: allow",
    ]
