"""Differential, patches (issue 15): every patch the suite feeds ``check --diff``
is read by git apply too, and agentgate judges the paths git apply writes.

* git's paths: ``git apply --numstat -z`` (each file by its new name) and the old
  names of renames (``--summary``). Neither lists a copy's source, which is read,
  not written; agentgate does not judge it either.
* A ``diff --git`` patch: agentgate judges exactly those paths.
* A plain diff: agentgate judges a superset. git apply takes one of its two
  names, GNU patch whichever exists; agentgate judges both (``gate.patch.names``).
  git apply reads it with ``-p1`` when the names' first components differ
  (``a/x``, ``b/x``), else ``-p0``.
* Where ``git apply --stat`` (which parses without applying, so context made
  against another tree is no reason) refuses a patch, agentgate refuses it too.
  An empty patch is not refused (``--allow-empty``): it writes nothing. A patch whose
  every line was re-ended with CRLF is read as the original, as GNU patch reads it
  ("Stripping trailing CRs from patch"), so git apply is given the original too.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gate.errors import GateError
from gate.git.objects import expand_blob
from gate.git.opening import open_repo
from gate.patch import parse as diffcheck
from tests import test_check_diff as tcd
from tests.gitutil import Repo, seeded_repo
from tests.patch_corpus import CASES, REFUSED_ELSEWHERE, corpus_repo

Builder = Callable[[Path], tuple[Repo, bytes]]


def judged(repo: Repo, data: bytes) -> set[str] | None:
    """The paths agentgate judges in ``data`` (as ``check --diff`` parses it); None: refused."""
    r = open_repo(repo.path)
    try:
        patch = diffcheck.parse(data, lambda a: expand_blob(r, a), r.read_blob)
    except GateError:
        return None
    return {p for fp in patch.files for p in fp.change.paths}


def applied(repo: Repo, data: bytes, strip: int) -> set[str] | None:
    """The paths ``git apply`` reports for ``data``; None when ``git apply --stat`` refuses it."""
    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["git", "apply", "--allow-empty", f"-p{strip}", *args], cwd=repo.path,
                              input=data, capture_output=True)
    if run("--stat").returncode != 0:
        return None
    # numstat names each file once (a rename by its new name); --summary gives a
    # rename's old name ("rename src/{a.py => b.py} (100%)"). A copy's source is read,
    # not written: agentgate does not judge it, and git lists it nowhere here.
    out = {os.fsdecode(t.split(b"\t", 2)[2]) for t in run("--numstat", "-z").stdout.split(b"\0") if t}
    for line in run("--summary").stdout.decode("utf-8", "surrogateescape").splitlines():
        m = re.fullmatch(r" rename (.*) \(\d+%\)", line)
        if m:
            out.update(_expand(m.group(1)))
    return out


def _expand(body: str) -> tuple[str, str]:
    """git's ``pre{a => b}post`` (or ``a => b``) as the two paths."""
    if "{" not in body:
        old, new = body.split(" => ")
        return old, new
    pre, rest = body.split("{", 1)
    mid, post = rest.split("}", 1)
    a, b = mid.split(" => ")
    return (pre + a + post).replace("//", "/"), (pre + b + post).replace("//", "/")


def strip_level(data: bytes) -> int:
    """git apply's -p for a plain diff: 1 when a ``---``/``+++`` pair's first components differ."""
    if b"diff --git " in data:
        return 1
    lines = data.decode("utf-8", "surrogateescape").splitlines()
    for a, b in zip(lines, lines[1:], strict=False):
        if a.startswith("--- ") and b.startswith("+++ "):
            x, y = a[4:].split("\t")[0], b[4:].split("\t")[0]
            if "/dev/null" not in (x, y) and x.split("/")[0] != y.split("/")[0]:
                return 1
    return 0


# -- every patch the suite feeds check --diff ------------------------------------------------------


def _everything(command: tuple[str, ...], edit: Callable[[bytes], bytes] = lambda d: d) -> Builder:
    def build(tmp: Path) -> tuple[Repo, bytes]:
        repo = tcd.build_everything(tmp / "r")
        return repo, edit(repo.git(*command).encode("utf-8", "surrogateescape"))
    return build


def _seeded(data: bytes) -> Builder:
    return lambda tmp: (seeded_repo(tmp / "r"), data)


def _corpus(build: Callable[[Repo], bytes]) -> Builder:
    def run(tmp: Path) -> tuple[Repo, bytes]:
        repo = corpus_repo(tmp / "r")
        return repo, build(repo)
    return run


def _shared(tmp: Path) -> tuple[Repo, bytes]:
    return tcd._shared_edit(tmp, "line 6\n")


def _stdin_case(tmp: Path) -> tuple[Repo, bytes]:
    repo = seeded_repo(tmp / "r")
    repo.branch(tcd.BRANCH)
    repo.commit("ui", {"src/ui/app.py": "def render():\n    return 'alice'\n"})
    data = tcd.diff_of(repo, "main...HEAD")
    repo.checkout("main")
    return repo, data


def _no_index(d: bytes) -> bytes:
    return b"".join(line for line in d.splitlines(keepends=True) if not line.startswith(b"index "))


def _cut(d: bytes) -> bytes:
    return b"".join(d.splitlines(keepends=True)[:-2])


M = ("diff", "-M", f"main...{tcd.BRANCH}")
PATCHES: list[tuple[str, Builder]] = [
    *((f"everything-{' '.join(c[1:-1]) or 'plain'}", _everything(c)) for c in tcd.COMMANDS),
    ("everything-no-index", _everything(M, _no_index)),
    ("everything-crlf", _everything(M, lambda d: d.replace(b"\n", b"\r\n"))),
    ("everything-cut", _everything((*M, "--", "src/billing/config.py"), _cut)),
    ("stdin", _stdin_case),
    ("plain", _seeded(tcd.PLAIN)),
    ("empty", _seeded(b"")),
    ("shared-edit", _shared),
    *((f"malformed-{i}", _seeded(data)) for i, (data, _) in enumerate(tcd.MALFORMED)),
    *((f"corpus-{c.id}", _corpus(c.build)) for c in CASES),
    *((f"corpus-{b.__name__}", _corpus(b)) for b in REFUSED_ELSEWHERE),
]


@pytest.mark.parametrize("build", [b for _, b in PATCHES], ids=[n for n, _ in PATCHES])
def test_agentgate_judges_the_paths_git_apply_writes(tmp_path: Path, build: Builder) -> None:
    repo, data = build(tmp_path)
    ours = judged(repo, data)
    lines = data.splitlines(keepends=True)
    crlf = bool(lines) and all(line.endswith(b"\r\n") for line in lines)
    git = applied(repo, data.replace(b"\r\n", b"\n") if crlf else data, strip_level(data))
    if git is None:
        assert ours is None, "git apply --stat refuses this patch; agentgate must refuse it too"
    elif ours is not None:
        if b"diff --git " in data:
            assert ours == git
        else:
            assert git <= ours
