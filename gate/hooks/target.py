"""A push that moves the target, split into the pieces of work it brings in.

DESIGN §8: the move is judged as the merge of every agent branch it brings in.
The commits the target gains are found by walking ``new`` and hiding ``old``;
whose work each is comes from the server's facts (``gate.git.attribution``: the
agent branch that holds it, else a patch-id match), and only without facts from
what the commits say:

1. an open agent branch already on the server (or pushed alongside) whose tip
   the target now contains — a fast-forward, or a ``--no-ff`` merge of it —
   unless another agent's branch held that tip first;
2. the other parents of merge commits: the branch the facts give, else the one
   the merge message names (``Merge branch 'agent/alice/x'``) or an ``Agent:``
   trailer;
3. commits on the target's first-parent line itself (rebased or squashed work),
   grouped by the agent the facts give, else by their ``Agent:`` trailer
   (``gate.hooks.runs``).

A claim that contradicts the facts is ``ref.misattributed`` (``gate.checks.
attribution``); the labels name the agent each piece is judged as.
Whatever belongs to no agent follows ``[gate] unattributed``. A merge commit on
the first-parent line is judged for what it adds of its own beyond its parents
(``gate.git.resolution``: an "evil merge", or new lines in a conflict
resolution), by the content and scope rules, as the agent the facts give for it,
else its trailer's, else that of the branch it merges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gate import engine
from gate.checks import attribution
from gate.context import BranchInfo, Context
from gate.git.attribution import Facts, Who, facts, merged_name
from gate.git.resolution import merge_resolution
from gate.hooks import runs
from gate.model import BranchResult, ChangeSet, Oid, Pusher, RefName, short_name

__all__ = ["Piece", "judge", "merged_name", "pieces", "side"]


@dataclass(frozen=True)
class Piece:
    label: str
    info: BranchInfo
    base: Oid | None = None  # None: against the target (merge-base); else this parent
    commits: int = 0
    more: str | None = None
    # A merge commit's own changes (``gate.git.resolution``), judged instead of a diff.
    changes: ChangeSet | None = None
    # The commits whose added content gate.secret and gate.large-file judge, when
    # not the piece's own range (an agent's runs: other agents' commits lie between).
    history: tuple[Oid, ...] | None = None


def _how(who: Who) -> str:
    return {"branch": "on", "patch-id": "patch-id of", "squash": "squash of"}[who.how] + " " + short_name(who.ref)


def side(ctx: Context, head: Oid, name: str | None, who: Who | None = None) -> Piece:
    """A piece for ``head`` merged in as the other parent: the branch the facts
    give (``who``), else the one ``name`` names when known."""
    if who is not None:
        short = short_name(who.ref)
        info = BranchInfo(who.ref, head, who.agent)
        if who.how == "branch":
            return Piece(short, info, more=short)
        return Piece(f"merged {head[:9]} as {who.agent} ({_how(who)})", info, more=short)
    if name is not None:
        # 'origin/agent/alice/x' from a remote-tracking merge: drop the remote.
        if ctx.policy.agent_for_branch(name) is None and "/" in name:
            tail = name.split("/", 1)[1]
            if ctx.policy.agent_for_branch(tail) is not None:
                name = tail
        info = ctx.branch(RefName("refs/heads/" + name), head)
        return Piece(name, info, more=name)
    info = ctx.branch(RefName(f"refs/heads/(merged {head[:9]})"), head)
    return Piece(f"merged {head[:9]}", info)


def pieces(ctx: Context, old: Oid | None, new: Oid, pending: Mapping[str, Oid] | None = None) -> list[Piece]:
    """The pieces of work a move of the target from ``old`` to ``new`` brings in.

    ``pending`` maps agent-branch refs pushed alongside to their new tips.
    """
    repo = ctx.repo
    hide: list[str] = [old] if old else [oid for _, oid in repo.iter_refs("refs/")]
    gained = repo.new_commits(new, hide)
    gset = set(gained)
    heads: dict[Oid, Piece] = {}
    covered: set[Oid] = set()
    branches = attribution.branches(ctx, pending or {})
    # The same facts the ref.misattributed check asked (kept for the run).
    known = facts(repo, branches, ctx.target_oid, [ctx.target_oid])

    def take(head: Oid, piece: Piece) -> None:
        heads[head] = piece
        covered.update(repo.new_commits(head, hide))

    for b in sorted(branches, key=lambda b: short_name(b.ref)):
        if b.tip in gset and b.tip not in covered:
            who = known.who(b.tip)
            if who is not None and who.ref != b.ref:
                continue  # another agent's branch held it first: its piece
            info = BranchInfo(b.ref, b.tip, b.agent)
            take(b.tip, Piece(info.short, info, more=info.short))
    for c in gained:  # newest first: an outer merge covers the merges inside its side
        if c in covered:
            continue
        parents = repo.parents(c)
        for p in parents[1:]:
            if p in gset and p not in covered:
                take(p, side(ctx, p, merged_name(repo.message(c)), known.who(p)))
    chain = _first_parents(ctx, new, gset)
    out = list(heads.values())
    out.extend(_runs(ctx, chain, covered, known))
    out.extend(_resolutions(ctx, chain, heads, known))
    return out


def _first_parents(ctx: Context, new: Oid, gset: set[Oid]) -> list[tuple[Oid, list[Oid]]]:
    """The commits the target's first-parent line gains, oldest first, with their parents."""
    chain: list[tuple[Oid, list[Oid]]] = []
    c: Oid | None = new
    while c is not None and c in gset:
        parents = ctx.repo.parents(c)
        chain.append((c, parents))
        c = parents[0] if parents else None
    chain.reverse()
    return chain


def _attributed(ctx: Context, head: Oid, key: str | None, who: Who | None = None) -> BranchInfo:
    """``head`` on the target, as the agent ``key`` names (one the policy may not know).
    Work the facts give to a branch (``who``) is that branch's: it does not overlap itself."""
    if who is not None and who.agent == key:
        return BranchInfo(who.ref, head, who.agent)
    known = key if key in ctx.policy.agents else None
    unknown = key if key is not None and known is None else None
    return BranchInfo(ctx.target_ref, head, known, unknown_agent=unknown)


def _key(ctx: Context, known: Facts, c: Oid) -> str | None:
    """The agent ``c`` is judged as: the facts', else its trailer's."""
    who = known.who(c)
    return who.agent if who is not None else ctx.trailer_agent(c)


def _why(ctx: Context, known: Facts, c: Oid) -> str:
    """How ``c``'s agent was found, for the label: the fact, or the trailer."""
    who = known.who(c)
    return _how(who) if who is not None else "Agent: trailer"


def _resolutions(ctx: Context, chain: list[tuple[Oid, list[Oid]]], heads: Mapping[Oid, Piece],
                 known: Facts) -> Iterable[Piece]:
    """The merge commits on the target's first-parent line that add something of
    their own: content in neither parent, beyond what git's merge of them gives."""
    for c, parents in chain:
        if len(parents) < 2:
            continue
        found = merge_resolution(ctx.repo, c)
        if found is not None and found.files:
            side_piece = heads.get(parents[1])
            key = _key(ctx, known, c) or (side_piece.info.agent if side_piece else None)
            yield Piece(f"merge {c[:9]} (its own changes)", _attributed(ctx, c, key), base=parents[0],
                        changes=found)


def _runs(ctx: Context, chain: list[tuple[Oid, list[Oid]]], covered: set[Oid], known: Facts) -> Iterable[Piece]:
    """Runs of commits on the target's first-parent line, judged once per agent
    (``gate.hooks.runs``): one run as itself, several as their combined change."""
    for group in runs.by_agent(runs.runs(ctx, chain, covered, lambda c: _key(ctx, known, c))):
        first, last = group[0], group[-1]
        info = _attributed(ctx, last.head, first.key, known.who(last.head))
        n = sum(len(r.commits) for r in group)
        span = f"{first.commits[0][:9]}..{last.head[:9]}" if n > 1 else last.head[:9]
        if len(group) == 1:
            if first.key is not None:  # name the agent judged, and how it was found
                span += f" as {first.key} ({_why(ctx, known, last.head)})"
            yield Piece(span, info, base=first.base, commits=n)
        else:
            label = f"{first.key or 'no agent'} ({n} commits in {len(group)} runs, {span})"
            yield Piece(label, info, base=first.base, commits=n, changes=runs.combined(ctx, group),
                        history=tuple(c for r in group for c in r.commits))


def judge(ctx: Context, piece: Piece, pusher: Pusher) -> BranchResult | None:
    """The result for one piece, decided for ``pusher``; None when ``unattributed =
    "allow"`` skips it."""
    info = piece.info
    c = ctx
    merge = None
    if piece.changes is not None and piece.base is not None:
        # A merge's own changes, or an agent's runs combined: what they add is judged
        # against the parent it landed on by the rules that run on a merge
        # (gate.rules.FAMILIES: content and scope; overlaps and symbols belong to the
        # branches a merge brings in, and need real trees).
        c, merge = ctx.at(piece.base), piece.changes
    elif piece.base is not None and piece.base != ctx.target_oid:
        # Judge the run against its own parent: the target as it was when it landed.
        c = ctx.at(piece.base)
    unattributed = None
    if info.agent is None and info.unknown_agent is None:
        if ctx.policy.unattributed == "allow":
            return None
        unattributed = f"{piece.commits} commit(s)" if piece.commits else f"the work merged at {info.head[:9]}"
    return engine.evaluate(c, info, pusher=pusher, unattributed=unattributed, merge=merge, commits=piece.history)
