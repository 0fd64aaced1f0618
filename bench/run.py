"""The benchmark of DESIGN §9: agentgate against plain git on generated repositories.

    python -m bench.run                 # the full run (20k/21 and 100k/51 branches, scaling)
    python -m bench.run --quick         # a small smoke run
    python -m bench.run --json out.json # also write the numbers

    python -m bench.run --real PATH     # also the "real history" row (bench.real)

Every figure is **recomputed** (``AGENTGATE_NO_MEMO=1``: the kept verdict is off, as
when the target or another branch moved since the last run); that is the headline
column. What the kept verdict replays for a repeated question is in its own column.

It prints medians and min-max over repeated runs of: `agentgate check` of the
300-file branch (cold cache, recomputed, replayed), the `pre-receive` hook inside a real
`git push` to a bare copy (hook time and whole push; the bench hook always
refuses afterwards so the push can be repeated), `agentgate status`, peak memory,
the hook's time on hostile pushes (``bench.hostile``: each must finish inside
``[limits] hook_seconds`` or refuse at the deadline; the table says which),
the plain git baseline (`git diff --name-status -M` per agent branch plus
`git merge-tree --write-tree --stdin` for the pushed branch against each other
one) with the ratio agentgate / baseline, and what ``check --tests`` adds to a
trivial test command on a 5,000-file checkout (``bench.testsrun``). Never part of
the test suite's timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import hostile, real, testsrun
from bench.generate import bare_copy, generate, load_manifest

BIG = "agent/agent00/big"


def _env() -> dict[str, str]:
    # Installed packages carry bytecode; this environment may forbid writing it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.com",
               GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.com")
    return env


# Turns off the kept verdicts (gate.memo): a warm run then recomputes its answer
# from the cached change sets and pair results.
NO_MEMO = {"AGENTGATE_NO_MEMO": "1"}


def timed(cmd: list[str], cwd: Path, stdin: bytes | None = None,
          extra: dict[str, str] | None = None) -> tuple[float, int, int]:
    """(seconds, exit code, peak RSS in KiB) of one command, measured with wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env={**_env(), **(extra or {})},
                            stdin=subprocess.PIPE if stdin is not None else None,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if stdin is not None:
        assert proc.stdin is not None
        proc.stdin.write(stdin)
        proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, proc.returncode, int(usage.ru_maxrss)


def stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def agentgate() -> list[str]:
    return [sys.executable, "-m", "gate"]


def clear_cache(git_dir: Path) -> None:
    shutil.rmtree(git_dir / "agentgate", ignore_errors=True)


def baseline(repo: Path, manifest: dict[str, Any]) -> float:
    """The plain git baseline of DESIGN §9, timed as one sequence of git calls."""
    branches = [b["name"] for b in manifest["branches"]]
    start = time.perf_counter()
    for b in branches:
        base = subprocess.run(["git", "merge-base", "main", b], cwd=repo, capture_output=True, text=True,
                              env=_env()).stdout.strip()
        subprocess.run(["git", "diff", "--name-status", "-M", base, b], cwd=repo, capture_output=True, env=_env())
    pairs = "".join(f"{BIG} {b}\n" for b in branches if b != BIG)
    subprocess.run(["git", "merge-tree", "--write-tree", "--stdin"], cwd=repo, input=pairs.encode(),
                   capture_output=True, env=_env())
    return time.perf_counter() - start


HOOK = """#!/bin/sh
# bench: time agentgate's pre-receive, then refuse so the push can be repeated.
start=$(date +%s%N)
"{python}" -m gate hook pre-receive "$@"
end=$(date +%s%N)
echo $(( (end - start) / 1000 )) >> "{log}"
exit 1
"""


def push_bench(repo: Path, work: Path, repeats: int) -> dict[str, Any]:
    server = work / f"server-{repo.name}.git"
    shutil.rmtree(server, ignore_errors=True)
    bare = bare_copy(repo, server, without=[BIG])
    log = work / f"hook-us-{repo.name}.log"
    log.unlink(missing_ok=True)
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(HOOK.format(python=sys.executable, log=log))
    hook.chmod(0o755)
    push = ["git", "push", "-q", str(bare), f"{BIG}:{BIG}"]
    whole: list[float] = []
    for _ in range(repeats + 1):
        t, _, _ = timed(push, repo)
        whole.append(t)
    for _ in range(repeats):  # the same push, the verdict recomputed from the caches
        timed(push, repo, extra=NO_MEMO)
    # The server's usual case: the other agent branches were pushed (and cached)
    # before; only the pushed branch is new. `status` on the server warms the others.
    clear_cache(bare)
    timed([*agentgate(), "status", "--format", "json"], bare)
    timed(["git", "push", "-q", str(bare), f"{BIG}:{BIG}"], repo)
    hook_s = [int(x) / 1e6 for x in log.read_text().split()]
    return {"hook_cold": hook_s[0], "hook_warm": stats(hook_s[1:repeats + 1]),
            "hook_recomputed": stats(hook_s[repeats + 1:-1]), "hook_new_branch": hook_s[-1],
            "push_cold": whole[0], "push_warm": stats(whole[1:])}


def measure(files: int, branches: int, work: Path, repeats: int, status: bool, push: bool) -> dict[str, Any]:
    repo = work / f"repo-{files}-{branches}"
    t0 = time.perf_counter()
    manifest = load_manifest(repo) if repo.exists() else None  # --keep DIR reuses what it built
    if manifest is None:
        manifest = generate(repo, files=files, branches=branches)
    out: dict[str, Any] = {"files": files, "branches": branches, "generate_s": time.perf_counter() - t0}
    git_dir = repo / ".git"
    check = [*agentgate(), "check", BIG, "--format", "json"]
    cold, mem = [], []
    for _ in range(max(1, repeats // 2)):
        clear_cache(git_dir)
        t, rc, rss = timed(check, repo, extra=NO_MEMO)
        cold.append(t)
        mem.append(rss)
    out["check_exit"] = rc
    warm, recomputed = [], []
    for _ in range(repeats):
        t, _, rss = timed(check, repo)
        warm.append(t)
        mem.append(rss)
        t, _, rss = timed(check, repo, extra=NO_MEMO)
        recomputed.append(t)
        mem.append(rss)
    base = [baseline(repo, manifest) for _ in range(repeats)]
    out.update(check_cold=stats(cold), check_warm=stats(warm), check_recomputed=stats(recomputed),
               baseline=stats(base), ratio_warm=statistics.median(warm) / statistics.median(base),
               ratio_cold=statistics.median(cold) / statistics.median(base),
               ratio_recomputed=statistics.median(recomputed) / statistics.median(base),
               peak_rss_mib=max(mem) / 1024)
    if status:
        board = [*agentgate(), "status", "--format", "json"]
        timed(board, repo)  # warm: the board was computed once before
        st, st_re = [], []
        for _ in range(repeats):
            st.append(timed(board, repo)[0])
            st_re.append(timed(board, repo, extra=NO_MEMO)[0])
        out.update(status_warm=stats(st), status_recomputed=stats(st_re))
    if push:
        out.update(push_bench(repo, work, repeats))
    return out


def _ms(s: dict[str, float] | float) -> str:
    if isinstance(s, dict):
        return f"{s['median'] * 1000:.0f} ms ({s['min'] * 1000:.0f}-{s['max'] * 1000:.0f}, n={s['n']})"
    return f"{s * 1000:.0f} ms"


def row(name: str, headline: dict[str, float] | float | str, replayed: dict[str, float] | float | str = "",
        target: str = "") -> str:
    """One line: what it measures, the recomputed figure, the replayed one, DESIGN §9's target."""
    cells = [v if isinstance(v, str) else _ms(v) for v in (headline, replayed)]
    return f"  {name:<38}{cells[0]:<30}{cells[1]:<28}{target}"


def table(results: list[dict[str, Any]]) -> str:
    lines = []
    for r in results:
        lines.append(f"{r['files']:,} files, {r['branches']} agent branches (generated in {r['generate_s']:.1f} s)")
        lines.append(row("", "recomputed (headline)", "replayed (kept verdict)", "DESIGN §9"))
        lines.append(row("check, cold (no .git/agentgate)", r["check_cold"]))
        lines.append(row("check", r["check_recomputed"], r["check_warm"]))
        lines.append(row("plain git baseline", r["baseline"]))
        big = r["files"] >= 100000
        lines.append(row("ratio check cold / baseline", f"{r['ratio_cold']:.2f}x", "", "<= 3x"))
        lines.append(row("ratio check / baseline", f"{r['ratio_recomputed']:.2f}x", f"{r['ratio_warm']:.2f}x",
                         "<= 1.0x" if big else "<= 1.5x"))
        if "hook_warm" in r:
            lines.append(row("pre-receive hook, cold", r["hook_cold"], "", "<= 1500 ms"))
            lines.append(row("pre-receive hook", r["hook_recomputed"], r["hook_warm"], "<= 300 ms"))
            lines.append(row("pre-receive, new branch, rest cached", r["hook_new_branch"]))
            lines.append(row("whole git push", "", r["push_warm"]))
        if "status_warm" in r:
            lines.append(row(f"status, {r['branches']} branches", r["status_recomputed"], r["status_warm"],
                             "<= 2000 ms (50 branches)"))
        lines.append(row("peak memory (check)", f"{r['peak_rss_mib']:.0f} MiB"))
        lines.append("")
    return "\n".join(lines)


def tests_table(t: dict[str, Any]) -> str:
    return "\n".join([
        f"check --tests on a {t['files']:,}-file checkout, test command `{t['command']}`",
        row("check", t["check"]),
        row("check --tests --rerun", t["check_tests"]),
        row("the command alone", t["command_own"]),
        row("added by --tests", t["overhead"], "", "<= 500 ms"),
        row("added by the first run (new slot)", t["overhead_first"]),
        "",
    ])


def real_table(r: dict[str, Any]) -> str:
    return "\n".join([
        f"real history: {r['source']} at {r['source_head'][:12]}, {len(r['branches'])} branches of {r['span']} "
        f"commits each, {r['files']:,} files",
        row("check --all, cold", r["check_all_cold"]),
        row("check --all", r["check_all_recomputed"]),
        row("check of one branch, cold", r["check_one_cold"]),
        row("git merge-tree, every pair", r["merge_tree_all_pairs"]),
        f"  conflicting pairs: agentgate {r['conflicting_agentgate']}, git merge-tree {r['conflicting_git']} "
        f"of {r['pairs']} ({'the same pairs' if r['same_pairs'] else 'NOT the same pairs'})",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small smoke run (2k files, 6 branches)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--keep", metavar="DIR", help="build the repositories here and keep them")
    ap.add_argument("--real", metavar="PATH", help="a local clone of a public repository: the real-history row")
    ap.add_argument("--real-branches", type=int, default=24, help="agent branches made from its history")
    ap.add_argument("--real-span", type=int, default=8, help="consecutive commits per branch")
    ap.add_argument("--tests-files", type=int, default=5000, help="files in the checkout of the --tests row")
    args = ap.parse_args(argv)
    if args.real and not (Path(args.real) / ".git").exists() and not (Path(args.real) / "HEAD").exists():
        ap.error(f"--real {args.real}: not a git repository")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="agentgate-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    plans = [(2000, 6, True, True)] if args.quick else [
        (20000, 21, True, True), (100000, 51, True, False), (2000, 21, False, False)]
    results = []
    try:
        for files, branches, st, push in plans:
            print(f"bench: {files:,} files, {branches} branches …", file=sys.stderr, flush=True)
            results.append(measure(files, branches, work, 2 if args.quick else args.repeats, st, push))
        print("bench: hostile pushes …", file=sys.stderr, flush=True)
        bad = hostile.measure(work, args.quick, _env())
        results[0]["hostile"] = bad  # kept with the first size: the JSON stays one row per size
        files = 2000 if args.quick else args.tests_files
        print(f"bench: check --tests on {files:,} files …", file=sys.stderr, flush=True)
        tests = testsrun.measure(work, files, 2 if args.quick else args.repeats, _env(), timed, stats, agentgate())
        results[0]["tests"] = tests
        if args.real:
            print(f"bench: real history of {args.real} …", file=sys.stderr, flush=True)
            results[0]["real"] = real.measure(Path(args.real).resolve(), work, args.real_branches, args.real_span,
                                              2 if args.quick else args.repeats, _env(), timed, stats, agentgate())
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(table(results))
    print(tests_table(tests))
    if "real" in results[0]:
        print(real_table(results[0]["real"]))
    print("\n".join(hostile.rows(bad)))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
