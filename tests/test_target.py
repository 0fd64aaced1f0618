"""Target rules (DESIGN §5): ``target.conflict`` when a branch no longer merges into
the current target, ``target.stale`` when it lags behind or the target changed its
files since the fork."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_overlap import POLICY, UTIL, branch, found, make_repo, other, run_check, text

REBASE = "rebase onto main: git rebase main"


def target(**extra: object) -> dict[str, object]:
    return {"branch": "refs/heads/main", **extra}


def test_branch_conflicting_with_merged_work_is_target_conflict(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    branch(r, "agent/alice/x", {UTIL: text(l3="alice")})
    branch(r, "agent/bob/y", {UTIL: text(l3="bob")})
    r.git("merge", "-q", "--no-ff", "-m", "merge bob", "agent/bob/y")
    main = r.rev("main")
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert rc == 1  # target.conflict blocks
    assert found(data, "overlap.") == []  # bob's branch is merged: no longer open
    assert found(data, "target.") == [
        ("target.conflict", "block", UTIL, 3, 3, target(head=main, kind="content", path=UTIL)),
    ]
    [f] = data["branches"][0]["findings"]
    assert f["message"] == (f"{UTIL} does not merge cleanly into main (content): "
                            "main changed it too since this branch forked")
    assert f["hint"] == f"{REBASE} and resolve {UTIL}"


def test_up_to_date_branch_has_no_target_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    r.commit("main moves on", {"docs/c.md": "newer\n"})
    branch(r, "agent/alice/x", {UTIL: text(l3="alice")})
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert (rc, found(data, "target.")) == (0, [])


def test_branch_too_far_behind_is_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", POLICY + "\n[limits]\nmax_behind = 2\n")
    branch(r, "agent/alice/x", {"src/billing/a.py": "a = 2\n"})
    for i in range(3):
        r.commit(f"main {i}", {"docs/c.md": f"v{i}\n"})
    main = r.rev("main")
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert rc == 0  # stale warns
    assert found(data, "target.") == [("target.stale", "warn", None, None, None, target(head=main, behind=3))]
    [f] = data["branches"][0]["findings"]
    assert f["message"] == "agent/alice/x is 3 commits behind main (limit 2): rebase it"
    assert f["hint"] == REBASE


def test_two_commits_behind_is_within_the_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", POLICY + "\n[limits]\nmax_behind = 2\n")
    branch(r, "agent/alice/x", {"src/billing/a.py": "a = 2\n"})
    for i in range(2):
        r.commit(f"main {i}", {"docs/c.md": f"v{i}\n"})
    _, data = run_check(r, "agent/alice/x", capsys)
    assert found(data, "target.") == []


def test_target_changing_the_branchs_file_since_the_fork_is_stale(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    branch(r, "agent/alice/x", {UTIL: text(l3="alice"), "src/billing/a.py": "a = 2\n"})
    r.commit("main edits far away", {UTIL: text(l18="main")})
    main = r.rev("main")
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert rc == 0
    assert found(data, "target.") == [("target.stale", "warn", UTIL, None, None, target(head=main))]
    [f] = [f for f in data["branches"][0]["findings"] if f["rule"] == "target.stale"]
    assert f["message"] == f"main has changed {UTIL} since this branch forked from it: rebase onto main"


def test_remote_target_names_the_fetch_in_the_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    branch(r, "agent/alice/x", {UTIL: text(l3="alice")})
    r.commit("main edits the same line", {UTIL: text(l3="main")})
    r.git("update-ref", "refs/remotes/origin/main", "main")
    r.git("checkout", "-q", "agent/alice/x")
    r.git("branch", "-q", "-D", "main")
    _, data = run_check(r, "agent/alice/x", capsys)
    [f] = [f for f in data["branches"][0]["findings"] if f["rule"] == "target.conflict"]
    assert f["hint"] == f"rebase onto origin/main: git fetch origin && git rebase origin/main and resolve {UTIL}"


def test_overlap_with_a_branch_that_forked_from_an_older_main(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    old = r.rev("main")
    r.commit("main moves on", {"docs/c.md": "newer\n"})
    branch(r, "agent/alice/x", {UTIL: text(l3="alice")})
    bob = branch(r, "agent/bob/y", {UTIL: text(l4="bob")}, start=old)
    _, data = run_check(r, "agent/alice/x", capsys)
    assert found(data) == [
        ("overlap.conflict", "warn", UTIL, 3, 3, other("bob", "agent/bob/y", bob, UTIL, lines=[4, 4], kind="content")),
    ]
