"""The shared-symbol accuracy script (issue 19): recall and precision of the callers
agentgate names, against a compiler's answer or a recorded expectation file.

    python -m bench.symbols --mirror-dir DIR          # DIR/<owner>+<name>/repo per repository
    python -m bench.symbols --repo ky=PATH ...        # or explicit local clones
    python -m bench.symbols --mirror-dir DIR --only ky --json out.json
    python -m bench.symbols --mirror-dir DIR --compile --record   # recompute the truth

For each case (``bench.symcases``): a fresh bare clone sharing the source's objects
(so every check is cold: no agentgate cache), a policy with two agents (``owner``
owns the symbol's file, ``rest`` everything else), a branch ``agent/owner/change``
that applies the scripted signature change, and one timed ``agentgate check --format
json``. The callers are the ``other.users`` of its ``symbol.*`` findings, compared
with the truth at call-site granularity (``path:line``). A site the expectation marks
doubtful, or one in a file the truth does not cover (``Repo.outside``), is counted
neither way. Never part of the test suite's timing.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import symtruth
from bench.run import _env
from bench.symcases import REPOS, Case, Repo

BRANCH = "agent/owner/change"
POLICY = """\
version = 1

[gate]
target = "main"

[agents.rest]
branches = ["agent/rest/*"]
owns = ["*"]

[agents.owner]
branches = ["agent/owner/*"]
owns = [{path}]
"""


@dataclass(frozen=True)
class Result:
    repo: str
    case: str
    lang: str
    symbol: str
    expected: int
    found: int
    true_pos: int
    doubtful_found: int
    outside: int
    check_s: float
    check_exit: int
    missed: list[str]
    false: list[str]


def git(cwd: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True, env=env or _env())
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode(errors="surrogateescape").strip()


def apply_edits(text: str, case: Case) -> str:
    for old, new, count in case.edits:
        seen = text.count(old)
        if seen != count:
            raise ValueError(f"{case.id}: {old!r} occurs {seen} times in {case.file}, not {count}")
        text = text.replace(old, new)
    return text


def _commit(repo: Path, parent: str, files: dict[str, bytes], message: str) -> str:
    """A commit of ``parent``'s tree with ``files`` replaced, made without a checkout."""
    index = repo / "bench-index"
    env = {**_env(), "GIT_INDEX_FILE": str(index)}
    git(repo, "read-tree", parent, env=env)
    for path, data in files.items():
        blob = git(repo, "hash-object", "-w", "--stdin", input=data)
        git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
    tree = git(repo, "write-tree", env=env)
    index.unlink()
    return git(repo, "commit-tree", tree, "-p", parent, "-m", message)


def prepare(source: Path, commit: str, case: Case, dest: Path) -> None:
    """A bare clone of ``source`` sharing its objects, with ``main`` = the pinned commit
    plus the policy, and the agent branch = main plus the case's change."""
    shutil.rmtree(dest, ignore_errors=True)
    git(dest.parent, "clone", "-q", "--bare", "--shared", "--no-tags", str(source), str(dest))
    for ref in git(dest, "for-each-ref", "--format=%(refname)").split():
        git(dest, "update-ref", "-d", ref)
    policy = POLICY.format(path=json.dumps("/" + case.file)).encode()
    main = _commit(dest, commit, {".agentgate.toml": policy}, "bench: the policy")
    git(dest, "update-ref", "refs/heads/main", main)
    git(dest, "symbolic-ref", "HEAD", "refs/heads/main")
    # Raw bytes: git() strips its output, which would drop the file's final newline.
    raw = subprocess.run(["git", "cat-file", "blob", f"{commit}:{case.file}"], cwd=dest,
                         capture_output=True, check=True, env=_env()).stdout.decode()
    changed = apply_edits(raw, case).encode()
    head = _commit(dest, main, {case.file: changed}, f"bench: {case.change}")
    git(dest, "update-ref", f"refs/heads/{BRANCH}", head)


def callers(report: dict[str, Any]) -> set[str]:
    """``path:line`` of every user the ``symbol.*`` findings name."""
    out: set[str] = set()
    for branch in report["branches"]:
        for f in branch["findings"]:
            if f["rule"].startswith("symbol."):
                out.update(f"{u['path']}:{u['line']}" for u in f["other"].get("users", []))
    return out


def check(repo: Path) -> tuple[float, int, set[str]]:
    cmd = [sys.executable, "-m", "gate", "check", BRANCH, "--format", "json"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, env=_env())
    elapsed = time.perf_counter() - start
    if not proc.stdout.strip():
        raise RuntimeError(f"agentgate check printed nothing (exit {proc.returncode}): {proc.stderr}")
    return elapsed, proc.returncode, callers(json.loads(proc.stdout))


def score(repo: Repo, case: Case, truth: symtruth.Expectation, found: set[str], elapsed: float,
          rc: int) -> Result:
    out = {s for s in found if any(fnmatch.fnmatch(s.rpartition(":")[0], p) for p in repo.outside)}
    counted = found - truth.doubtful - out
    return Result(repo=repo.name, case=case.id, lang=repo.lang, symbol=case.symbol, expected=len(truth.sites),
                  found=len(counted), true_pos=len(counted & truth.sites),
                  doubtful_found=len(found & truth.doubtful), outside=len(out), check_s=elapsed, check_exit=rc,
                  missed=sorted(truth.sites - found), false=sorted(counted - truth.sites))


def run_case(source: Path, repo: Repo, case: Case, work: Path, truth: symtruth.Expectation) -> Result:
    dest = work / f"{repo.name}-{case.id}.git"
    prepare(source, repo.commit, case, dest)
    elapsed, rc, found = check(dest)
    shutil.rmtree(dest, ignore_errors=True)
    return score(repo, case, truth, found, elapsed, rc)


def ratio(num: int, den: int) -> str:
    return f"{100 * num / den:5.1f} %" if den else "    -  "


def totals(results: Iterable[Result]) -> dict[str, Any]:
    rs = list(results)
    e, f, t = sum(r.expected for r in rs), sum(r.found for r in rs), sum(r.true_pos for r in rs)
    times = [r.check_s for r in rs]
    return {"cases": len(rs), "expected": e, "found": f, "true_pos": t,
            "recall": t / e if e else None, "precision": t / f if f else None,
            "check_s_max": max(times, default=0.0), "check_s_min": min(times, default=0.0)}


def table(results: list[Result]) -> str:
    head = f"{'case':<34} {'expected':>8} {'found':>6} {'true':>5} {'recall':>8} {'precision':>9} {'check s':>8}"
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(f"{r.repo + '/' + r.case:<34} {r.expected:>8} {r.found:>6} {r.true_pos:>5} "
                     f"{ratio(r.true_pos, r.expected):>8} {ratio(r.true_pos, r.found):>9} {r.check_s:>8.2f}")
    for title, key in (("repository", "repo"), ("language", "lang")):
        lines += ["", f"{title:<22} {'cases':>5} {'expected':>8} {'found':>6} {'true':>5} {'recall':>8} "
                      f"{'precision':>9} {'check s (min-max)':>18}"]
        for name in dict.fromkeys(getattr(r, key) for r in results):
            t = totals(r for r in results if getattr(r, key) == name)
            lines.append(f"{name:<22} {t['cases']:>5} {t['expected']:>8} {t['found']:>6} {t['true_pos']:>5} "
                         f"{ratio(t['true_pos'], t['expected']):>8} {ratio(t['true_pos'], t['found']):>9} "
                         f"{t['check_s_min']:>8.2f}-{t['check_s_max']:<8.2f}")
    return "\n".join(lines)


def sources(args: argparse.Namespace, repos: Iterable[Repo]) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for spec in args.repo or []:
        name, _, path = spec.partition("=")
        out[name] = Path(path)
    if args.mirror_dir:
        for r in repos:
            out.setdefault(r.name, Path(args.mirror_dir) / r.slug.replace("/", "+") / "repo")
    return out


def main(argv: list[str] | None = None, repos: tuple[Repo, ...] = REPOS, expect_root: Path = symtruth.EXPECT) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.symbols", description=__doc__.splitlines()[0])
    ap.add_argument("--mirror-dir", metavar="DIR", help="local clones as DIR/<owner>+<name>/repo")
    ap.add_argument("--repo", action="append", metavar="NAME=PATH", help="a local clone of one repository")
    ap.add_argument("--only", action="append", metavar="NAME", help="only these repositories (or NAME/CASE)")
    ap.add_argument("--work", metavar="DIR", help="scratch folder (default: a temporary one)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    ap.add_argument("--compile", action="store_true", help="recompute the truth with tsc/javac where installed")
    ap.add_argument("--record", action="store_true", help="with --compile: rewrite the expectation files")
    ap.add_argument("-v", "--verbose", action="store_true", help="list the missed and the false sites")
    args = ap.parse_args(argv)
    srcs = sources(args, repos)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="agentgate-symbench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    for repo in repos:
        wanted = [c for c in repo.cases if not args.only or repo.name in args.only
                  or f"{repo.name}/{c.id}" in args.only]
        if not wanted:
            continue
        if repo.name not in srcs or not srcs[repo.name].exists():
            print(f"{repo.name}: skipped, no local clone (--mirror-dir or --repo {repo.name}=PATH)", file=sys.stderr)
            continue
        truths = None
        if args.compile and repo.truth != "expect":
            from bench import symcompile
            truths = symcompile.truths(srcs[repo.name], repo, wanted, work)
        for case in wanted:
            path = symtruth.expect_path(repo.name, case.id, expect_root)
            if truths is not None and case.id in truths:
                truth = truths[case.id]
                if args.record:
                    symtruth.record(path, {"repo": repo.slug, "commit": repo.commit, "symbol": case.symbol,
                                           "file": case.file, "change": case.change}, truth)
            elif path.exists():
                truth = symtruth.load(path)
            else:
                print(f"{repo.name}/{case.id}: skipped, no expectation file {path}", file=sys.stderr)
                continue
            r = run_case(srcs[repo.name], repo, case, work, truth)
            results.append(r)
            print(f"{r.repo}/{r.case}: expected {r.expected}, found {r.found}, true {r.true_pos}, "
                  f"{r.check_s:.2f} s", file=sys.stderr)
            if args.verbose:
                for s in r.missed:
                    print(f"  missed {s}", file=sys.stderr)
                for s in r.false:
                    print(f"  false  {s}", file=sys.stderr)
    print(table(results))
    if args.json:
        langs = {lang: totals(r for r in results if r.lang == lang) for lang in dict.fromkeys(r.lang for r in results)}
        per_repo = {n: totals(r for r in results if r.repo == n) for n in dict.fromkeys(r.repo for r in results)}
        commits = {r.name: r.commit for r in repos}
        Path(args.json).write_text(json.dumps({"cases": [asdict(r) for r in results], "repos": per_repo,
                                               "languages": langs, "commits": commits}, indent=1))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
