"""The "real history" row: agent branches made from a real repository's own commits.

``python -m bench.run --real PATH`` clones PATH (a local clone of a public repository)
and goes back ``branches × span`` first-parent commits from its HEAD to a base B. main
becomes B plus one commit with a policy naming one agent per branch. Agent branch i
forks from main and takes every file the i-th range of ``span`` consecutive commits
after B changed, as that range left it: the work of agents started from the same base,
on the code the project really had. Later ranges include earlier ranges' edits of the
files they touch again, so many pairs conflict, as busy parallel work does.

Timed: ``check --all`` cold (no ``.git/agentgate``) and recomputed (caches warm, the
kept verdict off), and, beside them, ``git merge-tree --write-tree --stdin`` over every
pair of branches. The pairs agentgate calls conflicting are compared with git's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

NO_MEMO = {"AGENTGATE_NO_MEMO": "1"}


def _git(repo: Path, env: dict[str, str], *args: str, data: str | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, env=env, input=data, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


def build(source: Path, dest: Path, branches: int, span: int, env: dict[str, str]) -> dict[str, Any]:
    """Clone ``source`` to ``dest`` and make main and the agent branches; a description."""
    if dest.exists():
        shutil.rmtree(dest)
    _git(source.parent, env, "clone", "-q", "--no-checkout", str(source), str(dest))
    chain = _git(dest, env, "rev-list", "--first-parent", "HEAD").split()[::-1]
    if len(chain) < 2:
        raise SystemExit(f"{source} has {len(chain)} commit(s) on its first-parent history: too few for --real")
    span = max(1, min(span, (len(chain) - 1) // branches))
    branches = min(branches, (len(chain) - 1) // span)
    base_at = len(chain) - 1 - branches * span
    base = chain[base_at]
    agents = [f"agent{i:02d}" for i in range(branches)]
    # Every path shared: the agents of a real history had no areas of their own.
    policy = "version = 1\n\n[gate]\ntarget = \"main\"\n\n[shared]\npaths = [\"**\"]\n" + "".join(
        f'\n[agents.{a}]\nbranches = ["agent/{a}/*"]\nowns = []\n' for a in agents)
    index = {**env, "GIT_INDEX_FILE": str(dest / ".git" / "bench-index")}
    _git(dest, index, "read-tree", base)
    blob = _git(dest, env, "hash-object", "-w", "--stdin", data=policy).strip()
    _git(dest, index, "update-index", "--add", "--cacheinfo", f"100644,{blob},.agentgate.toml")
    main = _git(dest, index, "commit-tree", _git(dest, index, "write-tree").strip(), "-p", base,
                "-m", "bench: agents").strip()
    _git(dest, env, "update-ref", "refs/heads/main", main)
    _git(dest, env, "symbolic-ref", "HEAD", "refs/heads/main")
    names = []
    for i, agent in enumerate(agents):
        lo, hi = chain[base_at + i * span], chain[base_at + (i + 1) * span]
        _git(dest, index, "read-tree", main)
        raw = _git(dest, env, "diff-tree", "-r", "--no-renames", "--no-commit-id", lo, hi)
        info = []
        for line in raw.splitlines():
            meta, path = line.split("\t", 1)
            _, mode, _, oid, status = meta[1:].split()
            if path == ".agentgate.toml":
                continue
            info.append(f"0 {'0' * 40}\t{path}" if status == "D" else f"{mode} {oid}\t{path}")
        _git(dest, index, "update-index", "--index-info", data="\n".join(info) + "\n")
        tree = _git(dest, index, "write-tree").strip()
        head = _git(dest, index, "commit-tree", tree, "-p", main, "-m",
                    f"{agent}: {hi[:12]}\n\nAgent: {agent}").strip()
        name = f"agent/{agent}/range{i:02d}"
        _git(dest, env, "update-ref", f"refs/heads/{name}", head)
        names.append(name)
    (dest / ".git" / "bench-index").unlink(missing_ok=True)
    _git(dest, env, "commit-graph", "write", "--reachable")
    return {"source": str(source), "source_head": chain[-1], "base": base, "span": span, "branches": names,
            "files": len(_git(dest, env, "ls-tree", "-r", "--name-only", main).splitlines())}


def git_pairs(repo: Path, names: list[str], env: dict[str, str]) -> tuple[float, set[frozenset[str]]]:
    """``git merge-tree`` over every pair: its time and the pairs that conflict."""
    pairs = list(combinations(names, 2))
    start = time.perf_counter()
    proc = subprocess.run(["git", "merge-tree", "--write-tree", "--stdin", "-z", "--name-only"], cwd=repo,
                          env=env, input="".join(f"{a} {b}\n" for a, b in pairs), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    conflicting = {frozenset(pair) for pair, clean in zip(pairs, _statuses(proc.stdout), strict=True) if not clean}
    return elapsed, conflicting


def _statuses(out: str) -> list[bool]:
    """Clean or not, per merge, from ``merge-tree --stdin -z --name-only`` output: each
    merge is its status (1 clean, 0 conflicted), the tree, the conflicted paths up to
    an empty field, then (conflicted only) messages of ``N, N paths, type, text`` up
    to an empty field."""
    tok = out.split("\0")
    i, found = 0, []
    while i < len(tok) and tok[i] in ("0", "1"):
        clean = tok[i] == "1"
        i += 2  # status, tree
        while tok[i]:
            i += 1  # conflicted paths
        i += 1
        if not clean:
            while tok[i]:
                i += int(tok[i]) + 3  # N, the paths, the type, the text
            i += 1
        found.append(clean)
    return found


def _gate_pairs(report: dict[str, Any]) -> set[frozenset[str]]:
    out = set()
    for b in report.get("branches", []):
        me = b["ref"].removeprefix("refs/heads/")
        for f in b.get("findings", []):
            if f.get("rule") == "overlap.conflict":
                other = (f.get("other") or {}).get("branch", "")
                out.add(frozenset((me, str(other).removeprefix("refs/heads/"))))
    return out


def measure(source: Path, work: Path, branches: int, span: int, repeats: int, env: dict[str, str],
            timed: Callable[..., tuple[float, int, int]], stats: Callable[[list[float]], dict[str, float]],
            agentgate: list[str]) -> dict[str, Any]:
    repo = work / f"real-{source.name}"
    desc = build(source, repo, branches, span, env)
    names = desc["branches"]
    check_all = [*agentgate, "check", "--all", "--format", "json"]
    one = [*agentgate, "check", names[-1], "--format", "json"]
    cold, cold_one, recomputed = [], [], []
    for _ in range(max(1, repeats // 2)):
        shutil.rmtree(repo / ".git" / "agentgate", ignore_errors=True)
        cold_one.append(timed(one, repo, extra=NO_MEMO)[0])
        shutil.rmtree(repo / ".git" / "agentgate", ignore_errors=True)
        cold.append(timed(check_all, repo, extra=NO_MEMO)[0])
    for _ in range(repeats):
        recomputed.append(timed(check_all, repo, extra=NO_MEMO)[0])
    proc = subprocess.run(check_all, cwd=repo, env={**env, **NO_MEMO}, capture_output=True, text=True)
    gate_conflicts = _gate_pairs(json.loads(proc.stdout))
    git_s, git_conflicts = [], set()
    for _ in range(repeats):
        t, git_conflicts = git_pairs(repo, names, env)
        git_s.append(t)
    return {**desc, "pairs": len(names) * (len(names) - 1) // 2, "conflicting_git": len(git_conflicts),
            "conflicting_agentgate": len(gate_conflicts), "same_pairs": gate_conflicts == git_conflicts,
            "check_all_cold": stats(cold), "check_one_cold": stats(cold_one),
            "check_all_recomputed": stats(recomputed), "merge_tree_all_pairs": stats(git_s)}
