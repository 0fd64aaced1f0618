"""One renderer per format; nothing else formats results."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping

from gate.model import Report

FORMATS = ("text", "json", "github", "markdown", "sarif", "junit")


def render(report: Report, fmt: str, color: bool = False) -> str:
    """The report as text in ``fmt``; renderers are imported only when used."""
    module = importlib.import_module(f"gate.report.{fmt}")
    if fmt == "text":
        return str(module.render(report, color=color))
    return str(module.render(report))


def emit(report: Report, fmt: str, output: str | None, env: Mapping[str, str] = os.environ) -> None:
    """Write the rendered report to ``output`` (atomically) or stdout; for the
    ``github`` format also append the job summary when Actions asks for one."""
    color = output is None and fmt == "text" and sys.stdout.isatty() and "NO_COLOR" not in env
    text = render(report, fmt, color=color)
    if output and output != "-":
        from pathlib import Path

        from gate.atomic import write_atomic

        write_atomic(Path(output), text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    if fmt == "github" and env.get("GITHUB_STEP_SUMMARY"):
        from gate.report import github

        github.write_step_summary(report, env)
