"""The merge effect (DESIGN §3): what merging a branch into the current target
changes, ``diff(target, M)`` with ``M`` git's merge of the two -- a virtual
merge-base when there are several, renames followed, the target's merge attributes
(``gate.git.asgit``) -- and which of those changes the branch's own diff does not
explain.

A branch's change set is its diff against *one* merge-base. git merges against a
virtual base built from all of them, and carries an edit along a rename the target
made. Two histories make the two differ:

- criss-cross: a commit whose parents are two commits the target has merged, with
  the tree of one of them, takes the other one's work back out of the target
  ("would revert");
- a rename on the target: an edit of ``src/ui/price.py`` made before the target
  moved it lands in the file's new place ("would write its change into").

Fast path: with one merge-base, and every path the branch changes (old side) still a
file on the target, nothing the target moved or deleted meets the branch's work:
``M`` changes exactly what the change set says, so no merge runs -- only a lookup of
the branch's own paths on the target, never a rename detection over the whole tree.

Keyed by (target, head), kept under ``agentgate/effects``; a result records the merge
driver of each file both sides changed and holds while the target names the same; a
merge with a file only a custom driver could merge is not kept.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from gate.atomic import read_json, store
from gate.git import asgit, changes, merge
from gate.git.attrs import MergeAttributes
from gate.git.repo import GitRepo
from gate.model import MODE_TREE, RENAMED, ChangeSet, FileChange, Oid

CACHE_VERSION = 1
REVERT, MOVED, CHANGED = "revert", "moved", "changed"
# How far down the target's first-parent line the commit that changed a path is
# looked for: naming it is a courtesy, never worth a long walk.
_HISTORY = 200

_RUN: WeakKeyDictionary[GitRepo, dict[tuple[str, str, str | None], Effect]] = WeakKeyDictionary()


@dataclass(frozen=True)
class Unexplained:
    """A change of the merge effect the branch's own diff does not show."""

    change: FileChange  # diff(target, M) of the file
    kind: str  # revert (the branch's version replaces the target's) | moved | changed
    source: str | None = None  # moved: the branch's path whose change lands here
    commit: Oid | None = None  # the target's first-parent commit that last changed the file
    title: str = ""  # that commit's subject line
    merged: bool = False  # that commit is a merge (it brought the change in)


@dataclass(frozen=True)
class Effect:
    target: Oid
    head: Oid
    files: tuple[Unexplained, ...] = ()
    fast: bool = True  # decided without a merge


def merge_effect(repo: GitRepo, target: Oid, head: Oid, cs: ChangeSet, attrs: MergeAttributes,
                 use_cache: bool = True) -> Effect:
    """The merge effect of ``head`` (change set ``cs``) merged into ``target``."""
    key = (str(target), str(head), attrs.commit)
    run = _RUN.setdefault(repo, {})
    hit = run.get(key)
    if hit is not None:
        return hit
    path = repo.cache_dir("effects", target[:2], f"{target}-{head}.json")
    eff = _load(path, attrs) if use_cache else None
    if eff is None:
        eff, drivers, keep = _compute(repo, target, head, cs, attrs)
        if use_cache and keep:
            store(path, _to_json(eff, drivers))
    run[key] = eff
    return eff


def _compute(repo: GitRepo, target: Oid, head: Oid, cs: ChangeSet,
             attrs: MergeAttributes) -> tuple[Effect, tuple[tuple[str, str], ...], bool]:
    base, unique = merge.merge_base(repo, target, head)
    if base is None:
        return Effect(target, head), (), True
    if unique and base == cs.base and not _moved(repo, target, cs):
        return Effect(target, head), (), True
    merged = asgit.merge_commits(repo, target, head, attrs)
    keep = not merged.undecided  # it would depend on a program agentgate did not run
    if merged.tree is None:
        return Effect(target, head, fast=False), merged.drivers, keep  # target.conflict says why
    ecs = changes.compute(repo, target, merged.tree)
    explained = cs.by_path()
    odd = [fc for fc in ecs.files if any(p not in explained for p in fc.paths)]
    moves: dict[str, str] = {}
    if odd:
        for fc in changes.changeset(repo, base, target).files:
            if fc.status == RENAMED and fc.old_path in explained and fc.new_path is not None:
                moves[fc.new_path] = fc.old_path
    out = []
    for fc in odd:
        p = fc.path
        if p in moves:
            kind, source = MOVED, moves[p]
        else:
            mine = repo.entry_at(head, p)
            lands = None if fc.new_oid is None else (fc.new_oid, fc.new_mode)
            kind, source = (REVERT if mine == lands else CHANGED), None
        commit, title, was_merge = _last_change(repo, target, p, base)
        out.append(Unexplained(fc, kind, source, commit, title, was_merge))
    return Effect(target, head, tuple(out), fast=False), merged.drivers, keep


def _moved(repo: GitRepo, target: str, cs: ChangeSet) -> bool:
    """Whether the target lacks, as a file, a path the branch changes (old side)."""
    for fc in cs.files:
        if fc.old_path is not None:
            hit = repo.entry_at(target, fc.old_path)
            if hit is None or hit[1] == MODE_TREE:
                return True
    return False


def _last_change(repo: GitRepo, target: str, path: str, base: str) -> tuple[Oid | None, str, bool]:
    """The newest commit of the target's first-parent line (down to the merge-base)
    that changed ``path``, its subject, and whether it is a merge."""
    c = target
    for _ in range(_HISTORY):
        if c == base:
            break
        parents = repo.parents(c)
        before = repo.entry_at(parents[0], path) if parents else None
        if repo.entry_at(c, path) != before:
            return Oid(c), repo.message(c).split("\n", 1)[0].strip(), len(parents) > 1
        if not parents:
            break
        c = parents[0]
    return None, "", False


# -- cache ------------------------------------------------------------------------------


def _enc(p: str | None) -> str | None:
    return None if p is None else os.fsencode(p).hex()


def _to_json(eff: Effect, drivers: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    files = changes.to_json(ChangeSet(eff.target, eff.head, tuple(u.change for u in eff.files)))
    return {"v": CACHE_VERSION, "target": eff.target, "head": eff.head, "fast": eff.fast, "changes": files,
            "why": [[u.kind, _enc(u.source), u.commit, u.title.encode("utf-8", "replace").hex(), u.merged]
                    for u in eff.files],
            "drivers": [[_enc(p), d] for p, d in drivers]}


def _load(path: str, attrs: MergeAttributes) -> Effect | None:
    data = read_json(path)
    if not isinstance(data, dict) or data.get("v") != CACHE_VERSION:
        return None
    try:
        drivers = tuple((os.fsdecode(bytes.fromhex(p)), str(d)) for p, d in data["drivers"])
        if not attrs.agree(drivers):
            return None
        cs = changes.from_json(data["changes"])
        files = tuple(
            Unexplained(fc, str(w[0]), None if w[1] is None else os.fsdecode(bytes.fromhex(w[1])),
                        None if w[2] is None else Oid(w[2]), bytes.fromhex(w[3]).decode("utf-8", "replace"),
                        bool(w[4]))
            for fc, w in zip(cs.files, data["why"], strict=True))
        return Effect(Oid(data["target"]), Oid(data["head"]), files, bool(data["fast"]))
    except (KeyError, IndexError, TypeError, ValueError):
        return None
