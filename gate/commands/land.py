"""``agentgate land [BRANCH…]``: a merge queue for agent branches (``gate.land``).

Runs alone (a lock under ``.git/agentgate``), with SIGTERM handled as Ctrl-C so
that the temporary worktrees go and the target stays where it was or at a fully
tested candidate. Exit 4 when it could not run, else 1 when a branch was ejected or
held for a block (or the server refused the push), else 3 when one waits for an
approval, else 0.
"""

from __future__ import annotations

import sys

from gate.errors import UsageError
from gate.git.opening import open_repo
from gate.land import engine, safety
from gate.report import land as report

FORMATS = ("text", "json")


def main(names: tuple[str, ...] = (), jobs: int | None = None, no_tests: bool = False, dry_run: bool = False,
         remote: str | None = None, fmt: str = "text", target: str | None = None,
         repo_path: str | None = None) -> int:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}.")
    if jobs is not None and jobs < 1:
        raise UsageError("--jobs must be 1 or more.")
    repo = open_repo(repo_path)
    stream = sys.stderr if fmt == "json" else sys.stdout
    opts = engine.Options(names, jobs, no_tests, dry_run, remote, target)
    with safety.interruptible(), safety.exclusive(repo.common_dir), \
            report.Progress(stream, live=stream.isatty()) as progress:
        try:
            outcome = engine.land(repo, opts, progress.line, progress.say)
        except (KeyboardInterrupt, SystemExit) as exc:
            # SystemExit(143): SIGTERM while the test runner had its own handler installed.
            if isinstance(exc, SystemExit) and exc.code != 143:
                raise
            code = 143 if isinstance(exc, SystemExit) else 128 + getattr(exc, "signum", 2)
            progress.say("interrupted: the target was not moved past a tested candidate, and no temporary "
                         "worktree is left")
            return code
    sys.stdout.write(report.render_json(outcome) if fmt == "json" else report.render_text(outcome))
    return outcome.exit_code()
