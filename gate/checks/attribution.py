"""``ref.misattributed``: a merge title or an ``Agent:`` trailer that names another
agent than the server's facts give (DESIGN §2, §5, §8).

The facts (``gate.git.attribution``) are the agent branches on the server and those
pushed alongside: the branch that holds a commit, else a patch-id match. A merge
whose title names a branch of agent A while the facts give agent B for the parent it
merges, or a commit whose trailer names A while the facts give B, is a finding:
``block`` when an agent identity pushed it, else the policy's action (``warn``).
A claim with no facts to compare with is no finding; the work is then judged as
the claim says (the last resort of DESIGN §8). Only agent branches and the target
are judged: a human's branch holds no agent's work yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gate.checks import Found, PushedRef, Subject
from gate.context import Context
from gate.git.attribution import Branch, Facts, Who, facts, merged_name, trailer
from gate.model import Action, Finding, Oid, RefName, short_name


def check(ctx: Context, subject: Subject) -> Found:
    """Nothing on a branch, a patch or a merge's own changes: claims are judged per push."""
    return Found()


def branches(ctx: Context, alongside: Mapping[str, Oid] | Iterable[tuple[RefName, Oid]]) -> list[Branch]:
    """The agent branches that are facts: the open ones here, and those pushed
    alongside (their new tips)."""
    tips = {b.ref: Branch(b.ref, b.head, b.agent) for b in ctx.agent_branches
            if b.agent is not None and not b.remote}
    items = alongside.items() if isinstance(alongside, Mapping) else alongside
    for ref, oid in items:
        agent = ctx.policy.agent_for_branch(short_name(ref))
        if agent is not None and ref.startswith("refs/heads/"):
            tips[RefName(ref)] = Branch(RefName(ref), oid, agent.name)
    return sorted(tips.values(), key=lambda b: b.ref)


def claimed(ctx: Context, name: str | None) -> tuple[str, str] | None:
    """(branch, agent) a merge title names, when it is an agent's branch
    ('origin/agent/alice/x' from a remote-tracking merge counts as agent/alice/x)."""
    if name is None:
        return None
    for n in (name, name.split("/", 1)[1] if "/" in name else None):
        agent = ctx.policy.agent_for_branch(n) if n else None
        if n and agent is not None:
            return n, agent.name
    return None


def check_push(ctx: Context, pushed: PushedRef) -> Found:
    upd, new = pushed.update, pushed.new
    if new is None or not upd.ref.startswith("refs/heads/"):
        return Found()
    if not pushed.target and ctx.policy.agent_for_branch(short_name(upd.ref)) is None:
        return Found()
    repo = ctx.repo
    old = repo.peel_commit(upd.old) if pushed.target and upd.old is not None else None
    hide: list[str] = [old] if old else [oid for _, oid in repo.iter_refs("refs/")]
    commits = repo.new_commits(new, hide)
    known = facts(repo, branches(ctx, pushed.alongside), ctx.target_oid, [ctx.target_oid])
    action: Action | None = "block" if pushed.pusher.agent is not None else None
    found: list[Finding | None] = []
    notes: list[str] = []
    for c in commits:
        message = repo.message(c)
        parents = repo.parents(c)
        claim = claimed(ctx, merged_name(message)) if len(parents) > 1 else None
        if claim is not None:
            who = _who(known, parents[1], notes)
            if who is not None and who.agent != claim[1]:
                found.append(ctx.finding(
                    "ref.misattributed",
                    f"merge {c[:9]} names {claim[0]} ({claim[1]}), but {parents[1][:9]} {who.said} ({who.agent}): "
                    f"judged as {who.agent}'s", hint=_HINT, key=(c, "title"), action=action))
        said = trailer(message)
        if said is not None:
            who = _who(known, c, notes)
            if who is not None and who.agent != said:
                found.append(ctx.finding(
                    "ref.misattributed",
                    f"commit {c[:9]} says Agent: {said}, but it {who.said} ({who.agent}): judged as {who.agent}'s",
                    hint=_HINT, key=(c, "trailer"), action=action))
        elif pushed.target:
            _who(known, c, notes)  # the note on a commit several agents' branches hold
    return Found.of(found, notes)


_HINT = "the facts (the agent branch that holds the work) decide whose it is; fix the message or the branch"


def _who(known: Facts, commit: Oid, notes: list[str]) -> Who | None:
    who = known.who(commit)
    if who is not None and who.note and who.note not in notes:
        notes.append(who.note)
    return who
