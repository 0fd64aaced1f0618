"""``agentgate land`` of N clean agent branches against N sequential ``merge`` calls.

Both start from identical repositories (one policy, one agent, N branches each adding
its own file) with a trivial test command (``true``), so the difference is what the
queue saves: one run of ``land`` tests the last candidate once and moves the target
once; N ``merge`` calls each gate, test and land one branch. Run by hand:

    python -m bench.land [--branches 10] [--repeat 3] [--keep DIR]

Prints a table of medians (and min–max) in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLICY = """\
version = 1

[gate]
target = "main"

[agents.alice]
branches = ["agent/alice/*"]
owns = ["src/"]

[tests]
command = "true"
timeout = 60
"""

_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "Bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com", "GIT_CONFIG_NOSYSTEM": "1", "AGENTGATE_NO_MEMO": "1"}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return {**env, **_ENV}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=_env(), check=True, capture_output=True)


def build(root: Path, branches: int) -> Path:
    """A repository with ``branches`` clean agent branches off main."""
    root.mkdir(parents=True)
    _git(root, "init", "-q", "-b", "main")
    (root / ".agentgate.toml").write_text(POLICY)
    (root / "src").mkdir()
    (root / "src" / "__init__.py").write_text("")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "init")
    for i in range(branches):
        _git(root, "checkout", "-q", "-b", f"agent/alice/task-{i:02d}", "main")
        (root / "src" / f"task_{i:02d}.py").write_text(f"def task_{i:02d}():\n    return {i}\n")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", f"task {i}")
    _git(root, "checkout", "-q", "main")
    return root


def _gate(cwd: Path, *args: str) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "gate", *args], cwd=cwd, env=_env(), capture_output=True,
                          text=True)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"agentgate {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return took


def once(work: Path, branches: int, jobs: int) -> tuple[float, float]:
    """(land, N merges) in seconds, each on a fresh copy of the same repository."""
    a, b = build(work / "land", branches), build(work / "merge", branches)
    land = _gate(a, "land", "--jobs", str(jobs))
    merges = sum(_gate(b, "merge", f"agent/alice/task-{i:02d}") for i in range(branches))
    return land, merges


def _fmt(xs: list[float]) -> str:
    ms = [x * 1000 for x in xs]
    return f"{statistics.median(ms):.0f} ms ({min(ms):.0f}–{max(ms):.0f})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--branches", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="build the repositories here and keep them")
    args = ap.parse_args(argv)
    base = args.keep or Path(tempfile.mkdtemp(prefix="agentgate-bench-land-"))
    lands, merges = [], []
    try:
        for i in range(args.repeat):
            land, merge = once(base / f"run-{i}", args.branches, args.jobs)
            lands.append(land)
            merges.append(merge)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    n = args.branches
    rows = [(f"land of {n} clean branches (--jobs {args.jobs}, test command: true)", _fmt(lands)),
            (f"{n} sequential merge calls", _fmt(merges)),
            ("ratio land / merges", f"{statistics.median(lands) / statistics.median(merges):.2f}x")]
    width = max(len(r[0]) for r in rows)
    print(f"{'measurement'.ljust(width)}  median (min–max) of {args.repeat}")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
