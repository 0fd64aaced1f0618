"""Overlap rules across open agent branches (DESIGN §5): exact findings, from real
branches, for each way two agents' work can meet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gate.commands import check
from gate.git import merge, overlaps
from tests.gitutil import Repo, git

POLICY = """\
version = 1

[gate]
target = "main"

[agents.alice]
branches = ["agent/alice/*"]
owns = ["src/billing/"]

[agents.bob]
branches = ["agent/bob/*"]
owns = ["src/ui/"]

[agents.carol]
branches = ["agent/carol/*"]
owns = ["docs/"]

[agents.dave]
branches = ["agent/dave/*"]
owns = ["src/api/"]

[shared]
paths = ["src/common/"]

[rules]
"scope.shared" = "off"
"gate.deletion" = "off"
"""

UTIL = "src/common/util.py"


def text(n: int = 20, **changed: str) -> str:
    """``n`` numbered lines; ``l3="X"`` replaces line 3."""
    return "".join(changed.get(f"l{i}", f"line {i}") + "\n" for i in range(1, n + 1))


def make_repo(path: Path, policy: str = POLICY) -> Repo:
    r = Repo.init(path)
    r.commit("initial", {".agentgate.toml": policy, UTIL: text(), "src/billing/a.py": "a = 1\n",
                         "src/ui/b.py": "b = 1\n", "docs/c.md": "c\n", "src/api/d.py": "d = 1\n"})
    merge.forget()  # pair results are memoised by commit id; ids repeat across tests
    return r


def branch(r: Repo, name: str, files: dict[str, str | bytes] | None = None, start: str = "main",
           delete: tuple[str, ...] = (), rename: tuple[str, str] | None = None) -> str:
    """Commit on a new branch ``name`` from ``start`` and return to main."""
    r.branch(name, start)
    for p in delete:
        r.delete(p)
    if rename:
        r.git("mv", *rename)
    head = r.commit(name, files)
    r.checkout("main")
    return head


def run_check(r: Repo, name: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    rc = check.main([name], fmt="json", repo_path=str(r.path))
    return rc, json.loads(capsys.readouterr().out)


def found(data: dict[str, Any], prefix: str = "overlap.") -> list[tuple[Any, ...]]:
    """(rule, action, path, line, end_line, other) of the branch's findings under ``prefix``."""
    [b] = data["branches"]
    return [(f["rule"], f["action"], f["path"], f["line"], f["end_line"], f["other"])
            for f in b["findings"] if f["rule"].startswith(prefix)]


def other(agent: str, ref: str, head: str, path: str, **extra: Any) -> dict[str, Any]:
    return {"agent": agent, "branch": f"refs/heads/{ref}", "head": head, "path": path, **extra}


def test_agents_changing_different_files_do_not_overlap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    branch(r, "agent/alice/x", {"src/billing/a.py": "a = 2\n"})
    branch(r, "agent/bob/y", {"src/ui/b.py": "b = 2\n"})
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert (rc, data["branches"][0]["findings"]) == (0, [])


def test_same_file_distant_lines_is_overlap_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    branch(r, "agent/alice/x", {UTIL: text(l3="alice")})
    bob = branch(r, "agent/bob/y", {UTIL: text(l15="bob")})
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert rc == 0
    assert found(data) == [("overlap.file", "warn", UTIL, None, None, other("bob", "agent/bob/y", bob, UTIL))]
    assert data["branches"][0]["findings"][0]["message"] == f"{UTIL} is also changed by bob's branch agent/bob/y"


def test_same_lines_report_only_the_conflict_for_that_pair(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    branch(r, "agent/alice/x", {UTIL: text(l3="alice")})
    bob = branch(r, "agent/bob/y", {UTIL: text(l3="bob")})
    carol = branch(r, "agent/carol/z", {UTIL: text(l15="carol"), "docs/c.md": "C\n"})
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert rc == 0  # overlaps warn by default
    assert found(data) == [
        ("overlap.conflict", "warn", UTIL, 3, 3, other("bob", "agent/bob/y", bob, UTIL, lines=[3, 3], kind="content")),
        ("overlap.file", "warn", UTIL, None, None, other("carol", "agent/carol/z", carol, UTIL)),
    ]
    [conflict] = [f for f in data["branches"][0]["findings"] if f["rule"] == "overlap.conflict"]
    assert conflict["message"] == (f"{UTIL} conflicts with bob's branch agent/bob/y (content): "
                                   "the two branches do not merge cleanly")


def test_adjacent_lines_conflict_because_git_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    branch(r, "agent/alice/x", {UTIL: text(l3="alice")})
    bob = branch(r, "agent/bob/y", {UTIL: text(l4="bob")})
    # git's own verdict on edits to neighbouring lines: a conflict (exit status 1).
    assert r.git("merge-tree", "--write-tree", "agent/alice/x", "agent/bob/y", check=False).count("CONFLICT") == 1
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert found(data) == [
        ("overlap.conflict", "warn", UTIL, 3, 3, other("bob", "agent/bob/y", bob, UTIL, lines=[4, 4], kind="content")),
    ]


def test_identical_edit_of_the_same_lines_is_overlap_hunk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    branch(r, "agent/alice/x", {UTIL: text(l5="same", l6="same too")})
    bob = branch(r, "agent/bob/y", {UTIL: text(l5="same", l6="same too"), "src/ui/b.py": "b = 2\n"})
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert found(data) == [
        ("overlap.hunk", "warn", UTIL, 5, 6, other("bob", "agent/bob/y", bob, UTIL, lines=[5, 6])),
    ]
    assert data["branches"][0]["findings"][0]["message"] == (
        f"lines 5-6 of {UTIL} are also changed by bob's branch agent/bob/y")


def test_rename_on_one_side_and_edit_on_the_other_follows_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    moved = "src/common/helpers.py"
    alice = branch(r, "agent/alice/x", rename=(UTIL, moved))
    bob = branch(r, "agent/bob/y", {UTIL: text(l3="bob")})
    assert "CONFLICT" not in r.git("merge-tree", "--write-tree", "agent/alice/x", "agent/bob/y")
    _, data = run_check(r, "agent/alice/x", capsys)
    assert found(data) == [("overlap.file", "warn", moved, None, None, other("bob", "agent/bob/y", bob, UTIL))]
    _, data = run_check(r, "agent/bob/y", capsys)
    assert found(data) == [("overlap.file", "warn", UTIL, None, None, other("alice", "agent/alice/x", alice, moved))]


def test_rename_with_edit_against_edit_of_the_same_lines_conflicts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    moved = "src/common/helpers.py"
    r.branch("agent/alice/x")
    r.git("mv", UTIL, moved)
    r.commit("move and edit", {moved: text(l3="alice")})
    r.checkout("main")
    bob = branch(r, "agent/bob/y", {UTIL: text(l3="bob")})
    _, data = run_check(r, "agent/alice/x", capsys)
    assert found(data) == [
        ("overlap.conflict", "warn", moved, 3, 3, other("bob", "agent/bob/y", bob, UTIL, lines=[3, 3], kind="content")),
    ]


def test_delete_against_modify_is_a_modify_delete_conflict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    alice = branch(r, "agent/alice/x", delete=(UTIL,))
    bob = branch(r, "agent/bob/y", {UTIL: text(l3="bob")})
    _, data = run_check(r, "agent/alice/x", capsys)
    assert found(data) == [
        ("overlap.conflict", "warn", UTIL, None, None,
         other("bob", "agent/bob/y", bob, UTIL, lines=[3, 3], kind="modify/delete")),
    ]
    _, data = run_check(r, "agent/bob/y", capsys)
    assert found(data) == [
        ("overlap.conflict", "warn", UTIL, 3, 3, other("alice", "agent/alice/x", alice, UTIL, kind="modify/delete")),
    ]


def test_both_agents_adding_the_same_path_is_an_add_add_conflict(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    branch(r, "agent/alice/x", {"src/common/new.py": "alice = 1\n"})
    bob = branch(r, "agent/bob/y", {"src/common/new.py": "bob = 1\n"})
    _, data = run_check(r, "agent/alice/x", capsys)
    assert found(data) == [("overlap.conflict", "warn", "src/common/new.py", 1, 1,
                            other("bob", "agent/bob/y", bob, "src/common/new.py", lines=[1, 1], kind="add/add"))]


def test_remote_tracking_agent_branch_without_a_local_branch_is_seen(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    Repo.init(tmp_path / "remote.git", bare=True)
    r.git("remote", "add", "origin", str(tmp_path / "remote.git"))
    r.git("push", "-q", "origin", "main")
    bobs = Repo(tmp_path / "bobs")
    git(tmp_path, "clone", "-q", str(tmp_path / "remote.git"), "bobs")
    bobs.branch("agent/bob/y", "origin/main")
    bob = bobs.commit("bob", {UTIL: text(l3="bob")})
    bobs.git("push", "-q", "origin", "agent/bob/y")
    r.git("fetch", "-q", "origin")
    assert r.git("branch", "--list", "agent/bob/*") == ""
    branch(r, "agent/alice/x", {UTIL: text(l3="alice")})
    _, data = run_check(r, "agent/alice/x", capsys)
    assert found(data) == [("overlap.conflict", "warn", UTIL, 3, 3, {
        "agent": "bob", "branch": "refs/remotes/origin/agent/bob/y", "head": bob, "path": UTIL,
        "lines": [3, 3], "kind": "content"})]


def test_pair_results_come_from_the_cache_on_the_second_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    branch(r, "agent/alice/x", {UTIL: text(l3="alice")})
    branch(r, "agent/bob/y", {UTIL: text(l3="bob")})
    _, first = run_check(r, "agent/alice/x", capsys)
    cached = sorted((r.path / ".git" / "agentgate" / "pairs").rglob("*.json"))
    assert len(cached) == 2  # alice with bob, alice with main
    merge.forget()
    _, second = run_check(r, "agent/alice/x", capsys)
    assert found(second) == found(first)


def test_overlaps_of_a_pair_are_cached_by_the_four_ids_and_a_damaged_entry_is_recomputed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    branch(r, "agent/alice/x", {UTIL: text(l3="alice", l15="alice")})
    branch(r, "agent/bob/y", {UTIL: text(l3="bob")})
    branch(r, "agent/dave/z", {UTIL: text(l16="dave")})
    _, first = run_check(r, "agent/alice/x", capsys)
    assert {f[0] for f in found(first)} == {"overlap.conflict"}
    entries = sorted((r.path / ".git" / "agentgate" / "overlaps").rglob("*.json"))
    assert len(entries) == 2  # alice with bob, alice with dave
    merge.forget()
    _, second = run_check(r, "agent/alice/x", capsys)
    assert found(second) == found(first)
    # The cache is what the second run read: an entry saying "nothing" hides that pair...
    for e in entries:
        e.write_text(json.dumps({"v": overlaps.CACHE_VERSION, "overlaps": []}))
    _, emptied = run_check(r, "agent/alice/x", capsys)
    assert found(emptied) == []
    # ...and a damaged one is recomputed, whole.
    for e in entries:
        e.write_text(json.dumps({"v": overlaps.CACHE_VERSION, "overlaps": [["nope"]]}))
    merge.forget()
    _, third = run_check(r, "agent/alice/x", capsys)
    assert found(third) == found(first)
    # The other branch moving is another key: bob gives the lines back.
    r.checkout("agent/bob/y")
    r.commit("undo", {UTIL: text()})
    r.checkout("main")
    _, moved = run_check(r, "agent/alice/x", capsys)
    assert [f[5]["branch"] for f in found(moved)] == ["refs/heads/agent/dave/z"]


def test_a_branch_stacked_on_another_does_not_overlap_with_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    branch(r, "agent/alice/x", {UTIL: text(l3="alice")})
    branch(r, "agent/bob/y", {"src/ui/b.py": "b = 2\n"}, start="agent/alice/x")
    _, data = run_check(r, "agent/alice/x", capsys)
    assert found(data) == []
    _, data = run_check(r, "agent/bob/y", capsys)
    assert found(data) == []


def test_a_branch_merged_then_reverted_has_nothing_ahead_and_no_overlaps(tmp_path: Path) -> None:
    from tests.gitutil import check_json, findings

    r = Repo.init(tmp_path / "repo")
    r.commit("init", {".agentgate.toml": POLICY, "src/common/util.py": "a\nb\nc\n"})
    r.branch("agent/alice/x")
    r.commit("alice", {"src/common/util.py": "a\nALICE\nc\n"})
    r.branch("agent/bob/y", "main")
    r.commit("bob", {"src/common/util.py": "a\nBOB\nc\n"})
    r.checkout("main")
    r.git("merge", "-q", "--no-ff", "-m", "Merge agent/alice/x", "agent/alice/x")
    r.git("revert", "--no-edit", "-m", "1", "HEAD")
    code, report = check_json(r.path, "agent/alice/x")
    # The two tips still conflict, but merging alice's branch (0 ahead) changes nothing.
    assert (code, findings(report), report["branches"][0]["facts"]["ahead"]) == (0, [], 0)
