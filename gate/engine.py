"""The one engine: runs the rule families on a branch, a patch or a pushed ref and
folds their findings into a result that ``gate.verdict`` decides.

The families and what each runs on are ``gate.rules.FAMILIES``; their modules are
imported on first use, so a hook judging a ref update loads no branch checks.
Options of a run (tests already run, "refusing only", the pusher) are arguments.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from gate import approvals, rules, verdict
from gate.checks import Fact, Found, Kind, NewText, PushedRef, Subject, Tested
from gate.context import BranchInfo, Context
from gate.model import BranchResult, ChangeSet, Finding, Oid, Pusher, RefName
from gate.scan import secrets

Check = Callable[[Context, Subject], Found]
PushCheck = Callable[[Context, PushedRef], Found]
# Hints name the branch to approve on; a patch has none yet (DESIGN §6: ref null).
PATCH_REF = RefName("BRANCH")


def _checks(kind: str, agent: bool) -> list[Any]:
    return [importlib.import_module(f"gate.checks.{f.module}") for f in rules.FAMILIES
            if kind in f.runs_on and (agent or not f.agents_only)]


@dataclass(frozen=True)
class Evaluation:
    """A branch's result and the facts the checks computed on the way (``Found.facts``)."""

    result: BranchResult
    facts: tuple[Fact, ...]


def evaluate(ctx: Context, branch: BranchInfo, *, tested: Tested | None = None, refusing_only: bool = False,
             pusher: Pusher | None = None, unattributed: str | None = None,
             merge: ChangeSet | None = None, commits: Sequence[Oid] | None = None) -> BranchResult:
    """The result for ``branch`` (``examine``)."""
    return examine(ctx, branch, tested=tested, refusing_only=refusing_only, pusher=pusher,
                   unattributed=unattributed, merge=merge, commits=commits).result


def examine(ctx: Context, branch: BranchInfo, *, tested: Tested | None = None, refusing_only: bool = False,
            pusher: Pusher | None = None, unattributed: str | None = None,
            merge: ChangeSet | None = None, commits: Sequence[Oid] | None = None) -> Evaluation:
    """The result for ``branch`` against its merge-base with the target, and the
    facts its checks computed (the board shows them without a second analysis).

    ``tested``: its test outcome (``gate.testrun.merged``); ``refusing_only``: only
    ``block`` matters (a push to an agent branch); ``pusher``: judged for a push by
    them; ``unattributed``: what the work is when it reaches the target belonging to
    no agent; ``merge``: judge these changes of a merge commit of its own instead (the
    context's target is then its first parent); ``commits``: the commits whose added
    content the history rules judge (default: the branch's commits not on the
    target; for ``merge``, the merge commit).
    """
    kind: Kind = "branch" if merge is None else "merge"
    cs = ctx.changes(branch.head) if merge is None else merge
    # DESIGN §3: a branch is judged on what merging it does, too (gate.git.effect).
    effect = ctx.effect(branch.head).files if merge is None else ()
    subject = Subject(kind, branch, cs, refusing_only=refusing_only, tested=tested, unattributed=unattributed,
                      commits=None if commits is None else tuple(commits), effect=effect)
    findings, notes, seen = _run(ctx, subject)
    approver = pusher is not None and pusher.approver
    own = branch.agent is None and branch.unknown_agent is None
    final = verdict.apply_approvals(findings, ctx.approved, consent=approver,
                                    exempt=verdict.APPROVER_EXEMPT if approver and own else frozenset())
    ahead, behind = ctx.repo.ahead_behind(branch.head, ctx.target_oid)
    facts: dict[str, object] = {"ahead": ahead, "behind": behind, "files_changed": len(cs.files)}
    if notes:
        facts["notes"] = notes
    return Evaluation(BranchResult(ref=branch.ref, agent=branch.agent or branch.unknown_agent, head=branch.head,
                                   base=cs.base, verdict=verdict.decide(final), findings=final, facts=facts), seen)


def evaluate_patch(ctx: Context, agent: str, cs: ChangeSet, text: NewText,
                   compare_with: Iterable[BranchInfo]) -> BranchResult:
    """The result for ``agent``'s patch (change set ``cs``, new side ``text``), as for
    a branch with no commits, compared with the open branches ``compare_with``."""
    me = BranchInfo(PATCH_REF, Oid(""), agent)
    findings, _, _ = _run(ctx, Subject("patch", me, cs, text=text, compare_with=tuple(compare_with)))
    final = verdict.apply_approvals(findings, ctx.approved)
    return BranchResult(ref=None, agent=agent, head=None, base=None, verdict=verdict.decide(final),
                        findings=final, facts={"files_changed": len(cs.files)})


def evaluate_push(ctx: Context, pushed: PushedRef) -> BranchResult:
    """The rules for one pushed ref update (not the work it brings), decided for the pusher."""
    findings: list[Finding] = []
    notes: list[str] = []
    for fam in rules.FAMILIES:
        if "push" in fam.runs_on:
            check = cast(PushCheck, importlib.import_module(f"gate.checks.{fam.module}").check_push)
            found = check(ctx, pushed)
            findings.extend(found.findings)
            notes.extend(n for n in found.notes if n not in notes)
    final = verdict.apply_approvals(findings, frozenset(), consent=pushed.pusher.approver)
    # Notes of a push say whose work is whose when several agents' branches hold it.
    facts: dict[str, object] = {"attribution": notes} if notes else {}
    return BranchResult(ref=pushed.update.ref, agent=pushed.pusher.agent, head=pushed.new, base=None,
                        verdict=verdict.decide(final), findings=final, facts=facts)


def _run(ctx: Context, subject: Subject) -> tuple[list[Finding], list[str], tuple[Fact, ...]]:
    """Every family's findings for ``subject`` (each once), their notes (a file
    skipped because it does not parse…), each once, and their facts."""
    b = subject.branch
    findings: list[Finding] = []
    seen: set[str] = set()
    notes: list[str] = []
    facts: list[Fact] = []
    agent = b.agent or b.unknown_agent
    for module in _checks(subject.kind, agent is not None):
        found = cast(Check, module.check)(ctx, subject)
        for f in found.findings:
            if f.fingerprint not in seen:
                seen.add(f.fingerprint)
                # DESIGN §3: an approval binds the agent too; another agent making the
                # same change needs its own.
                findings.append(dataclasses.replace(f, fingerprint=approvals.bind(agent, f.fingerprint)))
        notes.extend(n for n in map(secrets.redact, found.notes) if n not in notes)
        facts.extend(found.facts)
    return findings, notes, tuple(facts)
