"""A push that moves the target, split into the pieces of work it brings in.

DESIGN §8: the move is judged as the merge of every agent branch it brings in.
The commits the target gains are found by walking ``new`` and hiding ``old``;
among them, agent work is recognised three ways:

1. an open agent branch already on the server (or pushed alongside) whose tip
   the target now contains — a fast-forward, or a ``--no-ff`` merge of it;
2. the other parents of merge commits, named by the merge message
   (``Merge branch 'agent/alice/x'``) or by an ``Agent:`` trailer;
3. commits on the target's first-parent line itself (rebased or squashed work),
   grouped by their ``Agent:`` trailer (``gate.hooks.runs``).

Whatever belongs to no agent follows ``[gate] unattributed``. A merge commit on
the first-parent line is judged for what it adds of its own beyond its parents
(``gate.git.resolution``: an "evil merge", or new lines in a conflict
resolution), by the content and scope rules, as the agent named by its trailer or
of the branch it merges.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gate import engine
from gate.context import BranchInfo, Context
from gate.git.resolution import merge_resolution
from gate.hooks import runs
from gate.model import BranchResult, ChangeSet, Oid, Pusher, RefName, short_name

_MERGE = re.compile(r"^Merge (?:remote-tracking )?branch(?:es)? '([^']+)'")
_PULL = re.compile(r"^Merge pull request #\d+ from [^/\s]+/(\S+)")


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


def merged_name(message: str) -> str | None:
    """The branch a merge commit's message names, as git, GitHub and GitLab write it."""
    first = message.split("\n", 1)[0]
    m = _MERGE.match(first) or _PULL.match(first)
    return m.group(1) if m else None


def side(ctx: Context, head: Oid, name: str | None) -> Piece:
    """A piece for ``head`` merged in as the other parent, named ``name`` when known."""
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

    def take(head: Oid, piece: Piece) -> None:
        heads[head] = piece
        covered.update(repo.new_commits(head, hide))

    tips = {b.short: b for b in ctx.agent_branches}
    for ref, oid in (pending or {}).items():
        agent = ctx.policy.agent_for_branch(short_name(ref))
        if agent is not None:
            tips[short_name(ref)] = BranchInfo(RefName(ref), oid, agent.name)
    for b in sorted(tips.values(), key=lambda b: b.short):
        if b.head in gset and b.head not in covered:
            take(b.head, Piece(b.short, b, more=b.short))
    for c in gained:  # newest first: an outer merge covers the merges inside its side
        if c in covered:
            continue
        parents = repo.parents(c)
        for p in parents[1:]:
            if p in gset and p not in covered:
                take(p, side(ctx, p, merged_name(repo.message(c))))
    chain = _first_parents(ctx, new, gset)
    out = list(heads.values())
    out.extend(_runs(ctx, chain, covered))
    out.extend(_resolutions(ctx, chain, heads))
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


def _attributed(ctx: Context, head: Oid, key: str | None) -> BranchInfo:
    """``head`` on the target, as the agent ``key`` names (one the policy may not know)."""
    known = key if key in ctx.policy.agents else None
    unknown = key if key is not None and known is None else None
    return BranchInfo(ctx.target_ref, head, known, unknown_agent=unknown)


def _resolutions(ctx: Context, chain: list[tuple[Oid, list[Oid]]], heads: Mapping[Oid, Piece]) -> Iterable[Piece]:
    """The merge commits on the target's first-parent line that add something of
    their own: content in neither parent, beyond what git's merge of them gives."""
    for c, parents in chain:
        if len(parents) < 2:
            continue
        found = merge_resolution(ctx.repo, c)
        if found is not None and found.files:
            side_piece = heads.get(parents[1])
            key = ctx.trailer_agent(c) or (side_piece.info.agent if side_piece else None)
            yield Piece(f"merge {c[:9]} (its own changes)", _attributed(ctx, c, key), base=parents[0],
                        changes=found)


def _runs(ctx: Context, chain: list[tuple[Oid, list[Oid]]], covered: set[Oid]) -> Iterable[Piece]:
    """Runs of commits on the target's first-parent line, judged once per agent
    (``gate.hooks.runs``): one run as itself, several as their combined change."""
    for group in runs.by_agent(runs.runs(ctx, chain, covered)):
        first, last = group[0], group[-1]
        info = _attributed(ctx, last.head, first.key)
        n = sum(len(r.commits) for r in group)
        span = f"{first.commits[0][:9]}..{last.head[:9]}" if n > 1 else last.head[:9]
        if len(group) == 1:
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
