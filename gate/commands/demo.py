"""``agentgate demo [DIR]``: build the sample repository and gate every branch."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from gate import context, demo_repo
from gate.commands import check
from gate.errors import GateError
from gate.git import open_repo
from gate.report import demo as demo_report


def main(directory: str | None = None) -> int:
    if directory:
        root = Path(directory).resolve()
        if root.exists() and any(root.iterdir()):
            raise GateError(f"{root} is not empty. Give a new or empty directory, or none for a temporary one.")
    else:
        root = Path(tempfile.mkdtemp(prefix="agentgate-demo-")) / "shop"
    print(f"Building a sample repository with four agents in {root} …", flush=True)
    demo_repo.build(root)
    started = time.monotonic()
    repo = open_repo(root)
    ctx = context.build(repo)
    results = check.run(ctx, list(ctx.agent_branches))
    report = check.make_report(ctx, results, started)
    print(demo_report.render(report, str(root)), end="")
    return 0
