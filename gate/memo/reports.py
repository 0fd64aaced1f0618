"""What ``check`` and ``status`` keep: the report as data, rendered afresh on replay."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def report_value(report: Any, fmt: str, output: str | None, notes: Sequence[str] = ()) -> dict[str, Any]:
    """What ``check`` and ``status`` keep: the report as data (rendered afresh on
    replay, so its elapsed time is the replay's), where it went, and the notes the
    run told on stderr (``gate.report.notes``)."""
    import dataclasses

    return {"fmt": fmt, "output": output, "report": dataclasses.asdict(report), "notes": list(notes)}


def report_from(value: Mapping[str, Any], elapsed_ms: int) -> Any:
    """The kept report of ``value`` (a board for ``status``), taking ``elapsed_ms``."""
    data = value["report"]
    if value["kind"] == "status":
        return _board(data, elapsed_ms)
    from gate.model import Report

    return Report(**{**data, "branches": tuple(_result(b) for b in data["branches"]), "elapsed_ms": elapsed_ms})


def _board(data: Mapping[str, Any], elapsed_ms: int) -> Any:
    from gate.model import Board, BoardRow, Matrix, PairRow

    rows = tuple(
        BoardRow(**{**r, "result": _result(r["result"]), "target_conflicts": tuple(r["target_conflicts"]),
                    "pairs": tuple(PairRow(**{**p, "paths": tuple(p["paths"])}) for p in r["pairs"])})
        for r in data["rows"]
    )
    m = data["matrix"]
    matrix = Matrix(tuple(m["agents"]), tuple(tuple(c) for c in m["cells"]))
    return Board(**{**data, "rows": rows, "matrix": matrix, "elapsed_ms": elapsed_ms})


def _result(b: Mapping[str, Any]) -> Any:
    from gate.model import BranchResult, Finding

    return BranchResult(**{**b, "findings": tuple(Finding(**f) for f in b["findings"])})


def replay(value: Mapping[str, Any], rep: Any) -> int:
    """Show the kept ``check`` or ``status`` result ``rep`` (``report_from(value)``)
    as the run that made it did; the exit code."""
    import sys

    from gate import verdict

    told = value.get("notes") or []
    if told:
        sys.stderr.write("".join(f"{line}\n" for line in told))
    if value["kind"] == "status":
        from gate.report import board

        board.emit(rep, value["fmt"], value["output"])
    else:
        from gate import report

        report.emit(rep, value["fmt"], value["output"])
    return verdict.exit_code(rep.verdict)
