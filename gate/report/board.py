"""The status board: one row per open agent branch, then the agents x agents matrix.

A ``rich`` table at a terminal, aligned plain text when piped (the same columns,
no colour, no box characters: scripts and logs read it), JSON for tools. Also the
progress indicator ``status`` and ``plan`` show on stderr when the work takes
more than a second.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO, cast

from gate.model import Board, BoardRow
from gate.report.text import printable, short_ref

COLUMNS = ("AGENT", "BRANCH", "AHEAD", "BEHIND", "FILES", "SCOPE", "OVERLAPS", "CONFLICTS", "TESTS",
           "VERDICT")
# JSON ids of the matrix relations -> what people read.
CELL_TEXT = {"conflict": "conflict", "same-lines": "same lines", "same-files": "same files", "none": "none"}
_STYLE = {"block": "bold red", "ask": "bold yellow", "allow": "bold green", "conflict": "red",
          "same-lines": "yellow", "same-files": "cyan", "none": "dim"}


def row(r: BoardRow, sep: str = ", ", strip: str = "") -> list[str]:
    """The board's cells for one branch, as plain strings (lists joined by ``sep``;
    branch names without the prefix ``strip``)."""
    def name(ref: str | None) -> str:
        short = short_ref(ref)
        return short[len(strip):] if strip and short.startswith(strip) else short

    b, f = r.result, r.result.facts
    overlaps = sep.join(printable(name(p.branch)) for p in r.pairs) or "-"
    with_what = (["target"] if r.target_conflicts else []) + [name(ref) for ref in r.branch_conflicts]
    return [
        *(printable(x) for x in (b.agent or "-", name(b.ref), str(f.get("ahead", "-")),
                                 str(f.get("behind", "-")), str(f.get("files_changed", "-")), r.scope)),
        overlaps, sep.join(printable(x) for x in with_what) or "-", printable(r.tests),
        b.verdict,
    ]


def _title(report: Board) -> str:
    n = len(report.rows)
    target = printable(short_ref(report.target_ref))
    return (f"agentgate status: {n} open agent branch{'es' if n != 1 else ''} against {target} "
            f"at {(report.target_oid or '')[:7]}")


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]


def _matrix_rows(report: Board) -> tuple[list[str], list[list[str]]]:
    m = report.matrix
    rows = [[printable(a), *(CELL_TEXT[c] for c in cells)] for a, cells in zip(m.agents, m.cells, strict=True)]
    return ["", *(printable(a) for a in m.agents)], rows


def render_plain(report: Board) -> str:
    """The board as aligned text (what a pipe or a log gets)."""
    lines = [_title(report), ""]
    if report.rows:
        lines += _table(COLUMNS, [row(r) for r in report.rows])
    else:
        lines.append("no open agent branches")
    header, rows = _matrix_rows(report)
    if len(header) > 2:
        lines += ["", "overlaps between agents:"] + _table(header, rows)
    lines += ["", f"verdict: {report.verdict.upper()}"]
    errors = [f"{short_ref(r.result.ref)}: {r.error}" for r in report.rows if r.error]
    lines += [printable(e) for e in errors]
    return "\n".join(lines) + "\n"


def render_rich(report: Board, out: TextIO) -> None:
    """The board as rich tables on a terminal."""
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=out, highlight=False)
    # No vertical rules and one space between columns: the board must fit an
    # 80-column terminal. The tests column shows only when some result is known.
    # Branch names lose the prefix they all share ("agent/"), said once in the title.
    prefix = os.path.commonprefix([short_ref(br.result.ref) for br in report.rows])
    prefix = prefix[:prefix.rfind("/") + 1] if len(report.rows) > 1 else ""
    title = _title(report) + (f" (names under {prefix})" if prefix else "")
    table = Table(title=escape(title), title_justify="left", box=box.SIMPLE_HEAD,
                  collapse_padding=True, pad_edge=False)
    rows = [row(br, sep="\n", strip=prefix) for br in report.rows]  # wraps between names
    keep = [i for i, col in enumerate(COLUMNS) if col != "TESTS" or any(r[i] != "-" for r in rows)]
    for i in keep:
        col = COLUMNS[i]
        wraps = col in ("SCOPE", "OVERLAPS", "CONFLICTS")  # names, numbers, verdicts never wrap
        table.add_column(col.lower(), justify="right" if col in ("AHEAD", "BEHIND", "FILES") else "left",
                         no_wrap=not wraps, overflow="fold" if wraps else "ellipsis",
                         min_width=max(len(col), 7) if wraps else None)
    for br, cells in zip(report.rows, rows, strict=True):
        cells = [escape(c) for c in cells]
        cells[-1] = f"[{_STYLE[br.result.verdict]}]{cells[-1]}[/]"
        table.add_row(*(cells[i] for i in keep))
    console.print(table)
    header, rows = _matrix_rows(report)
    if len(header) > 2:
        mt = Table(title="overlaps between agents", title_justify="left", box=box.SIMPLE_HEAD,
                   collapse_padding=True, pad_edge=False)
        for col in header:
            mt.add_column(escape(col))
        ids = {v: k for k, v in CELL_TEXT.items()}
        for r in rows:
            mt.add_row(escape(r[0]), *(f"[{_STYLE[ids[c]]}]{c}[/]" for c in r[1:]))
        console.print(mt)
    console.print(f"verdict: [{_STYLE[report.verdict]}]{report.verdict.upper()}[/]")
    for br in report.rows:
        if br.error:
            console.print(printable(f"{short_ref(br.result.ref)}: {br.error}"), markup=False)


# -- plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanStep:
    """One step of ``agentgate plan``: merge ``ref``, then rebase ``rebase_after``."""

    ref: str
    agent: str | None
    rebase_after: tuple[str, ...]
    conflicts_with_target: bool = False
    overlaps_after: tuple[str, ...] = ()  # waiting branches sharing files, no conflict


@dataclass(frozen=True)
class PlanHeld:
    """A branch ``agentgate plan`` does not rank: it blocks or waits for an approval."""

    ref: str
    agent: str | None
    verdict: str
    why: str


def plan_json(steps: Sequence[PlanStep], held: Sequence[PlanHeld]) -> str:
    data = {
        "version": 1,
        "order": [{"branch": s.ref, "agent": s.agent, "verdict": "allow", "rebase_after": list(s.rebase_after)}
                  for s in steps],
        "held": [{"branch": h.ref, "verdict": h.verdict, "why": h.why} for h in held],
    }
    return json.dumps(data, indent=2) + "\n"


def plan_github_matrix(steps: Sequence[PlanStep]) -> str:
    """One line for ``fromJSON`` in a workflow's ``strategy.matrix``: the branches
    that may merge, in order."""
    include = [{"branch": short_ref(s.ref), "ref": s.ref, "agent": s.agent} for s in steps]
    return json.dumps({"include": include}, separators=(",", ":")) + "\n"


def plan_text(steps: Sequence[PlanStep], held: Sequence[PlanHeld], report: Board) -> str:
    target = short_ref(report.target_ref or "")
    n = len(steps)
    if not steps and not held:
        return f"no open agent branches to merge into {target}\n"
    if steps:
        lines = [f"merge order for {n} agent branch{'es' if n != 1 else ''} that may merge into {target}:"]
    else:
        lines = [f"no open agent branch may merge into {target} now."]
    for i, s in enumerate(steps, 1):
        line = f"{i:>3}. {short_ref(s.ref)} ({s.agent or '-'})"
        if s.conflicts_with_target:
            line += f"  conflicts with {target} now: rebase it first"
        lines.append(printable(line))
        if s.rebase_after:
            lines.append(printable("       then rebase: " + ", ".join(short_ref(r) for r in s.rebase_after)))
        if s.overlaps_after:
            lines.append(printable("       same files as: " + ", ".join(short_ref(r) for r in s.overlaps_after)))
    if held:
        they = "it blocks or waits" if len(held) == 1 else "they block or wait"
        lines += ["", f"held, not ranked ({they} for an approval):"]
        for h in held:
            lines.append(printable(f"  {short_ref(h.ref)} ({h.agent or '-'}) {h.verdict.upper()}: {h.why}"))
    rebases = sum(len(s.rebase_after) for s in steps)
    lines += ["", f"{rebases} rebase{'s' if rebases != 1 else ''} announced; verdict of the board: "
                  f"{report.verdict.upper()}"]
    return "\n".join(lines) + "\n"


def emit_plan(steps: Sequence[PlanStep], held: Sequence[PlanHeld], report: Board, fmt: str,
              output: str | None) -> None:
    if fmt == "json":
        text = plan_json(steps, held)
    elif fmt == "github-matrix":
        text = plan_github_matrix(steps)
    else:
        text = plan_text(steps, held, report)
    write(text, output)


# -- status --------------------------------------------------------------------------


def to_dict(report: Board) -> dict[str, Any]:
    """``{"version": 1, "verdict", "target", "branches": [...], "matrix": {...}}``."""
    from gate.report.json import finding_dict, json_safe

    branches = []
    for r in report.rows:
        b, f = r.result, r.result.facts
        branches.append({
            "ref": b.ref, "branch": short_ref(b.ref), "agent": b.agent, "head": b.head, "base": b.base,
            "ahead": f.get("ahead"), "behind": f.get("behind"), "files_changed": f.get("files_changed"),
            "scope": r.scope,
            "overlaps": [{"branch": p.branch, "agent": p.agent, "relation": p.relation, "paths": list(p.paths)}
                         for p in r.pairs],
            "conflicts": {"target": list(r.target_conflicts), "branches": list(r.branch_conflicts)},
            "tests": r.tests, "verdict": b.verdict,
            "findings": [finding_dict(x) for x in b.findings],
            **({"error": r.error} if r.error else {}),
        })
    m = report.matrix
    # Paths that are not UTF-8 become ``\\xNN`` text, as in the check report.
    return cast(dict[str, Any], json_safe({
        "version": 1, "verdict": report.verdict,
        "target": {"ref": report.target_ref, "oid": report.target_oid},
        "branches": branches,
        "matrix": {"agents": list(m.agents),
                   "cells": {f"{a}|{b}": c for a, cells in zip(m.agents, m.cells, strict=True)
                             for b, c in zip(m.agents, cells, strict=True)}},
        "elapsed_ms": report.elapsed_ms,
    }))


def emit(report: Board, fmt: str, output: str | None, out: TextIO | None = None) -> None:
    """Write the board: JSON, rich tables at a terminal, plain text otherwise."""
    out = out or sys.stdout
    if fmt == "json":
        text = json.dumps(to_dict(report), indent=2, ensure_ascii=True) + "\n"
    elif output is None and out.isatty() and os.environ.get("TERM") != "dumb":
        render_rich(report, out)
        return
    else:
        text = render_plain(report)
    write(text, output, out)


def write(text: str, output: str | None, out: TextIO | None = None) -> None:
    if output and output != "-":
        from gate.atomic import write_atomic

        write_atomic(Path(output), text)
        return
    stream = out or sys.stdout
    stream.write(text)
    stream.flush()


class Progress:
    """A progress bar on stderr that appears only once the work has taken more than
    ``delay`` seconds, and only when stderr is a terminal (never in pipes or hooks)."""

    def __init__(self, total: int, label: str, delay: float = 1.0, stream: TextIO | None = None) -> None:
        self.total, self.label, self.delay = total, label, delay
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.started = time.monotonic()
        self.done = 0
        self._bar: Any = None
        self._task: Any = None

    def tick(self, item: str) -> None:
        self.done += 1
        if self._bar is None and self.enabled and time.monotonic() - self.started > self.delay:
            from rich.console import Console
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(console=Console(file=self.stream), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total)
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, description=f"{self.label}: {printable(item)}")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
