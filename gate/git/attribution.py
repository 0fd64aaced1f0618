"""Whose work a commit is, from facts the repository holds (DESIGN §2, §8).

In this order:

1. the agent branch that holds the commit, by id (reachable from its tip and not
   from the target);
2. else a branch one of whose commits has the same ``git patch-id --stable``
   (rebased or cherry-picked work), or whose whole diff since its merge-base with
   the target has it (squashed work);
3. else nothing here: the ``Agent:`` trailer (and a merge title) are claims the
   caller may fall back on, and compare with these facts.

When several agents' branches hold one commit, the one that held it first wins:
the ref whose reflog shows it holding the commit earliest, when the server keeps
reflogs (``core.logAllRefUpdates`` is off in bare repositories by default); else
a branch with the commit on its own first-parent line (made there, not merged in)
over one that merged it, then the branch whose tip is fewest first-parent steps
from it, then the branch name. ``Who.note`` says so.

Patch-ids come from libgit2's ``git_diff_patchid``, which equals ``git patch-id
--stable`` (tests/test_attribution.py checks it against git). They are computed
only for commits no branch holds, and only for branch commits that touch the same
paths. Results are kept per repository object for the run: a hook asks the same
questions from the check and from the splitting of a push.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import pygit2

from gate.git.repo import GitRepo
from gate.model import Oid, RefName, short_name

_MERGE = re.compile(r"^Merge (?:remote-tracking )?branch(?:es)? '([^']+)'")
_PULL = re.compile(r"^Merge pull request #\d+ from [^/\s]+/(\S+)")
_TRAILER = re.compile(r"^Agent:\s*(\S+)\s*$", re.MULTILINE | re.IGNORECASE)


def merged_name(message: str) -> str | None:
    """The branch a merge commit's message names, as git, GitHub and GitLab write it."""
    first = message.split("\n", 1)[0]
    m = _MERGE.match(first) or _PULL.match(first)
    return m.group(1) if m else None


def trailer(message: str) -> str | None:
    """The agent the last ``Agent:`` trailer names."""
    found = _TRAILER.findall(message)
    return found[-1] if found else None


@dataclass(frozen=True)
class Branch:
    """An agent branch on the server (or pushed alongside): ref, tip, agent."""

    ref: RefName
    tip: Oid
    agent: str


@dataclass(frozen=True)
class Who:
    """The facts' answer for one commit."""

    agent: str
    ref: RefName
    how: str  # "branch": held by ref; "patch-id": a commit of ref has its patch-id; "squash": ref's whole diff
    note: str | None = None  # several agents' branches held it: which won, and why

    @property
    def said(self) -> str:
        """How the commit relates to the branch, for messages."""
        name = short_name(self.ref)
        return {"branch": f"is on {name}", "patch-id": f"has the patch-id of a commit on {name}",
                "squash": f"has the patch-id of {name}'s whole diff"}[self.how]


class Facts:
    """Attribution of commits against a set of agent branches and a target."""

    def __init__(self, repo: GitRepo, branches: Sequence[Branch], target: Oid | None, hide: Sequence[Oid]) -> None:
        self._repo, self._branches, self._target = repo, tuple(branches), target
        self._hide: list[str] = list(hide)
        self._held: dict[RefName, set[Oid]] | None = None
        self._who: dict[Oid, Who | None] = {}
        self._paths: dict[tuple[Oid | None, Oid], frozenset[str]] = {}
        self._index: list[tuple[frozenset[str], Oid | None, Oid, Branch, str]] | None = None

    def held(self) -> dict[RefName, set[Oid]]:
        if self._held is None:
            self._held = {b.ref: set(self._repo.new_commits(b.tip, self._hide)) for b in self._branches}
        return self._held

    def who(self, commit: Oid) -> Who | None:
        """Whose ``commit`` is, by the facts; None when no agent branch says."""
        if commit not in self._who:
            holders = [b for b in self._branches if commit in self.held()[b.ref]]
            self._who[commit] = self._first(commit, holders, "branch") if holders else self._by_patch(commit)
        return self._who[commit]

    # -- several holders -------------------------------------------------------------------

    def _first(self, commit: Oid, holders: list[Branch], how: str) -> Who:
        if len({b.agent for b in holders}) == 1:
            best = min(holders, key=lambda b: b.ref)
            return Who(best.agent, best.ref, how)
        times = {b.ref: self._held_since(b.ref, commit) for b in holders}
        known = [t for t in times.values() if t is not None]
        if len(known) == len(holders) and len(set(known)) == len(known):
            best = min(holders, key=lambda b: times[b.ref] or 0)
            why = "its reflog shows it holding the commit first"
        else:
            steps = {b.ref: self._steps(b, commit) for b in holders}
            best = min(holders, key=lambda b: (steps[b.ref] is None, steps[b.ref] or 0, b.ref))
            why = ("no reflog; on its own first-parent line, nearest its tip, then by name"
                   if steps[best.ref] is not None else "no reflog, and no branch has it on its own line: by name")
        others = ", ".join(short_name(b.ref) for b in holders if b is not best)
        note = (f"{commit[:9]} is on {short_name(best.ref)} and on {others}; judged as {best.agent}'s: "
                f"{short_name(best.ref)} held it first ({why})")
        return Who(best.agent, best.ref, how, note)

    def _held_since(self, ref: RefName, commit: Oid) -> int | None:
        """When ``ref`` first held ``commit``, by its reflog (None: no reflog says)."""
        try:
            entries = list(self._repo.raw.references[ref].log())
        except (KeyError, ValueError, pygit2.GitError):
            return None
        for e in reversed(entries):  # oldest first
            new = str(e.oid_new)
            if set(new) != {"0"} and self._repo.descends(new, commit):
                return int(e.committer.time)
        return None

    def _steps(self, b: Branch, commit: Oid) -> int | None:
        """First-parent steps from ``b``'s tip to ``commit``; None when it is not on that line."""
        held = self.held()[b.ref]
        c: Oid | None = b.tip
        n = 0
        while c is not None:
            if c == commit:
                return n
            if c not in held:
                return None
            parents = self._repo.parents(c)
            c, n = (parents[0] if parents else None), n + 1
        return None

    # -- patch-ids ----------------------------------------------------------------------

    def _diff(self, base: Oid | None, head: Oid) -> pygit2.Diff:
        return _diff(self._repo, base, head)

    def _paths_of(self, base: Oid | None, head: Oid) -> frozenset[str]:
        key = (base, head)
        if key not in self._paths:
            d = self._diff(base, head)
            self._paths[key] = frozenset(p for delta in d.deltas for p in (delta.old_file.path, delta.new_file.path))
        return self._paths[key]

    def _entries(self) -> list[tuple[frozenset[str], Oid | None, Oid, Branch, str]]:
        """(paths, base, head, branch, how) of every single-parent commit on the
        branches, and of each branch's whole diff since its merge-base."""
        if self._index is None:
            self._index = []
            for b in self._branches:
                for c in sorted(self.held()[b.ref]):
                    parents = self._repo.parents(c)
                    if len(parents) == 1:
                        self._index.append((self._paths_of(parents[0], c), parents[0], c, b, "patch-id"))
                base = self._repo.merge_base(b.tip, self._target) if self._target else None
                if base is not None and base != b.tip:
                    self._index.append((self._paths_of(base, b.tip), base, b.tip, b, "squash"))
        return self._index

    def _by_patch(self, commit: Oid) -> Who | None:
        parents = self._repo.parents(commit)
        if len(parents) != 1 or not self._branches:
            return None
        paths = self._paths_of(parents[0], commit)
        if not paths:
            return None
        mine: str | None = None
        hits: list[tuple[Branch, str]] = []
        for p, base, head, b, how in self._entries():
            if p != paths:
                continue
            if mine is None:
                mine = patch_id(self._repo, parents[0], commit)
            if patch_id(self._repo, base, head) == mine and all(h[0] != b for h in hits):
                hits.append((b, how))
        if not hits:
            return None
        best, how = min(hits, key=lambda h: (h[1] != "patch-id", h[0].ref))
        note = None
        if len({b.agent for b, _ in hits}) > 1:
            others = ", ".join(short_name(b.ref) for b, _ in hits if b is not best)
            note = (f"{commit[:9]} matches {short_name(best.ref)} and {others} by patch-id; judged as "
                    f"{best.agent}'s (first by name)")
        return Who(best.agent, best.ref, how, note)


def _diff(repo: GitRepo, base: Oid | None, head: Oid) -> pygit2.Diff:
    """The tree diff ``git diff-tree -p`` shows, renames off (what ``git patch-id``
    reads from ``git show --no-renames``)."""
    r = repo.raw
    head_tree = r[head].peel(pygit2.Tree)
    if base is None:
        return head_tree.diff_to_tree(swap=True)
    return r[base].peel(pygit2.Tree).diff_to_tree(head_tree)


def patch_id(repo: GitRepo, base: Oid | None, head: Oid) -> str:
    """``git patch-id --stable`` of the change from ``base`` (None: nothing) to ``head``."""
    return str(_diff(repo, base, head).patchid)


_KEPT: weakref.WeakKeyDictionary[GitRepo, dict[tuple[object, ...], Facts]] = weakref.WeakKeyDictionary()


def facts(repo: GitRepo, branches: Sequence[Branch], target: Oid | None, hide: Sequence[Oid]) -> Facts:
    """The facts for these branches and this target, shared by everything asking in one run."""
    kept = _KEPT.setdefault(repo, {})
    key = (tuple(branches), target, tuple(hide))
    if key not in kept:
        kept[key] = Facts(repo, branches, target, hide)
    return kept[key]
