"""Ref rules: ``ref.force-push``, ``ref.delete``, ``ref.namespace``, the integrity
of ``refs/agentgate/approvals`` (approvers only, fast-forward only), a target move
that leaves an invalid policy (``gate.policy``), and ``ref.unattributed``: work
that belongs to no agent reaching the target under ``unattributed = "block"``.
"""

from __future__ import annotations

from gate.approvals import APPROVALS_REF
from gate.checks import Found, PushedRef, Subject
from gate.context import Context, fingerprint
from gate.errors import PolicyError
from gate.model import Finding, Oid, Pusher, RefUpdate, short_name
from gate.policy import POLICY_FILE
from gate.policy.tree import load_policy_at


def check(ctx: Context, subject: Subject) -> Found:
    """``ref.unattributed`` for work a push brings to the target that belongs to no agent."""
    info = subject.branch
    if subject.unattributed is None or info.agent is not None or info.unknown_agent is not None \
            or ctx.policy.unattributed != "block":
        return Found()
    return Found.of([ctx.finding(
        "ref.unattributed",
        f"{subject.unattributed} reaching {short_name(ctx.target_ref)} belong to no agent "
        '(unattributed = "block")',
        hint="bring work in through an agent branch, or let an approver push it",
        key=(info.head,))])


def check_push(ctx: Context, pushed: PushedRef) -> Found:
    """The rules for one pushed ref update."""
    upd, pusher = pushed.update, pushed.pusher
    if upd.ref == APPROVALS_REF:
        return Found(tuple(approvals(ctx, upd, pusher)))
    found = rules(ctx, upd, pusher)
    if pushed.target and pushed.new is not None:
        found += pushed_policy(ctx, upd, pushed.new)
    return Found(tuple(found))


def protected(ctx: Context, ref: str) -> bool:
    """``[gate] protected`` patterns match the short branch name or the full ref."""
    short = short_name(ref)
    return ctx.policy.is_protected(short) or (short != ref and ctx.policy.is_protected(ref))


def fast_forward(ctx: Context, upd: RefUpdate) -> bool | None:
    """Whether ``new`` descends from ``old``, tags peeled; None when either side is
    not a commit (or unknown here), so nothing can be said."""
    if upd.old is None or upd.new is None:
        return None
    # commit_id: a new tip libgit2 cannot parse is still told apart from a fast-forward.
    old, new = ctx.repo.commit_id(upd.old), ctx.repo.commit_id(upd.new)
    if old is None or new is None:
        return None
    return ctx.repo.descends(new, old)


def rules(ctx: Context, upd: RefUpdate, pusher: Pusher) -> list[Finding]:
    """The ref rules for one update of any ref but the approvals ref."""
    out: list[Finding | None] = []
    name = short_name(upd.ref)
    key = (upd.ref, upd.old, upd.new)
    if pusher.agent is not None:
        agent = ctx.policy.agents[pusher.agent]
        own = upd.ref.startswith("refs/heads/") and agent.matches_branch(name)
        if not own:
            patterns = ", ".join(agent.branches)
            out.append(ctx.finding(
                "ref.namespace",
                f"agent {agent.name} ({pusher.shown}) may push only its own branches ({patterns}), not {name}",
                hint=f"push to a branch matching {patterns}; a human merges it into the target",
                other={"agent": agent.name}, key=key))
    if protected(ctx, upd.ref):
        if upd.deleted:
            out.append(ctx.finding(
                "ref.delete", f"{name} is protected and cannot be deleted",
                hint="protected refs are listed in [gate] protected on the target", key=key))
        elif fast_forward(ctx, upd) is False:
            assert upd.old is not None and upd.new is not None
            out.append(ctx.finding(
                "ref.force-push",
                f"{name} is protected: {upd.new[:9]} does not descend from {upd.old[:9]} (a force-push)",
                hint=f"fetch {name}, rebase or merge your work onto it, and push without --force", key=key))
    return [f for f in out if f is not None]


def approvals(ctx: Context, upd: RefUpdate, pusher: Pusher) -> list[Finding]:
    """Only approvers move the approvals ref, and only forward: these always block,
    whatever ``[rules]`` says, or the record of consent could be erased or forged."""
    out = []
    key = (upd.ref, upd.old, upd.new)
    if not pusher.approver:
        who = pusher.shown if pusher.agent is None else f"{pusher.shown} (agent {pusher.agent})"
        out.append(_block("ref.namespace", f"only approvers may update {APPROVALS_REF}; {who} is not in "
                          "[gate] approvers", "an approver records approvals with 'agentgate approve BRANCH' "
                          "and pushes them", key))
    if upd.deleted:
        out.append(_block("ref.delete", f"{APPROVALS_REF} cannot be deleted: it is the record of approvals",
                          "approvals are only ever added", key))
    elif fast_forward(ctx, upd) is False:
        out.append(_block("ref.force-push", f"{APPROVALS_REF} moves only forward: this push would drop approvals",
                          f"fetch {APPROVALS_REF}, run 'agentgate approve' again on top of it, and push", key))
    return out


def _block(rule: str, message: str, hint: str, key: tuple[object, ...]) -> Finding:
    return Finding(rule=rule, action="block", message=message, hint=hint, fingerprint=fingerprint(rule, None, *key))


def pushed_policy(ctx: Context, upd: RefUpdate, new: Oid) -> list[Finding]:
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
