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

_TSC_LINE = re.compile(r"^(?P<path>[^()\s][^()]*)\((?P<line>\d+),(?P<col>\d+)\): error (?P<code>TS\d+): (?P<msg>.*)$")
# javac's own format (its raw one names files without their folders): "path:line: error:
# message", then the source line, then a caret under the column. -Xdiags:verbose keeps
# "cannot be applied" for a call whose one candidate of that arity takes other types
# (the compact form says "incompatible types" at the argument instead).
_JAVAC_LINE = re.compile(r"^(?P<path>[^:\s][^:]*\.java):(?P<line>\d+): error: (?P<msg>.*)$")
# The errors a call that no longer fits gets. Others are knock-on effects (a callback's
# parameters lose their contextual type: TS7006) and name no call.
_TSC_CALL = {"TS2345", "TS2554", "TS2555", "TS2556", "TS2769"}
_TOO_MANY = re.compile(r"Expected [\d-]+ arguments, but got (\d+)")
_JAVAC_CALL = re.compile(
    r"^(method|constructor) \S+ in \S+ \S+ cannot be applied to given types"
    r"|^no suitable (method|constructor) found for ")

# An error is (path, line, column, where): where is "callee" when the compiler puts it on
# the called name, "arg" when on an argument that is one too many, "type" when on an
# argument of the wrong type. Only the last also comes as a knock-on effect: a call
# whose result type changed makes other calls' arguments wrong, so a "type" error
# counts only on a call of the symbol's own name.
Error = tuple[str, int, int, str]


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


def tsc_errors(checkout: Path, tsconfig: str) -> set[tuple[Error, str]]:
    """The call errors ``tsc`` reports, each with its message (to tell them apart)."""
    exe = tsc()
    assert exe is not None, "tsc is not installed"
    proc = subprocess.run([str(exe), "-p", tsconfig, "--noEmit", "--pretty", "false"],
                          cwd=checkout, capture_output=True, text=True)
    out: set[tuple[Error, str]] = set()
    for raw in proc.stdout.splitlines():
        m = _TSC_LINE.match(raw)
        if m is None or m["code"] not in _TSC_CALL:
            continue
        many = _TOO_MANY.match(m["msg"])
        where = "type" if m["code"] == "TS2345" else "callee"
        if many is not None and int(many[1]) > _expected_max(m["msg"]):
            where = "arg"
        out.add(((m["path"], int(m["line"]), int(m["col"]), where), f'{m["code"]} {m["msg"]}'))
    return out


def _expected_max(msg: str) -> int:
    expected = msg.split()[1]  # "Expected 2-3 arguments, ..."
    return int(expected.rpartition("-")[2])


_SUPPRESS = re.compile(r"//\s*@ts-(expect-error|ignore)\b")


def suppressed(checkout: Path, files: list[str], name: str) -> frozenset[str]:
    """Lines under ``// @ts-expect-error`` or ``// @ts-ignore`` that name ``name``: tsc
    reports nothing there whatever the call does, so they are doubtful, not absent."""
    out: set[str] = set()
    pattern = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    for path in files:
        lines = (checkout / path).read_text(errors="replace").splitlines()
        for i, text in enumerate(lines[:-1]):
            if _SUPPRESS.search(text) and pattern.search(lines[i + 1]):
                out.add(f"{path}:{i + 2}")
    return frozenset(out)


# -- Java ------------------------------------------------------------------------------

def javac_errors(checkout: Path, sources: list[str], classpath: list[str]) -> set[tuple[Error, str]]:
    """The call errors javac reports on ``sources`` (paths relative to ``checkout``)."""
    argfile = checkout / ".bench-javac-args"
    argfile.write_text("\n".join(sources) + "\n")
    out_dir = checkout / ".bench-javac-out"
    shutil.rmtree(out_dir, ignore_errors=True)
    cmd = ["javac", "-J-Duser.language=en", "-Xdiags:verbose", "-Xmaxerrs", "100000", "-nowarn", "-proc:none",
           "-encoding", "UTF-8", "--should-stop=ifError=FLOW", "-d", str(out_dir), "-implicit:none"]
    if classpath:
        cmd += ["-cp", os.pathsep.join(classpath)]
    proc = subprocess.run([*cmd, f"@{argfile.name}"], cwd=checkout, capture_output=True, text=True)
    out: set[tuple[Error, str]] = set()
    lines = proc.stderr.splitlines()
    for i, raw in enumerate(lines):
        m = _JAVAC_LINE.match(raw)
        if m is None or not _JAVAC_CALL.match(m["msg"]):
            continue
        caret = next((x for x in lines[i + 2:i + 3] if x.strip() == "^"), None)
        col = caret.index("^") + 1 if caret is not None else 1
        out.add(((m["path"], int(m["line"]), col, "callee"), m["msg"]))
    return out


# -- from an error to its call ---------------------------------------------------------

_CALLS = {"call_expression", "new_expression", "method_invocation", "object_creation_expression",
          "explicit_constructor_invocation"}
_GRAMMAR = {".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx", ".js": "javascript",
            ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".java": "java"}


_CALLEE = ("function", "constructor", "name", "type")


def _callee_name(call: Any) -> str:
    node = next((n for f in _CALLEE if (n := call.child_by_field_name(f)) is not None), None)
    written = node.text.decode(errors="replace").partition("<")[0] if node is not None and node.text else ""
    return re.split(r"[^\w$]+", written.strip())[-1]


def _call_line(root: Any, line: int, col: int, where: str, name: str) -> int | None:
    """The first line of the call an error points into: the innermost call whose
    arguments hold the point ("arg", "type"), or whose callee part does ("callee").
    That is the line agentgate gives a use (where its written path starts), and it
    differs from the compiler's when a callee spans lines (``z\n  .toJSONSchema(...)``).
    None for a "type" error on a call of another name (a knock-on effect)."""
    point = (line - 1, col - 1)
    best = None
    node = root
    while True:
        child = next((c for c in node.named_children if c.start_point <= point < c.end_point), None)
        if child is None:
            break
        node = child
        if node.type in _CALLS:
            args = node.child_by_field_name("arguments")
            in_args = args is not None and args.start_point <= point < args.end_point
            if in_args == (where != "callee"):
                best = node
    if best is None:
        return None if where == "type" else line
    if where == "type" and _callee_name(best) != name:
        return None
    return int(best.start_point[0]) + 1


def new_sites(checkout: Path, before: set[tuple[Error, str]], after: set[tuple[Error, str]],
              changed: str, name: str) -> frozenset[str]:
    """``path:line`` of the calls only the changed tree has errors on, outside the changed file."""
    from gate.symbols.treesitter import parse

    out: set[str] = set()
    roots: dict[str, Any] = {}
    for (path, line, col, where), _ in after - before:
        if path == changed:
            continue
        if path not in roots:
            grammar = _GRAMMAR.get(Path(path).suffix)
            roots[path] = parse(grammar, (checkout / path).read_bytes()) if grammar else None
        root = roots[path]
        found = _call_line(root, line, col, where, name) if root is not None and not isinstance(root, str) else line
        if found is not None:
            out.add(f"{path}:{found}")
    return frozenset(out)
