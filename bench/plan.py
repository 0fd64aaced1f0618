"""What the benchmark repository's history and agent branches change, decided up front.

Pure: every choice comes from one seeded random stream, in a fixed order, so a seed
gives the same plan (and so the same commit ids). The overlaps between branches are
made on purpose and the manifest derives them from the plan itself:

- main's later commits edit only "hot" modules, which agent branches leave alone
  (except the stale branch, on a line slot main never edits), so two branches share
  a file only where a designed pair put it;
- pairs edit a file of one side's owner at distant line slots (0 and last: 16+ lines
  apart), at the same slot identically, or at the same slot differently (a conflict).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from bench import content
from bench.content import COMMON_PY, SIGNATURE_SYMBOL, Edits

STALE_BEHIND = 120  # more than the default limits.max_behind (100)
PAIR_KINDS = ("distant", "same", "conflict")
ADDS_USE = 5  # modules where the pushed branch adds a call of the shared helper


@dataclass
class Branch:
    name: str
    agent: str
    behind: int = 0  # main commits between its fork point and main's tip
    edits: dict[int, Edits] = field(default_factory=dict)  # module idx -> line edits
    signature: bool = False  # also changes the signature of the shared helper

    @property
    def n_files(self) -> int:
        return len(self.edits) + self.signature

    @property
    def n_commits(self) -> int:
        return 1 + (self.n_files > 20) + (self.n_files > 100)


@dataclass
class Plan:
    layout: content.Layout
    history: list[list[tuple[int, int, int]]]  # per main commit: (module, slot, value)
    branches: list[Branch]
    pairs: list[tuple[int, int, str, list[int]]]  # (branch, branch, kind, modules)
    stale: int | None
    signature: int | None

    def base_state(self, fork: int, idx: int) -> Edits:
        """Module `idx`'s slot edits on main as of commit `fork` (0 = initial)."""
        edits: Edits = {}
        for commit in self.history[1:fork + 1]:
            for i, slot, value in commit:
                if i == idx:
                    edits[slot] = (value, False)
        return edits


class _Pools:
    """Hands out modules to edit: the agent's own first, then anyone's; never twice."""

    def __init__(self, rng: random.Random, layout: content.Layout) -> None:
        self.own = {a: rng.sample(p, len(p)) for a, p in layout.owned.items()}
        self.spare = rng.sample(layout.editable, len(layout.editable))
        self.taken: set[int] = set()

    def take(self, agent: str, n: int) -> list[int]:
        got: list[int] = []
        for pool in (self.own[agent], self.spare):
            while pool and len(got) < n:
                idx = pool.pop()
                if idx not in self.taken:
                    self.taken.add(idx)
                    got.append(idx)
        if len(got) < n:
            raise ValueError("not enough files for the branches asked: raise --files")
        return got


def make_plan(files: int, commits: int, agents: int, n_branches: int, seed: int,
              big_files: int) -> Plan:
    rng = random.Random(seed)
    layout = content.build_layout(rng, files, agents)
    history = _history(rng, layout, commits)
    branches: list[Branch] = []
    for i in range(n_branches):
        agent = content.agent_name(i % agents)
        n_before = sum(b.agent == agent for b in branches)
        task = "big" if i == 0 else "task" + (str(n_before + 1) if n_before else "")
        branches.append(Branch(f"agent/{agent}/{task}", agent))
    stale = n_branches - 2 if n_branches >= 3 and commits >= 2 else None
    signature = n_branches - 1 if n_branches >= 2 else None
    for i, b in enumerate(branches):
        if i == stale:
            b.behind = min(STALE_BEHIND, commits - 1)
        elif i % 3 == 2 and commits > 1:
            b.behind = rng.randint(1, min(10, commits - 1))
    pools = _Pools(rng, layout)
    pairs = _pairs(rng, layout, branches, pools)
    mods = layout.modules
    if stale is not None:
        fork = commits - 1 - branches[stale].behind
        idx = history[fork + 1][0][0]  # a hot module main changes after the fork
        last = len(mods[idx].funcs) - 1
        branches[stale].edits[idx] = {last: (_new_value(rng, mods[idx].mults[last]), False)}
    if signature is not None:
        branches[signature].signature = True
    # Smaller repositories get smaller branches, so that they all fit.
    cap = max(5, min(300, len(layout.editable) // (2 * n_branches)))
    for i, b in enumerate(branches):
        want = big_files if i == 0 else round(math.exp(rng.uniform(math.log(5), math.log(cap))))
        if i == 0 and b.n_files > big_files:
            raise ValueError(f"--big-branch-files must be at least {b.n_files}")
        adds_use = ADDS_USE if i == 0 else 0
        for idx in pools.take(b.agent, max(0, want - b.n_files)):
            m = mods[idx]
            slot = rng.randrange(len(m.funcs))
            call = adds_use > 0 and m.lang == "py" and not m.uses_norm
            adds_use -= call
            b.edits[idx] = {slot: (_new_value(rng, m.mults[slot]), call)}
    return Plan(layout, history, branches, pairs, stale, signature)


def _history(rng: random.Random, layout: content.Layout,
             commits: int) -> list[list[tuple[int, int, int]]]:
    mods = layout.modules
    history: list[list[tuple[int, int, int]]] = [[]]
    state: dict[int, Edits] = {}
    for _ in range(1, commits):
        edits = []
        for idx in rng.sample(layout.hot, min(rng.randint(1, 4), len(layout.hot))):
            # Main never edits a module's last slot: the stale branch edits it.
            slot = rng.randrange(len(mods[idx].funcs) - 1)
            now = state.get(idx, {}).get(slot, (mods[idx].mults[slot], False))[0]
            value = _new_value(rng, now)
            state.setdefault(idx, {})[slot] = (value, False)
            edits.append((idx, slot, value))
        history.append(edits)
    return history


def _pairs(rng: random.Random, layout: content.Layout, branches: list[Branch],
           pools: _Pools) -> list[tuple[int, int, str, list[int]]]:
    """The pushed branch overlaps branches 1-3 (one pair of each kind); then 4-5, 6-7…
    pair up, leaving the last three branches (stale, signature) out of pairs."""
    n = len(branches)
    pairs = [(0, j, PAIR_KINDS[j - 1]) for j in (1, 2, 3) if j < n]
    pairs += [(i, i + 1, PAIR_KINDS[(i // 2) % 3]) for i in range(4, n - 3, 2)]
    planned = []
    for p, (a, b, kind) in enumerate(pairs):
        shared = pools.take(branches[a if p % 2 == 0 else b].agent, 1 + p % 3)
        for idx in shared:
            m = layout.modules[idx]
            last = len(m.funcs) - 1
            if kind == "distant":
                branches[a].edits[idx] = {0: (_new_value(rng, m.mults[0]), False)}
                branches[b].edits[idx] = {last: (_new_value(rng, m.mults[last]), False)}
            else:
                va = _new_value(rng, m.mults[1])
                vb = va if kind == "same" else _new_value(rng, m.mults[1], va)
                branches[a].edits[idx] = {1: (va, False)}
                branches[b].edits[idx] = {1: (vb, False)}
        planned.append((a, b, kind, shared))
    return planned


def _new_value(rng: random.Random, *avoid: int) -> int:
    value = rng.randint(2, 97)
    while value in avoid:
        value += 1
    return value


def manifest(plan: Plan, marks: dict[int, str], params: dict[str, int]) -> dict[str, Any]:
    """The plan as JSON-ready data, with commit ids from fast-import's marks."""
    mods = plan.layout.modules
    n_main = len(plan.history)
    rows: list[dict[str, Any]] = []
    slots: list[dict[str, Edits]] = []
    mark = n_main
    for b in plan.branches:
        touched = {mods[i].path: e for i, e in b.edits.items()}
        if b.signature:
            touched[COMMON_PY] = {-1: (0, True)}
        mark += b.n_commits
        rows.append({"name": b.name, "ref": f"refs/heads/{b.name}", "agent": b.agent,
                     "head": marks[mark], "base": marks[n_main - b.behind],
                     "behind": b.behind, "commits": b.n_commits,
                     "files_changed": len(touched), "paths": sorted(touched)})
        slots.append(touched)
    overlaps: dict[str, list[list[str]]] = {"file": [], "lines": [], "conflict": []}
    for i, si in enumerate(slots):
        for j in range(i + 1, len(slots)):
            sj = slots[j]
            common = si.keys() & sj.keys()
            same = [(p, k) for p in common for k in si[p].keys() & sj[p].keys()]
            differ = [(p, k) for p, k in same if si[p][k] != sj[p][k]]
            for key, hit in (("file", common), ("lines", same), ("conflict", differ)):
                if hit:
                    overlaps[key].append([rows[i]["name"], rows[j]["name"]])
    name = [b.name for b in plan.branches]
    return {
        "version": 1, "params": params, "target": "refs/heads/main", "main": marks[n_main],
        "agents": [content.agent_name(a) for a in range(params["agents"])],
        "big_branch": name[0],
        "stale_branch": None if plan.stale is None else name[plan.stale],
        "signature": None if plan.signature is None else
        {"branch": name[plan.signature], "path": COMMON_PY, "symbol": SIGNATURE_SYMBOL},
        "adds_use": {"branch": name[0], "symbol": SIGNATURE_SYMBOL,
                     "paths": sorted(mods[i].path for i, e in plan.branches[0].edits.items()
                                     if any(call for _, call in e.values()))},
        "branches": rows, "overlaps": overlaps,
        "pairs": [{"branches": [name[a], name[b]], "kind": kind,
                   "paths": sorted(mods[i].path for i in idxs)}
                  for a, b, kind, idxs in plan.pairs],
    }
