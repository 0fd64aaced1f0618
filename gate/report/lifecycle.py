"""What the worktree lifecycle commands print beyond a one-line confirmation:
``discard``, ``restore`` and the ``trash`` listing, and ``merge``'s outcome.

The trash records arrive as plain values (anything with a record's fields) and
counts the command computed: the report layer does not read git.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from gate.model import short_name


class TrashEntry(Protocol):
    """One trash record, as ``gate.git.trash.Entry`` holds it."""

    @property
    def name(self) -> str: ...
    @property
    def branch(self) -> str: ...
    @property
    def tip(self) -> str: ...
    @property
    def when(self) -> datetime: ...
    @property
    def index(self) -> str | None: ...
    @property
    def work(self) -> str | None: ...
    @property
    def worktree(self) -> Path | None: ...
    @property
    def clone(self) -> Path | None: ...


def _text(lines: Sequence[str]) -> str:
    return "".join(line + "\n" for line in lines)


# -- discard, restore, trash --------------------------------------------------------------


def discarded(branch: str, entry: TrashEntry, saved: tuple[int, int, int] | None, ignored: Sequence[str]) -> str:
    """One discarded branch: what was saved (``saved``: staged, unstaged and
    untracked file counts, None when no uncommitted work was snapshotted), what
    was not (ignored files), and how to get it back."""
    where = (f"; removed the worktree {entry.worktree}" if entry.worktree else
             f"; removed the isolated clone {entry.clone}" if entry.clone else "")
    lines = [f"discarded {branch} (was at {entry.tip[:7]}){where}"]
    if saved is not None:
        staged, unstaged, untracked = saved
        lines.append(f"  saved uncommitted work: {staged} staged, {unstaged} unstaged, {untracked} untracked file(s)")
        if ignored:
            shown = ", ".join(ignored[:5]) + (", …" if len(ignored) > 5 else "")
            lines.append(f"  not saved (ignored by .gitignore): {shown}")
    elif entry.worktree is not None or entry.clone is not None:
        lines.append("  no uncommitted work")
    lines.append(f"restore it with: agentgate restore {shlex.quote(entry.name)}")
    return _text(lines)


def restored(entry: TrashEntry) -> str:
    wt = entry.worktree or entry.clone
    kind = "isolated clone" if entry.clone else "worktree"
    lines = [f"restored {short_name(entry.branch)} at {entry.tip[:7]}" + (f" in the {kind} {wt}" if wt else "")]
    if entry.index and entry.work:
        lines.append("  with its uncommitted work: staged, unstaged and untracked files as they were")
    if wt is not None:
        lines.append(f"continue with: cd {shlex.quote(str(wt))}")
    return _text(lines)


def purged(gone: Sequence[TrashEntry], age: str) -> str:
    lines = [f"purged {e.name}" for e in gone]
    lines.append(f"purged {len(gone)} trash entr{'y' if len(gone) == 1 else 'ies'} older than {age}")
    return _text(lines)


def trash(items: Sequence[TrashEntry]) -> str:
    """The trash, most recent first as given: name, branch, when, what was saved."""
    if not items:
        return "the trash is empty\n"
    rows = [
        (
            e.name,
            short_name(e.branch),
            e.when.strftime("%Y-%m-%d %H:%M:%SZ"),
            "uncommitted work saved" if e.work else ("no uncommitted work" if e.worktree or e.clone else "branch only"),
        )
        for e in items
    ]
    widths = [max(len(r[i]) for r in rows + [("NAME", "BRANCH", "DISCARDED", "")]) for i in range(3)]
    lines = [f"{'NAME':<{widths[0]}}  {'BRANCH':<{widths[1]}}  {'DISCARDED':<{widths[2]}}  SAVED"]
    lines += [f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}" for r in rows]
    lines.append(f"restore one with: agentgate restore NAME (default: the most recent, {items[0].name})")
    return _text(lines)


# -- merge --------------------------------------------------------------------------------


def needs_approval(branch: str, count: int) -> str:
    """Why ``merge`` stopped outside a terminal, and the two commands that go on."""
    name = shlex.quote(branch)
    return _text([
        f"not merged: {count} finding(s) on {branch} need a human approval. After review, an approver runs:",
        f"  agentgate approve {name}",
        f"  agentgate merge {name}",
    ])


def merged(branch: str, target: str, old: str, new: str, subject: str, worktree: Path | None) -> str:
    """The merge commit made, the target's move, and how to undo it."""
    return _text([
        f"merged {branch} into {target}: {new[:7]} {subject}",
        f"  {target}: {old[:7]} -> {new[:7]}" + (f"; updated the worktree {worktree}" if worktree else ""),
        f"undo it with: agentgate revert {shlex.quote(branch)}",
    ])
