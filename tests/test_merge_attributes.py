"""Merges as git makes them (issue 15, item 3): ``.gitattributes`` merge drivers
from the TARGET's tree decide overlaps and target conflicts, as ``git merge-tree``
decides them with the target checked out; a custom driver from git config is
"cannot tell" (warn), never a blocking conflict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gate.git import merge
from gate.git.attrs import MergeAttributes
from gate.git.opening import open_repo
from tests.gitutil import Repo
from tests.test_overlap import POLICY, branch, found, other, run_check, text

LOG = "CHANGELOG.md"
DATA = "src/common/table.txt"
POL = POLICY.replace('paths = ["src/common/"]', f'paths = ["src/common/", "{LOG}"]')


def make(path: Path, attributes: str) -> Repo:
    r = Repo.init(path)
    r.commit("initial", {".agentgate.toml": POL, ".gitattributes": attributes, LOG: "# Changes\n- start\n",
                         DATA: text(), "src/billing/a.py": "a = 1\n", "src/ui/b.py": "b = 1\n"})
    merge.forget()
    return r


def git_clean(r: Repo, a: str, b: str) -> bool:
    """git's own verdict, in this checkout of the target (merge-tree reads its attributes)."""
    return r.git("merge-tree", "--write-tree", a, b, check=False).count("CONFLICT") == 0


def rules(data: dict[str, Any], path: str) -> list[tuple[str, str]]:
    [b] = data["branches"]
    return [(f["rule"], f["action"]) for f in b["findings"] if f["path"] == path]


def test_two_agents_appending_to_a_union_changelog_do_not_conflict(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make(tmp_path / "r", f"{LOG} merge=union\n")
    branch(r, "agent/alice/x", {LOG: "# Changes\n- start\n- alice\n"})
    branch(r, "agent/bob/y", {LOG: "# Changes\n- start\n- bob\n"})
    assert git_clean(r, "agent/alice/x", "agent/bob/y")
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert rc == 0
    assert rules(data, LOG) == [("overlap.hunk", "warn")]
    # ...and against a target that appended too: no target.conflict, only "stale".
    r.commit("main appends", {LOG: "# Changes\n- start\n- main\n"})
    assert git_clean(r, "main", "agent/alice/x")
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert rc == 0
    assert rules(data, LOG) == [("overlap.hunk", "warn"), ("target.stale", "warn")]


def test_union_written_on_the_branch_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make(tmp_path / "r", "")
    r.commit("main appends", {LOG: "# Changes\n- start\n- main\n"})
    branch(r, "agent/alice/x", {LOG: "# Changes\n- start\n- alice\n", ".gitattributes": "* merge=union\n"},
           start="main~1")
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert rc == 1
    assert ("target.conflict", "block") in rules(data, LOG)


def test_binary_and_unset_merge_conflict_where_a_text_merge_would_not(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for attributes in (f"{DATA} binary\n", f"{DATA} -merge\n", "*.txt merge=binary\n"):
        r = make(tmp_path / str(len(list(tmp_path.iterdir()))), attributes)
        branch(r, "agent/alice/x", {DATA: text(l3="alice")})
        branch(r, "agent/bob/y", {DATA: text(l15="bob")})
        assert not git_clean(r, "agent/alice/x", "agent/bob/y"), attributes
        _, data = run_check(r, "agent/alice/x", capsys)
        # (Lines are left out: libgit2's diff reads "-diff" of the binary macro.)
        assert [(f[0], f[1], f[2], f[5]["kind"]) for f in found(data)] == [
            ("overlap.conflict", "warn", DATA, "binary")], attributes
        r.commit("main too", {DATA: text(l18="main")})
        rc, data = run_check(r, "agent/alice/x", capsys)
        assert (rc, rules(data, DATA)) == (1, [("target.conflict", "block"), ("overlap.conflict", "warn")])


def test_merge_text_and_unset_attribute_merge_as_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for attributes in (f"{DATA} merge=text\n", f"{DATA} merge\n", f"{DATA} -merge\n{DATA} !merge\n",
                       f"{DATA} merge=nosuchdriver\n", "src/ binary\n"):
        r = make(tmp_path / str(len(list(tmp_path.iterdir()))), attributes)
        branch(r, "agent/alice/x", {DATA: text(l3="alice")})
        branch(r, "agent/bob/y", {DATA: text(l15="bob")})
        assert git_clean(r, "agent/alice/x", "agent/bob/y"), attributes
        _, data = run_check(r, "agent/alice/x", capsys)
        assert rules(data, DATA) == [("overlap.file", "warn")], attributes


def test_a_custom_driver_is_cannot_tell_and_never_blocks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make(tmp_path / "r", f"{DATA} merge=weave\n")
    r.git("config", "merge.weave.driver", "false %O %A %B %L %P")
    branch(r, "agent/alice/x", {DATA: text(l3="alice")})
    bob = branch(r, "agent/bob/y", {DATA: text(l3="bob")})
    r.commit("main too", {DATA: text(l3="main")})
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert rc == 0  # warnings only
    assert found(data) == [("overlap.conflict", "warn", DATA, 3, 3,
                            other("bob", "agent/bob/y", bob, DATA, lines=[3, 3], kind="driver:weave"))]
    [ov, tc] = [f for f in data["branches"][0]["findings"] if f["path"] == DATA]
    assert ov["message"] == (f"merge driver weave: agentgate cannot tell whether {DATA} merges cleanly "
                             "with bob's branch agent/bob/y")
    assert (tc["rule"], tc["action"], tc["message"]) == (
        "target.conflict", "warn",
        f"merge driver weave: agentgate cannot tell whether {DATA} merges cleanly into main "
        "(main changed it too since this branch forked)")
    # Without the driver in git config, git merges the file as text: a real conflict.
    r.git("config", "--unset", "merge.weave.driver")
    merge.forget()
    rc, data = run_check(r, "agent/alice/x", capsys)
    assert (rc, rules(data, DATA)) == (1, [("target.conflict", "block"), ("overlap.conflict", "warn")])


def test_conflict_hints_name_the_right_party(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make(tmp_path / "r", "")
    branch(r, "agent/alice/x", {LOG: "# Changes\n- start\n- alice\n"})
    branch(r, "agent/bob/y", {LOG: "# Changes\n- start\n- bob\n"})
    r.commit("main appends", {LOG: "# Changes\n- start\n- main\n"})
    _, data = run_check(r, "agent/alice/x", capsys)
    hints = {f["rule"]: f["hint"] for f in data["branches"][0]["findings"]}
    assert hints["overlap.conflict"].startswith("agree with bob which branch merges first")
    assert hints["target.conflict"] == f"rebase onto main: git rebase main and resolve {LOG}"


def test_attributes_are_read_from_the_tree_along_the_path(tmp_path: Path) -> None:
    r = Repo.init(tmp_path / "r")
    r.commit("initial", {
        ".gitattributes": "[attr]keep merge=union\n*.md keep\n/top.txt binary\n**/gen/** -merge\n",
        "docs/.gitattributes": "*.md merge=text\nsub/*.txt merge=ours\n",
        "docs/a.md": "", "top.txt": "", "x/gen/y/z.c": ""})
    r.write(".gitattributes", "* merge=union\n")  # the working directory is never read
    attrs = MergeAttributes(open_repo(str(r.path)), r.rev("main"))
    assert {p: attrs.driver(p) for p in (
        "a.md", "docs/a.md", "top.txt", "docs/top.txt", "x/gen/y/z.c", "gen/z.c", "docs/sub/a.txt",
        "docs/sub/deeper/a.txt", "other.c")} == {
        "a.md": "union", "docs/a.md": "text", "top.txt": "binary", "docs/top.txt": "text",
        "x/gen/y/z.c": "binary", "gen/z.c": "binary", "docs/sub/a.txt": "text",
        "docs/sub/deeper/a.txt": "text", "other.c": "text"}
