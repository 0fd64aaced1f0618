"""The benchmark generator builds the repository its manifest describes, checked with git."""

from __future__ import annotations

import itertools
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from bench.generate import bare_copy, generate, load_manifest, main
from tests.gitutil import git

BIG = "agent/agent00/big"
SIGNATURE = "agent/agent00/task2"
STALE = "agent/agent02/task"


def _tiny(path: Path, seed: int = 1) -> dict[str, Any]:
    """200 files, 12 commits on main, 3 agents, 4 branches, a 20-file pushed branch."""
    return generate(path, files=200, commits=12, agents=3, branches=4, seed=seed, big_branch_files=20)


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    repo = tmp_path / "bench"
    return repo, _tiny(repo)


def _hunks(repo: Path, base: str, head: str) -> dict[str, set[int]]:
    """Changed lines per path, on the base side (`git diff -U0`)."""
    out: dict[str, set[int]] = {}
    path = ""
    for line in git(repo, "diff", "-U0", base, head).splitlines():
        if line.startswith("+++ b/"):
            path = line[6:]
        elif m := re.match(r"@@ -(\d+)(?:,(\d+))? ", line):
            start, count = int(m[1]), int(m[2] or 1)
            out.setdefault(path, set()).update(range(start, start + max(count, 1)))
    return out


def test_tiny_repository_has_the_planned_shape(tiny: tuple[Path, dict[str, Any]]) -> None:
    repo, manifest = tiny
    assert len(git(repo, "ls-tree", "-r", "--name-only", "main").splitlines()) == 200
    assert git(repo, "rev-list", "--count", "main").strip() == "12"
    assert git(repo, "rev-parse", "main").strip() == manifest["main"]
    assert git(repo, "status", "--porcelain") == ""
    git(repo, "fsck", "--strict", "--no-progress")
    names = [b["name"] for b in manifest["branches"]]
    assert names == [BIG, "agent/agent01/task", STALE, SIGNATURE]
    assert git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/agent").split() == sorted(names)

    policy = tomllib.loads(git(repo, "show", "main:.agentgate.toml"))
    assert sorted(policy["agents"]) == ["agent00", "agent01", "agent02"]
    assert policy["agents"]["agent01"]["branches"] == ["agent/agent01/*"]
    assert "src/common/" in policy["shared"]["paths"]
    assert "tests" not in policy

    for b in manifest["branches"]:
        head, base = b["head"], b["base"]
        assert git(repo, "rev-parse", b["ref"]).strip() == head
        assert git(repo, "merge-base", "main", head).strip() == base
        assert git(repo, "rev-list", "--count", f"{head}..main").strip() == str(b["behind"])
        paths = git(repo, "diff", "--name-only", base, head).splitlines()
        assert paths == b["paths"]
        assert len(paths) == b["files_changed"]
    by_name = {b["name"]: b for b in manifest["branches"]}
    assert by_name[BIG]["files_changed"] == 20
    assert by_name[STALE]["behind"] == 11


def test_overlaps_in_the_manifest_are_what_git_sees(tiny: tuple[Path, dict[str, Any]]) -> None:
    repo, manifest = tiny
    assert [(p["branches"], p["kind"]) for p in manifest["pairs"]] == [
        ([BIG, "agent/agent01/task"], "distant"),
        ([BIG, STALE], "same"),
        ([BIG, SIGNATURE], "conflict"),
    ]
    assert manifest["overlaps"] == {
        "file": [[BIG, "agent/agent01/task"], [BIG, STALE], [BIG, SIGNATURE]],
        "lines": [[BIG, STALE], [BIG, SIGNATURE]],
        "conflict": [[BIG, SIGNATURE]],
    }
    hunks = {b["name"]: _hunks(repo, b["base"], b["head"]) for b in manifest["branches"]}
    seen: dict[str, list[list[str]]] = {"file": [], "lines": [], "conflict": []}
    for a, b in itertools.combinations(manifest["branches"], 2):
        pair = [a["name"], b["name"]]
        common = hunks[a["name"]].keys() & hunks[b["name"]].keys()
        if common:
            seen["file"].append(pair)
        if any(hunks[a["name"]][p] & hunks[b["name"]][p] for p in common):
            seen["lines"].append(pair)
        merge = subprocess.run(["git", "merge-tree", "--write-tree", a["head"], b["head"]],
                               cwd=repo, capture_output=True, check=False)
        assert merge.returncode in (0, 1), merge.stderr
        if merge.returncode == 1:
            seen["conflict"].append(pair)
    assert seen == manifest["overlaps"]


def test_signature_branch_changes_the_shared_helper(tiny: tuple[Path, dict[str, Any]]) -> None:
    repo, manifest = tiny
    assert manifest["signature"] == {"branch": SIGNATURE, "path": "src/common/util.py", "symbol": "normalize"}
    sig = next(b for b in manifest["branches"] if b["name"] == SIGNATURE)
    diff = git(repo, "diff", sig["base"], sig["head"], "--", "src/common/util.py").splitlines()
    assert [line for line in diff if line.startswith(("-def", "+def"))] == [
        "-def normalize(value: int) -> int:",
        "+def normalize(value: int, limit: int) -> int:",
    ]
    callers = git(repo, "grep", "-l", "import log_event, normalize", "main", "--", "src").splitlines()
    assert len(callers) > 10
    for path in manifest["adds_use"]["paths"]:
        big = manifest["branches"][0]
        assert "+from src.common.util import log_event, normalize" in git(
            repo, "diff", big["base"], big["head"], "--", path).splitlines()


def test_stale_branch_forks_before_main_changed_one_of_its_files(tiny: tuple[Path, dict[str, Any]]) -> None:
    repo, manifest = tiny
    stale = next(b for b in manifest["branches"] if b["name"] == manifest["stale_branch"])
    on_main = set(git(repo, "diff", "--name-only", stale["base"], "main").splitlines())
    assert len(on_main & set(stale["paths"])) == 1
    merged = subprocess.run(["git", "merge-tree", "--write-tree", "main", stale["head"]],
                            cwd=repo, capture_output=True, check=False)
    assert merged.returncode == 0


def test_same_seed_gives_the_same_commit_ids(tmp_path: Path, tiny: tuple[Path, dict[str, Any]]) -> None:
    _, first = tiny
    assert _tiny(tmp_path / "again") == first
    other = _tiny(tmp_path / "other", seed=2)
    assert other["main"] != first["main"]


def test_cli_and_bare_copy_without_the_pushed_branch(tmp_path: Path) -> None:
    repo = tmp_path / "cli"
    assert main([str(repo), "--files", "200", "--commits", "5", "--agents", "3",
                 "--branches", "4", "--big-branch-files", "20"]) == 0
    manifest = load_manifest(repo)
    assert manifest is not None and manifest["params"]["commits"] == 5
    remote = bare_copy(repo, tmp_path / "remote.git", without=[BIG])
    assert git(remote, "rev-parse", "--is-bare-repository").strip() == "true"
    refs = git(remote, "for-each-ref", "--format=%(refname)").split()
    assert refs == sorted(b["ref"] for b in manifest["branches"] if b["name"] != BIG) + ["refs/heads/main"]
    assert load_manifest(remote) == manifest


def test_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine\n")
    with pytest.raises(ValueError, match="not empty"):
        _tiny(tmp_path)
    assert main([str(tmp_path), "--files", "200"]) == 2
