"""The merge candidate: the current target with a branch merged in, as a commit
object that no ref points at (tests run on it in a test checkout, gate.testrun.pool)."""

from __future__ import annotations

import pygit2

from gate.git import asgit
from gate.git.attrs import MergeAttributes
from gate.git.repo import GitRepo
from gate.model import Oid

_SIG = ("agentgate", "agentgate@localhost")


def merge_candidate(repo: GitRepo, target: str, head: str, message: str) -> tuple[Oid | None, Oid | None]:
    """(commit id, tree id) of target+head merged in memory; (None, None) on conflict.

    Fixed signature and time: the same inputs give the same commit id, so a run
    can be recognised and its test result reused by tree id.
    """
    r = repo.raw
    if repo.descends(head, target):
        tree = r[head].peel(pygit2.Commit).tree_id
        return Oid(head), Oid(str(tree))
    # As git merges with the target checked out (its merge attributes); a file a
    # custom driver would merge leaves the candidate unknown, so nothing is tested.
    merged = asgit.merge_commits(repo, target, head, MergeAttributes(repo, target))
    if merged.tree is None or merged.undecided:
        return None, None
    tree = pygit2.Oid(hex=merged.tree)
    sig = pygit2.Signature(*_SIG, time=0, offset=0)
    oid = r.create_commit(None, sig, sig, message, tree, [pygit2.Oid(hex=target), pygit2.Oid(hex=head)])
    return Oid(str(oid)), Oid(str(tree))
