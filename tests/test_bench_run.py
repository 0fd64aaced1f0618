"""A smoke run of the benchmark script (``python -m bench.run --quick``): it builds
its repositories, runs every measurement and writes the numbers. No timing is
asserted here; the targets live in the benchmark's own table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.run import BIG, main
from tests.gitutil import git


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
    assert "pre-receive hook, warm" in table and "ratio check warm / baseline" in table
    # Each hostile push finished inside hook_seconds or was refused at the deadline.
    assert sorted(result["hostile"]) == ["alternating", "long-line", "many-files"]
    for r in result["hostile"].values():
        assert r["outcome"] in ("finished: accepted", "finished: refused", "refused at the deadline")
        assert (r["rc"] != 0) == (r["outcome"] != "finished: accepted")
    assert "hostile pushes (hook_seconds = 4" in table
