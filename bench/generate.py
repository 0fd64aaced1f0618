"""Seeded generator of the large benchmark repository of DESIGN §9 (issue 9).

One `git fast-import` stream writes everything -- main's history, the policy, every
agent branch -- so 100,000 files take seconds where one `git commit` per change would
take hours. Identities and dates are fixed in the stream and nothing comes from the
user's git config, so the same seed and sizes give the same commit ids.

Use it as functions (`generate`, `bare_copy`, `load_manifest`) or as a command:
`python -m bench.generate PATH --files 20000 --branches 21 --seed 1`.

Shape of what it builds (the manifest records all of it):
- `main`: `commits` commits; the first adds all `files` files, each later one edits
  1-4 "hot" modules (every 20th module; agent branches leave them alone, so every
  overlap between branches is one the plan made on purpose).
- `.agentgate.toml`: one agent per `agents`, two areas each (`src/A/`, `web/A/`,
  `tests/A/`), a `[shared]` section, no `[tests]`.
- `branches` agent branches (the pushed one included): `agent/agent00/big` changes
  exactly `big_branch_files` files and adds uses of `normalize`; the others 5-300.
  Designed pairs edit the same files at distant lines, at the same lines identically,
  or at the same lines differently (true conflicts); the last branch changes the
  signature of `normalize` in `src/common/util.py`, which half the modules call; the
  one before it forks up to 120 commits back, onto a hot file main changed later.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from bench import content
from bench.content import COMMON_PY, Edits
from bench.plan import Plan, make_plan, manifest

MANIFEST_NAME = "agentgate-bench.json"  # in the git dir: a later run can reuse the repo
T0 = 1767225600  # 2026-01-01T00:00:00Z
LEAD = "Lead <lead@example.com>"
# Variables that would point git at another repository (e.g. when run from a hook).
_REPO_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
              "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH",
              "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES")


def generate(path: str | os.PathLike[str], files: int = 20000, commits: int = 300,
             agents: int = 21, branches: int = 20, seed: int = 1,
             big_branch_files: int = 300,
             checkout: Literal["sparse", "full"] = "sparse") -> dict[str, Any]:
    """Build the benchmark repository at `path` (absent or empty) and return its manifest.

    `branches` counts every agent branch, the pushed `agent/agent00/big` included
    (DESIGN §9 uses 21 and 51). `main` is checked out: by default as a sparse
    checkout of the top-level files only (`git status` is clean and the gate reads
    objects, not the work tree), because writing 100k files takes 50-130 s of kernel
    time on the reference VM's disk; `checkout="full"` writes them all.
    """
    if checkout not in ("sparse", "full"):
        raise ValueError(f"checkout must be 'sparse' or 'full', not {checkout!r}")
    if commits < 1 or agents < 1 or branches < 1:
        raise ValueError("commits, agents and branches must each be at least 1")
    repo = Path(path)
    if repo.exists() and any(repo.iterdir()):
        raise ValueError(f"{repo} exists and is not empty: give a new directory")
    plan = make_plan(files, commits, agents, branches, seed, big_branch_files)
    repo.mkdir(parents=True, exist_ok=True)
    # sha1 whatever init.defaultObjectFormat says: the commit ids must not depend on it.
    _git(repo, "init", "-q", "-b", "main", "--object-format=sha1")
    marks = _fast_import(repo, _stream(plan))
    # Realistic repositories carry a commit-graph (gc writes one); it costs well under a second.
    _git(repo, "commit-graph", "write", "--reachable")
    if checkout == "sparse":
        _git(repo, "sparse-checkout", "set", "--cone")  # no folders: top-level files only
    _git(repo, "reset", "-q", "--hard", "main")
    params = dict(files=files, commits=commits, agents=agents, branches=branches, seed=seed,
                  big_branch_files=big_branch_files)
    data = manifest(plan, marks, params)
    (repo / ".git" / MANIFEST_NAME).write_text(json.dumps(data, indent=1) + "\n")
    return data


def load_manifest(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of a repository `generate` built (or a bare copy of it), else None."""
    for candidate in (Path(path) / ".git" / MANIFEST_NAME, Path(path) / MANIFEST_NAME):
        if candidate.is_file():
            data: dict[str, Any] = json.loads(candidate.read_text())
            return data
    return None


def bare_copy(src: str | os.PathLike[str], dst: str | os.PathLike[str],
              without: Sequence[str] = ()) -> Path:
    """A bare clone of `src` at `dst` with the same branches, for the push benchmark.

    A local clone hard-links the object files (git never rewrites an object or pack
    file in place, so sharing them is safe) and takes a fraction of a second even for
    100k files, where `--no-local` would repack everything. Branches named in
    `without` (short or full names) are deleted from the copy, so pushing them is new.
    """
    out = Path(dst)
    _git(Path.cwd(), "clone", "-q", "--bare", str(Path(src).resolve()), str(out))
    for name in without:
        ref = name if name.startswith("refs/") else f"refs/heads/{name}"
        _git(out, "update-ref", "-d", ref)
    data = load_manifest(src)
    if data is not None:
        (out / MANIFEST_NAME).write_text(json.dumps(data, indent=1) + "\n")
    return out


# -- the fast-import stream ---------------------------------------------------------------

def _stream(plan: Plan) -> Iterator[bytes]:
    layout, mods = plan.layout, plan.layout.modules
    yield b"feature done\n"
    # The initial commit is rendered file by file as fast-import reads it: holding
    # 100k rendered files at once would take ~300 MB.
    initial = ((m.path, content.render(m, mods, {})) for m in mods)
    yield from _commit("refs/heads/main", 1, LEAD, T0, "Initial import", None,
                       itertools.chain(initial, layout.fixed.items()))
    state: dict[int, Edits] = {}
    for c, edits in enumerate(plan.history[1:], start=1):
        for idx, slot, value in edits:
            state.setdefault(idx, {})[slot] = (value, False)
        files = [(mods[i].path, content.render(mods[i], mods, state[i])) for i, _, _ in edits]
        m = mods[edits[0][0]]
        yield from _commit("refs/heads/main", c + 1, LEAD, T0 + c * 3600,
                           f"{m.area}: tune {m.funcs[0]} (#{c})", c, files)
    mark = len(plan.history)
    hot = set(layout.hot)
    for i, b in enumerate(plan.branches):
        fork = len(plan.history) - 1 - b.behind
        files = [(mods[j].path,
                  content.render(mods[j], mods, {**plan.base_state(fork, j), **e}
                                 if j in hot else e))
                 for j, e in b.edits.items()]
        if b.signature:
            files.append((COMMON_PY, content.common_util(changed=True)))
        files.sort()
        who = f"{b.agent}-bot <{b.agent}@agents.example.com>"
        n = b.n_commits
        for k in range(n):
            mark += 1
            msg = f"{b.agent}: {b.name.rsplit('/', 1)[1]} part {k + 1}\n\nAgent: {b.agent}"
            when = T0 + len(plan.history) * 3600 + i * 600 + k * 60
            yield from _commit(f"refs/heads/{b.name}", mark, who, when, msg,
                               fork + 1 if k == 0 else None, files[k::n])
    yield b"done\n"


def _commit(ref: str, mark: int, who: str, when: int, msg: str, parent: int | None,
            files: Iterable[tuple[str, bytes]]) -> Iterator[bytes]:
    text = msg.encode() + b"\n"
    yield (f"commit {ref}\nmark :{mark}\nauthor {who} {when} +0000\n"
           f"committer {who} {when} +0000\ndata {len(text)}\n".encode() + text)
    if parent is not None:
        yield f"from :{parent}\n".encode()
    for path, data in files:
        yield b"".join((f"M 100644 inline {path}\ndata {len(data)}\n".encode(), data, b"\n"))
    yield b"\n"


def _fast_import(repo: Path, stream: Iterator[bytes]) -> dict[int, str]:
    with tempfile.TemporaryDirectory() as tmp:
        marks, errors = Path(tmp) / "marks", Path(tmp) / "stderr"
        with errors.open("wb") as err:
            proc = subprocess.Popen(
                # Chains of at most 10 deltas, like a gc'd repository's: fast-import's
                # default (50) chains unrelated blobs evenly from 0 to 50 deep, and every
                # blob read would pay for ~25 delta applications.
                ["git", "fast-import", "--quiet", "--depth=10", f"--export-marks={marks}"],
                # glibc otherwise shrinks and regrows fast-import's heap for every blob:
                # 100k brk calls, half of its CPU time spent in the kernel.
                cwd=repo, env={**_env(), "MALLOC_TOP_PAD_": str(64 << 20),
                               "MALLOC_TRIM_THRESHOLD_": str(256 << 20)},
                stdin=subprocess.PIPE, stderr=err)
            assert proc.stdin is not None
            try:
                # Python renders while fast-import compresses: two cores, both busy.
                buf: list[bytes] = []
                size = 0
                for chunk in stream:
                    buf.append(chunk)
                    size += len(chunk)
                    if size > 1 << 20:
                        proc.stdin.write(b"".join(buf))
                        buf, size = [], 0
                proc.stdin.write(b"".join(buf))
                proc.stdin.close()
            except BrokenPipeError:
                pass
            rc = proc.wait()
        if rc != 0:
            raise RuntimeError(f"git fast-import failed: {errors.read_text(errors='replace')}")
        return {int(k[1:]): v for k, v in
                (line.split() for line in marks.read_text().splitlines())}


# -- git and the command line ---------------------------------------------------------------

def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _REPO_VARS}


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env=_env(), capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode()


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bench.generate PATH [--files N] ...`: build, print one summary line."""
    ap = argparse.ArgumentParser(prog="python -m bench.generate",
                                 description="Build the agentgate benchmark repository.")
    ap.add_argument("path")
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--commits", type=int, default=300)
    ap.add_argument("--agents", type=int, default=21)
    ap.add_argument("--branches", type=int, default=20, help="agent branches, the pushed one included")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--big-branch-files", type=int, default=300)
    ap.add_argument("--checkout", choices=("sparse", "full"), default="sparse",
                    help="sparse (default): only top-level files in the work tree")
    ap.add_argument("--bare-copy", metavar="DST", help="also make a bare copy at DST")
    ap.add_argument("--manifest", metavar="FILE", help="also write the manifest JSON here ('-': stdout)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    try:
        data = generate(args.path, files=args.files, commits=args.commits, agents=args.agents,
                        branches=args.branches, seed=args.seed,
                        big_branch_files=args.big_branch_files, checkout=args.checkout)
    except ValueError as exc:
        print(f"bench.generate: {exc}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    if args.bare_copy:
        bare_copy(args.path, args.bare_copy)
    if args.manifest == "-":
        print(json.dumps(data, indent=1))
    elif args.manifest:
        Path(args.manifest).write_text(json.dumps(data, indent=1) + "\n")
    o = data["overlaps"]
    print(f"{args.path}: {args.files} files, {args.commits} commits on main, "
          f"{len(data['branches'])} agent branches of {args.agents} agents "
          f"({len(o['file'])} pairs share files, {len(o['lines'])} lines, "
          f"{len(o['conflict'])} conflict) in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
