"""The compiler runs behind ``bench.symbols --compile``: one checkout of the pinned
commit per repository (kept in the scratch folder, its packages installed once), the
compiler's errors before any change, then per case the errors with the case's edit
applied; the new ones outside the changed file are the case's call sites."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench import symtruth
from bench.run import _env
from bench.symbols import apply_edits
from bench.symcases import Case, Repo

M2 = Path.home() / ".m2" / "repository"


def _checkout(source: Path, commit: str, dest: Path) -> None:
    if not dest.exists():
        subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(source), str(dest)],
                       check=True, env=_env())
    subprocess.run(["git", "checkout", "-q", "--force", "--detach", commit], cwd=dest, check=True, env=_env())


def _jar(spec: str) -> str:
    group, artifact, version = spec.split(":")
    return str(M2 / group.replace(".", "/") / artifact / version / f"{artifact}-{version}.jar")


def truths(source: Path, repo: Repo, cases: list[Case], work: Path) -> dict[str, symtruth.Expectation] | None:
    checkout = work / f"{repo.name}-truth"
    _checkout(source, repo.commit, checkout)
    sources: list[str] = []
    if repo.truth == "tsc":
        if symtruth.tsc() is None:
            print(f"{repo.name}: tsc cannot be installed; using the recorded files", file=sys.stderr)
            return None
        if not symtruth.npm_install(checkout):
            print(f"{repo.name}: npm install failed; types of packages unknown", file=sys.stderr)
        for link, points_to in repo.links:
            if not (checkout / link).exists():
                (checkout / link).parent.mkdir(parents=True, exist_ok=True)
                (checkout / link).symlink_to(points_to)
        (checkout / "tsconfig.bench.json").write_text(repo.tsconfig)
        how = (f"tsc {symtruth.TSC_VERSION} --noEmit, new errors after the change; calls under @ts-expect-error "
               "or @ts-ignore are doubtful (tsc reports nothing there)")
        sources = subprocess.run(["git", "ls-files", "--", "*.ts", "*.tsx", "*.mts", "*.cts"], cwd=checkout,
                                 capture_output=True, text=True, check=True).stdout.split()

        def errors() -> set[tuple[symtruth.Error, str]]:
            return symtruth.tsc_errors(checkout, "tsconfig.bench.json")
    else:
        files = subprocess.run(["git", "ls-files", "--", *[f"{r}/*.java" for r in repo.java_roots]],
                               cwd=checkout, capture_output=True, text=True, check=True).stdout.split()
        # One compilation of main and test sources: module-info would shut the tests out of its packages.
        files = [f for f in files if not f.endswith("module-info.java")]
        jars = [_jar(j) for j in repo.java_jars]
        missing = [j for j in jars if not Path(j).exists()]
        if missing:
            print(f"{repo.name}: jars not found {missing}", file=sys.stderr)
        how = ("javac 17 (main and test sources together, should-stop=ifError=FLOW), new errors after the change; "
               f"jars absent here (their calls unresolved, arguments still checked): {', '.join(repo.java_missing)}")

        def errors() -> set[tuple[symtruth.Error, str]]:
            return symtruth.javac_errors(checkout, files, [j for j in jars if Path(j).exists()])
    before = errors()
    out: dict[str, symtruth.Expectation] = {}
    for case in cases:
        target = checkout / case.file
        original = target.read_bytes()
        try:
            target.write_bytes(apply_edits(original.decode(), case).encode())
            sites = symtruth.new_sites(checkout, before, errors(), case.file, case.callee)
        finally:
            target.write_bytes(original)
        doubtful = symtruth.suppressed(checkout, sources, case.callee) if repo.truth == "tsc" else frozenset()
        out[case.id] = symtruth.Expectation(sites, doubtful - sites, how)
        print(f"{repo.name}/{case.id}: {len(sites)} sites by the compiler", file=sys.stderr)
    return out
