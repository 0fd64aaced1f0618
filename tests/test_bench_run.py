"""A smoke run of the benchmark script (``python -m bench.run --quick``): it builds
its repositories, runs every measurement and writes the numbers. No timing is
asserted here; the targets live in the benchmark's own table."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bench.run import BIG, main
from tests.gitutil import Repo, git


def test_the_quick_run_measures_everything_and_writes_json(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench.json"
    work = tmp_path / "work"
    assert main(["--quick", "--json", str(out), "--keep", str(work)]) == 0
    (result,) = json.loads(out.read_text())
    assert (result["files"], result["branches"]) == (2000, 6)
    assert result["check_exit"] == 1  # the 300-file branch reaches into other agents' files
    for key in ("check_cold", "check_warm", "check_recomputed", "baseline", "hook_warm", "hook_recomputed",
                "push_warm", "status_warm", "status_recomputed"):
        assert result[key]["n"] >= 1 and 0 < result[key]["min"] <= result[key]["median"] <= result[key]["max"]
    assert result["hook_cold"] > 0 and result["peak_rss_mib"] > 0
    # Every push was refused (so it could be repeated), and the server kept its verdict.
    server = work / "server-repo-2000-6.git"
    assert git(server, "for-each-ref", f"refs/heads/{BIG}").strip() == ""
    assert list((server / "agentgate" / "memo").glob("*.json"))
    table = capsys.readouterr().out
    assert "recomputed (headline)" in table and "ratio check cold / baseline" in table
    # check --tests was timed with and without the tests, the first run apart.
    tests = result["tests"]
    assert (tests["files"], tests["command"]) == (2000, "true")
    assert tests["check_tests"]["n"] == tests["check"]["n"] == tests["overhead"]["n"] == 4
    assert "added by --tests" in table
    # Each hostile push finished inside hook_seconds or was refused at the deadline.
    assert sorted(result["hostile"]) == ["alternating", "long-line", "many-files"]
    for r in result["hostile"].values():
        assert r["outcome"] in ("finished: accepted", "finished: refused", "refused at the deadline")
        assert (r["rc"] != 0) == (r["outcome"] != "finished: accepted")
    assert "hostile pushes (hook_seconds = 4" in table


def test_real_history_branches_take_each_range_of_commits_onto_main(tmp_path: Path) -> None:
    from itertools import combinations

    from bench.real import build, git_pairs
    from bench.run import _env

    src = Repo.init(tmp_path / "src")
    src.commit("c0", {"a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n"})
    for n, files in enumerate([{"a.txt": "a1\n"}, {"b.txt": "b1\n"}, {"a.txt": "a2\n"}, {"c.txt": "c1\n"},
                               {"a.txt": "a3\n"}, {"d.txt": "d\n"}], start=1):
        src.commit(f"c{n}", files)
    desc = build(src.path, tmp_path / "real", branches=3, span=2, env=_env())
    repo = tmp_path / "real"
    assert desc["branches"] == ["agent/agent00/range00", "agent/agent01/range01", "agent/agent02/range02"]
    assert (desc["base"], desc["span"]) == (src.rev("HEAD~6"), 2)
    main = git(repo, "rev-parse", "main").strip()
    assert git(repo, "rev-parse", "main^").strip() == desc["base"]
    changed = [git(repo, "diff", "--name-status", main, b).split() for b in desc["branches"]]
    assert changed == [["M", "a.txt", "M", "b.txt"], ["M", "a.txt", "M", "c.txt"], ["M", "a.txt", "A", "d.txt"]]
    for b in desc["branches"]:
        assert git(repo, "rev-parse", f"{b}^").strip() == main
    _, conflicting = git_pairs(repo, desc["branches"], _env())
    merge_tree = ["git", "merge-tree", "--write-tree"]
    expected = {frozenset(p) for p in combinations(desc["branches"], 2)
                if subprocess.run([*merge_tree, *p], cwd=repo, capture_output=True).returncode == 1}
    assert conflicting == expected == {frozenset(p) for p in combinations(desc["branches"], 2)}  # a.txt each time
