"""Plain, immutable values that flow through agentgate.

Everything here is a frozen dataclass or a ``NewType`` so that the core can pass
values around without touching pygit2: object ids are full hex strings, refs are
full names (``refs/heads/...``), paths are ``str`` decoded with
``os.fsdecode`` (surrogate escapes keep non-UTF-8 bytes, ``os.fsencode`` gives them
back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, NewType

Oid = NewType("Oid", str)
RefName = NewType("RefName", str)

Action = Literal["off", "warn", "ask", "block"]
Verdict = Literal["allow", "ask", "block"]
ACTIONS: tuple[Action, ...] = ("off", "warn", "ask", "block")

# Statuses of one file in a change set (git's letters in brackets).
ADDED = "added"  # A
MODIFIED = "modified"  # M
DELETED = "deleted"  # D
RENAMED = "renamed"  # R
TYPECHANGE = "typechange"  # T

MODE_FILE = 0o100644
MODE_EXEC = 0o100755
MODE_LINK = 0o120000
MODE_GITLINK = 0o160000
MODE_TREE = 0o040000

# The languages the shared-symbol analysis reads, by file suffix (compared in lower
# case); gate/symbols/language.py has a reader for each name. The table sits here,
# not in gate/symbols/, because the symbols check asks whether a branch touches such
# a file before it loads the analysis: a push of docs imports none of it.
LANGUAGES: Mapping[str, str] = {
    ".py": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
}


def language_of(path: str) -> str | None:
    """The language analysed for ``path`` (by extension), or None."""
    dot = path.rfind(".")
    if dot < 0 or "/" in path[dot:]:
        return None
    return LANGUAGES.get(path[dot:].lower())



@dataclass(frozen=True)
class Hunk:
    """One hunk as in git's ``@@ -old_start,old_lines +new_start,new_lines @@`` with -U0.

    As in git, a side with zero lines has ``start`` = the line after which the
    other side's lines sit (0 at the top of the file).
    """

    old_start: int
    old_lines: int
    new_start: int
    new_lines: int


@dataclass(frozen=True)
class FileChange:
    status: str
    old_path: str | None
    new_path: str | None
    old_oid: Oid | None
    new_oid: Oid | None
    old_mode: int
    new_mode: int
    binary: bool
    old_size: int
    new_size: int
    hunks: tuple[Hunk, ...] = ()
    similarity: int = 0

    @property
    def path(self) -> str:
        """The path to show: the new side, or the old one for a deletion."""
        return self.new_path if self.new_path is not None else str(self.old_path)

    @cached_property
    def paths(self) -> tuple[str, ...]:
        """Both sides' paths, old first, without repeats."""
        out: list[str] = []
        for p in (self.old_path, self.new_path):
            if p is not None and p not in out:
                out.append(p)
        return tuple(out)

    # Values are immutable, so derived views are computed once per object
    # (cached_property writes to the instance dict, which a frozen dataclass allows):
    # the board asks them for every pair of 50 branches.
    @cached_property
    def _base_ranges(self) -> tuple[tuple[int, int], ...]:
        return self._compute_base_ranges()

    def base_ranges(self) -> tuple[tuple[int, int], ...]:
        return self._base_ranges

    @cached_property
    def _new_ranges(self) -> tuple[tuple[int, int], ...]:
        return tuple(
            (h.new_start, h.new_start + h.new_lines - 1) for h in self.hunks if h.new_lines
        )

    def _compute_base_ranges(self) -> tuple[tuple[int, int], ...]:
        """Changed line ranges on the base (old) side as inclusive (first, last).

        A pure insertion occupies no old line; it is given as (start, start),
        clamped to >= 1, so that it touches the lines around it: two branches
        inserting at the same place do collide.
        """
        out = []
        for h in self.hunks:
            if h.old_lines:
                out.append((h.old_start, h.old_start + h.old_lines - 1))
            else:
                out.append((max(h.old_start, 1), max(h.old_start, 1)))
        return tuple(out)

    def new_ranges(self) -> tuple[tuple[int, int], ...]:
        """Added/changed line ranges on the new side, inclusive; pure deletions skipped."""
        return self._new_ranges


@dataclass(frozen=True)
class ChangeSet:
    """What ``head`` changes relative to ``base`` (the merge-base with the target)."""

    base: Oid
    head: Oid
    files: tuple[FileChange, ...]

    def by_path(self) -> dict[str, FileChange]:
        """Every path (old and new sides) to its change (a shared, read-only dict)."""
        return self._by_path

    @cached_property
    def _by_path(self) -> dict[str, FileChange]:
        out: dict[str, FileChange] = {}
        for fc in self.files:
            for p in fc.paths:
                out[p] = fc
        return out


@dataclass(frozen=True)
class Finding:
    """One observation. ``other`` names what else is involved (agent, branch, symbol…)."""

    rule: str
    action: Action
    message: str
    path: str | None = None
    line: int | None = None
    end_line: int | None = None
    hint: str = ""
    other: dict[str, Any] | None = None
    fingerprint: str = ""
    approved: bool = False


@dataclass(frozen=True)
class BranchResult:
    """The gate's result for one branch (or one diff: then ``ref`` is None)."""

    ref: RefName | None
    agent: str | None
    head: Oid | None
    base: Oid | None
    verdict: Verdict
    findings: tuple[Finding, ...]
    # Facts for boards and summaries: ahead, behind, files_changed, tests, notes…
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    verdict: Verdict
    target_ref: RefName | None
    target_oid: Oid | None
    branches: tuple[BranchResult, ...]
    elapsed_ms: int = 0
    # Board extras (agents x agents matrix etc.), renderers may use them.
    extra: dict[str, Any] = field(default_factory=dict)


# -- the board (``agentgate status``, ``plan``) -------------------------------------

# How a branch relates to another open agent branch, worst first: they do not merge
# cleanly, change the same lines, change the same files, or share nothing.
Relation = Literal["conflict", "same-lines", "same-files", "none"]
RELATIONS: tuple[Relation, ...] = ("conflict", "same-lines", "same-files", "none")


def worst(a: Relation, b: Relation) -> Relation:
    """The worse of two relations (the earlier in ``RELATIONS``)."""
    return a if RELATIONS.index(a) <= RELATIONS.index(b) else b


@dataclass(frozen=True)
class PairRow:
    """What a board row's branch shares with the open agent branch ``branch``: the
    worst relation over the files both change, and those files (this side's paths)."""

    branch: RefName
    agent: str | None
    relation: Relation
    paths: tuple[str, ...]


@dataclass(frozen=True)
class TargetConflicts:
    """The paths where merging a branch into the target conflicts."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class BoardRow:
    """One row of the board: the branch's result and what the board shows beside it.
    ``error`` says why a branch could not be judged (its result then blocks)."""

    result: BranchResult
    scope: str = "-"  # "ok", or what the scope rules found: "outside (2), shared (1)"
    pairs: tuple[PairRow, ...] = ()  # by branch name
    target_conflicts: tuple[str, ...] = ()
    tests: str = "-"  # the cached test result of its merge candidate, "-" when none
    error: str | None = None

    @property
    def branch_conflicts(self) -> tuple[RefName, ...]:
        return tuple(p.branch for p in self.pairs if p.relation == "conflict")


@dataclass(frozen=True)
class Matrix:
    """agents x agents: ``cells[i][j]`` is the worst relation between any branch of
    ``agents[i]`` and any of ``agents[j]``."""

    agents: tuple[str, ...]
    cells: tuple[tuple[Relation, ...], ...]

    def cell(self, a: str, b: str) -> Relation:
        return self.cells[self.agents.index(a)][self.agents.index(b)]


@dataclass(frozen=True)
class Board:
    verdict: Verdict
    target_ref: RefName | None
    target_oid: Oid | None
    rows: tuple[BoardRow, ...]
    matrix: Matrix
    elapsed_ms: int = 0


# -- hook values: ref updates, the pusher, judged parts and outcomes -----------------

@dataclass(frozen=True)
class RefUpdate:
    """One line of hook input: ``ref`` moves from ``old`` to ``new`` (None: absent)."""

    ref: RefName
    old: Oid | None
    new: Oid | None

    @property
    def deleted(self) -> bool:
        return self.new is None

    @property
    def created(self) -> bool:
        return self.old is None


@dataclass(frozen=True)
class Pusher:
    """Who is pushing (or merging), as far as the hook can tell."""

    login: str | None
    agent: str | None = None  # the agent this identity belongs to
    approver: bool = False

    @property
    def shown(self) -> str:
        return self.login or "an unidentified pusher"


@dataclass(frozen=True)
class Part:
    """One judged piece of an update: a branch, or commits a target move brings in."""

    label: str
    result: BranchResult
    more: str | None = None  # a branch name for 'agentgate check'


@dataclass(frozen=True)
class Outcome:
    """The judgement of one ref update."""

    update: RefUpdate
    label: str
    kind: str  # "agent" (work in progress), "target" (strict), "ref" (ref rules only)
    parts: tuple[Part, ...]
    verdict: Verdict
    refused: bool


ZERO_CHARS = frozenset("0")


def is_zero(oid: str) -> bool:
    """All-zero ids mean create/delete in hook input, whatever the hash length."""
    return bool(oid) and set(oid) <= ZERO_CHARS


def short_name(ref: str) -> str:
    """``refs/heads/x`` -> ``x``; ``refs/remotes/origin/x`` -> ``x``: how people name a branch."""
    if ref.startswith("refs/heads/"):
        return ref[len("refs/heads/"):]
    if ref.startswith("refs/remotes/"):
        return ref.split("/", 3)[3] if ref.count("/") >= 3 else ref
    return ref
