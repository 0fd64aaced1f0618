"""``agentgate who PATH…``: which agent owns each path, and why."""

from __future__ import annotations

import os
from collections.abc import Sequence

from gate import context
from gate.git import open_repo


def main(paths: Sequence[str], target: str | None = None, repo_path: str | None = None) -> int:
    repo = open_repo(repo_path)
    _, _, pol = context.resolve_target(repo, target)
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
        print(line)
    return 0


def _relative(raw: str, root: os.PathLike[str] | None) -> str:
    """A path relative to the repository root: as given when already relative to it."""
    if root is None:
        return raw.lstrip("/")
    absolute = os.path.abspath(raw)
    rel = os.path.relpath(absolute, root)
    if rel.startswith(".."):
        return raw
    return rel.replace(os.sep, "/")
