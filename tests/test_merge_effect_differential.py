"""Differential tests of merges as git makes them (issue 15), against
``git merge-tree --write-tree`` over generated histories written with
``git fast-import``.

- The merge effect: over criss-cross histories (each side merges the other's fork
  with a tree of its choosing) with renames made on the target, the paths of
  ``diff(target, M)`` agentgate computes equal
  ``git diff --no-renames --name-only target $(git merge-tree --write-tree target head)``
  for clean merges (``--no-renames``: both sides of a rename, as a change set lists
  them); where agentgate takes its fast path, git's paths are all the branch's own.
  The sides edit, delete and add files and the target renames them; files have six
  lines or more (libgit2 does not measure the similarity of smaller files, so it
  finds no rename git finds). Whether a criss-cross merge conflicts at all is where
  libgit2 and git's ort still part ways now and then; those examples are counted.
- Conflicts under merge attributes: with a ``.gitattributes`` giving ``union``,
  ``binary``, ``-merge`` or ``text`` to some paths, agentgate's verdict per pair
  (the per-file pair analysis and the whole-tree merge alike) equals git's.

git 2.39's ``merge-tree`` reads attributes from the working tree (and index) of a
non-bare repository and none at all in a bare one, so the repository here is not
bare and its working tree holds only ``.gitattributes``, rewritten for each example
to the target's (what a checkout of the target would have).
"""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.git import asgit, changes, merge
from gate.git.attrs import MergeAttributes
from gate.git.effect import merge_effect
from gate.git.opening import open_repo
from gate.model import Oid
from tests.gitutil import Repo
from tests.test_merge_differential import NEW_NAMES, Scenario, Tree, _edit, _fits, scenarios

ATTRS = (".gitattributes",)
DRIVERS = ("merge=union", "binary", "-merge", "merge=text", "merge", "merge=union -merge", "-merge merge=union")
PATTERNS = ("f0", "f1", "sub/f3", "sub/*", "*", "n0", "f*", "/f2", "sub/**")


class _History:
    """One non-bare repository that every example writes its commits into."""

    def __init__(self, tmp_path: Path) -> None:
        self.repo = Repo.init(tmp_path / "hist")
        self.repo.git("config", "core.fsync", "none")
        self.marks = tmp_path / "marks"
        self.counter = itertools.count(1)
        self.written = 0

    def write(self, commits: list[tuple[Tree, tuple[int, ...]]]) -> list[str]:
        """Commit ids of ``commits`` (tree, indexes of earlier commits as parents)."""
        marks = [next(self.counter) for _ in commits]
        out = []
        for (tree, parents), mark in zip(commits, marks, strict=True):
            out.append(f"commit refs/hist/{mark}\nmark :{mark}\n"
                       "committer T <t@example.com> 1767225600 +0000\ndata 2\nc\n")
            for i, p in enumerate(parents):
                out.append(f"{'from' if i == 0 else 'merge'} :{marks[p]}\n")
            out.append("deleteall\n")
            for path, (mode, lines) in sorted(tree.items()):
                body = "".join(line + "\n" for line in lines)
                out.append(f"M {mode:o} inline {path}\ndata {len(body.encode())}\n{body}\n")
        subprocess.run(["git", "fast-import", "--quiet", f"--export-marks={self.marks}"],
                       cwd=self.repo.path, input="".join(out).encode(), check=True)
        ids = dict(line.split() for line in self.marks.read_text().splitlines())
        self.written += 1
        return [ids[f":{m}"] for m in marks]

    def attributes(self, text: str) -> None:
        (self.repo.path / ".gitattributes").write_text(text)

    def merge_tree(self, a: str, b: str) -> tuple[int, str]:
        proc = subprocess.run(["git", "merge-tree", "--write-tree", a, b], cwd=self.repo.path,
                              capture_output=True, text=True)
        assert proc.returncode in (0, 1), proc.stderr
        return proc.returncode, proc.stdout.split("\n", 1)[0]


# -- the merge effect ---------------------------------------------------------------------


@st.composite
def _renamed(draw: st.DrawFn, tree: Tree) -> Tree:
    """``tree`` with one or two files moved to new names (the target's own renames)."""
    out = dict(tree)
    movable = sorted(p for p in tree if p != "sub/keep")
    for _ in range(draw(st.integers(1, 2))):
        if not movable:
            break
        src = draw(st.sampled_from(movable))
        dst = draw(st.sampled_from(NEW_NAMES))
        if src in out and dst not in out and all(not q.startswith(dst + "/") and not dst.startswith(q + "/")
                                                 for q in out):
            out[dst] = out.pop(src)
    return out


History = tuple[list[tuple[Tree, tuple[int, ...]]], int, int]  # commits, target, head


@st.composite
def _bases(draw: st.DrawFn) -> Tree:
    """A base tree whose files have six lines or more: libgit2's whole-tree merge does
    not measure the similarity of smaller files, so it would miss renames git makes."""
    return {p: (mode, lines + tuple(f"{p}-pad{i}" for i in range(6 - len(lines))))
            for p, (mode, lines) in draw(scenarios()).base.items()}


@st.composite
def _edited(draw: st.DrawFn, base: Tree, side: str) -> Tree:
    """``base`` with files edited, deleted or added -- never renamed: the renames are
    the target's own (``_renamed``)."""
    tree: Tree = {}
    for path, (mode, lines) in base.items():
        op = "keep" if path == "sub/keep" else draw(st.sampled_from(("keep", "keep", "edit", "edit", "delete")))
        if op != "delete":
            tree[path] = (mode, draw(_edit(lines, side)) if op == "edit" else lines)
    for _ in range(draw(st.integers(0, 1))):
        path = draw(st.sampled_from(NEW_NAMES))
        if _fits(tree, path):
            tree[path] = (0o100644, ("new", side, "only"))
    return tree


@st.composite
def histories(draw: st.DrawFn) -> History:
    """base; x, y forked from it; the target merges y into x and the head x into y
    (criss-cross), each with a tree of its choosing; then the target may rename files
    and the head may edit again."""
    base = draw(_bases())
    x, y = draw(_edited(base, "A")), draw(_edited(base, "B"))
    pick = st.sampled_from(("x", "y", "side"))
    t_tree = {"x": x, "y": y}.get(draw(pick)) or draw(_edited(x, "T"))
    h_tree = {"x": x, "y": y}.get(draw(pick)) or draw(_edited(y, "H"))
    commits: list[tuple[Tree, tuple[int, ...]]] = [(base, ()), (x, (0,)), (y, (0,)), (t_tree, (1, 2)),
                                                   (h_tree, (2, 1))]
    target, head = 3, 4
    if draw(st.booleans()):
        commits.append((draw(_renamed(t_tree)), (3,)))
        target = len(commits) - 1
    if draw(st.booleans()):
        commits.append((draw(_edited(h_tree, "K")), (4,)))
        head = len(commits) - 1
    return commits, target, head


def test_merge_effect_paths_agree_with_git_merge_tree(tmp_path: Path) -> None:
    hist = _History(tmp_path)
    seen = {"clean": 0, "slow": 0, "verdict differs": 0}

    @settings(max_examples=220, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(histories())
    def run(drawn: History) -> None:
        commits, target_i, head_i = drawn
        ids = hist.write(commits)
        target, head = Oid(ids[target_i]), Oid(ids[head_i])
        rc, tree = hist.merge_tree(target, head)
        gr = open_repo(hist.repo.path)
        attrs = MergeAttributes(gr, target)
        ours = asgit.merge_commits(gr, target, head, attrs)
        if (ours.tree is not None) != (rc == 0):
            # libgit2 and git's ort disagree on whether some criss-cross merges conflict
            # (a virtual base whose own merge conflicts is settled differently; renames
            # next to such conflicts): counted, and only ever with several merge-bases.
            assert len(hist.repo.git("merge-base", "--all", target, head).split()) > 1, drawn
            seen["verdict differs"] += 1
            return
        if rc != 0:
            return
        seen["clean"] += 1
        git_paths = set(hist.repo.git("diff", "--no-renames", "--name-only", target, tree).split())
        assert ours.tree is not None
        mine = {p for fc in changes.compute(gr, target, ours.tree).files for p in fc.paths}
        assert mine == git_paths, (drawn, mine, git_paths)
        # What the gate reports: the paths the branch's own diff does not explain.
        base = gr.merge_base(target, head)
        assert base is not None
        cs = changes.changeset(gr, base, head, use_cache=False)
        eff = merge_effect(gr, target, head, cs, attrs, use_cache=False)
        explained = set(cs.by_path())
        assert {p for u in eff.files for p in u.change.paths if p not in explained} == git_paths - explained, drawn
        if eff.fast:
            assert git_paths <= explained, drawn
        else:
            seen["slow"] += 1

    run()
    assert hist.written > 200 and seen["clean"] > 60 and seen["slow"] > 30, seen
    assert seen["verdict differs"] < hist.written // 8, seen  # 27 of 300 with this seed


# -- conflicts under merge attributes -------------------------------------------------------


@st.composite
def attributed(draw: st.DrawFn) -> tuple[Scenario, str]:
    """A base and two sides that edit, delete and add files (renames are the other
    tests' business), and a .gitattributes giving drivers to some paths."""
    base = draw(_bases())
    sc = Scenario(base, [draw(_edited(base, "A")), draw(_edited(base, "B"))])
    lines = draw(st.lists(st.tuples(st.sampled_from(PATTERNS), st.sampled_from(DRIVERS)), min_size=1, max_size=3))
    return sc, "".join(f"{p} {d}\n" for p, d in lines)


def test_conflicts_under_merge_attributes_agree_with_git_merge_tree(tmp_path: Path) -> None:
    hist = _History(tmp_path)
    verdicts = {True: 0, False: 0}

    @settings(max_examples=220, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(attributed())
    def run(drawn: tuple[Scenario, str]) -> None:
        sc, text = drawn
        attr = (0o100644, tuple(text.rstrip("\n").split("\n")))
        # Every commit carries the same .gitattributes: the target's is the pair's.
        trees = [{**t, ".gitattributes": attr} for t in (sc.base, *sc.sides)]
        base, a, b = hist.write([(trees[0], ()), (trees[1], (0,)), (trees[2], (0,))])
        hist.attributes(text)
        rc, _ = hist.merge_tree(a, b)
        gr = open_repo(hist.repo.path)
        attrs = MergeAttributes(gr, a)
        pair = merge.analyze(gr, a, b, use_cache=False, attrs=attrs)
        assert bool(pair.conflicts) == (rc == 1), (drawn, pair)
        assert asgit.merge_commits(gr, a, b, attrs).clean == (rc == 0), drawn
        verdicts[rc == 1] += 1

    run()
    assert hist.written > 200 and verdicts[True] > 30 and verdicts[False] > 30, verdicts
