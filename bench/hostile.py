"""Hostile pushes (issue 14, DESIGN §8 and §9): inputs an agent controls that must
cost bounded time. Each is pushed for real, once, to a bare repository with
agentgate's server hooks installed; the hook must either finish inside
``[limits] hook_seconds`` or refuse at the deadline, and the table says which.

- ``long-line``: one line of ``password_password_…`` (540 KB; 54 KB with --quick)
  on an agent branch, in the agent's own folder;
- ``many-files``: 50,000 new files (5,000) in one commit on an agent branch;
- ``alternating``: 1,000 commits (100) on main's first-parent line whose ``Agent:``
  trailers alternate between two agents, each in scope, pushed by the lead while
  the many-files branch is open on the server.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bench.generate import _fast_import

HOOK_SECONDS = 4  # the default of [limits] hook_seconds
POLICY = f"""\
version = 1

[gate]
target = "main"
approvers = ["lead"]

[agents.alice]
branches = ["agent/alice/*"]
owns = ["src/billing/"]
identities = ["alice-bot"]

[agents.bob]
branches = ["agent/bob/*"]
owns = ["src/ui/"]
identities = ["bob-bot"]

[limits]
hook_seconds = {HOOK_SECONDS}
"""
T0 = 1_767_225_600  # 2026-01-01
RAN_OUT = "agentgate ran out of time on this push"
# The program the server's shims run: agentgate, timed (microseconds to the log).
PROGRAM = """#!/bin/sh
start=$(date +%s%N)
"{python}" -m gate "$@"
rc=$?
end=$(date +%s%N)
echo $(( (end - start) / 1000 )) >> "{log}"
exit $rc
"""


def sizes(quick: bool) -> dict[str, int]:
    if quick:
        return {"long-line": 54_000, "alternating": 100, "many-files": 5_000}
    return {"long-line": 540_000, "alternating": 1_000, "many-files": 50_000}


def _commit(ref: str, mark: int, msg: str, files: Iterable[tuple[str, bytes]], parent: str | None = None,
            when: int = T0) -> Iterator[bytes]:
    text = msg.encode() + b"\n"
    who = "Bench <bench@example.com>"
    yield (f"commit {ref}\nmark :{mark}\nauthor {who} {when} +0000\n"
           f"committer {who} {when} +0000\ndata {len(text)}\n".encode() + text)
    if parent is not None:
        yield f"from {parent}\n".encode()
    for path, data in files:
        yield b"".join((f"M 100644 inline {path}\ndata {len(data)}\n".encode(), data, b"\n"))
    yield b"\n"


def _initial() -> Iterator[bytes]:
    yield from _commit("refs/heads/main", 1, "initial", [
        (".agentgate.toml", POLICY.encode()),
        ("src/billing/invoice.py", b"def total(items):\n    return sum(items)\n"),
        ("src/ui/app.py", b"def render():\n    return 'ui'\n"),
    ])


def _long_line(size: int) -> Iterator[bytes]:
    line = ("password_" * (size // 9 + 1))[:size].encode() + b"\n"
    yield from _commit("refs/heads/agent/alice/long-line", 2, "a long line",
                       [("src/billing/words.txt", line)], parent=":1")


def _alternating(commits: int) -> Iterator[bytes]:
    for i in range(commits):
        agent, folder = ("alice", "billing") if i % 2 == 0 else ("bob", "ui")
        path = f"src/{folder}/part{i % 10}.py"
        yield from _commit("refs/heads/alternating", 100 + i, f"step {i}\n\nAgent: {agent}",
                           [(path, f"STEP = {i}\n".encode())], parent=":1" if i == 0 else None,
                           when=T0 + 60 * i)


def _many_files(files: int) -> Iterator[bytes]:
    yield from _commit("refs/heads/agent/alice/many-files", 3, "many files", (
        (f"src/billing/many/d{i // 500:03d}/f{i:05d}.py", f"VALUE = {i}\n".encode()) for i in range(files)),
        parent=":1")


def build(work: Path, quick: bool, env: dict[str, str]) -> tuple[Path, Path]:
    """(the work repository holding every hostile ref, the bare server with hooks)."""
    n = sizes(quick)
    repo = work / "hostile"
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)

    def stream() -> Iterator[bytes]:
        yield b"feature done\n"
        yield from _initial()
        yield from _long_line(n["long-line"])
        yield from _many_files(n["many-files"])
        yield from _alternating(n["alternating"])
        yield b"done\n"

    _fast_import(repo, stream())
    bare = work / "hostile-server.git"
    shutil.rmtree(bare, ignore_errors=True)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True, env=env)
    subprocess.run(["git", "push", "-q", str(bare), "main"], cwd=repo, check=True, env=env)
    # Seeded before the hooks go in (README, "Server-side enforcement").
    subprocess.run([sys.executable, "-m", "gate", "hooks", "install", "--server"], cwd=bare, check=True,
                   capture_output=True, env=env)
    return repo, bare


# name -> (what is pushed, who pushes)
# In this order: the alternating push meets the many-files branch open on the server,
# as a real server holds other agents' open branches.
PUSHES = {
    "long-line": ("agent/alice/long-line:agent/alice/long-line", "alice-bot"),
    "many-files": ("agent/alice/many-files:agent/alice/many-files", "alice-bot"),
    "alternating": ("alternating:main", "lead"),
}


def measure(work: Path, quick: bool, env: dict[str, str]) -> dict[str, Any]:
    """name -> {size, seconds (the hook's), push_seconds, outcome}."""
    repo, bare = build(work, quick, env)
    log = work / "hostile-hook-us.log"
    program = work / "agentgate-timed"
    program.write_text(PROGRAM.format(python=sys.executable, log=log))
    program.chmod(0o755)
    out: dict[str, Any] = {}
    for name, (spec, user) in PUSHES.items():
        log.unlink(missing_ok=True)
        start = time.perf_counter()
        proc = subprocess.run(["git", "push", "-q", str(bare), spec], cwd=repo, capture_output=True, text=True,
                              env={**env, "AGENTGATE": str(program), "AGENTGATE_USER": user,
                                   "AGENTGATE_NO_MEMO": "1"})
        push_s = time.perf_counter() - start
        hook_s = sum(int(x) for x in log.read_text().split()) / 1e6 if log.exists() else push_s
        if RAN_OUT in proc.stderr:
            outcome = "refused at the deadline"
        else:
            outcome = "finished: " + ("accepted" if proc.returncode == 0 else "refused")
        out[name] = {"size": sizes(quick)[name], "seconds": hook_s, "push_seconds": push_s, "outcome": outcome,
                     "rc": proc.returncode}
    return out


def rows(hostile: dict[str, Any]) -> list[str]:
    units = {"long-line": "bytes on one line", "alternating": "commits, alternating trailers",
             "many-files": "files in one push"}
    lines = [f"hostile pushes (hook_seconds = {HOOK_SECONDS}: finish inside it or refuse at it)"]
    for name, r in hostile.items():
        what = f"{r['size']:,} {units[name]}"
        lines.append(f"  {what:<42}{r['seconds'] * 1000:8.0f} ms  {r['outcome']}")
    return lines
