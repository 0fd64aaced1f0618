"""``agentgate status`` (the board and the agents matrix) and ``agentgate plan``
(the merge order), on a repository with four agents."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any, Literal

import pytest
from click.testing import CliRunner

from gate import gating
from gate.cli import cli
from gate.commands import plan, status
from gate.report import board
from gate.testrun import cache as tests_cache
from gate.testrun import merged
from gate.testrun.result import TestOutcome
from tests.gitutil import Repo, git
from tests.test_overlap import POLICY, UTIL, branch, make_repo, text


def four_agents(path: Path) -> Repo:
    """alice and bob change the same line; dave the same file elsewhere (and a file
    that is alice's); carol keeps to her docs."""
    r = make_repo(path)
    branch(r, "agent/alice/x", {UTIL: text(l3="alice")})
    branch(r, "agent/bob/y", {UTIL: text(l3="bob"), "src/ui/b.py": "b = 2\n"})
    branch(r, "agent/carol/docs", {"docs/c.md": "more\n"})
    branch(r, "agent/dave/api", {UTIL: text(l15="dave"), "src/api/d.py": "d = 2\n", "src/billing/a.py": "a = 9\n"})
    return r


def run(capsys: pytest.CaptureFixture[str], fn: Any, *args: Any) -> tuple[int, str]:
    capsys.readouterr()
    rc = fn(*args)
    return rc, capsys.readouterr().out


def test_status_board_is_plain_text_when_piped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = four_agents(tmp_path / "r")
    rc, out = run(capsys, status.main, "text", None, None, str(r.path))
    assert rc == 1  # dave's change outside his scope blocks: the board's verdict
    assert out.splitlines() == [
        f"agentgate status: 4 open agent branches against main at {r.rev('main')[:7]}",
        "",
        "AGENT  BRANCH            AHEAD  BEHIND  FILES  SCOPE        OVERLAPS                       CONFLICTS      TESTS  VERDICT",  # noqa: E501
        "alice  agent/alice/x     1      0       1      ok           agent/bob/y, agent/dave/api    agent/bob/y    -      allow",  # noqa: E501
        "bob    agent/bob/y       1      0       2      ok           agent/alice/x, agent/dave/api  agent/alice/x  -      allow",  # noqa: E501
        "carol  agent/carol/docs  1      0       1      ok           -                              -              -      allow",  # noqa: E501
        "dave   agent/dave/api    1      0       3      outside (1)  agent/alice/x, agent/bob/y     -              -      block",  # noqa: E501
        "",
        "overlaps between agents:",
        "       alice       bob         carol  dave",
        "alice  none        conflict    none   same files",
        "bob    conflict    none        none   same files",
        "carol  none        none        none   none",
        "dave   same files  same files  none   none",
        "",
        "verdict: BLOCK",
    ]


def test_status_json_has_rows_and_the_agents_matrix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = four_agents(tmp_path / "r")
    rc, out = run(capsys, status.main, "json", None, None, str(r.path))
    data = json.loads(out)
    assert (rc, data["version"], data["verdict"]) == (1, 1, "block")
    assert data["target"] == {"ref": "refs/heads/main", "oid": r.rev("main")}
    assert [b["ref"] for b in data["branches"]] == [
        "refs/heads/agent/alice/x", "refs/heads/agent/bob/y", "refs/heads/agent/carol/docs",
        "refs/heads/agent/dave/api"]
    alice = data["branches"][0]
    assert {k: v for k, v in alice.items() if k not in ("findings", "head", "base")} == {
        "ref": "refs/heads/agent/alice/x", "branch": "agent/alice/x", "agent": "alice",
        "ahead": 1, "behind": 0, "files_changed": 1, "scope": "ok",
        "overlaps": [
            {"branch": "refs/heads/agent/bob/y", "agent": "bob", "relation": "conflict", "paths": [UTIL]},
            {"branch": "refs/heads/agent/dave/api", "agent": "dave", "relation": "same-files", "paths": [UTIL]},
        ],
        "conflicts": {"target": [], "branches": ["refs/heads/agent/bob/y"]},
        "tests": "-", "verdict": "allow",
    }
    assert [f["rule"] for f in alice["findings"]] == ["overlap.conflict", "overlap.file"]
    assert data["matrix"]["agents"] == ["alice", "bob", "carol", "dave"]
    cells = data["matrix"]["cells"]
    assert len(cells) == 16
    assert {k: v for k, v in cells.items() if v != "none"} == {
        "alice|bob": "conflict", "bob|alice": "conflict", "alice|dave": "same-files",
        "dave|alice": "same-files", "bob|dave": "same-files", "dave|bob": "same-files"}


def test_status_shows_the_last_cached_test_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    head = branch(r, "agent/carol/docs", {"docs/c.md": "more\n"})
    outcome = TestOutcome(kind="failed", commit=head, command="python -m pytest -q", duration=1.0)
    tests_cache.store(r.path / ".git", "some candidate key", 900.0, outcome)
    _, out = run(capsys, status.main, "json", None, None, str(r.path))
    assert [b["tests"] for b in json.loads(out)["branches"]] == ["failed"]


def _moved_on(path: Path, merge: bool) -> tuple[Repo, str, str]:
    """carol's branch, with main moved on since it forked: (repo, tip, merge candidate)."""
    r = make_repo(path, POLICY + f'\n[tests]\ncommand = "python -m pytest -q"\nmerge = {str(merge).lower()}\n')
    tip = branch(r, "agent/carol/docs", {"docs/c.md": "more\n"})
    r.commit("main moves on", {"src/api/d.py": "d = 3\n"})
    ctx = gating.open_board(None, str(r.path))
    (b,) = ctx.agent_branches
    candidate, _ = merged.candidate(ctx, b, True)
    assert candidate not in (None, tip, r.rev("main"))
    return r, tip, str(candidate)


def _cache(r: Repo, commit: str, kind: Literal["passed", "failed"]) -> None:
    outcome = TestOutcome(kind=kind, commit=commit, command="python -m pytest -q", duration=1.0)
    tests_cache.store(r.path / ".git", f"key of {commit}", 900.0, outcome)


def _tests_column(r: Repo, capsys: pytest.CaptureFixture[str]) -> list[str]:
    _, out = run(capsys, status.main, "json", None, None, str(r.path))
    return [b["tests"] for b in json.loads(out)["branches"]]


def test_status_shows_the_merge_result_not_a_later_run_on_the_tip_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r, tip, candidate = _moved_on(tmp_path / "r", merge=True)
    _cache(r, candidate, "failed")
    _cache(r, tip, "passed")  # green alone, red merged: the board must say red
    assert _tests_column(r, capsys) == ["failed"]


def test_status_shows_no_result_when_only_the_tip_was_tested(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r, tip, _ = _moved_on(tmp_path / "r", merge=True)
    _cache(r, tip, "passed")
    assert _tests_column(r, capsys) == ["-"]


def test_status_shows_the_tip_result_when_the_policy_tests_tips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r, tip, candidate = _moved_on(tmp_path / "r", merge=False)
    _cache(r, candidate, "failed")
    _cache(r, tip, "passed")
    assert _tests_column(r, capsys) == ["passed"]


def test_status_without_open_agent_branches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    rc, out = run(capsys, status.main, "text", None, None, str(r.path))
    assert (rc, out.splitlines()) == (0, [
        f"agentgate status: 0 open agent branches against main at {r.rev('main')[:7]}", "",
        "no open agent branches", "", "verdict: ALLOW"])


def test_plan_ranks_only_what_may_merge_and_holds_the_rest_with_the_reason(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = four_agents(tmp_path / "r")
    rc, out = run(capsys, plan.main, "json", None, None, str(r.path))
    assert rc == 1
    # dave's branch blocks (a file of alice's): held, never ranked.
    assert json.loads(out) == {"version": 1, "order": [
        {"branch": "refs/heads/agent/carol/docs", "agent": "carol", "verdict": "allow", "rebase_after": []},
        {"branch": "refs/heads/agent/alice/x", "agent": "alice", "verdict": "allow",
         "rebase_after": ["refs/heads/agent/bob/y"]},
        {"branch": "refs/heads/agent/bob/y", "agent": "bob", "verdict": "allow", "rebase_after": []},
    ], "held": [
        {"branch": "refs/heads/agent/dave/api", "verdict": "block",
         "why": "scope.outside: src/billing/a.py is owned by alice (pattern src/billing/), not by dave"},
    ]}
    _, out = run(capsys, plan.main, "text", None, None, str(r.path))
    assert out.splitlines() == [
        "merge order for 3 agent branches that may merge into main:",
        "  1. agent/carol/docs (carol)",
        "  2. agent/alice/x (alice)",
        "       then rebase: agent/bob/y",
        "  3. agent/bob/y (bob)",
        "",
        "held, not ranked (it blocks or waits for an approval):",
        "  agent/dave/api (dave) BLOCK: scope.outside: src/billing/a.py is owned by alice (pattern src/billing/), "
        "not by dave",
        "",
        "1 rebase announced; verdict of the board: BLOCK",
    ]


def test_a_branch_waiting_for_approval_is_held_and_nothing_is_ranked_when_nothing_may_merge(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r")
    branch(r, "agent/carol/drop", {"docs/migrations/0001.sql": "DROP TABLE docs;\n"})
    rc, out = run(capsys, plan.main, "json", None, None, str(r.path))
    why = "gate.migration: docs/migrations/0001.sql is a migration (pattern **/migrations/**): added"
    assert (rc, json.loads(out)) == (3, {"version": 1, "order": [], "held": [
        {"branch": "refs/heads/agent/carol/drop", "verdict": "ask", "why": why}]})
    rc, out = run(capsys, plan.main, "text", None, None, str(r.path))
    assert (rc, out.splitlines()[:4]) == (3, [
        "no open agent branch may merge into main now.", "",
        "held, not ranked (it blocks or waits for an approval):",
        f"  agent/carol/drop (carol) ASK: {why}"])
    rc, out = run(capsys, plan.main, "github-matrix", None, None, str(r.path))
    assert (rc, out) == (0, '{"include":[]}\n')


@pytest.mark.parametrize("outside", ["block", "warn"])
def test_the_owner_of_a_folder_never_rebases_onto_the_branch_that_crept_into_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], outside: str) -> None:
    r = make_repo(tmp_path / "r", POLICY + f'"scope.outside" = "{outside}"\n')  # [rules] is the last table
    # alice's branch (first by name) rewrites bob's file; bob's own branch changes the same line.
    branch(r, "agent/alice/creep", {"src/ui/b.py": "b = 'alice'\n"})
    branch(r, "agent/bob/ui", {"src/ui/b.py": "b = 'bob'\n"})
    _, out = run(capsys, plan.main, "json", None, None, str(r.path))
    data = json.loads(out)
    if outside == "block":
        assert [(s["branch"], s["rebase_after"]) for s in data["order"]] == [("refs/heads/agent/bob/ui", [])]
        assert [h["branch"] for h in data["held"]] == ["refs/heads/agent/alice/creep"]
    else:  # allowed with a warning: ranked, but after the owner's branch, and it rebases
        assert [(s["branch"], s["rebase_after"]) for s in data["order"]] == [
            ("refs/heads/agent/bob/ui", ["refs/heads/agent/alice/creep"]), ("refs/heads/agent/alice/creep", [])]
        assert data["held"] == []


def test_plan_as_a_github_matrix_is_one_line_of_the_branches_that_may_merge(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = four_agents(tmp_path / "r")
    rc, out = run(capsys, plan.main, "github-matrix", None, None, str(r.path))
    assert rc == 0  # dave's branch blocks, and the CI step that builds the matrix still passes
    assert out.count("\n") == 1
    assert json.loads(out) == {"include": [
        {"branch": "agent/carol/docs", "ref": "refs/heads/agent/carol/docs", "agent": "carol"},
        {"branch": "agent/alice/x", "ref": "refs/heads/agent/alice/x", "agent": "alice"},
        {"branch": "agent/bob/y", "ref": "refs/heads/agent/bob/y", "agent": "bob"},
    ]}


def test_merging_in_plan_order_meets_only_announced_conflicts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = four_agents(tmp_path / "r")
    # A second round of collisions: alice/w against dave (line 15) and against bob/z (line 8).
    branch(r, "agent/alice/w", {UTIL: text(l8="alice w", l15="alice w")})
    branch(r, "agent/bob/z", {UTIL: text(l8="bob z"), "src/ui/b.py": "b = 3\n"})
    branch(r, "agent/carol/more", {"docs/more.md": "x\n"})
    _, out = run(capsys, plan.main, "json", None, None, str(r.path))
    steps = json.loads(out)["order"]
    assert len(steps) == 6  # dave's branch blocks: held, not merged
    git(tmp_path, "clone", "-q", str(r.path), "scratch")
    scratch = Repo(tmp_path / "scratch")
    announced: set[str] = set()
    conflicted = []
    for step in steps:
        short = step["branch"].removeprefix("refs/heads/")
        scratch.git("merge", "-q", "--no-ff", "-m", f"merge {short}", f"origin/{short}", check=False)
        if scratch.git("ls-files", "--unmerged"):
            conflicted.append(step["branch"])
            scratch.git("merge", "--abort")  # left for its rebase; the others go on
        announced.update(step["rebase_after"])
    assert conflicted  # the scenario does meet conflicts...
    assert set(conflicted) <= announced  # ...and the plan said so beforehand


def test_cli_runs_status_and_plan(tmp_path: Path) -> None:
    r = four_agents(tmp_path / "r")
    runner = CliRunner()
    res = runner.invoke(cli, ["status", "--format", "json", "--repo", str(r.path)])
    assert (res.exit_code, json.loads(res.stdout)["verdict"]) == (1, "block")
    res = runner.invoke(cli, ["plan", "--format", "github-matrix", "--repo", str(r.path)])
    assert res.exit_code == 0
    assert [i["agent"] for i in json.loads(res.stdout)["include"]] == ["carol", "alice", "bob"]
    res = runner.invoke(cli, ["plan", "--format", "sarif", "--repo", str(r.path)])
    assert res.exit_code == 2


def test_board_finds_exactly_the_overlaps_the_benchmark_planned(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    generate = pytest.importorskip("bench.generate").generate
    manifest = generate(tmp_path / "bench", files=1000, commits=20, agents=9, branches=9, seed=3,
                        big_branch_files=40)
    _, out = run(capsys, status.main, "json", None, None, str(tmp_path / "bench"))
    got = {}
    for b in json.loads(out)["branches"]:
        for o in b["overlaps"]:
            got[tuple(sorted((b["branch"], o["branch"].removeprefix("refs/heads/"))))] = o["relation"]
    planned = {}
    # The manifest lists each pair under every kind it has; the board keeps the most specific.
    for kind, relation in (("file", "same-files"), ("lines", "same-lines"), ("conflict", "conflict")):
        for a, b in manifest["overlaps"][kind]:
            planned[tuple(sorted((a, b)))] = relation
    assert "conflict" in planned.values()
    assert got == planned


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_board_is_a_rich_table_at_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = four_agents(tmp_path / "r")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERM", "xterm")
    rep = gating.collect(gating.open_board(None, str(r.path)))
    out = _Terminal()
    board.emit(rep, "text", None, out)
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue()).splitlines()]
    assert lines[0].startswith("agentgate status: 4 open agent branches against main at ")
    assert lines[0].endswith("(names under agent/)")
    assert lines[2].split() == ["agent", "branch", "ahead", "behind", "files", "scope", "overlaps", "conflicts",
                                "verdict"]  # no test result known: no tests column
    assert lines[4].split() == ["alice", "alice/x", "1", "0", "1", "ok", "bob/y", "bob/y", "allow"]
    assert "overlaps between agents" in lines
    assert lines[-1] == "verdict: BLOCK"


def test_progress_shows_only_on_a_terminal_and_only_after_the_delay() -> None:
    shown, early, piped = _Terminal(), _Terminal(), io.StringIO()
    for stream, delay in ((shown, 0.0), (early, 3600.0), (piped, 0.0)):
        with board.Progress(2, "status", delay=delay, stream=stream) as progress:
            progress.tick("agent/alice/x")
            progress.tick("agent/bob/y")
    assert "status" in shown.getvalue()
    assert (early.getvalue(), piped.getvalue()) == ("", "")
