"""Merges and reverts in memory, and landing their result on a branch.

A merge or revert is computed by pygit2 without an index lock or a working tree;
``land`` then moves the branch by compare-and-swap and brings a clean checkout of
it along with ``git read-tree -m -u`` (git's own two-tree checkout), after a dry
run, so a refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Set
from pathlib import Path

import pygit2

from gate.errors import GateError
from gate.git import asgit, write
from gate.git.attrs import MergeAttributes
from gate.git.lifecycle import Worktree, worktree_of
from gate.git.pairs import UNDECIDED
from gate.git.repo import GitRepo
from gate.git.run import clean_env, git
from gate.model import Oid

_IN_PROGRESS = {
    "MERGE_HEAD": "merge",
    "CHERRY_PICK_HEAD": "cherry-pick",
    "REVERT_HEAD": "revert",
    "rebase-merge": "rebase",
    "rebase-apply": "rebase or am",
}


def dirty_reason(path: Path) -> str | None:
    """Why the worktree at ``path`` cannot follow its branch, or None when it is clean."""
    env = clean_env()
    git_dir = Path(git("rev-parse", "--absolute-git-dir", cwd=path, env=env).text.strip())
    for name, what in _IN_PROGRESS.items():
        if (git_dir / name).exists():
            return f"a {what} is in progress there"
    out = git("--no-optional-locks", "status", "--porcelain", "-z", "--untracked-files=no", cwd=path, env=env).text
    paths = [e[3:] for e in out.split("\0") if len(e) > 3]
    if paths:
        shown = ", ".join(paths[:3]) + (", …" if len(paths) > 3 else "")
        return f"{len(paths)} uncommitted change{'s' if len(paths) != 1 else ''} there ({shown})"
    return None


def check_advance(path: Path, old: str, new: str) -> None:
    """Refuse (GateError) when moving the worktree from ``old`` to ``new`` would
    overwrite anything; a dry run, nothing changes."""
    try:
        git("read-tree", "-m", "-u", "-n", old, new, cwd=path, env=clean_env())
    except GateError as e:
        raise GateError(f"the worktree {path} cannot be updated: {e}. Nothing was changed.") from None


def advance(path: Path, old: str, new: str) -> None:
    """Move the files and index of a clean worktree from ``old`` to ``new`` (its branch
    already points at ``new``), as the checkout after a fast-forward does."""
    git("read-tree", "-m", "-u", old, new, cwd=path, env=clean_env())


def ready_worktree(repo: GitRepo, ref: str) -> Worktree | None:
    """The worktree that has ``ref`` checked out, when it can follow the ref; GateError
    when it is dirty; None when ``ref`` is checked out nowhere."""
    wt = worktree_of(repo, ref)
    if wt is None or wt.missing:
        return None
    why = dirty_reason(wt.path)
    if why:
        raise GateError(
            f"{ref.removeprefix('refs/heads/')} is checked out in {wt.path} and {why}. "
            "Commit or stash that work, then run the command again. Nothing was changed."
        )
    return wt


def land(repo: GitRepo, ref: str, old: str, new: str, reason: str) -> Path | None:
    """Move branch ``ref`` from ``old`` to ``new`` (compare-and-swap) and the clean
    worktree that has it checked out with it; returns that worktree's path.

    The worktree is checked (clean, nothing in the way) before the ref moves, so a
    refusal changes nothing.
    """
    wt = ready_worktree(repo, ref)
    if wt is not None:
        check_advance(wt.path, old, new)
    write.update_ref(repo, ref, new, old, reason)
    if wt is None:
        return None
    try:
        advance(wt.path, old, new)
    except GateError as e:
        raise GateError(
            f"{ref} now points at {new[:12]}, but the worktree {wt.path} could not follow: {e}. "
            f"Move what is in the way, then run 'git -C {wt.path} read-tree -m -u {old} {new}'."
        ) from None
    return wt.path


def _conflicts(index: pygit2.Index) -> list[str]:
    paths = set()
    for entries in index.conflicts or ():
        for e in entries:
            if e is not None:
                paths.add(str(e.path))
    return sorted(paths)


def merge_tree(repo: GitRepo, target: str, head: str) -> tuple[Oid | None, list[str]]:
    """(tree of target+head merged, []) or (None, conflicting paths), in memory, as
    git merges with the target checked out (``gate.git.asgit``: its merge attributes;
    a file a custom merge driver would merge is not merged here, and says so)."""
    if repo.descends(head, target):
        return repo.tree_id(head), []
    merged = asgit.merge_commits(repo, target, head, MergeAttributes(repo, target))
    if merged.tree is None or merged.undecided:
        return None, sorted({
            (c.ours or c.theirs)[-1] + (f" (merge driver {c.kind.removeprefix(UNDECIDED)}: agentgate cannot tell; "
                                        "merge it with git, which runs the driver)" if c.kind.startswith(UNDECIDED)
                                        else "")
            for c in merged.conflicts})
    return merged.tree, []


def revert_tree(repo: GitRepo, merge: str, onto: str) -> tuple[Oid | None, list[str]]:
    """The tree of ``onto`` with merge commit ``merge`` undone as ``git revert -m 1``
    does, or (None, conflicting paths)."""
    r = repo.raw
    index = r.revert_commit(r[merge].peel(pygit2.Commit), r[onto].peel(pygit2.Commit), 1)
    if index.conflicts is not None:
        return None, _conflicts(index)
    return Oid(str(index.write_tree(r))), []


def first_parent_history(repo: GitRepo, tip: str) -> Iterator[tuple[Oid, list[Oid], str]]:
    """(commit, parents, message) along ``tip``'s first-parent line, newest first."""
    walker = repo.raw.walk(tip, pygit2.enums.SortMode.TOPOLOGICAL)
    walker.simplify_first_parent()
    for c in walker:
        yield Oid(str(c.id)), [Oid(str(p)) for p in c.parent_ids], str(c.message)


def first_parent_line(repo: GitRepo, start: str, stop: Set[str]) -> list[Oid]:
    """``start`` and its first parents, down to (not including) a commit in ``stop``."""
    out: list[Oid] = []
    r = repo.raw
    oid = start
    while oid not in stop:
        out.append(Oid(oid))
        parents = r[oid].peel(pygit2.Commit).parent_ids
        if not parents:
            break
        oid = str(parents[0])
    return out
