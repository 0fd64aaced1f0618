"""The merge effect (DESIGN §3, issue 15 items 1 and 2): a branch is judged on what
merging it does to the target, ``diff(target, M)`` with ``M`` git's merge -- a
virtual merge-base for criss-cross history, renames made on the target followed --
not only on its own diff against the merge-base libgit2 picks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gate.git import merge
from tests.gitutil import POLICY, Repo, check_json
from tests.servers import make_server

CORE = "src/billing/core.py"
UI = "src/ui/app.py"
PRICE_UI, PRICE_BILLING = "src/ui/price.py", "src/billing/price.py"
POL = POLICY + '\n[agents.carol]\nbranches = ["agent/carol/*"]\nowns = ["docs/"]\n'
STRICT = POL + '\n[rules]\n"gate.lockfile" = "block"\n'


def base_repo(path: Path) -> Repo:
    r = Repo.init(path)
    r.commit("initial", {".agentgate.toml": POL, CORE: "def total(items):\n    return sum(items)\n",
                         UI: "def render():\n    return 'ui'\n", "docs/guide.md": "guide\n",
                         PRICE_UI: "".join(f"price_{i} = {i}\n" for i in range(20))})
    merge.forget()
    return r


def merged_in(r: Repo, name: str, files: dict[str, str | bytes], start: str = "main") -> str:
    """Commit on ``name`` from ``start``, merge it into main with --no-ff: its tip."""
    r.branch(name, start)
    tip = r.commit(name, files)
    r.checkout("main")
    r.git("merge", "-q", "--no-ff", "-m", f"Merge branch '{name}'", name)
    return tip


def criss_cross(r: Repo, landed: dict[str, str | bytes], landed_branch: str) -> str:
    """Bob's commit with two parents -- the landed work's tip and carol's -- whose tree
    is carol's plus a small change of his own: agent/bob/sneaky."""
    fork = r.rev("main")
    carol = merged_in(r, "agent/carol/docs", {"docs/guide.md": "guide, better\n"}, start=fork)
    mine = merged_in(r, landed_branch, landed, start=fork)
    r.branch("tmp-bob", carol)
    r.commit("bob's ui change", {UI: "def render():\n    return 'UI'\n"})
    tree = r.git("rev-parse", "tmp-bob^{tree}").strip()
    bob = r.git("commit-tree", tree, "-p", mine, "-p", carol, "-m", "ui tweak").strip()
    r.git("branch", "agent/bob/sneaky", bob)
    r.checkout("main")
    r.git("branch", "-D", "tmp-bob")
    return bob


def git_effect(r: Repo, head: str) -> set[str]:
    """Paths of diff(main, M), M git's own merge (run in this checkout of main)."""
    tree = r.git("merge-tree", "--write-tree", "main", head).split("\n")[0]
    return set(r.git("diff", "--no-renames", "--name-only", "main", tree).split())


def rows(report: dict[str, Any], prefix: str = "") -> list[tuple[str, str, str | None]]:
    (b,) = report["branches"]
    return [(f["rule"], f["action"], f["path"]) for f in b["findings"] if f["rule"].startswith(prefix)]


def message(report: dict[str, Any], rule: str, path: str) -> str:
    (b,) = report["branches"]
    (f,) = [f for f in b["findings"] if f["rule"] == rule and f["path"] == path]
    return str(f["message"])


def test_criss_cross_merge_that_reverts_alices_work_is_blocked(tmp_path: Path) -> None:
    r = base_repo(tmp_path / "r")
    criss_cross(r, {CORE: "def total(items):\n    return round(sum(items), 2)\n"}, "agent/alice/x")
    # git's real merge of bob's branch silently takes alice's billing change back out.
    assert git_effect(r, "agent/bob/sneaky") == {CORE, UI}
    rc, rep = check_json(r.path, "agent/bob/sneaky")
    assert rc == 1
    assert rows(rep, "scope.") == [("scope.outside", "block", CORE)]
    assert message(rep, "scope.outside", CORE) == (
        f"merging this branch would revert {CORE}, changed on main by alice's agent/alice/x: "
        f"{CORE} is owned by alice (pattern src/billing/), not by bob")


def test_criss_cross_merge_that_reverts_the_policy_is_gate_policy(tmp_path: Path) -> None:
    r = base_repo(tmp_path / "r")
    criss_cross(r, {".agentgate.toml": STRICT}, "lead/tighten")
    assert git_effect(r, "agent/bob/sneaky") == {".agentgate.toml", UI}
    rc, rep = check_json(r.path, "agent/bob/sneaky")
    assert rc == 1
    assert ("gate.policy", "block", ".agentgate.toml") in rows(rep)
    tighten = r.rev("main")
    assert message(rep, "gate.policy", ".agentgate.toml").startswith(
        f"merging this branch would revert .agentgate.toml, changed on main in {tighten[:8]} "
        "\"Merge branch 'lead/tighten'\": ")


def test_edit_of_a_file_main_moved_into_alices_folder_is_scope_outside(tmp_path: Path) -> None:
    r = base_repo(tmp_path / "r")
    r.branch("agent/bob/price")
    r.commit("bob edits prices", {PRICE_UI: "".join(f"price_{i} = {i * (2 if i == 7 else 1)}\n"
                                                    for i in range(20))})
    r.checkout("main")
    r.git("mv", PRICE_UI, PRICE_BILLING)
    r.commit("lead moves prices to billing")
    assert git_effect(r, "agent/bob/price") == {PRICE_BILLING}
    rc, rep = check_json(r.path, "agent/bob/price")
    assert rc == 1
    assert rows(rep, "scope.") == [("scope.outside", "block", PRICE_BILLING)]
    assert message(rep, "scope.outside", PRICE_BILLING) == (
        f"merging this branch would write its change of {PRICE_UI} into {PRICE_BILLING} "
        f"(main moved it there in {r.rev('main')[:8]} \"lead moves prices to billing\"): "
        f"{PRICE_BILLING} is owned by alice (pattern src/billing/), not by bob")


def test_plain_branch_has_no_merge_effect_findings(tmp_path: Path) -> None:
    r = base_repo(tmp_path / "r")
    merged_in(r, "agent/alice/x", {CORE: "def total(items):\n    return round(sum(items), 2)\n"})
    r.branch("agent/bob/ok", "main~1")
    r.commit("ui", {UI: "def render():\n    return 'UI'\n"})
    r.checkout("main")
    rc, rep = check_json(r.path, "agent/bob/ok")
    assert (rc, rows(rep)) == (0, [])


def test_pre_receive_refuses_the_criss_cross_revert(tmp_path: Path, agentgate: Path) -> None:
    server = make_server(tmp_path, POL)
    w = server.work
    w.commit("prices", {CORE: "def total(items):\n    return sum(items)\n"})
    w.git("push", "-q", "origin", "main")
    bob = criss_cross(w, {CORE: "def total(items):\n    return round(sum(items), 2)\n"}, "agent/alice/x")
    w.git("push", "-q", "origin", "main")
    pushed = server.push(f"{bob}:refs/heads/agent/bob/sneaky", user="bob-bot")
    assert pushed.rc == 1, pushed.stderr
    assert server.ref("refs/heads/agent/bob/sneaky") is None
    assert any(f"merging this branch would revert {CORE}" in line for line in pushed.remote), pushed.remote
