"""The one error family agentgate raises, mapped to exit codes in ``cli.py``."""

from __future__ import annotations

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
