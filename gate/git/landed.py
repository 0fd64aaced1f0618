"""Where a file change landed on a target's first-parent history.

An approval is spent once its change (path, old -> new blob) appears on the
target's first-parent history after the approval was recorded (DESIGN §3). The
first-parent line is what the target went through, whatever brought the change:
``agentgate merge``, a plain ``git merge`` (the merge commit's diff against its
first parent holds the branch's change), a squash or a direct push.
"""

from __future__ import annotations

from dataclasses import dataclass

from gate.git.repo import GitRepo
from gate.model import Oid

# How many first-parent commits one search reads at most. A record whose "since"
# commit this repository does not have (an approver's local-only target) is
# searched this far back: finding an old landing only ever makes a finding ask again.
LIMIT = 5000


@dataclass(frozen=True)
class Change:
    """One file change: the path on each side (None: absent) and the blob on each side."""

    old_path: str | None
    new_path: str | None
    old_oid: str | None
    new_oid: str | None


def _oid_at(repo: GitRepo, commit: Oid | None, path: str | None) -> str | None:
    if commit is None or path is None:
        return None
    hit = repo.entry_at(commit, path)
    return hit[0] if hit is not None else None


def made_by(repo: GitRepo, commit: Oid, parent: Oid | None, change: Change) -> bool:
    """Whether going from ``parent`` to ``commit`` makes ``change``."""
    before = _oid_at(repo, parent, change.old_path or change.new_path)
    after = _oid_at(repo, commit, change.new_path or change.old_path)
    return before == change.old_oid and after == change.new_oid and before != after


def landing(repo: GitRepo, tip: Oid, since: str | None, change: Change) -> Oid | None:
    """The newest commit on ``tip``'s first-parent line, after ``since`` (a commit
    the target had when the approval was recorded), that makes ``change``; None
    when there is none."""
    c: Oid | None = tip
    for _ in range(LIMIT):
        if c is None or c == since or (since is not None and repo.descends(since, c)):
            return None
        parents = repo.parents(c)
        parent = parents[0] if parents else None
        if made_by(repo, c, parent, change):
            return c
        c = parent
    return None
