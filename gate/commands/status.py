"""``agentgate status``: the board. Every open agent branch through the gate, the
facts people scan for (ahead/behind, files, scope, overlaps, conflicts, tests),
and the agents x agents matrix; exit code = the verdict of the whole board.

Pairwise results come from the cached pair analysis (``gate.git.merge``), so the
board for n branches costs n^2/2 cache reads when warm.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from typing import Any

from gate import context, engine, verdict
from gate.checks import overlap
from gate.context import BranchInfo, Context, short_name
from gate.errors import GateError, UsageError
from gate.git import GitRepo, merge, open_repo
from gate.git.changes import read_json
from gate.model import BranchResult, Finding, Report

FORMATS = ("text", "json")
NONE = "none"
# Worst first: what a matrix cell shows for two agents.
RELATIONS = (overlap.LABELS[merge.CONFLICT], overlap.LABELS[merge.HUNK], overlap.LABELS[merge.FILE], NONE)

Tick = Callable[[str], None]
Outcome = tuple[float, tuple[str, ...], str]  # (when cached, candidate commit and its parents, kind)


def collect(ctx: Context, tick: Tick | None = None) -> Report:
    """Evaluate every open agent branch; facts and the matrix ride in the report."""
    started = time.monotonic()
    results = []
    outcomes = cached_test_outcomes(ctx.repo)
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


def _row(ctx: Context, b: BranchInfo, outcomes: list[Outcome]) -> BranchResult:
    try:
        res = engine.evaluate(ctx, b)
        cs = ctx.changes(b.head)
        ovs = overlap.overlaps(ctx, b, cs)
        to_target = merge.analyze(ctx.repo, b.head, ctx.target_oid, use_cache=ctx.use_cache, known=(cs,))
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
        tests=last_test(b.head, outcomes),
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


def last_test(head: str, outcomes: list[Outcome]) -> str:
    """The newest cached test outcome for a candidate that is ``head`` or a merge of
    it; "-" when none is known."""
    best: Outcome | None = None
    for o in outcomes:
        if head in o[1] and (best is None or o[0] > best[0]):
            best = o
    return best[2] if best else "-"


def cached_test_outcomes(repo: GitRepo) -> list[Outcome]:
    """(mtime, candidate and its parents, kind) of every outcome the test runner cached
    (gate/testrun keeps one JSON file per candidate under agentgate/tests)."""
    import importlib.util

    folder = repo.cache_dir("tests")
    if importlib.util.find_spec("gate.testrun") is None or not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json")):
        data = read_json(path)
        outcome = data.get("outcome") if isinstance(data, dict) else None
        if isinstance(outcome, dict) and isinstance(outcome.get("kind"), str):
            try:
                commit = str(outcome.get("commit") or "")
                found.append((path.stat().st_mtime, (commit, *_parents(repo, commit)), outcome["kind"]))
            except OSError:
                continue  # removed meanwhile
    return found


def _parents(repo: GitRepo, commit: str) -> list[str]:
    try:
        return list(repo.parents(commit))
    except (KeyError, ValueError, TypeError, AttributeError):
        return []  # no commit, or a candidate merge commit since pruned


def build(fmt: str, target: str | None, repo_path: str | None) -> Context:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}.")
    ctx = context.build(open_repo(repo_path), target)
    if not ctx.policy.present:
        raise GateError(
            f"no .agentgate.toml on {short_name(ctx.target_ref)}, so there are no agents. "
            "Start one with 'agentgate init', review it, and commit it to the target branch."
        )
    return ctx


def main(fmt: str = "text", target: str | None = None, output: str | None = None,
         repo_path: str | None = None) -> int:
    from gate.report import board

    ctx = build(fmt, target, repo_path)
    with board.Progress(len(ctx.agent_branches), "status") as progress:
        rep = collect(ctx, progress.tick)
    board.emit(rep, fmt, output)
    return verdict.exit_code(rep.verdict)
