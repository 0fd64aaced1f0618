"""The values ``land`` reports: one line per branch, and the outcome of the run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gate.model import Oid, RefName, Verdict

State = Literal["queued", "testing", "passed", "landed", "ejected", "held"]


@dataclass(frozen=True)
class Line:
    """Where one branch stands. ``why``: what holds or ejected it; ``tests``: the
    failing test ids, ``paths``: the conflicting paths of an ejection; ``commit``:
    its merge commit once landed (or its candidate in a dry run)."""

    ref: RefName
    agent: str | None
    state: State
    why: str = ""
    verdict: Verdict | None = None  # a held branch's
    commit: Oid | None = None
    tests: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pushed:
    """``--push``: what was pushed, whether the server took it, what it said."""

    remote: str
    refs: tuple[str, ...]
    ok: bool
    said: tuple[str, ...]  # the server's lines ("remote: …"), else git's error


@dataclass(frozen=True)
class Outcome:
    """A run of ``land``: the target before and after (``new`` None: not moved)."""

    target: RefName
    old: Oid
    new: Oid | None
    lines: tuple[Line, ...]
    retries: int = 0
    runs: int = 0  # test runs
    reused: int = 0  # candidates answered from the test cache
    tested: bool = True
    dry_run: bool = False
    worktree: Path | None = None
    pushed: tuple[Pushed, ...] = ()
    notes: tuple[str, ...] = ()

    def exit_code(self) -> int:
        """1 if a branch was ejected or held for a block (or the server refused the
        push), else 3 if one is held for approval, else 0."""
        if any(ln.state == "ejected" or (ln.state == "held" and ln.verdict == "block") for ln in self.lines):
            return 1
        if any(not p.ok for p in self.pushed):
            return 1
        if any(ln.state == "held" for ln in self.lines):
            return 3
        return 0
