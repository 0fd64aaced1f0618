"""``agentgate revert BRANCH|AGENT``: undo the merges that brought a branch into the target.

The target's first-parent history is searched for merge commits that brought the
branch in: by message (``Merge agent/alice/x (agent alice)``, git's ``Merge branch
'…'``, a pull request's ``Merge pull request #N from owner/…``) and, while the
branch still exists, by its commits (the merge's second parent is on the branch,
or holds the branch tip). Each is reverted as ``git revert -m 1`` would, newest
first, in memory; the target moves once, compare-and-swap, and only if every
revert applied cleanly. Merges already reverted (and not re-applied) are skipped.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from gate import context
from gate.context import Context
from gate.errors import EXIT_ALLOW, GateError, NotFound, closest
from gate.git import landing, lifecycle
from gate.git.opening import open_repo
from gate.model import Oid, short_name
from gate.policy import require_policy

_MERGE = re.compile(
    r"^Merge (?:remote-tracking branch |branch )?'?(?P<b>[^'\s]+)'?(?: into \S+)?"
    r"(?: \(agent (?P<a>[^)\s]+)\))?"
)
_PULL = re.compile(r"^Merge pull request #\d+ from [^/\s]+/(?P<b>\S+)")
_REVERTS = re.compile(r"This reverts commit ([0-9a-f]{40,64})")


@dataclass(frozen=True)
class Wanted:
    """What to look for: branch names, an agent, and live branch tips."""

    label: str
    names: frozenset[str] = frozenset()
    agent: str | None = None
    tips: tuple[Oid, ...] = field(default=())


def wanted(ctx: Context, name: str) -> Wanted:
    """A branch (existing or deleted: then by message only) or an agent's branches."""
    repo = ctx.repo
    for ref in (name, "refs/heads/" + name, "refs/remotes/origin/" + name):
        oid = repo.ref_oid(ref) if ref.startswith("refs/") else None
        if oid is not None:
            short = short_name(ref).removeprefix("origin/")
            return Wanted(short, frozenset({short}), None, (oid,))
    agent = ctx.policy.agents.get(name)
    if agent is not None:
        mine = [(short_name(r), oid) for r, oid in repo.iter_refs("refs/heads/") if agent.matches_branch(short_name(r))]
        return Wanted(f"agent {name}", frozenset(s for s, _ in mine), name, tuple(o for _, o in mine))
    return Wanted(name, frozenset({name.removeprefix("refs/heads/")}))


def _branch_in(message: str) -> tuple[str | None, str | None]:
    first = message.split("\n", 1)[0]
    m = _PULL.match(first) or _MERGE.match(first)
    if m is None:
        return None, None
    b = m.group("b").removeprefix("origin/")
    return b, m.groupdict().get("a")


def _by_message(ctx: Context, w: Wanted, message: str) -> bool:
    branch, tagged = _branch_in(message)
    if branch is None:
        return False
    if branch in w.names:
        return True
    if w.agent is None:
        return False
    owner = ctx.policy.agent_for_branch(branch)
    return tagged == w.agent or (owner is not None and owner.name == w.agent)


Merge = tuple[Oid, list[Oid], str]  # (commit, parents, message)


def find_merges(ctx: Context, w: Wanted) -> tuple[list[Merge], list[Oid]]:
    """(merges to revert, newest first; merges found but already reverted).

    By commits (for merges whose message names no other branch): a merge brought
    the branch in when the first-parent line of its second parent, down to where
    it meets the target's first-parent line, shares a commit with the branch's own
    first-parent line (from its tip down to where it forked).
    Walking those short lines keeps the cost linear in the history, where a
    reachability query per merge would not be.
    """
    repo = ctx.repo
    history = list(landing.first_parent_history(repo, ctx.target_oid))
    on_target = {oid for oid, _, _ in history}
    own: set[str] = set()
    for tip in w.tips:
        own.update(landing.first_parent_line(repo, tip, on_target))
    reverted: set[str] = set()
    todo: list[Merge] = []
    done: list[Oid] = []
    for oid, parents, message in history:
        if oid not in reverted:
            # A revert that was itself reverted no longer undoes its merge.
            reverted.update(_REVERTS.findall(message))
        if len(parents) < 2 or parents[1] in on_target:
            continue  # not a merge, or one that brought nothing new to the line
        if not _by_message(ctx, w, message):
            # A merge whose message names another branch brought that branch, even when
            # ours was built on top of its commits.
            if _branch_in(message)[0] is not None or own.isdisjoint(
                landing.first_parent_line(repo, parents[1], on_target)
            ):
                continue
        if oid in reverted:
            done.append(oid)
        else:
            todo.append((oid, parents, message))
    return todo, done


def revert_message(merge: str, first_parent: str, message: str) -> str:
    """The message git revert -m 1 writes."""
    subj = message.split("\n", 1)[0]
    return f'Revert "{subj}"\n\nThis reverts commit {merge}, reversing\nchanges made to {first_parent}.\n'


def main(name: str, target: str | None = None, repo_path: str | None = None) -> int:
    repo = open_repo(repo_path)
    ctx = context.build(repo, target)
    require_policy(ctx.policy, ctx.target_ref)
    tref, told, tname = ctx.target_ref, ctx.target_oid, short_name(ctx.target_ref)
    if not tref.startswith("refs/heads/"):
        raise GateError(f"the target {tname} is a remote-tracking branch here; revert on a local branch.")
    w = wanted(ctx, name)
    if told in w.tips:
        raise GateError(f"{name} is the target branch: name the agent branch whose merge to revert.")
    todo, done = find_merges(ctx, w)
    if not todo:
        if done:
            print(
                f"nothing to revert: the merge(s) of {w.label} on {tname} were reverted already "
                f"({', '.join(d[:7] for d in done)})."
            )
            return EXIT_ALLOW
        known = "" if w.tips or w.agent else closest(name, repo.branch_names() + list(ctx.policy.agents))
        raise NotFound(
            f"no merge of {w.label} on {tname}'s first-parent history.{known} Work that was "
            "fast-forwarded or squashed has no merge commit: revert its commits with 'git revert'."
        )
    landing.ready_worktree(repo, tref)  # refuse a dirty target checkout before any work
    ours, made = told, []
    for merge, parents, message in todo:
        tree, conflicts = landing.revert_tree(repo, merge, ours)
        if tree is None:
            raise GateError(
                f"reverting {merge[:7]} ({message.splitlines()[0]}) conflicts in {', '.join(conflicts)}: later "
                f"commits on {tname} changed the same lines. Nothing was changed. Revert it by hand with "
                f"'git revert -m 1 {merge}' and resolve the conflicts."
            )
        if tree == repo.tree_id(ours):
            continue  # its changes are gone already (undone by hand, or brought nothing)
        ours = lifecycle.commit(repo, tree, [ours], revert_message(merge, parents[0], message))
        made.append((merge, ours, message.splitlines()[0]))
    if not made:
        print(f"nothing to revert: the changes of {w.label} are no longer on {tname}.")
        return EXIT_ALLOW
    where = landing.land(repo, tref, told, ours, f"agentgate revert {w.label}")
    print(f"reverted {len(made)} merge(s) of {w.label} on {tname}:")
    for merge, rev, subj in made:
        print(f'  {merge[:7]} {subj}  ->  {rev[:7]} Revert "{subj}"')
    print(f"  {tname}: {told[:7]} -> {ours[:7]}" + (f"; updated the worktree {where}" if where else ""))
    again = " ".join(shlex.quote(rev) for _, rev, _ in reversed(made))
    print(f"to merge this work again later, revert the revert first: git revert {again}")
    return EXIT_ALLOW
