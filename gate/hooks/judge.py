"""Judge ref updates: the shared core of ``pre-receive``, ``update`` and ``pre-push``.

- every update: the ref rules (force-push, delete, namespace);
- ``refs/agentgate/approvals``: approvers only, fast-forward only;
- an agent branch: judged like ``agentgate check``; refused on ``block`` only
  (work in progress may hold a migration that still needs its approval);
- the target: judged as the merge of every piece of work it brings in, refused on
  ``block`` or on any unapproved ``ask``;
- anything else (tags, humans' branches): ref rules only.

An approver's own push approves its own ``ask`` findings (nothing is recorded).
"""

from __future__ import annotations

from collections.abc import Sequence

from gate import engine, verdict
from gate.approvals import APPROVALS_REF
from gate.context import Context, fingerprint
from gate.errors import PolicyError
from gate.hooks import refrules, target
from gate.model import BranchResult, Finding, Oid, Outcome, Part, Pusher, RefName, RefUpdate, short_name
from gate.policy import POLICY_FILE
from gate.policy.tree import load_policy_at


def judge_updates(
    ctx: Context, updates: Sequence[RefUpdate], pusher: Pusher, target_ref: str | None = None
) -> list[Outcome]:
    """One outcome per update. ``target_ref`` is the target's name as pushed (the
    remote side's name in ``pre-push``); default: the context's."""
    tref = target_ref or ctx.target_ref
    pending: dict[str, Oid] = {}
    for u in updates:
        if u.new is not None and u.ref != tref and u.ref.startswith("refs/heads/"):
            new = ctx.repo.peel_commit(u.new)
            if new is not None:
                pending[u.ref] = new
    return [judge_one(ctx, u, pusher, tref, pending) for u in updates]


def judge_one(ctx: Context, upd: RefUpdate, pusher: Pusher, tref: str, pending: dict[str, Oid]) -> Outcome:
    label = short_name(upd.ref)
    new = ctx.repo.peel_commit(upd.new) if upd.new is not None else None
    if upd.ref == APPROVALS_REF:
        return _outcome(upd, label, "ref", [_ref_part(upd, label, refrules.approvals(ctx, upd, pusher), pusher, new)])
    findings = refrules.check(ctx, upd, pusher)
    parts: list[Part] = []
    kind = "ref"
    if upd.ref == tref and new is not None:
        kind = "target"
        findings.extend(_pushed_policy(ctx, upd, new))
        # A move refused by the ref rules is not worth the analysis: one reason is enough.
        if not any(f.action == "block" for f in findings):
            old = ctx.repo.peel_commit(upd.old) if upd.old is not None else None
            others = {r: o for r, o in pending.items() if r != upd.ref}
            for piece in target.pieces(ctx, old, new, others):
                res = target.judge(ctx, piece, pusher)
                if res is not None:
                    parts.append(Part(f"{label} <- {piece.label}", res, piece.more))
    elif upd.ref.startswith("refs/heads/") and new is not None and not findings:
        info = ctx.branch(RefName(upd.ref), new)
        if info.agent is not None or info.unknown_agent is not None:
            kind = "agent"
            ctx.refusing_only = True  # only block refuses a push to an agent branch
            try:
                parts.append(Part(label, verdict.pushed(engine.evaluate(ctx, info), pusher.approver), label))
            finally:
                ctx.refusing_only = False
    if findings or not parts:
        parts.insert(0, _ref_part(upd, label, findings, pusher, new))
    return _outcome(upd, label, kind, parts)


def _ref_part(upd: RefUpdate, label: str, findings: list[Finding], pusher: Pusher, new: Oid | None) -> Part:
    ordered = tuple(sorted(findings, key=verdict.sort_key))
    res = BranchResult(ref=upd.ref, agent=pusher.agent, head=new, base=None,
                       verdict=verdict.decide(ordered), findings=ordered)
    return Part(label, verdict.pushed(res, pusher.approver))


def _outcome(upd: RefUpdate, label: str, kind: str, parts: list[Part]) -> Outcome:
    v = verdict.combine(p.result.verdict for p in parts)
    return Outcome(upd, label, kind, tuple(parts), v, verdict.refuses(kind, v))


def _pushed_policy(ctx: Context, upd: RefUpdate, new: Oid) -> list[Finding]:
    """A target move must leave a policy that loads: a broken one would make every
    later push fail closed. Only read when the file changed."""
    old = ctx.repo.peel_commit(upd.old) if upd.old is not None else None
    if old is not None and ctx.repo.entry_at(old, POLICY_FILE) == ctx.repo.entry_at(new, POLICY_FILE):
        return []
    try:
        load_policy_at(ctx.repo, new)
    except PolicyError as e:
        return [Finding(rule="gate.policy", action="block", path=POLICY_FILE,
                        message=f"the pushed {POLICY_FILE} is invalid: {e}",
                        hint="fix the policy and push again; 'agentgate check' shows the same error",
                        fingerprint=fingerprint("gate.policy", POLICY_FILE, new))]
    return []
