"""``agentgate who PATH…``: which agent owns each path, and why."""

from __future__ import annotations

import os
from collections.abc import Sequence

from gate import context
from gate.git.opening import open_repo
from gate.policy import require_policy
from gate.policy.tree import worktree_policy
from gate.report import notes
from gate.report.text import printable


def main(paths: Sequence[str], target: str | None = None, repo_path: str | None = None) -> int:
    """Print ``PATH: owner (pattern …)`` per path; paths are relative to the current
    directory, as in git, and shown relative to the repository's root."""
    repo = open_repo(repo_path)
    ref, oid, pol = context.resolve_target(repo, target)
    uncommitted = worktree_policy(repo, oid)
    if uncommitted is not None:
        notes.emit([notes.worktree_policy(ref, uncommitted[0])])
    require_policy(pol, ref)
    root = repo.workdir
    for raw in paths:
        path = _relative(raw, root)
        winner = pol.owner_of(path)
        shared = pol.shared_pattern(path)
        if winner is not None:
            line = f"{path}: {winner[0]} (pattern {winner[1]})"
            overridden = [o for o in pol.owners_matching(path) if o != winner]
            if overridden:
                line += "; overrides " + ", ".join(f"{a} ({p})" for a, p in overridden)
        elif shared is not None:
            line = f"{path}: shared (pattern {shared})"
        else:
            line = f"{path}: no owner"
        gated = pol.gates(path)
        if gated:
            line += "; gated: " + ", ".join(
                f"{rule} ({action}{f', pattern {hit}' if hit else ''})" for rule, action, hit in gated)
        print(printable(line))  # a non-UTF-8 or control character is shown escaped
    return 0


def _relative(raw: str, root: os.PathLike[str] | None) -> str:
    """``raw`` (relative to the current directory) relative to the repository root.

    Outside a checkout (a bare repository) or outside the repository, the path is
    taken as written, relative to the root. Folders are resolved on both sides, so
    a checkout reached through a symlink gives the same answer; the last name is
    not (a symlink in the tree is a path of its own)."""
    if root is None:
        return raw.lstrip("/")
    parent, name = os.path.split(os.path.abspath(raw))
    rel = os.path.relpath(os.path.join(os.path.realpath(parent), name), os.path.realpath(root))
    if rel == ".." or rel.startswith(".." + os.sep):
        return raw.lstrip("/")
    if raw.endswith("/") and rel != ".":
        rel += "/"  # keep "a directory" as the user wrote it
    return rel.replace(os.sep, "/")
