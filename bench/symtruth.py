"""Ground truth for the shared-symbol accuracy script (``bench.symbols``).

The callers of a changed symbol are the places a compiler newly rejects once the
signature changes: ``tsc --noEmit`` (TypeScript 5.9, installed with npm into a cache
folder, never into the project) and ``javac`` 17 (``--should-stop=ifError=FLOW`` so
that one unresolved import does not end attribution). Each is run before and after the
change on a checkout of the pinned commit; the errors only the changed tree has are the
call sites. Errors in the changed file itself are not counted: agentgate leaves out the
files the branch changes, and they belong to the changing agent.

Where no compiler can run here (JavaScript, and Rust without crates.io), a recorded
expectation file is the truth: grep for every textual occurrence, then reading. The
compiler's answers are recorded in the same format (``--record``), so a re-run needs
neither the compiler nor the packages it type-checks against.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "agentgate-bench"
TSC_VERSION = "5.9"
EXPECT = Path(__file__).parent / "expect"

_TSC_LINE = re.compile(r"^(?P<path>[^()\s][^()]*)\((?P<line>\d+),\d+\): error (?P<code>TS\d+): (?P<msg>.*)$")
_JAVAC_LINE = re.compile(r"^(?P<path>[^:\s][^:]*\.java):(?P<line>\d+): error: (?P<msg>.*)$")


@dataclass(frozen=True)
class Expectation:
    """The call sites a case must name (``path:line``), and those reading left in doubt
    (counted neither as a miss nor as a false report)."""

    sites: frozenset[str]
    doubtful: frozenset[str]
    how: str


def expect_path(repo: str, case: str, root: Path = EXPECT) -> Path:
    return root / repo / f"{case}.json"


def load(path: Path) -> Expectation:
    data = json.loads(path.read_text())
    return Expectation(frozenset(data["sites"]), frozenset(data.get("doubtful", [])), data["how"])


def record(path: Path, meta: dict[str, Any], exp: Expectation) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {**meta, "how": exp.how, "sites": sorted(exp.sites, key=_site_key),
            "doubtful": sorted(exp.doubtful, key=_site_key)}
    path.write_text(json.dumps(body, indent=1) + "\n")


def _site_key(site: str) -> tuple[str, int]:
    path, _, line = site.rpartition(":")
    return path, int(line)


# -- TypeScript ------------------------------------------------------------------------

def tsc() -> Path | None:
    """The cached ``tsc`` 5.9, installed on first use (the npm registry is reachable)."""
    home = CACHE / "tsc"
    exe = home / "node_modules" / ".bin" / "tsc"
    if exe.exists():
        return exe
    if shutil.which("npm") is None:
        return None
    home.mkdir(parents=True, exist_ok=True)
    (home / "package.json").write_text('{"private": true}\n')
    proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", f"typescript@{TSC_VERSION}"],
                          cwd=home, capture_output=True)
    return exe if proc.returncode == 0 and exe.exists() else None


def npm_install(checkout: Path) -> bool:
    """The repository's own dev dependencies (types of its imports), install scripts
    off. A workspace the npm client cannot install (pnpm's ``workspace:``) is left
    without; the before/after difference still holds, with fewer types known."""
    if (checkout / "node_modules").exists():
        return True
    proc = subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund"],
                          cwd=checkout, capture_output=True, timeout=900)
    return proc.returncode == 0


def tsc_errors(checkout: Path, tsconfig: str) -> set[tuple[str, int, str]]:
    exe = tsc()
    assert exe is not None, "tsc is not installed"
    proc = subprocess.run([str(exe), "-p", tsconfig, "--noEmit", "--pretty", "false"],
                          cwd=checkout, capture_output=True, text=True)
    out: set[tuple[str, int, str]] = set()
    for raw in proc.stdout.splitlines():
        m = _TSC_LINE.match(raw)
        if m:
            out.add((m["path"], int(m["line"]), f'{m["code"]} {m["msg"]}'))
    return out


# -- Java ------------------------------------------------------------------------------

def javac_errors(checkout: Path, sources: list[str], classpath: list[str]) -> set[tuple[str, int, str]]:
    """Every error javac reports on ``sources`` (paths relative to ``checkout``)."""
    argfile = checkout / ".bench-javac-args"
    argfile.write_text("\n".join(sources) + "\n")
    out_dir = checkout / ".bench-javac-out"
    shutil.rmtree(out_dir, ignore_errors=True)
    cmd = ["javac", "-Xmaxerrs", "100000", "-Xmaxwarns", "0", "-nowarn", "-proc:none", "-encoding", "UTF-8",
           "--should-stop=ifError=FLOW", "-d", str(out_dir), "-implicit:none"]
    if classpath:
        cmd += ["-cp", os.pathsep.join(classpath)]
    proc = subprocess.run([*cmd, f"@{argfile.name}"], cwd=checkout, capture_output=True, text=True)
    out: set[tuple[str, int, str]] = set()
    for raw in proc.stderr.splitlines():
        m = _JAVAC_LINE.match(raw)
        if m:
            out.add((m["path"], int(m["line"]), m["msg"]))
    return out


def new_sites(before: set[tuple[str, int, str]], after: set[tuple[str, int, str]],
              changed: str) -> frozenset[str]:
    """``path:line`` of the errors only the changed tree has, outside the changed file."""
    return frozenset(f"{p}:{n}" for p, n, _ in after - before if p != changed)
