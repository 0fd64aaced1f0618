"""``agentgate discard`` / ``restore`` / ``trash``: throw an agent's work away without losing it.

``discard`` first saves the worktree's uncommitted work as two commits (the index,
then every tracked and untracked-not-ignored file on top), then records the branch
tip and those commits in one commit under ``refs/agentgate/trash/<name>``, and only
then removes the worktree and the branch. ``restore`` reverses all of it.

The trash records themselves (their format, listing, lookup and purge) are in
``gate.git.trash``. An isolated clone (``spawn --isolated``) is saved and brought
back the same way (``gate.git.clones``): its commits that were never pushed are
kept too, as the parents of the saved index.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta

from gate import context
from gate.context import Context
from gate.errors import GateError, NotFound, UsageError, closest
from gate.git import clones, lifecycle, write
from gate.git.opening import open_repo
from gate.git.repo import GitRepo
from gate.git.run import clean_env, git
from gate.git.trash import TRASH, Entry, entries, find, free_name, parse, purge, record_message
from gate.model import Oid, RefName, short_name
from gate.report import lifecycle as lifecycle_report
from gate.serve import state, tokens

_DURATION = re.compile(r"(\d+)([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


# -- discard -----------------------------------------------------------------------------


def _context(repo: GitRepo) -> Context | None:
    # Discarding must work even when the policy is broken or the target is missing:
    # containment first.
    try:
        return context.build(repo)
    except GateError:
        return None


def _targets(repo: GitRepo, ctx: Context | None, name: str, all_branches: bool) -> list[RefName]:
    ref = name if name.startswith("refs/heads/") else "refs/heads/" + name
    if repo.ref_oid(ref) is not None:
        if all_branches:
            raise UsageError("--all takes an agent name: it discards every branch of that agent.")
        return [RefName(ref)]
    agent = ctx.policy.agents.get(name) if ctx is not None else None
    if agent is None:
        known = [short_name(r) for r, _ in repo.iter_refs("refs/heads/")] + list(ctx.policy.agents if ctx else ())
        raise NotFound(
            f"no local branch or agent named '{name}'.{closest(name, known)} List branches with 'git branch', "
            "agents with 'agentgate status'."
        )
    mine = [r for r, _ in repo.iter_refs("refs/heads/") if agent.matches_branch(short_name(r))]
    if not mine:
        raise GateError(f"agent '{name}' has no local branches: nothing to discard.")
    if len(mine) > 1 and not all_branches:
        listed = ", ".join(short_name(r) for r in mine)
        raise UsageError(f"agent '{name}' has {len(mine)} branches ({listed}): name one, or pass --all.")
    return mine


def discard_one(repo: GitRepo, ref: RefName, now: datetime) -> tuple[Entry, lifecycle.Snapshot | None]:
    """Save and remove one branch and its worktree; the trash entry it made."""
    short = short_name(ref)
    tip = repo.ref_oid(ref)
    if tip is None:
        raise GateError(f"{short} vanished meanwhile; nothing was discarded.")
    clone = clones.clone_of(repo, ref)
    if clone is not None:
        return _discard_clone(repo, ref, tip, clone, now)
    wt = lifecycle.worktree_of(repo, ref)
    if wt is not None and (wt.main or wt.locked):
        lifecycle.remove_worktree(repo, wt)  # raises the reason; nothing is saved yet
    live = wt is not None and not wt.missing
    snap = lifecycle.snapshot(repo, wt.path, tip, short) if wt is not None and live else None
    agent = (git("config", "--get", "agentgate.agent", cwd=wt.path, env=clean_env(), check=False).text.strip()
             if live and wt else "")
    message = record_message(ref, tip, now, snap, wt.path if wt else None, agent or None)
    tree = repo.tree_id(snap.work) if snap else repo.tree_id(tip)
    record = lifecycle.commit(repo, tree, [tip] + ([snap.work] if snap else []), message)
    name = free_name(repo, short, now)
    write.update_ref(repo, TRASH + name, record, None, f"agentgate discard {short}")
    if wt is not None and live:
        # An agent still running there could have written since the snapshot: then
        # keep everything and say so rather than remove unsaved work.
        again = lifecycle.work_trees(wt.path)
        before = (repo.tree_id(snap.index), repo.tree_id(snap.work)) if snap else (repo.tree_id(tip),) * 2
        if again != before or repo.ref_oid(ref) != tip:
            write.delete_ref(repo, TRASH + name, record)
            raise GateError(
                f"files in {wt.path} changed while it was being saved (is the agent still "
                "running?). Stop it and run discard again; nothing was removed."
            )
    if wt is not None:
        lifecycle.remove_worktree(repo, wt)
    write.delete_ref(repo, ref, tip)
    entry = parse(name, record, message)
    assert entry is not None
    return entry, snap


def _discard_clone(repo: GitRepo, ref: RefName, tip: Oid, clone: clones.Clone,
                   now: datetime) -> tuple[Entry, lifecycle.Snapshot | None]:
    short = short_name(ref)
    live = not clone.missing
    snap, before = clones.save(repo, clone.path, tip, short, lifecycle.identity(repo)) if live else (None, None)
    message = record_message(ref, tip, now, snap, None, clone.agent or None, clone=clone.path)
    tree = repo.tree_id(snap.work) if snap else repo.tree_id(tip)
    record = lifecycle.commit(repo, tree, [tip] + ([snap.work] if snap else []), message)
    name = free_name(repo, short, now)
    write.update_ref(repo, TRASH + name, record, None, f"agentgate discard {short}")
    if live:
        if clones.state(clone.path) != before or repo.ref_oid(ref) != tip:
            write.delete_ref(repo, TRASH + name, record)
            raise GateError(
                f"the clone {clone.path} changed while it was being saved (is the agent still running, "
                "or pushing?). Stop it and run discard again; nothing was removed."
            )
        clones.remove(clone.path)
    clones.unregister(repo, ref)
    write.delete_ref(repo, ref, tip)
    entry = parse(name, record, message)
    assert entry is not None
    return entry, snap


def main(name: str, all_branches: bool = False, repo_path: str | None = None) -> int:
    repo = open_repo(repo_path)
    ctx = _context(repo)
    refs = _targets(repo, ctx, name, all_branches)
    target = ctx.target_ref if ctx else "refs/heads/" + (repo.config_get("agentgate.target") or "main")
    for ref in refs:
        if ref == target or (ctx and ctx.policy.is_protected(short_name(ref))):
            raise GateError(f"{short_name(ref)} is the target or a protected branch: agentgate will not discard it.")
    now = datetime.now(UTC).replace(microsecond=0)
    for ref in refs:
        entry, snap = discard_one(repo, ref, now)
        saved = None
        if snap is not None:
            staged = sum(lifecycle.diff_count(repo, repo.parents(snap.index)[0], snap.index))
            untracked, unstaged = lifecycle.diff_count(repo, snap.index, snap.work)
            saved = (staged, unstaged, untracked)
        # Each branch as it goes: when a later one fails, the earlier ones were discarded.
        sys.stdout.write(lifecycle_report.discarded(short_name(ref), entry, saved, snap.ignored if snap else ()))
    return 0


# -- restore -----------------------------------------------------------------------------


def restore(name: str | None = None, repo_path: str | None = None) -> int:
    repo = open_repo(repo_path)
    e = find(repo, name)
    short = short_name(e.branch)
    if repo.ref_oid(e.branch) is not None:
        raise GateError(
            f"the branch {short} exists again. Rename or discard it first ('git branch -m {short} NEW'), then restore."
        )
    wt = e.worktree or e.clone
    if wt is not None and wt.exists() and (not wt.is_dir() or any(wt.iterdir())):
        raise GateError(f"{wt} exists and is not empty. Move it away, then restore.")
    if e.clone is not None:
        return _restore_clone(repo, e)
    write.update_ref(repo, e.branch, e.tip, None, f"agentgate restore {e.name}")
    if wt is not None:
        try:
            lifecycle.enable_worktree_config(repo)
            wt.parent.mkdir(parents=True, exist_ok=True)
            lifecycle.add_worktree(repo, wt, e.branch, {"agentgate.agent": e.agent} if e.agent else None)
            if e.index and e.work:
                lifecycle.apply_snapshot(wt, e.index, e.work)
        except BaseException:
            made = lifecycle.worktree_of(repo, e.branch)
            if made is not None:
                lifecycle.remove_worktree(repo, made)
            write.delete_ref(repo, e.branch, e.tip)
            raise
    write.delete_ref(repo, e.ref, e.oid)
    sys.stdout.write(lifecycle_report.restored(e))
    return 0


def _restore_clone(repo: GitRepo, e: Entry) -> int:
    assert e.clone is not None
    served = state.read(repo.common_dir)
    if served is None:
        raise GateError("restoring an isolated clone needs the address of 'agentgate serve' (its remote), and "
                        "this repository has never served. Run 'agentgate serve' once, then restore.")
    agent = e.agent or ""
    short = short_name(e.branch)
    write.update_ref(repo, e.branch, e.tip, None, f"agentgate restore {e.name}")
    try:
        e.clone.parent.mkdir(parents=True, exist_ok=True)
        clones.make(repo, e.clone, e.branch, served.url_for(agent), agent)
        clones.register(repo, clones.Clone(e.branch, e.clone, agent))
        if e.index and e.work:
            clones.restore_state(e.clone, repo.parents(e.index)[0], short)
            lifecycle.apply_snapshot(e.clone, e.index, e.work)
        if agent:
            tokens.hand_out(repo, agent)
    except BaseException:
        clones.unregister(repo, e.branch)
        if e.clone.exists():
            clones.remove(e.clone)
        write.delete_ref(repo, e.branch, e.tip)
        raise
    write.delete_ref(repo, e.ref, e.oid)
    sys.stdout.write(lifecycle_report.restored(e))
    return 0


# -- trash -------------------------------------------------------------------------------


def parse_age(text: str) -> timedelta:
    m = _DURATION.fullmatch(text.strip())
    if m is None:
        raise UsageError(f"bad age {text!r}: write a number and a unit, e.g. 30d, 12h, 2w.")
    return timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])


def trash(
    purge_old: bool = False, older_than: str | None = None, repo_path: str | None = None, now: datetime | None = None
) -> int:
    repo = open_repo(repo_path)
    if older_than is not None and not purge_old:
        raise UsageError("--older-than goes with --purge.")
    now = now or datetime.now(UTC)
    if purge_old:
        age = older_than or "30d"
        sys.stdout.write(lifecycle_report.purged(purge(repo, parse_age(age), now), age))
        return 0
    sys.stdout.write(lifecycle_report.trash(entries(repo)))
    return 0
