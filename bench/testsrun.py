"""What ``check --tests`` adds to the test command's own time (DESIGN §9: ≤ 0.5 s).

On a generated repository with a full checkout (5,000 files by default), main gets a
``[tests]`` table whose command is trivial, and two agent branches are checked in
turn, as CI checking one pull request after another would: each ``check --tests``
moves the test checkout from one merge candidate to the other. The overhead is
``check --tests`` − ``check`` of the same branch (both recomputed, both after a
warm-up) − the command's own time. The first ``--tests`` run, which has to make the
test checkout, is reported on its own.
"""

from __future__ import annotations

import statistics
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.generate import generate, load_manifest

COMMAND = "true"
Timer = Callable[..., tuple[float, int, int]]


def _policy_with_tests(repo: Path, env: dict[str, str]) -> None:
    """Commit a ``[tests]`` table onto main's policy (once: a kept repository has it)."""
    policy = repo / ".agentgate.toml"
    text = policy.read_text(encoding="utf-8")
    if "\n[tests]\n" in text:
        return
    policy.write_text(text + f'\n[tests]\ncommand = "{COMMAND}"\ntimeout = 60\n', encoding="utf-8")
    for args in (["add", ".agentgate.toml"], ["commit", "-q", "-m", "bench: a trivial test command"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def measure(work: Path, files: int, repeats: int, env: dict[str, str], timed: Timer,
            stats: Callable[[list[float]], dict[str, float]], agentgate: list[str]) -> dict[str, Any]:
    repo = work / f"repo-{files}-tests"
    manifest = load_manifest(repo) if repo.exists() else None
    if manifest is None:
        manifest = generate(repo, files=files, branches=4, checkout="full")
    _policy_with_tests(repo, env)
    # Two small branches: the candidates differ in a few hundred files at most.
    small = sorted((b for b in manifest["branches"] if b["behind"] < 100), key=lambda b: b["files_changed"])
    names = [b["name"] for b in small][:2]
    # The test checkouts (gate.testrun.pool) go with the work dir, not the system's temp.
    tmp = work / "tmp"
    tmp.mkdir(exist_ok=True)
    no_memo = {"AGENTGATE_NO_MEMO": "1", "TMPDIR": str(tmp)}

    def check(branch: str, *extra: str) -> list[str]:
        return [*agentgate, "check", branch, "--format", "json", *extra]

    for b in names:  # warm the change-set and pair caches: the tests are what is measured
        timed(check(b), repo, extra=no_memo)
    first = timed(check(names[0], "--tests", "--rerun"), repo, extra=no_memo)[0] - timed(
        check(names[0]), repo, extra=no_memo)[0]
    plain: list[float] = []
    tested: list[float] = []
    own: list[float] = []
    for i in range(repeats * 2):
        b = names[i % 2]
        plain.append(timed(check(b), repo, extra=no_memo)[0])
        tested.append(timed(check(b, "--tests", "--rerun"), repo, extra=no_memo)[0])
        own.append(timed(["sh", "-c", COMMAND], repo)[0])
    overhead = [t - p - o for t, p, o in zip(tested, plain, own, strict=True)]
    return {"files": files, "command": COMMAND, "check": stats(plain), "check_tests": stats(tested),
            "command_own": stats(own), "overhead": stats(overhead), "overhead_first": first,
            "overhead_median": statistics.median(overhead)}
