"""One ``land`` run: plan, build the candidates, test them, land the passing prefix.

The target moves once, by compare-and-swap, to the last candidate that passed (the
very commit tested, so the landed tree was tested unless ``--no-tests``). When
the target moved while testing, the whole queue is planned again on the new
target (verdicts and candidates may differ there; trees tested before are
answered from the test cache), at most ``MAX_RETRIES`` times. A branch ejected
by its tests has its merge candidate on the target as it ends up tested too (the
test cache usually answers), which is the result ``status`` and ``check --tests``
show for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from gate import context, gating
from gate.approvals import APPROVALS_REF
from gate.context import Context
from gate.errors import GateError, UsageError
from gate.git import landing
from gate.git.push import push
from gate.git.repo import GitRepo
from gate.git.write import RefMoved
from gate.land import chain, queue, safety, search
from gate.land.chain import Candidate, Conflict
from gate.land.model import Line, Outcome, Pushed, State
from gate.land.queue import Entry
from gate.model import Oid, RefName, short_name
from gate.policy import require_policy
from gate.testrun import cache
from gate.testrun.result import TestJob, TestOutcome
from gate.testrun.runner import run_many

MAX_RETRIES = 3  # plans on a moved target before giving up

Show = Callable[[Line], None]
Say = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    names: Sequence[str] = ()
    jobs: int | None = None
    no_tests: bool = False
    dry_run: bool = False
    remote: str | None = None
    target: str | None = None


@dataclass
class _Board:
    """The lines of the current plan, shown as they change."""

    show: Show
    lines: dict[RefName, Line] = field(default_factory=dict)
    runs: int = 0
    reused: int = 0

    def set(self, line: Line) -> None:
        if self.lines.get(line.ref) != line:
            self.lines[line.ref] = line
            self.show(line)

    def state(self, e: Entry, state: State, **kw: object) -> None:
        self.set(Line(e.branch.ref, e.branch.agent, state, **kw))  # type: ignore[arg-type]


def land(repo: GitRepo, opts: Options, show: Show, say: Say) -> Outcome:
    only = [repo.resolve_branch(n)[0] for n in opts.names]
    retries = 0
    board = _Board(show)
    while True:
        ctx = context.build(repo, opts.target)
        require_policy(ctx.policy, ctx.target_ref)
        _refuse_target(ctx, only)
        landing.ready_worktree(repo, ctx.target_ref)  # a dirty target checkout: refused before any work
        board.lines = {}  # a new plan; the test runs so far still count
        done = _attempt(ctx, opts, board, only, say)
        if done is not None:
            return replace(done, retries=retries)
        retries += 1
        now = repo.ref_oid(ctx.target_ref)
        tname = short_name(ctx.target_ref)
        if retries > MAX_RETRIES:
            raise GateError(f"{tname} moved {retries} times while the queue was tested; nothing was landed. "
                            "Run land again when it is quieter.")
        say(f"{tname} moved while testing ({ctx.target_oid[:7]} -> {(now or '?')[:7]}): planning again on it "
            f"(retry {retries} of {MAX_RETRIES})")


def _refuse_target(ctx: Context, only: Sequence[RefName]) -> None:
    tname = short_name(ctx.target_ref)
    if not ctx.target_ref.startswith("refs/heads/"):
        raise GateError(f"the target {tname} is a remote-tracking branch here. Create it locally "
                        f"('git branch {tname.split('/', 1)[-1]} {tname}') and land into that.")
    if ctx.target_ref in only:
        raise UsageError(f"{tname} is the target branch: name the agent branches to land into it.")


def _attempt(ctx: Context, opts: Options, board: _Board, only: Sequence[RefName], say: Say) -> Outcome | None:
    """One plan on the target as it is; None when the target moved before it landed."""
    repo, told = ctx.repo, ctx.target_oid
    q = queue.build(gating.collect(ctx), ctx.agent_branches, only)
    for e in q.entries:
        board.state(e, "queued")
    for h in q.held:
        board.set(Line(h.ref, h.agent, "held", h.why, verdict=h.verdict))
    cands, conflicts = chain.extend(ctx, told, q.entries)
    _eject_conflicts(ctx, board, conflicts, cands)
    cfg = ctx.policy.tests
    testing = not opts.no_tests and cfg is not None
    notes: tuple[str, ...] = ()
    if not opts.no_tests and cfg is None:
        notes = ("the policy has no [tests] command, so no tests ran. Add one under [tests] in .agentgate.toml.",)
    base = Outcome(ctx.target_ref, told, None, (), tested=testing, dry_run=opts.dry_run, notes=notes)
    if opts.dry_run:
        for c in cands:
            board.state(c.entry, "queued", commit=c.commit)
        return replace(base, lines=tuple(board.lines.values()))
    failed: list[Entry] = []
    if testing and cands:
        cands = _test(ctx, cands, _jobs(opts.jobs), board, failed)
    new = cands[-1].commit if cands else None
    where = None
    if new is not None:
        if repo.ref_oid(ctx.target_ref) != told:
            return None
        try:
            with safety.deferred():  # the one move and the checkout that follows it
                where = landing.land(repo, ctx.target_ref, told, new, f"agentgate land: {len(cands)} branches")
        except RefMoved:
            return None
        for c in cands:
            board.state(c.entry, "landed", commit=c.commit)
    if failed:
        _record_failures(repo, opts, failed)
    pushed = _push(ctx, opts.remote, cands) if opts.remote and new is not None else ()
    return replace(base, new=new, lines=tuple(board.lines.values()), runs=board.runs, reused=board.reused,
                   worktree=where, pushed=pushed)


def _jobs(jobs: int | None) -> int:
    return max(1, jobs or os.cpu_count() or 1)


def _eject_conflicts(ctx: Context, board: _Board, conflicts: Sequence[Conflict],
                     cands: Sequence[Candidate]) -> None:
    below = {c.commit: c.entry.branch.short for c in cands}
    for c in conflicts:
        after = below.get(c.parent)
        where = f"merged after {after}" if after else f"merged into {short_name(ctx.target_ref)}"
        board.state(c.entry, "ejected", paths=c.paths,
                    why=f"conflicts in {', '.join(c.paths)} when {where}; rebase it once the queue has landed")


def _test(ctx: Context, cands: list[Candidate], jobs: int, board: _Board, failed: list[Entry]) -> list[Candidate]:
    """The candidates that land: tested, each failing branch ejected and the ones
    after it rebuilt without it, until the last candidate passes (or none is left)."""
    passed = -1
    while cands:
        found = search.first_failure(len(cands), passed, jobs, _prober(ctx, cands, passed, jobs, board))
        if found.failed is None:
            return cands
        f, outcome = found.failed, found.outcome
        assert outcome is not None
        bad = cands[f]
        after = cands[f - 1].entry.branch.short if f else short_name(ctx.target_ref)
        tests = tuple(x.test_id for x in outcome.failures)
        board.state(bad.entry, "ejected", why=_test_why(outcome, after, f > 0), tests=tests)
        failed.append(bad.entry)
        rest = [c.entry for c in cands[f + 1:]]
        for e in rest:
            board.state(e, "queued")
        more, conflicts = chain.extend(ctx, cands[f - 1].commit if f else ctx.target_oid, rest)
        _eject_conflicts(ctx, board, conflicts, cands[:f] + more)
        cands, passed = cands[:f] + more, f - 1
    return cands


def _test_why(o: TestOutcome, after: str, merged_after: bool) -> str:
    where = f"merged after {after}" if merged_after else f"merged into {after}"
    if o.kind == "failed":
        first = o.failures[0]
        more = f" (+{len(o.failures) - 1} more)" if len(o.failures) > 1 else ""
        return f"tests.failed: {first.test_id} fails when {where}{more}: {first.message_head}"
    return f"tests.{o.kind} when {where}: {o.message}"


def _job(ctx: Context, commit: Oid, tree: Oid, label: str) -> TestJob:
    cfg = ctx.policy.tests
    assert cfg is not None
    repo = ctx.repo
    # The key check --tests uses (gate.testrun.merged): a tree tested before is not tested again.
    return TestJob(repo_dir=repo.workdir or repo.git_dir, git_dir=repo.common_dir, commit=commit,
                   command=cfg.command, timeout=cfg.timeout, cache_key=f"{tree}\0{cfg.command}", label=label)


def _prober(ctx: Context, cands: Sequence[Candidate], passed: int, jobs: int, board: _Board) -> search.Probe:
    def probe(points: Sequence[int]) -> Mapping[int, TestOutcome]:
        for c in cands[passed + 1:max(points) + 1]:
            if board.lines[c.entry.branch.ref].state != "passed":
                board.state(c.entry, "testing")
        outs = run_many(jobs, [_job(ctx, cands[p].commit, cands[p].tree, cands[p].entry.branch.short)
                               for p in points])
        board.runs += sum(not o.reused for o in outs)
        board.reused += sum(o.reused for o in outs)
        got = dict(zip(points, outs, strict=True))
        bad = min((p for p in points if got[p].kind != "passed"), default=len(cands))
        top = max((p for p in points if got[p].kind == "passed" and p < bad), default=-1)
        for i, c in enumerate(cands):
            line = board.lines[c.entry.branch.ref]
            if i <= top:
                board.state(c.entry, "passed")
            elif line.state == "testing":
                board.state(c.entry, "queued")
        return got
    return probe


def _record_failures(repo: GitRepo, opts: Options, failed: Sequence[Entry]) -> None:
    """Test each ejected branch's merge candidate on the target as it is now (what
    the board and ``check --tests`` look up), so they show its failure."""
    from gate.testrun import merged

    ctx = context.build(repo, opts.target)
    cfg = ctx.policy.tests
    if cfg is None:
        return
    jobs = []
    for e in failed:
        commit, tree = merged.candidate(ctx, e.branch, cfg.merge)
        if commit is not None and tree is not None:  # else target.conflict says why
            jobs.append(_job(ctx, Oid(commit), Oid(tree), e.branch.short))
    for job, o in zip(jobs, run_many(_jobs(opts.jobs), jobs), strict=True):
        if o.commit != job.commit:
            # The same tree tested as another commit (a land candidate): the board
            # finds results by the candidate commit it computes.
            cache.store(job.git_dir, job.cache_key, job.timeout, replace(o, commit=job.commit))


def _push(ctx: Context, remote: str | None, landed: Sequence[Candidate]) -> tuple[Pushed, ...]:
    """The approvals first when a landed branch relied on them (the server judges the
    target push with them), then the target; the first refusal stops."""
    assert remote is not None
    repo = ctx.repo
    cwd = repo.workdir or repo.git_dir
    steps = []
    if any(c.entry.approved for c in landed) and repo.ref_oid(APPROVALS_REF) is not None:
        steps.append(APPROVALS_REF)
    steps.append(ctx.target_ref)
    out = []
    for ref in steps:
        ok, said = push(cwd, remote, [f"{ref}:{ref}"])
        out.append(Pushed(remote, (ref,), ok, said))
        if not ok:
            break
    return tuple(out)
