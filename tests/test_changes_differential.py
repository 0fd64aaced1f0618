"""Change sets against git itself, over generated histories (hypothesis).

Each example is a pair of commits (a base and a head) written into one shared
repository with a single ``git fast-import`` run, so an example costs a few
milliseconds instead of a fresh repository. The head adds, edits (line inserts,
deletes, changes), deletes, renames (exact, and with small edits), flips the
exec bit, swaps a file for a symlink and back, and touches binary files and
symlinks. Our change set must agree with:

- ``git diff --raw -M``: status letter, old and new path, modes, blob ids (the
  raw format is ``--name-status`` with modes and ids);
- ``git diff -U0 -M``: every hunk header ``@@ -a,b +c,d @@`` per file;
- ``git diff --numstat -M``: ``-\\t-`` exactly for binary files.

Where the generator is constrained, the comment says why: each constraint keeps
git's rename detection from having two equally good answers, which git and
libgit2 would be entitled to break differently.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.git.changes import compute
from gate.git.opening import open_repo
from gate.model import ADDED, DELETED, MODIFIED, RENAMED, TYPECHANGE, ChangeSet
from tests.gitutil import Repo, git

F, X, L = 0o100644, 0o100755, 0o120000
Tree = dict[str, tuple[int, bytes]]

LETTER = {ADDED: "A", DELETED: "D", MODIFIED: "M", RENAMED: "R", TYPECHANGE: "T"}
DIRS = ("", "d1/", "d1/d2/", "d3/")
# Indentation and blank lines give the indent heuristic something to decide; the
# few words repeat within a file, so hunks can slide.
WORDS = ("if x:", "y = 1", "return y", "}", "else:")
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class Gen:
    """Fresh names and content tags for one example."""

    counter: itertools.count[int]

    def uid(self) -> int:
        return next(self.counter)


def _line(draw: st.DrawFn, uid: int) -> bytes:
    # Every non-blank line carries its file's tag: two different files then share
    # (almost) nothing, so rename detection has one answer only. Blank lines are
    # untagged; _text keeps them from piling up, because libgit2 ignores
    # whitespace when it scores similarity and git does not: two files made mostly
    # of blank lines are a rename for git (R079 for "x\n"+19 blank lines against
    # "y\n"+19 blank lines) and two unrelated files for libgit2.
    if draw(st.integers(0, 5)) == 0:
        return b""
    indent = b"    " * draw(st.integers(0, 2))
    return indent + draw(st.sampled_from(WORDS)).encode() + b" #%d" % uid


def _text(draw: st.DrawFn, uid: int, min_lines: int = 1, max_lines: int = 12) -> bytes:
    n = draw(st.integers(min_lines, max_lines))
    lines = [_line(draw, uid) for _ in range(n)]
    # A first line with the tag alone, and never two blank lines in a row: blank
    # lines stay a small share of the bytes (see _line).
    lines[0] = b"head #%d" % uid
    for i in range(1, n):
        if not lines[i] and not lines[i - 1]:
            lines[i] = b"y = 1 #%d" % uid
    eol = draw(st.integers(0, 4)) > 0  # sometimes no newline at the end
    return b"\n".join(lines) + (b"\n" if eol else b"")


def _binary(draw: st.DrawFn, uid: int) -> bytes:
    # A NUL byte makes both git and libgit2 call it binary. The body is 64 bytes
    # derived from the tag: two small binaries that share a few bytes sit near
    # the 50% threshold, where libgit2's similarity score (hashsig) and git's
    # (spanhash) disagree, so different files must share next to nothing.
    return b"\0" + hashlib.sha256(b"%d" % uid).digest() * 2 + draw(st.binary(min_size=0, max_size=8))


def _edit(draw: st.DrawFn, data: bytes, uid: int, max_ops: int) -> bytes:
    """Line inserts, deletes and changes at drawn positions."""
    eol = data.endswith(b"\n") or not data
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(("insert", "delete", "change")))
        if op == "insert" or not lines:
            lines.insert(draw(st.integers(0, len(lines))), _line(draw, uid))
        elif op == "delete":
            del lines[draw(st.integers(0, len(lines) - 1))]
        else:
            lines[draw(st.integers(0, len(lines) - 1))] = _line(draw, uid)
    if not lines:
        return b""
    return b"\n".join(lines) + (b"\n" if eol else b"")


def _path(draw: st.DrawFn, g: Gen) -> str:
    # Names are unique, so a new path never collides with an old one, and names
    # never double as directories (no file/directory swaps at one path).
    return draw(st.sampled_from(DIRS)) + f"n{g.uid()}"


def _new_file(draw: st.DrawFn, g: Gen) -> tuple[int, bytes, int]:
    """(mode, content, tag) of a new file."""
    kind = draw(st.sampled_from(("text", "text", "text", "exec", "binary", "link")))
    uid = g.uid()
    if kind == "binary":
        return F, _binary(draw, uid), uid
    if kind == "link":
        return L, draw(st.sampled_from((b"../t/%d", b"d9/t%d", b"/abs/%d"))) % uid, uid
    return (X if kind == "exec" else F), _text(draw, uid), uid


def _flip(mode: int) -> int:
    return X if mode == F else F


@st.composite
def histories(draw: st.DrawFn) -> tuple[Tree, Tree]:
    g = Gen(itertools.count())
    base: dict[str, tuple[int, bytes, int]] = {}
    for _ in range(draw(st.integers(1, 7))):
        base[_path(draw, g)] = _new_file(draw, g)
    # A long file or two, the only candidates for renames with edits: with >= 20
    # lines and at most two edited, similarity stays far above git's 50% threshold
    # (libgit2 also refuses to score very small files, git does not).
    for _ in range(draw(st.integers(0, 2))):
        uid = g.uid()
        base[_path(draw, g)] = (F, _text(draw, uid, 20, 30), uid)
    head: Tree = {}
    for path, (mode, data, uid) in base.items():
        is_text = mode != L and b"\0" not in data
        is_long = is_text and data.count(b"\n") >= 19
        ops = ["keep", "delete", "rename", "typechange"]
        if mode != L:
            ops.append("chmod")
        if is_text:
            ops += ["edit", "edit"]
        if is_long:
            ops += ["rename-edit", "rename-edit"]
        if mode == L:
            ops.append("retarget")
        if not is_text and mode != L:
            ops.append("binary-edit")
        op = draw(st.sampled_from(ops))
        if op == "keep":
            head[path] = (mode, data)
        elif op == "delete":
            pass
        elif op == "edit":
            head[path] = (mode, _edit(draw, data, uid, 4))
        elif op == "chmod":
            head[path] = (_flip(mode), data)
        elif op == "retarget":
            head[path] = (L, data + b"x")
        elif op == "binary-edit":
            head[path] = (mode, data + draw(st.binary(min_size=1, max_size=8)))
        elif op == "typechange":
            new_uid = g.uid()
            head[path] = (F, _text(draw, new_uid)) if mode == L else (L, b"../t/%d" % new_uid)
        elif op == "rename":
            # Exact rename, moved to another folder or not, sometimes with the
            # exec bit flipped (git: R100 with a mode change).
            dest = draw(st.sampled_from((*DIRS, path.rsplit("/", 1)[0] + "/" if "/" in path else "")))
            new_mode = _flip(mode) if mode != L and draw(st.booleans()) else mode
            head[dest + f"n{g.uid()}"] = (new_mode, data)
        elif op == "rename-edit":
            head[_path(draw, g)] = (mode, _edit(draw, data, uid, 2))
    for _ in range(draw(st.integers(0, 3))):
        head[_path(draw, g)] = _new_file(draw, g)[:2]
    return {p: e[:2] for p, e in base.items()}, head


# -- writing the two commits -------------------------------------------------------------


class Importer:
    """One ``git fast-import`` for the whole run. Each batch of pairs ends with a
    ``checkpoint``, which finishes the pack so that git and libgit2 can read it
    (it costs more than a pair's diffs, hence batches); one reused ref keeps the
    checkpoint from rewriting a growing list of refs."""

    def __init__(self, repo: Path) -> None:
        self.proc = subprocess.Popen(
            ["git", "fast-import", "--quiet", "--force"],
            cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )

    def pairs(self, histories: list[tuple[Tree, Tree]]) -> list[tuple[str, str]]:
        out = bytearray()
        for n, (base, head) in enumerate(histories):
            out += b"reset refs/heads/gen\n"
            for mark, tree in ((2 * n + 1, base), (2 * n + 2, head)):
                out += f"commit refs/heads/gen\nmark :{mark}\ncommitter T <t@example.com> 0 +0000\ndata 0\n".encode()
                if mark % 2 == 0:
                    out += f"from :{mark - 1}\ndeleteall\n".encode()
                for path, (mode, data) in sorted(tree.items()):
                    out += f"M {mode:o} inline {path}\ndata {len(data)}\n".encode() + data + b"\n"
                out += b"\n"
        out += b"".join(b"get-mark :%d\n" % m for m in range(1, 2 * len(histories) + 1))
        out += b"checkpoint\nprogress done\n"
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(bytes(out))
        self.proc.stdin.flush()
        ids = [self.proc.stdout.readline().decode().strip() for _ in range(2 * len(histories))]
        assert self.proc.stdout.readline() == b"progress done\n"
        return list(zip(ids[::2], ids[1::2], strict=True))

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


# -- what git says -----------------------------------------------------------------------


def _git_view(repo: Path, base: str, head: str) -> dict[str, tuple[object, ...]]:
    """Per file (keyed by the new path, or the old one for a deletion):
    (letter, old path, new path, old mode, new mode, old id, new id, binary, hunks).

    The similarity score is left out: git's and libgit2's are computed differently
    (git calls a file with two lines swapped R100), and only the pairing matters.

    One git run gives all three views: ``--raw -z`` records, then ``--numstat -z``
    records, an empty record, and the ``-U0`` patch as text.
    """
    out = git(repo, "diff", "--raw", "--numstat", "-p", "-z", "-U0", "-M", "--no-abbrev",
              "--no-color", "--no-ext-diff", base, head)
    records, _, patch = out.partition("\0\0")
    fields = records.split("\0") if records else []
    files: dict[str, list[object]] = {}
    i = 0
    while i < len(fields) and fields[i].startswith(":"):
        meta = fields[i][1:].split()
        letter = meta[4][0]
        old = fields[i + 1]
        new = fields[i + 2] if letter == "R" else old
        i += 3 if letter == "R" else 2
        files[new if letter != "D" else old] = [
            letter,
            None if letter == "A" else old,
            None if letter == "D" else new,
            int(meta[0], 8),
            int(meta[1], 8),
            None if letter == "A" else meta[2],
            None if letter == "D" else meta[3],
            False,
            [],
        ]
    while i < len(fields):
        added, deleted, path = fields[i].split("\t", 2)
        if not path:  # a rename: "a\td\t\0old\0new"
            path = fields[i + 2]
            i += 3
        else:
            i += 1
        files[path][7] = added == deleted == "-"
    current: str | None = None
    for line in patch.splitlines():
        if line.startswith("diff --git "):
            a, b = re.fullmatch(r"diff --git a/(\S+) b/(\S+)", line).groups()  # type: ignore[union-attr]
            current = b if b in files else a
        elif line.startswith("@@"):
            m = HUNK.match(line)
            assert m is not None and current is not None
            os_, ol, ns, nl = m.groups()
            files[current][8].append(  # type: ignore[union-attr]
                (int(os_), 1 if ol is None else int(ol), int(ns), 1 if nl is None else int(nl))
            )
    return {k: (*v[:8], tuple(v[8])) for k, v in files.items()}  # type: ignore[misc]


def _our_view(cs: ChangeSet) -> dict[str, tuple[object, ...]]:
    out: dict[str, tuple[object, ...]] = {}
    for fc in cs.files:
        out[fc.path] = (
            LETTER[fc.status],
            fc.old_path,
            fc.new_path,
            fc.old_mode,
            fc.new_mode,
            fc.old_oid,
            fc.new_oid,
            fc.binary,
            tuple((h.old_start, h.old_lines, h.new_start, h.new_lines) for h in fc.hunks),
        )
    return out


def test_change_sets_match_git_diff_over_generated_histories(tmp_path: Path) -> None:
    repo = Repo.init(tmp_path / "diffs").path
    gr = open_repo(repo)
    importer = Importer(repo)
    seen = {"histories": 0, "R": 0, "T": 0, "binary": 0, "hunks": 0}

    # Nested so the repository is made once; hypothesis then runs the examples,
    # each a batch of 8 to 12 histories (25 x 8 = at least 200 histories).
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(histories(), min_size=8, max_size=12))
    def batch(batch: list[tuple[Tree, Tree]]) -> None:
        for (base, head), history in zip(importer.pairs(batch), batch, strict=True):
            expected = _git_view(repo, base, head)
            got = _our_view(compute(gr, base, head))
            # File by file first, so a failure names the file and the history.
            for key in sorted(set(got) | set(expected)):
                assert got.get(key) == expected.get(key), (key, history)
            assert got == expected
            seen["histories"] += 1
            for v in got.values():
                seen["R"] += v[0] == "R"
                seen["T"] += v[0] == "T"
                seen["binary"] += bool(v[7])
                seen["hunks"] += len(v[8])  # type: ignore[arg-type]

    try:
        batch()
    finally:
        importer.close()
    # At least 200 histories, and the generator really exercised the interesting cases.
    assert seen["histories"] >= 200 and all(n > 20 for n in seen.values()), seen


def test_a_rename_git_would_not_score_is_a_delete_and_an_add(tmp_path: Path) -> None:
    """git rejects a rename pair outright when the smaller file is under half the
    larger (it cannot reach 50%); libgit2 would pair a 5-byte file with a 15-byte
    one sharing a line."""
    r = Repo.init(tmp_path / "r")
    base = r.commit("base", {"f1": "f1-0\nf1-1\nf1-2\n", "keep": "keep\n"})
    r.delete("f1")
    head = r.commit("head", {"n0": "f1-2\n"})
    cs = compute(open_repo(r.path), base, head)
    ours = sorted((LETTER[fc.status], fc.path, [(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in fc.hunks])
                  for fc in cs.files)
    assert ours == [("A", "n0", [(0, 0, 1, 1)]), ("D", "f1", [(1, 3, 0, 0)])]
    raw = git(r.path, "diff", "--name-status", "-M", base, head).split()
    assert raw == ["D", "f1", "A", "n0"]
