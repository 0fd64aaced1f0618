"""``agentgate demo [DIR]``: build the sample repository and gate every branch."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from gate import context, gating
from gate.checks import tests
from gate.errors import GateError
from gate.git import sample as demo_repo
from gate.git.opening import open_repo
from gate.report import board
from gate.report import demo as demo_report
from gate.testrun import merged


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
    print("Gating every agent branch, tests included (each on its merge with main) …", flush=True)
    results = gating.run(ctx, list(ctx.agent_branches), tests=True)
    report = gating.make_report(ctx, results, started)
    # The same tests on each branch tip alone: what an agent reporting "green" saw.
    alone = merged.run(ctx, list(ctx.agent_branches), merge=False)
    tips: dict[str, bool] = {}
    for b in ctx.agent_branches:
        ran = alone[b.head]
        tips[b.head] = not (ran.tested is not None and tests.findings(ctx, b, ran.tested))
    print("The board (agentgate status):\n", flush=True)
    # What 'agentgate status' prints there: a board of its own, from a fresh context.
    shown = gating.open_board(None, str(root))
    with board.Progress(len(shown.agent_branches), "status") as progress:
        rows = gating.collect(shown, progress.tick)
    board.emit(rows, "text", None)
    print(demo_report.render(report, str(root), tips), end="")
    return 0
