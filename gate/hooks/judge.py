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
from gate.checks import PushedRef
from gate.context import Context
from gate.hooks import target
from gate.model import BranchResult, Oid, Outcome, Part, Pusher, RefName, RefUpdate, short_name


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
    alongside = tuple((RefName(r), o) for r, o in pending.items())
    ref_res = engine.evaluate_push(ctx, PushedRef(upd, pusher, new, upd.ref == tref, alongside))
    if upd.ref == APPROVALS_REF:
        return _outcome(upd, label, "ref", [Part(label, ref_res)])
    parts: list[Part] = []
    kind = "ref"
    if upd.ref == tref and new is not None:
        kind = "target"
        # A move refused by the ref rules is not worth the analysis: one reason is enough.
        if not _blocks(ref_res):
            old = ctx.repo.peel_commit(upd.old) if upd.old is not None else None
            others = {r: o for r, o in pending.items() if r != upd.ref}
            for piece in target.pieces(ctx, old, new, others):
                res = target.judge(ctx, piece, pusher)
                if res is not None:
                    parts.append(Part(f"{label} <- {piece.label}", res, piece.more))
    elif upd.ref.startswith("refs/heads/") and new is not None and not _blocks(ref_res):
        info = ctx.branch(RefName(upd.ref), new)
        if info.agent is not None or info.unknown_agent is not None:
            kind = "agent"
            # Only block refuses a push to an agent branch.
            parts.append(Part(label, engine.evaluate(ctx, info, refusing_only=True, pusher=pusher), label))
    if ref_res.findings or ref_res.facts.get("attribution") or not parts:
        parts.insert(0, Part(label, ref_res))
    return _outcome(upd, label, kind, parts)


def _blocks(res: BranchResult) -> bool:
    return any(f.action == "block" for f in res.findings)


def _outcome(upd: RefUpdate, label: str, kind: str, parts: list[Part]) -> Outcome:
    v = verdict.combine(p.result.verdict for p in parts)
    return Outcome(upd, label, kind, tuple(parts), v, verdict.refuses(kind, v))
