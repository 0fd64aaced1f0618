"""The ``agentgate`` entry point: hooks go straight to their code, the rest to click.

A warm pre-receive has a few hundred milliseconds (DESIGN §9) and importing click
alone costs 30-45 ms, so ``agentgate hook NAME`` never imports the command line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from gate.errors import EXIT_ERROR, GateError


def run(fn: Callable[[], int]) -> None:
    """Call a command function and turn its result or error into the exit status."""
    raise SystemExit(outcome(fn))


def outcome(fn: Callable[[], int]) -> int:
    """The exit code of a command function; its error told on stderr."""
    try:
        rc = fn()
    except GateError as e:
        print(f"agentgate: {e}", file=sys.stderr)
        rc = e.exit_code
    except KeyboardInterrupt:
        print("agentgate: interrupted", file=sys.stderr)
        rc = 130
    except BrokenPipeError:
        # The reader went away (`agentgate … | head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        rc = 0
    except Exception as e:  # noqa: BLE001 - the last line of defence: never a bare traceback
        if os.environ.get("AGENTGATE_DEBUG"):
            import traceback  # not at the top: 5 ms of every hook's start

            traceback.print_exc()
        print(
            f"agentgate: internal error: {type(e).__name__}: {e}. This is a bug in agentgate; "
            "rerun with AGENTGATE_DEBUG=1 for the traceback and report it.",
            file=sys.stderr,
        )
        rc = EXIT_ERROR
    return rc


# Commands whose result ``gate.memo`` may keep and replay.
REMEMBERED = ("check", "status")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if len(args) >= 2 and args[0] == "hook" and not args[1].startswith("-"):
        from gate.commands import hook

        run(lambda: hook.main(args[1], args[2:]))
    if args and args[0] in REMEMBERED:
        _replay_or_arm(args)
    from gate.cli import main as cli_main

    cli_main(args)


def _replay_or_arm(args: list[str]) -> None:
    """Replay the kept result of this very command (exits), or let the command keep
    its result. No click and no pygit2 on the replay path."""
    import time

    from gate import memo

    started = time.monotonic()
    probe = memo.probe(args[0], args)
    kept = memo.recall(probe)
    if kept is not None:
        from gate.memo import reports

        try:
            rep = reports.report_from(kept, int((time.monotonic() - started) * 1000))
        except (KeyError, TypeError, ValueError):
            rep = None  # written by another version: compute afresh
        if rep is not None:
            run(lambda: reports.replay(kept, rep))
    memo.arm(probe)
