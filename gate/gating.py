"""Gating several branches into one report: the branches a command chose (``check``,
``merge``, ``demo``) and the board of every open agent branch (``status``, ``plan``,
``demo``), with the typed rows the board shows and the agents x agents matrix.

Computed here, rendered by ``gate.report`` (``report.board`` for the board). A
board row's pairs and conflicts with the target are facts the overlap and target
checks computed for the verdict (``engine.examine``), never a second analysis; the
pair analysis is cached (``gate.git.merge``, ``gate.git.pairs``), so the board for n
branches costs n^2/2 cache reads when warm.
The TESTS column is the cached result of ``check --tests`` for the branch's merge
candidate (``gate.testrun.merged.candidate``), never a result for the tip alone unless
the policy tests tips (``[tests] merge = false``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from gate import context, engine, verdict
from gate.checks import Tested
from gate.context import BranchInfo, Context
from gate.errors import GateError
from gate.git.opening import open_repo
from gate.model import (
    Board,
    BoardRow,
    BranchResult,
    Finding,
    Matrix,
    PairRow,
    Relation,
    Report,
    TargetConflicts,
    short_name,
    worst,
)
from gate.policy import require_policy
from gate.report.board import PlanHeld as Held
from gate.report.board import PlanStep as Step
from gate.scan import secrets

if TYPE_CHECKING:
    from gate.testrun import TestOutcome
    from gate.testrun.merged import Ran

# The test runner is imported where it is used: 'check' without --tests never loads it.

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


def collect(ctx: Context, tick: Tick | None = None) -> Board:
    """Evaluate every open agent branch: the board's rows and the agents matrix."""
    from gate.testrun.cache import cached_outcomes

    started = time.monotonic()
    rows = []
    outcomes = cached_outcomes(ctx.repo.common_dir)
    for b in ctx.agent_branches:
        rows.append(_row(ctx, b, outcomes))
        if tick is not None:
            tick(b.short)
    return Board(
        verdict=verdict.combine(r.result.verdict for r in rows),
        target_ref=ctx.target_ref,
        target_oid=ctx.target_oid,
        rows=tuple(rows),
        matrix=matrix(rows),
        elapsed_ms=int((time.monotonic() - started) * 1000),
    )


def _row(ctx: Context, b: BranchInfo, outcomes: Mapping[str, TestOutcome]) -> BoardRow:
    try:
        tested = last_outcome(ctx, b, outcomes)
        # A cached failing result of the merge candidate counts in the verdict, as in
        # check --tests: a board saying "failed" and "allow" side by side misleads.
        cfg = ctx.policy.tests
        done = engine.examine(ctx, b, tested=Tested(tested, cfg.merge if cfg else True) if tested else None)
    except GateError as e:
        # One unreadable branch (no common history…) must not hide the others: it
        # cannot be judged, so it blocks (fail closed), and the board says why.
        return BoardRow(BranchResult(ref=b.ref, agent=b.agent, head=b.head, base=None, verdict="block",
                                     findings=()), error=secrets.redact(str(e)))
    res = done.result
    # The facts' paths are redacted where the checks make them, as findings are.
    return BoardRow(
        res, scope=scope_summary(res.findings),
        pairs=tuple(f for f in done.facts if isinstance(f, PairRow)),
        target_conflicts=next((f.paths for f in done.facts if isinstance(f, TargetConflicts)), ()),
        tests=tested.kind if tested is not None else "-",
    )


def scope_summary(findings: Iterable[Finding]) -> str:
    """``ok``, or what the scope rules found: ``outside (2)``, ``shared (1)``…"""
    counts = {"scope.unknown-agent": 0, "scope.outside": 0, "scope.shared": 0}
    for f in findings:
        if f.rule in counts:
            counts[f.rule] += 1
    parts = [f"{rule.split('.', 1)[1]} ({n})" for rule, n in counts.items() if n]
    return ", ".join(parts) or "ok"


def matrix(rows: Sequence[BoardRow]) -> Matrix:
    """agents x agents: the worst relation between any branch of one and any of the other."""
    agents = tuple(sorted({r.result.agent for r in rows if r.result.agent}))
    index = {a: i for i, a in enumerate(agents)}
    agent_of = {r.result.ref: r.result.agent for r in rows}
    cells: list[list[Relation]] = [["none"] * len(agents) for _ in agents]
    for r in rows:
        for p in r.pairs:
            mine, other = index.get(r.result.agent or ""), index.get(agent_of.get(p.branch, p.agent) or "")
            if mine is None or other is None:
                continue
            cells[mine][other] = cells[other][mine] = worst(cells[mine][other], p.relation)
    return Matrix(agents, tuple(tuple(c) for c in cells))


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


def judged_against(ctx: Context, words: Sequence[str], policy: bool = True) -> list[str]:
    """Tell, on stderr, what a verdict is judged against when it may not be what the
    user meant: a local target that differs from its upstream (what the server
    judges against; ``words`` is the command to run against it instead, without
    ``--target``), and, with ``policy``, a worktree policy that is not the one in
    force. The lines told (a kept verdict tells them again)."""
    from gate.git import upstream
    from gate.policy.tree import worktree_policy
    from gate.report import notes

    said = []
    drift = upstream.divergence(ctx.repo, ctx.target_ref, ctx.target_oid)
    if drift is not None:
        said.append(notes.upstream(drift, words))
    uncommitted = worktree_policy(ctx.repo, ctx.target_oid) if policy else None
    if uncommitted is not None:
        said.append(notes.worktree_policy(ctx.target_ref, uncommitted[0]))
    notes.emit(said)
    return said


# -- the merge order (plan, land) ------------------------------------------------------


def held(board: Board) -> list[Held]:
    """The branches the plan does not rank: they block or wait for an approval."""
    return [Held(r.result.ref, r.result.agent, r.result.verdict, why(r))
            for r in sorted(board.rows, key=lambda r: short_name(r.result.ref or ""))
            if r.result.ref and r.result.verdict != "allow"]


def why(row: BoardRow) -> str:
    """What holds a branch: why it could not be judged, else its first gating finding."""
    if row.error:
        return row.error
    gating_ = [f for f in verdict.ordered(row.result.findings) if f.action == "block"
               or (f.action == "ask" and not f.approved)]
    if not gating_:
        return row.result.verdict
    more = f" (+{len(gating_) - 1} more)" if len(gating_) > 1 else ""
    return f"{gating_[0].rule}: {gating_[0].message.splitlines()[0]}{more}"


def order(board: Board) -> list[Step]:
    """The merge order for the board's branches that may merge (``agentgate plan``, the
    queue of ``agentgate land``): greedy on the board's pairs, fewest conflicts with the
    branches still waiting first; a branch stale against the target, or out of its
    scope, goes after the others (the owner never rebases onto it)."""
    ranked = [r for r in board.rows if r.result.ref and r.result.verdict == "allow"]
    conflicts: dict[str, set[str]] = {r.result.ref: set() for r in ranked if r.result.ref}
    overlaps: dict[str, set[str]] = {ref: set() for ref in conflicts}
    for r in ranked:
        mine = r.result.ref
        if not mine:
            continue
        for p in r.pairs:
            if p.branch not in conflicts:
                continue  # held, or not open: nobody rebases onto it
            # Symmetric by construction; union both views all the same.
            target = conflicts if p.relation == "conflict" else overlaps
            target[mine].add(p.branch)
            target[p.branch].add(mine)
    stale = {r.result.ref for r in ranked if r.result.ref and r.target_conflicts}
    outside = {r.result.ref for r in ranked if any(f.rule == "scope.outside" for f in r.result.findings)}
    agents: dict[str, str | None] = {r.result.ref: r.result.agent for r in ranked if r.result.ref}
    waiting = set(conflicts)
    steps = []
    while waiting:
        ref = min(waiting, key=lambda r: (r in stale, r in outside, len(conflicts[r] & waiting),
                                          len(overlaps[r] & waiting), short_name(r), r))
        waiting.discard(ref)
        steps.append(Step(ref, agents[ref], tuple(sorted(conflicts[ref] & waiting)), ref in stale,
                          tuple(sorted((overlaps[ref] - conflicts[ref]) & waiting))))
    return steps
