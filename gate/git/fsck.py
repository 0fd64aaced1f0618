"""What git's fsck refuses, checked on the objects a push adds (DESIGN §2, §8).

git itself checks pushed objects only with ``receive.fsckObjects``, and even then
several of these are warnings it lets through (``badFilemode``, ``hasDotgit``).
agentgate refuses them all, and anything libgit2 cannot parse: an object the gate
cannot read is a refusal, never "absent".

Cost follows the push: only commits new to the server are read (the walk hides
every existing ref), and a commit's tree is descended only where it differs from
the same path in a parent's tree, so a push that changes 3 files of 50,000 reads
the few trees on the way to them. The messages use git's fsck ids (``hasDotgit``,
``duplicateEntries``, ``badFilemode``…) so they can be looked up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pygit2

from gate.errors import GateError
from gate.git import rawtree
from gate.git.modes import WRITTEN_MODES, canonical_mode
from gate.git.repo import GitRepo
from gate.model import MODE_GITLINK, MODE_TREE

_OBJECT = pygit2.enums.ObjectType
# git's date_overflows(): a timestamp must fit a signed 64-bit time.
_TIME_MAX = 2**63 - 1
# Code points HFS+ ignores when it compares names (git's utf8.c next_hfs_char).
_HFS_IGNORED = frozenset([0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                          0x206A, 0x206B, 0x206C, 0x206D, 0x206E, 0x206F, 0xFEFF])
_HEX = re.compile(rb"[0-9a-fA-F]+")


@dataclass(frozen=True)
class Problem:
    """One thing git's fsck (or libgit2) refuses: where, git's message id, and why."""

    where: str
    msg_id: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.msg_id}: {self.detail}"


# -- names ----------------------------------------------------------------------------------


def is_ntfs_dotgit(name: bytes) -> bool:
    """``.git`` or its 8.3 short name ``git~1``, any case, followed only by dots and
    spaces (NTFS drops them) or by ``:`` (an alternate data stream) or a separator."""
    low = name.lower()
    if low.startswith(b".git"):
        rest = name[4:]
    elif low.startswith(b"git~1"):
        rest = name[5:]
    else:
        return False
    for c in rest:
        if c in b":\\/":
            return True
        if c not in b". ":
            return False
    return True


def is_hfs_dotgit(name: bytes) -> bool:
    """``.git`` in any case with HFS+'s ignorable code points anywhere in it."""
    chars = iter(_hfs_chars(name))
    if next(chars, 0) != ord("."):
        return False
    for needle in b"git":
        c = next(chars, 0)
        if c > 127 or chr(c).lower() != chr(needle):
            return False
    c = next(chars, 0)
    return c in (0, ord("/"))


def _hfs_chars(name: bytes) -> Iterable[int]:
    # Malformed UTF-8 ends the name, as in git (pick_one_utf8_char gives up).
    for ch in name.decode("utf-8", "surrogateescape"):
        c = ord(ch)
        if 0xDC80 <= c <= 0xDCFF:
            return
        if c not in _HFS_IGNORED:
            yield c


def quote(path: bytes) -> str:
    """A path as git's quote_path shows it: in double quotes with octal escapes when
    it holds a control byte, a quote, a backslash or non-ASCII (which may hide a
    code point that displays as nothing); otherwise as is. An empty name is quoted."""
    if path and all(0x20 <= b < 0x7F and b not in b'"\\' for b in path):
        return path.decode("ascii")
    out = []
    for b in path:
        if b in b'"\\':
            out.append("\\" + chr(b))
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\{b:03o}")
    return '"' + "".join(out) + '"'


# -- commits ----------------------------------------------------------------------------------


def commit_problems(data: bytes) -> list[tuple[str, str]]:
    """(fsck id, detail) for what git's fsck_commit refuses in a raw commit."""
    head, sep, _ = data.partition(b"\n\n")
    if not sep and not data.endswith(b"\n"):
        return [("unterminatedHeader", "unterminated header")]
    if b"\0" in head:
        return [("nulInHeader", "NUL byte in the commit header")]
    lines = head.split(b"\n")
    i = 0
    if i >= len(lines) or not lines[i].startswith(b"tree "):
        return [("missingTree", "invalid format - expected 'tree' line")]
    if not _is_hex_id(lines[i][5:]):
        return [("badTreeSha1", "invalid 'tree' line format - bad sha1")]
    i += 1
    while i < len(lines) and lines[i].startswith(b"parent "):
        if not _is_hex_id(lines[i][7:]):
            return [("badParentSha1", "invalid 'parent' line format - bad sha1")]
        i += 1
    authors = 0
    while i < len(lines) and lines[i].startswith(b"author "):
        authors += 1
        bad = ident_problem(lines[i][7:])
        if bad:
            return [bad]
        i += 1
    if authors == 0:
        return [("missingAuthor", "invalid format - expected 'author' line")]
    if authors > 1:
        return [("multipleAuthors", "invalid format - multiple 'author' lines")]
    if i >= len(lines) or not lines[i].startswith(b"committer "):
        return [("missingCommitter", "invalid format - expected 'committer' line")]
    bad = ident_problem(lines[i][10:])
    return [bad] if bad else []


def _is_hex_id(text: bytes) -> bool:
    return len(text) in (40, 64) and _HEX.fullmatch(text) is not None


def ident_problem(ident: bytes) -> tuple[str, str] | None:
    """What git's fsck_ident says of ``Name <email> timestamp tz``, or None."""
    what = "invalid author/committer line - "
    if ident.startswith(b"<"):
        return "missingNameBeforeEmail", what + "missing space before email"
    lt = _first_of(ident, b"<>")
    if lt < len(ident) and ident[lt:lt + 1] == b">":
        return "badName", what + "bad name"
    if lt >= len(ident):
        return "missingEmail", what + "missing email"
    if ident[lt - 1:lt] != b" ":
        return "missingSpaceBeforeEmail", what + "missing space before email"
    gt = _first_of(ident, b"<>", lt + 1)
    if ident[gt:gt + 1] != b">":
        return "badEmail", what + "bad email"
    rest = ident[gt + 1:]
    if not rest.startswith(b" "):
        return "missingSpaceBeforeDate", what + "missing space before date"
    rest = rest[1:]
    digits = len(rest) - len(rest.lstrip(b"0123456789"))
    if rest[:1] == b"0" and rest[1:2] != b" ":
        return "zeroPaddedDate", what + "zero-padded date"
    if digits and int(rest[:digits]) >= _TIME_MAX:
        return "badDateOverflow", what + "date causes integer overflow"
    if not digits or rest[digits:digits + 1] != b" ":
        return "badDate", what + "bad date"
    tz = rest[digits + 1:]
    if len(tz) != 5 or tz[:1] not in (b"+", b"-") or not tz[1:].isdigit():
        return "badTimezone", what + "bad time zone"
    return None


def _first_of(data: bytes, chars: bytes, start: int = 0) -> int:
    hits = [i for i in (data.find(bytes([c]), start) for c in chars) if i >= 0]
    return min(hits) if hits else len(data)


# -- trees ------------------------------------------------------------------------------------


def entry_problems(entries: Sequence[rawtree.RawEntry], folder: bytes) -> list[Problem]:
    """What git's fsck_tree refuses in one tree's entries (``folder`` names it)."""
    out: list[Problem] = []
    seen: set[bytes] = set()
    prev: bytes | None = None
    for mode, name, _oid in entries:
        path = quote(folder + name)
        if mode not in WRITTEN_MODES:
            out.append(Problem(path, "badFilemode", f"mode {mode:o} is not one git writes "
                               f"(git reads it as {canonical_mode(mode):06o})"))
        if name == b"":
            out.append(Problem(path, "emptyName", "an entry with an empty name"))
        elif b"/" in name:
            out.append(Problem(path, "fullPathname", "an entry name holds '/'"))
        elif name == b".":
            out.append(Problem(path, "hasDot", "an entry named '.'"))
        elif name == b"..":
            out.append(Problem(path, "hasDotdot", "an entry named '..'"))
        elif is_hfs_dotgit(name) or is_ntfs_dotgit(name):
            out.append(Problem(path, "hasDotgit", "an entry a checkout would write as .git"))
        key = name + b"/" if canonical_mode(mode) == MODE_TREE else name
        if name in seen:
            out.append(Problem(path, "duplicateEntries", "the tree holds two entries of this name"))
        elif prev is not None and key < prev:
            out.append(Problem(path, "treeNotSorted", "the entries are not in git's order"))
        seen.add(name)
        prev = key
    return out


# -- a push -------------------------------------------------------------------------------------


class _Walk:
    """One fsck of the objects a push adds; objects are judged once across its refs."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self.r = repo.raw
        self.trees = rawtree.Trees(self.r)
        self.seen_trees: set[str] = set()
        self.seen_commits: set[str] = set()

    def read(self, oid: str) -> tuple[int, bytes]:
        kind, data = self.r.odb.read(oid)
        return int(kind), bytes(data)

    def commit(self, oid: str) -> tuple[list[Problem], str | None, list[str]]:
        """(problems, tree id, parents) of one commit from its raw bytes."""
        where = f"commit {oid[:9]}"
        try:
            kind, data = self.read(oid)
        except (KeyError, ValueError, pygit2.GitError) as e:
            return [Problem(where, "missingObject", f"cannot be read: {e}")], None, []
        if kind != _OBJECT.COMMIT:
            return [Problem(where, "badType", "is not a commit")], None, []
        problems = [Problem(where, msg_id, f"cannot be read: {detail}") for msg_id, detail in commit_problems(data)]
        if not problems:
            try:
                self.r[oid]
            except (ValueError, pygit2.GitError) as e:
                problems.append(Problem(where, "badObject", f"cannot be read: libgit2: {e}"))
        if problems:
            return problems, None, []
        lines = data.partition(b"\n\n")[0].split(b"\n")
        tree = lines[0][5:].decode().lower()
        parents = [ln[7:].decode().lower() for ln in lines[1:] if ln.startswith(b"parent ")]
        return [], tree, parents

    def root_tree(self, commit: str) -> str | None:
        try:
            kind, data = self.read(commit)
        except (KeyError, ValueError, pygit2.GitError):
            return None
        first = data.split(b"\n", 1)[0]
        return first[5:].decode().lower() if kind == _OBJECT.COMMIT and first.startswith(b"tree ") else None

    def tree(self, tree: str, before: list[str], folder: bytes) -> list[Problem]:
        """Problems of ``tree`` and the subtrees that differ from ``before`` (the
        same path in the parents' trees), depth first."""
        out: list[Problem] = []
        stack = [(tree, before, folder)]
        while stack:
            tid, old, where = stack.pop()
            if tid in self.seen_trees or tid in old:
                continue
            self.seen_trees.add(tid)
            try:
                entries = self.trees.read(tid)
            except GateError as e:
                out.append(Problem(quote(where.rstrip(b"/")) or "(root)", "badTree", str(e)))
                continue
            out.extend(entry_problems(entries, where))
            olds = [{n: o for m, n, o in self._entries(t) if canonical_mode(m) == MODE_TREE} for t in old]
            for mode, name, oid in entries:
                if canonical_mode(mode) == MODE_TREE and name and b"/" not in name:
                    stack.append((oid, [m[name] for m in olds if name in m], where + name + b"/"))
                elif canonical_mode(mode) == MODE_GITLINK:
                    continue  # another repository's commit: not here to read
        return out

    def _entries(self, tree: str) -> list[rawtree.RawEntry]:
        try:
            return self.trees.read(tree)
        except GateError:
            return []

    def commits(self, tip: str, hide: Sequence[str]) -> tuple[list[str], list[Problem]]:
        """The commits ``tip`` adds; when libgit2 cannot walk them, the commit it
        stumbles on, found by following raw parent lines."""
        try:
            return [str(c) for c in self.repo.new_commits(tip, list(hide))], []
        except (KeyError, ValueError, pygit2.GitError) as e:
            found = self._culprit(tip, set(hide))
            return [], found or [Problem(f"commit {tip[:9]}", "badObject", f"history cannot be read: {e}")]

    def _culprit(self, tip: str, hide: set[str], budget: int = 10_000) -> list[Problem]:
        todo, seen = [tip], set()
        while todo and budget > 0:
            c = todo.pop()
            if c in seen or c in hide:
                continue
            seen.add(c)
            budget -= 1
            problems, _tree, parents = self.commit(c)
            if problems:
                return problems
            todo.extend(parents)
        return []


def check_push(repo: GitRepo, tips: Sequence[tuple[str, str]], hide: Sequence[str]) -> list[tuple[str, Problem]]:
    """(label, problem) for every object the push adds that git's fsck or libgit2
    refuses. ``tips``: (label, new id) per updated ref; ``hide``: existing ref tips."""
    walk = _Walk(repo)
    out: list[tuple[str, Problem]] = []
    for label, new in tips:
        out.extend((label, p) for p in _check_tip(walk, new, hide))
    return out


def _check_tip(walk: _Walk, new: str, hide: Sequence[str]) -> list[Problem]:
    oid = new
    for _ in range(64):  # annotated tags, peeled one by one
        try:
            kind, _data = walk.read(oid)
        except (KeyError, ValueError, pygit2.GitError) as e:
            return [Problem(f"object {oid[:9]}", "missingObject", f"cannot be read: {e}")]
        if kind == _OBJECT.COMMIT:
            break
        if kind == _OBJECT.TREE:
            return walk.tree(oid, [], b"")
        if kind != _OBJECT.TAG:
            return []
        try:
            tag = walk.r[oid]
            oid = str(tag.target)  # type: ignore[attr-defined]
        except (ValueError, pygit2.GitError) as e:
            return [Problem(f"tag {oid[:9]}", "badObject", f"cannot be read: libgit2: {e}")]
    else:
        return [Problem(f"tag {new[:9]}", "badObject", "a chain of tags too long to follow")]
    commits, problems = walk.commits(oid, hide)
    for c in commits:
        if c in walk.seen_commits:
            continue
        walk.seen_commits.add(c)
        found, tree, parents = walk.commit(c)
        problems.extend(found)
        if tree is not None:
            before = [t for t in (walk.root_tree(p) for p in parents) if t is not None]
            problems.extend(walk.tree(tree, before, b""))
    return problems


def existing_tips(repo: GitRepo) -> list[str]:
    """The commit of every ref the repository has now (tags peeled), for hiding:
    what they reach is on the server already."""
    out: list[str] = []
    for name in repo.raw.references:
        try:
            target = repo.raw.lookup_reference(name).resolve().target
        except (KeyError, ValueError, pygit2.GitError):
            continue
        if isinstance(target, pygit2.Oid):
            found = repo.commit_id(str(target))
            if found is not None:
                out.append(found)
    return out
