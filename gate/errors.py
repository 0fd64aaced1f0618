"""The one error family agentgate raises, mapped to exit codes in ``cli.py``."""

from __future__ import annotations

from collections.abc import Iterable

EXIT_ALLOW = 0
EXIT_BLOCK = 1
EXIT_USAGE = 2
EXIT_ASK = 3
EXIT_ERROR = 4


class GateError(Exception):
    """agentgate could not run. The message says what to do next (exit 4)."""

    exit_code = EXIT_ERROR


class UsageError(GateError):
    """The command line was wrong (exit 2)."""

    exit_code = EXIT_USAGE


class PolicyError(GateError):
    """The policy file is invalid. ``on_error`` is kept when it could be read."""

    def __init__(self, message: str, on_error: str | None = None) -> None:
        super().__init__(message)
        self.on_error = on_error


class UnreadableError(GateError):
    """An object exists but cannot be read (libgit2 cannot parse it): a refusal,
    never "absent" (DESIGN §2). Callers that turn a missing branch into a default
    must let this one through."""


class NotFound(GateError):
    """A branch, agent, ref or other name given on the command line names nothing
    here (exit 4 in every command, DESIGN §6). The message gives the closest names."""


def closest(name: str, known: Iterable[str]) -> str:
    """`` Did you mean a or b?`` for the names in ``known`` closest to ``name`` (at
    most three); "" when none is close."""
    import difflib  # only on this error path: the hooks' start-up imports stay lean

    close = difflib.get_close_matches(name, sorted(set(known)), n=3, cutoff=0.7)
    if not close:
        return ""
    said = close[0] if len(close) == 1 else ", ".join(close[:-1]) + " or " + close[-1]
    return f" Did you mean {said}?"
