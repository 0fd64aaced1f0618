"""``agentgate land`` output: the progress while it runs, then the outcome.

Progress is one line per branch (queued / testing / passed / landed / ejected /
held): redrawn in place at a terminal, one plain line per change when piped. With
``--format json`` it goes to stderr and stdout carries one JSON document.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import TracebackType
from typing import Any, TextIO

from gate.land.model import Line, Outcome
from gate.report.text import printable, short_ref

# The states, in the order the summary counts them.
_STYLE = {"landed": "bold green", "passed": "green", "testing": "yellow", "queued": "dim",
          "ejected": "bold red", "held": "bold yellow"}


def _cells(ln: Line) -> tuple[str, str, str]:
    why = ln.why
    if ln.state == "held" and ln.verdict:
        why = f"{ln.verdict}: {why}"
    elif ln.commit and ln.state in ("landed", "queued"):
        why = ln.commit[:7]
    return ln.state, printable(short_ref(ln.ref)), printable(why)


class Progress:
    """The live lines on ``stream``: a redrawn block at a terminal, else plain lines."""

    def __init__(self, stream: TextIO, live: bool) -> None:
        self.stream = stream
        self.lines: dict[str, Line] = {}
        self._live: Any = None
        if live:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(console=Console(file=stream, highlight=False), transient=True,
                              auto_refresh=False)
            self._live.start()

    def line(self, ln: Line) -> None:
        self.lines[ln.ref] = ln
        if self._live is None:
            state, name, why = _cells(ln)
            self.stream.write(f"{name}: {state}" + (f" ({why})" if why else "") + "\n")
            self.stream.flush()
            return
        self._draw()

    def say(self, text: str) -> None:
        if self._live is None:
            self.stream.write(printable(text) + "\n")
            self.stream.flush()
        else:
            self._live.console.print(printable(text), markup=False)

    def _draw(self) -> None:
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        for _ in range(2):
            table.add_column(no_wrap=True)
        table.add_column(no_wrap=True, overflow="ellipsis")  # one line per branch, as it redraws
        for ln in self.lines.values():
            state, name, why = _cells(ln)
            table.add_row(f"[{_STYLE[state]}]{state}[/]", name, why)
        self._live.update(table, refresh=True)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if self._live is not None:
            self._live.stop()


def _table(lines: Sequence[Line]) -> list[str]:
    rows = [_cells(ln) for ln in lines]
    w0 = max((len(r[0]) for r in rows), default=0)
    w1 = max((len(r[1]) for r in rows), default=0)
    return [f"  {s.ljust(w0)}  {n.ljust(w1)}  {why}".rstrip() for s, n, why in rows]


def render_text(o: Outcome) -> str:
    """The outcome for people: a line per branch, the target's move, the push."""
    tname = short_ref(o.target)
    counts = {s: sum(ln.state == s for ln in o.lines) for s in _STYLE}
    tally = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no open agent branches"
    if o.dry_run:
        out = [f"land into {tname} (dry run: nothing tested or landed): {tally}"]
        out += _table(o.lines)
        chain = [ln for ln in o.lines if ln.commit]
        if chain:
            out.append("candidates:")
            prev = tname
            for i, ln in enumerate(chain, 1):
                out.append(printable(f"  C{i} = {prev} + {short_ref(ln.ref)}: {ln.commit}"))
                prev = f"C{i}"
    else:
        tests = f"tests: {o.runs} run{'s' if o.runs != 1 else ''}, {o.reused} reused" if o.tested else "untested"
        out = [f"land into {tname}: {tally} ({tests}; retries: {o.retries})"]
        out += _table(o.lines)
        if o.new is None:
            out.append(f"{tname}: not moved ({o.old[:7]})")
        else:
            n = sum(ln.state == "landed" for ln in o.lines)
            where = f"; updated the worktree {o.worktree}" if o.worktree else ""
            what = "the tested tree" if o.tested else "untested: --no-tests"
            out.append(f"{tname}: {o.old[:7]} -> {o.new[:7]} ({n} merge commit{'s' if n != 1 else ''}, {what})"
                       f"{where}")
    for p in o.pushed:
        verb = "pushed" if p.ok else "push refused"
        out.append(printable(f"{verb}: {', '.join(short_ref(r) for r in p.refs)} to {p.remote}"))
        out += [printable(f"  {s}") for s in p.said]
        if not p.ok:
            out.append(f"  nothing local was changed by the refusal: {tname} stays at {(o.new or o.old)[:7]} here")
    out += [f"note: {n}" for n in o.notes]
    return "\n".join(out) + "\n"


def to_dict(o: Outcome) -> dict[str, Any]:
    return {
        "version": 1,
        "target": {"ref": o.target, "old": o.old, "new": o.new},
        "dry_run": o.dry_run,
        "tested": o.tested,
        "retries": o.retries,
        "tests": {"runs": o.runs, "reused": o.reused},
        "branches": [{"branch": ln.ref, "agent": ln.agent, "state": ln.state, "why": ln.why or None,
                      "verdict": ln.verdict, "commit": ln.commit, "failing_tests": list(ln.tests),
                      "conflicts": list(ln.paths)} for ln in o.lines],
        "worktree": str(o.worktree) if o.worktree else None,
        "pushed": [{"remote": p.remote, "refs": list(p.refs), "ok": p.ok, "said": list(p.said)} for p in o.pushed],
        "notes": list(o.notes),
    }


def render_json(o: Outcome) -> str:
    return json.dumps(to_dict(o), indent=2) + "\n"
