"""What ``check`` and ``status`` keep: the report as data, rendered afresh on replay."""

from __future__ import annotations

from collections.abc import Mapping

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def report_value(report: Any, fmt: str, output: str | None) -> dict[str, Any]:
    """What ``check`` and ``status`` keep: the report as data (rendered afresh on
    replay, so its elapsed time is the replay's) and where it went."""
    import dataclasses

    return {"fmt": fmt, "output": output, "report": dataclasses.asdict(report)}


def report_from(data: Mapping[str, Any], elapsed_ms: int) -> Any:
    from gate.model import BranchResult, Finding, Report

    branches = tuple(
        BranchResult(**{**b, "findings": tuple(Finding(**f) for f in b["findings"])})
        for b in data["branches"]
    )
    return Report(**{**data, "branches": branches, "elapsed_ms": elapsed_ms})


def replay(value: Mapping[str, Any], rep: Any) -> int:
    """Show the kept ``check`` or ``status`` result ``rep`` (read from ``value`` by
    ``report_from``) as the run that made it did; the exit code."""
    from gate import verdict

    if value["kind"] == "status":
        from gate.report import board

        board.emit(rep, value["fmt"], value["output"])
    else:
        from gate import report

        report.emit(rep, value["fmt"], value["output"])
    return verdict.exit_code(rep.verdict)
