"""Differential test: agentgate's in-memory merge says "conflict" exactly when
``git merge-tree --write-tree`` does, over hundreds of generated branch pairs.

All pairs live in one repository: each example writes a base commit and two
children with one ``git fast-import`` stream (plumbing, no working tree), so a few
hundred examples take seconds. The generator edits, inserts, deletes, renames
(with and without edits), re-modes and adds files, with shared tokens so that the
two sides sometimes make the same change, and names that collide (add/add,
rename/rename, file/directory). ``sub/keep`` is never touched, so no directory
disappears and git's directory-rename detection (which libgit2 lacks) stays out.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.git.changes import changeset
from gate.git.merge import analyze
from gate.git.opening import open_repo
from gate.git.resolution import merge_resolution
from gate.model import Oid
from tests.gitutil import Repo

BASE_NAMES = ("f0", "f1", "f2", "sub/f3", "sub/f4")
NEW_NAMES = ("n0", "n1", "sub/n2", "n0/z", "f1/y")
TOKENS = ("X", "Y", "Z")

Tree = dict[str, tuple[int, tuple[str, ...]]]  # path -> (mode, lines)


@dataclass
class Scenario:
    base: Tree
    sides: list[Tree] = field(default_factory=list)


def _fits(tree: Tree, path: str) -> bool:
    """No file of the tree sits where ``path`` needs a directory, and vice versa."""
    if path in tree:
        return False
    for other in tree:
        if other.startswith(path + "/") or path.startswith(other + "/"):
            return False
    return True


@st.composite
def _edit(draw: st.DrawFn, lines: tuple[str, ...], side: str) -> tuple[str, ...]:
    out = list(lines)
    for _ in range(draw(st.integers(1, 2))):
        if not out:
            out.append(draw(st.sampled_from(TOKENS)))
            continue
        i = draw(st.integers(0, len(out) - 1))
        op = draw(st.sampled_from(("replace", "replace", "delete", "insert")))
        token = draw(st.sampled_from((*TOKENS, f"{side}{i}", f"{side}{i}b")))
        if op == "replace":
            out[i] = token
        elif op == "delete" and len(out) > 1:
            del out[i]
        else:
            out.insert(i + 1, token)
    return tuple(out)


@st.composite
def _side(draw: st.DrawFn, base: Tree, side: str) -> Tree:
    tree: Tree = {"sub/keep": base["sub/keep"]}
    for path, (mode, lines) in base.items():
        if path == "sub/keep":
            continue
        op = draw(st.sampled_from(("keep", "keep", "keep", "edit", "edit", "edit", "delete",
                                   "rename", "rename-edit", "chmod")))
        if op == "delete":
            continue
        new_path = path
        if op.startswith("rename"):
            new_path = draw(st.sampled_from(NEW_NAMES))
        if op in ("edit", "rename-edit"):
            lines = draw(_edit(lines, side))
        if op == "chmod":
            mode = 0o100755
        if not _fits(tree, new_path):
            new_path = path
        if _fits(tree, new_path):
            tree[new_path] = (mode, lines)
    for _ in range(draw(st.integers(0, 1))):
        path = draw(st.sampled_from(NEW_NAMES))
        shared = draw(st.booleans())
        lines = ("new", "file", "X") if shared else ("new", side, "only")
        if _fits(tree, path):
            tree[path] = (0o100644, lines)
    return tree


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    base: Tree = {"sub/keep": (0o100644, ("keep",))}
    names = draw(st.lists(st.sampled_from(BASE_NAMES), min_size=1, max_size=4, unique=True))
    for name in names:
        n = draw(st.integers(3, 12))
        base[name] = (0o100644, tuple(f"{name}-{i}" for i in range(n)))
    return Scenario(base, [draw(_side(base, "A")), draw(_side(base, "B"))])


def _stream(sc: Scenario, marks: tuple[int, int, int]) -> bytes:
    out = []
    for tree, mark, parent in zip((sc.base, *sc.sides), marks, (None, marks[0], marks[0]), strict=True):
        out.append(f"commit refs/differential/{mark}\nmark :{mark}\n"
                   "committer T <t@example.com> 1767225600 +0000\ndata 2\nc\n")
        if parent is not None:
            out.append(f"from :{parent}\n")
        out.append("deleteall\n")
        for path, (mode, lines) in sorted(tree.items()):
            body = "".join(line + "\n" for line in lines)
            out.append(f"M {mode:o} inline {path}\ndata {len(body.encode())}\n{body}\n")
    return "".join(out).encode()


class _Pairs:
    """One bare repository that every example writes its base and two sides into."""

    def __init__(self, tmp_path: Path) -> None:
        self.repo = Repo.init(tmp_path / "pairs", bare=True)
        self.repo.git("config", "core.fsync", "none")  # thousands of tiny packs: no need to hit the disk
        self.marks = tmp_path / "marks"
        self.counter = itertools.count(1)
        self.written = 0

    def add(self, sc: Scenario) -> tuple[str, str, str]:
        """(base, side A, side B) commit ids of ``sc``."""
        marks = (next(self.counter), next(self.counter), next(self.counter))
        subprocess.run(["git", "fast-import", "--quiet", f"--export-marks={self.marks}"],
                       cwd=self.repo.path, input=_stream(sc, marks), check=True)
        ids = dict(line.split() for line in self.marks.read_text().splitlines())
        self.written += 1
        return ids[f":{marks[0]}"], ids[f":{marks[1]}"], ids[f":{marks[2]}"]


def test_pair_conflicts_agree_with_git_merge_tree(tmp_path: Path) -> None:
    pairs = _Pairs(tmp_path)
    repo = pairs.repo

    @settings(max_examples=220, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(scenarios())
    def run(sc: Scenario) -> None:
        base, a, b = pairs.add(sc)
        proc = subprocess.run(["git", "merge-tree", "--write-tree", "--name-only", a, b], cwd=repo.path,
                              capture_output=True, text=True)
        assert proc.returncode in (0, 1), proc.stderr
        gr = open_repo(repo.path)
        ours = analyze(gr, a, b, use_cache=False)
        assert bool(ours.conflicts) == (proc.returncode == 1), (sc, ours, proc.stdout)
        # The same pair with one side's change set in hand (the fast path by tree lookups).
        known = changeset(gr, base, b, use_cache=False)
        fast = analyze(gr, a, b, use_cache=False, known=[known])
        assert set(fast.conflicts) == set(ours.conflicts), (sc, ours, fast)
        # git lists the conflicted paths after the tree id (a file moved aside for a
        # file/directory conflict gets a "~<commit>" suffix).
        git_paths = {p.split("~")[0] for p in proc.stdout.split("\n\n")[0].splitlines()[1:]}
        our_paths = {p for e in ours.conflicts for p in (*e.ours, *e.theirs)}
        assert git_paths <= our_paths, (sc, ours, proc.stdout)

    run()
    assert pairs.written > 200


def test_merges_git_makes_have_no_changes_of_their_own_and_a_slipped_in_line_is_seen(tmp_path: Path) -> None:
    """``gate.git.resolution`` against git: the merge commit ``git merge-tree``
    writes for a clean pair adds nothing of its own; the same merge with one line
    slipped into a file neither side touched adds exactly that line."""
    pairs = _Pairs(tmp_path)
    repo = pairs.repo
    merged = [0]

    @settings(max_examples=150, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(scenarios())
    def run(sc: Scenario) -> None:
        _, a, b = pairs.add(sc)
        proc = subprocess.run(["git", "merge-tree", "--write-tree", a, b], cwd=repo.path,
                              capture_output=True, text=True)
        if proc.returncode != 0 or a == b:
            return  # a conflict has no merge git would write; one commit twice is no merge
        tree = proc.stdout.split()[0]
        merge = subprocess.run(["git", "commit-tree", tree, "-p", a, "-p", b, "-m", "m"],
                               cwd=repo.path, capture_output=True, text=True, check=True).stdout.strip()
        own = merge_resolution(open_repo(repo.path), Oid(merge))
        assert own is not None and own.files == (), (sc, own)
        merged[0] += 1
        evil, path = _with_extra_line(repo, tmp_path, tree, a, b, f"EVIL {merged[0]}")
        own = merge_resolution(open_repo(repo.path), Oid(evil))
        assert own is not None, sc
        assert [(fc.path, fc.new_ranges()) for fc in own.files] == [(path, ((1, 1),))], (sc, own)

    run()
    assert merged[0] > 30  # enough clean merges to say something (46 with this seed)


def _with_extra_line(repo: Repo, tmp: Path, tree: str, a: str, b: str, line: str) -> tuple[str, str]:
    """A merge commit of ``a`` and ``b`` whose tree is ``tree`` with ``line`` put
    first in ``sub/keep`` (a file neither side touches), by plumbing."""
    env = {**os.environ, "GIT_INDEX_FILE": str(tmp / "evil-index")}

    def plumb(*args: str, stdin: str | None = None) -> str:
        return subprocess.run(["git", *args], cwd=repo.path, env=env, input=stdin, capture_output=True, text=True,
                              check=True).stdout.strip()

    plumb("read-tree", tree)
    blob = plumb("hash-object", "-w", "--stdin", stdin=f"{line}\nkeep\n")
    plumb("update-index", "--cacheinfo", f"100644,{blob},sub/keep")
    evil_tree = plumb("write-tree")
    return plumb("commit-tree", evil_tree, "-p", a, "-p", b, "-m", "evil"), "sub/keep"


def _git_conflicts(repo: Repo, a: str, b: str) -> bool:
    proc = subprocess.run(["git", "merge-tree", "--write-tree", a, b], cwd=repo.path, capture_output=True)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode == 1


def test_criss_cross_history_falls_back_to_a_full_merge(tmp_path: Path) -> None:
    r = Repo.init(tmp_path / "r")
    r.commit("base", {"f": "".join(f"{i}\n" for i in range(10)), "g": "g\n"})
    r.branch("x")
    r.commit("x1", {"g": "gx\n"})
    r.branch("y", "main")
    r.commit("y1", {"f": "".join(f"{i}\n" for i in range(9)) + "y\n"})
    # Each merges the other's first commit: two merge-bases, neither above the other.
    r.git("merge", "-q", "--no-ff", "-m", "y takes x1", "x")
    r.checkout("x")
    r.git("merge", "-q", "--no-ff", "-m", "x takes y1", "y~1")
    r.commit("x2", {"f": "X\n" + "".join(f"{i}\n" for i in range(1, 9)) + "y\n"})
    r.checkout("y")
    r.commit("y2", {"f": "Y\n" + "".join(f"{i}\n" for i in range(1, 9)) + "y\n"})
    assert len(r.git("merge-base", "--all", "x", "y").split()) == 2
    res = analyze(open_repo(r.path), r.rev("x"), r.rev("y"), use_cache=False)
    assert res.method == "full"
    assert [(e.ours, e.kind) for e in res.conflicts] == [(("f",), "content")]
    assert _git_conflicts(r, "x", "y")


@pytest.mark.parametrize(("ours", "theirs", "conflict"), [
    ({"l2": b"caf\xe9 A"}, {"l8": b"caf\xe9 B"}, False),  # Latin-1 text, distant lines
    ({"l2": b"caf\xe9 A"}, {"l2": b"caf\xe9 B"}, True),  # Latin-1 text, the same line
    ({"l2": b"\0bin A"}, {"l8": b"\0bin B"}, True),  # binary: git never merges it
])
def test_non_utf8_and_binary_contents_agree_with_git(
        tmp_path: Path, ours: dict[str, bytes], theirs: dict[str, bytes], conflict: bool) -> None:
    def body(changed: dict[str, bytes]) -> bytes:
        return b"".join(changed.get(f"l{i}", b"line %d" % i) + b"\n" for i in range(10))

    r = Repo.init(tmp_path / "r")
    r.commit("base", {"data.txt": body({})})
    r.branch("a")
    a = r.commit("a", {"data.txt": body(ours)})
    r.branch("b", "main")
    b = r.commit("b", {"data.txt": body(theirs)})
    assert _git_conflicts(r, a, b) is conflict
    res = analyze(open_repo(r.path), a, b, use_cache=False)
    assert [e.kind for e in res.conflicts] == (["binary" if b"\0" in body(ours) else "content"] if conflict else [])
