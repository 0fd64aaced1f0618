"""What the shell reader knows about the session: the decision type and the folder.

``ShellScope`` carries the facts and lookups the caller (``gate.guard.decide``)
builds from the worktree and the policy, so that reading a command line needs
neither git nor the policy.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gate.guard.writes import Write

TREE_ASK = "deletes recursively; confirm the paths are right."


@dataclass(frozen=True)
class Verdict:
    """A decision the guard has an opinion on, and the reason shown with it."""

    decision: Literal["deny", "ask"]
    reason: str


def _no_write_opinion(write: Write, cwd: Path | None) -> Verdict | None:
    return None


def _no_owner(branch: str) -> str | None:
    return None


@dataclass(frozen=True)
class ShellScope:
    """The session a command line runs in.

    ``write`` judges one written path as seen from ``cwd`` and returns the end of a
    reason ("writes src/ui/app.py, owned by bob, …"); the reader puts the command in
    front. ``branch_owner`` names the agent whose branch pattern a short branch name
    matches.
    """

    target: str = "main"
    branch: str | None = None  # the checked-out branch's short name
    cwd: Path | None = None  # where the command starts (real path); None: unknown
    root: Path | None = None  # the worktree's top (real path); None: no folder to keep to
    agent: str | None = None
    write: Callable[[Write, Path | None], Verdict | None] = _no_write_opinion
    branch_owner: Callable[[str], str | None] = _no_owner

    def who(self) -> str:
        return self.agent or "this session"

    def outside(self, path: Path) -> bool:
        """Whether ``path`` (real) lies outside the worktree."""
        if self.root is None:
            return False
        return not Path(path).is_relative_to(self.root)


def locate(raw: str, cwd: Path | None) -> Path | None:
    """The real path a command's argument names, or None when it cannot be known
    (a variable the guard cannot expand, a relative path from an unknown directory)."""
    text = os.path.expanduser(os.path.expandvars(raw))
    if "$" in text or "`" in text or not text:
        return None
    path = Path(text)
    if not path.is_absolute():
        if cwd is None:
            return None
        path = cwd / path
    return Path(os.path.realpath(path))
