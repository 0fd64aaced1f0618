"""The board's rows are typed values (``gate.model.BoardRow``, ``PairRow``, ``Matrix``)
and come from the analysis the engine ran for the verdict: ``status`` asks the
overlap analysis of each pair and the merge with the target once (issue 13)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gate import gating
from gate.checks import overlap
from gate.commands import status
from gate.git import merge
from gate.git import overlaps as git_overlaps
from gate.model import BoardRow, Matrix, PairRow, RefName
from tests.gitutil import Repo
from tests.test_overlap import UTIL, branch, make_repo, text

ALICE, BOB, CAROL = (RefName(f"refs/heads/agent/{n}") for n in ("alice/x", "bob/y", "carol/docs"))


def three_agents(path: Path) -> Repo:
    """alice and bob change the same line of a file main changes too; carol her docs."""
    r = make_repo(path)
    branch(r, "agent/alice/x", {UTIL: text(l3="alice")})
    branch(r, "agent/bob/y", {UTIL: text(l3="bob")})
    branch(r, "agent/carol/docs", {"docs/c.md": "more\n"})
    r.commit("main moves on", {UTIL: text(l3="main")})
    return r


def test_status_asks_each_pair_and_each_merge_with_the_target_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    r = three_agents(tmp_path / "r")
    heads = {r.rev(n): n for n in ("main", "agent/alice/x", "agent/bob/y", "agent/carol/docs")}
    asked: Counter[tuple[str, str]] = Counter()
    merged: Counter[frozenset[str]] = Counter()
    computed: Counter[frozenset[str]] = Counter()
    real_collisions, real_analyze, real_compute = git_overlaps.collisions, merge.analyze, merge._compute

    def collisions(repo: Any, cs: Any, other_head: str, *args: Any, **kw: Any) -> Any:
        asked[heads[cs.head], heads[other_head]] += 1
        return real_collisions(repo, cs, other_head, *args, **kw)

    def analyze(repo: Any, ours: str, theirs: str, *args: Any, **kw: Any) -> Any:
        if "main" in (heads[ours], heads[theirs]):
            merged[frozenset((heads[ours], heads[theirs]))] += 1
        return real_analyze(repo, ours, theirs, *args, **kw)

    def compute(repo: Any, a: str, b: str, *args: Any) -> Any:
        computed[frozenset((heads[a], heads[b]))] += 1
        return real_compute(repo, a, b, *args)

    monkeypatch.setattr(overlap, "collisions", collisions)
    monkeypatch.setattr(git_overlaps, "collisions", collisions)
    monkeypatch.setattr(merge, "analyze", analyze)
    monkeypatch.setattr(merge, "_compute", compute)
    capsys.readouterr()
    assert status.main("json", None, None, str(r.path)) == 1  # the conflicts with main block
    names = ("agent/alice/x", "agent/bob/y", "agent/carol/docs")
    # Every ordered pair of branches once (the overlap rules), nothing twice.
    assert asked == Counter({(a, b): 1 for a in names for b in names if a != b})
    # Every branch merged with the target once (the target rules), not again for the board.
    assert merged == Counter({frozenset((n, "main")): 1 for n in names})
    # Each pair of commits merged in memory once, whoever asked.
    assert set(computed.values()) == {1}
    assert len(computed) == 6  # 3 pairs of branches, 3 branches with the target


def test_the_board_is_typed_rows_and_the_plan_reads_them(tmp_path: Path) -> None:
    r = three_agents(tmp_path / "r")
    b = gating.collect(gating.open_board(None, str(r.path)))
    assert [row.result.ref for row in b.rows] == [ALICE, BOB, CAROL]
    alice, bob, carol = b.rows
    assert alice == BoardRow(alice.result, scope="ok", pairs=(PairRow(BOB, "bob", "conflict", (UTIL,)),),
                             target_conflicts=(UTIL,), tests="-")
    assert (bob.pairs, bob.target_conflicts, bob.branch_conflicts) == (
        (PairRow(ALICE, "alice", "conflict", (UTIL,)),), (UTIL,), (ALICE,))
    assert (carol.pairs, carol.target_conflicts, carol.branch_conflicts, carol.error) == ((), (), (), None)
    assert b.matrix == Matrix(("alice", "bob", "carol"), (("none", "conflict", "none"),
                                                          ("conflict", "none", "none"),
                                                          ("none", "none", "none")))
    assert b.matrix.cell("bob", "alice") == "conflict"
    steps = gating.order(b)
    # alice and bob conflict with main (target.conflict blocks): held, not ranked.
    assert [(s.ref, s.conflicts_with_target, s.rebase_after) for s in steps] == [(CAROL, False, ())]
    assert [(h.ref, h.verdict, h.why.split(":")[0]) for h in gating.held(b)] == [
        (ALICE, "block", "target.conflict"), (BOB, "block", "target.conflict")]
