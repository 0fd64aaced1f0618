"""Gating several branches into one report: the branches a command chose (``check``,
``merge``, ``demo``) and the board of every open agent branch (``status``, ``plan``,
``demo``), with the facts the board shows and the agents x agents matrix.

Computed here, rendered by ``gate.report`` (``report.board`` for the board). The
board's pairwise results come from the cached pair analysis (``gate.git.merge``,
``gate.git.pairs``), so the board for n branches costs n^2/2 cache reads when warm.
The TESTS column is the cached result of ``check --tests`` for the branch's merge
candidate (``gate.testrun.merged.candidate``), never a result for the tip alone unless
the policy tests tips (``[tests] merge = false``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gate import context, engine, verdict
from gate.checks import Tested, overlap
from gate.context import BranchInfo, Context
from gate.errors import GateError
from gate.git import merge, pairs
from gate.git.opening import open_repo
from gate.model import BranchResult, Finding, Report
from gate.policy import require_policy

if TYPE_CHECKING:
    from gate.testrun import TestOutcome
    from gate.testrun.merged import Ran

# The test runner is imported where it is used: 'check' without --tests never loads it.

NONE = "none"
# Worst first: what a matrix cell shows for two agents.
RELATIONS = (overlap.LABELS[pairs.CONFLICT], overlap.LABELS[pairs.HUNK], overlap.LABELS[pairs.FILE], NONE)

Tick = Callable[[str], None]


def run(ctx: Context, branches: Sequence[BranchInfo], tests: bool = False, rerun: bool = False,
        jobs: int | None = None) -> list[BranchResult]:
    """Gate each branch; with ``tests``, also run the test command on its merge result."""
    ran: dict[str, Ran] = {}
    if tests:
        from gate.testrun import merged

        ran = merged.run(ctx, branches, rerun=rerun, jobs=jobs)
    results = []
    for b in branches:
        done = ran.get(b.head)
        res = engine.evaluate(ctx, b, tested=done.tested if done is not None else None)
        if done is not None:
            res.facts["tests"] = done.facts
        results.append(res)
    return results


def make_report(ctx: Context, results: Sequence[BranchResult], started: float) -> Report:
    """One report for ``results``: the verdict of them all, and the time since ``started``."""
    return Report(
        verdict=verdict.combine(r.verdict for r in results),
        target_ref=ctx.target_ref,
        target_oid=ctx.target_oid,
        branches=tuple(results),
        elapsed_ms=int((time.monotonic() - started) * 1000),
    )


def collect(ctx: Context, tick: Tick | None = None) -> Report:
    """Evaluate every open agent branch; facts and the matrix ride in the report."""
    from gate.testrun.cache import cached_outcomes

    started = time.monotonic()
    results = []
    outcomes = cached_outcomes(ctx.repo.common_dir)
    for b in ctx.agent_branches:
        results.append(_row(ctx, b, outcomes))
        if tick is not None:
            tick(b.short)
    return Report(
        verdict=verdict.combine(r.verdict for r in results),
        target_ref=ctx.target_ref,
        target_oid=ctx.target_oid,
        branches=tuple(results),
        elapsed_ms=int((time.monotonic() - started) * 1000),
        extra={"matrix": matrix(results)},
    )


def _row(ctx: Context, b: BranchInfo, outcomes: Mapping[str, TestOutcome]) -> BranchResult:
    try:
        tested = last_outcome(ctx, b, outcomes)
        # A cached failing result of the merge candidate counts in the verdict, as in
        # check --tests: a board saying "failed" and "allow" side by side misleads.
        cfg = ctx.policy.tests
        res = engine.evaluate(ctx, b, tested=Tested(tested, cfg.merge if cfg else True) if tested else None)
        cs = ctx.changes(b.head)
        ovs = overlap.overlaps(ctx, b, cs)
        to_target = merge.analyze(ctx.repo, b.head, ctx.target_oid, use_cache=ctx.use_cache, known=(cs,),
                                  attrs=ctx.merge_attrs)
    except GateError as e:
        # One unreadable branch (no common history…) must not hide the others: it
        # cannot be judged, so it blocks (fail closed), and the board says why.
        return BranchResult(ref=b.ref, agent=b.agent, head=b.head, base=None, verdict="block",
                            findings=(), facts={"error": str(e), "scope": "-", "overlaps": [],
                                                "conflicts": {"target": [], "branches": []},
                                                "tests": "-"})
    by_branch: dict[str, dict[str, Any]] = {}
    for ov in ovs:
        entry = by_branch.setdefault(ov.other.ref, {"branch": ov.other.ref, "agent": ov.other.agent,
                                                    "relation": NONE, "paths": []})
        label = overlap.LABELS[ov.relation]
        if RELATIONS.index(label) < RELATIONS.index(entry["relation"]):
            entry["relation"] = label
        if ov.path not in entry["paths"]:
            entry["paths"].append(ov.path)
    facts = dict(res.facts)
    facts.update(
        scope=scope_summary(res.findings),
        overlaps=sorted(by_branch.values(), key=lambda e: e["branch"]),
        conflicts={
            "target": sorted({(e.ours or e.theirs)[-1] for e in to_target.conflicts}),
            "branches": sorted(r for r, e in by_branch.items() if e["relation"] == RELATIONS[0]),
        },
        tests=tested.kind if tested is not None else "-",
    )
    return dataclasses.replace(res, facts=facts)


def scope_summary(findings: Iterable[Finding]) -> str:
    """``ok``, or what the scope rules found: ``outside (2)``, ``shared (1)``…"""
    counts = {"scope.unknown-agent": 0, "scope.outside": 0, "scope.shared": 0}
    for f in findings:
        if f.rule in counts:
            counts[f.rule] += 1
    parts = [f"{rule.split('.', 1)[1]} ({n})" for rule, n in counts.items() if n]
    return ", ".join(parts) or "ok"


def matrix(results: Iterable[BranchResult]) -> dict[str, Any]:
    """agents x agents: the worst relation between any branch of one and any of the other."""
    rows = list(results)
    agents = sorted({r.agent for r in rows if r.agent})
    agent_of = {r.ref: r.agent for r in rows}
    cells = {f"{a}|{b}": NONE for a in agents for b in agents}
    for r in rows:
        for ov in r.facts.get("overlaps", []):
            other = agent_of.get(ov["branch"], ov["agent"])
            if not r.agent or not other:
                continue
            for key in (f"{r.agent}|{other}", f"{other}|{r.agent}"):
                if key in cells and RELATIONS.index(ov["relation"]) < RELATIONS.index(cells[key]):
                    cells[key] = ov["relation"]
    return {"agents": agents, "cells": cells}


def last_outcome(ctx: Context, b: BranchInfo, outcomes: Mapping[str, TestOutcome]) -> TestOutcome | None:
    """The newest cached test result for ``b``'s merge candidate (the
    exact commit ``check --tests`` tests: target and tip merged), or for its tip when
    the policy says ``[tests] merge = false``; None when none is known.

    A result for the tip alone never stands in for the merge result: a branch can
    pass on its own and fail merged (the demo's agent/bob/title).
    """
    if not outcomes:
        return None  # nothing was ever tested: no merge to compute
    from gate.testrun import merged

    cfg = ctx.policy.tests
    commit, _ = merged.candidate(ctx, b, cfg.merge if cfg is not None else True)
    return outcomes.get(commit) if commit is not None else None


def open_board(target: str | None, repo_path: str | None) -> Context:
    """The context a board is computed in: the repository, its target, and a policy
    (refused without one: a board without agents has no rows)."""
    ctx = context.build(open_repo(repo_path), target)
    require_policy(ctx.policy, ctx.target_ref)
    return ctx
