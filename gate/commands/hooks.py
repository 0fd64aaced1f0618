"""``agentgate hooks install|uninstall``: put the git hook shims in place or take them out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from gate import hookinstall
from gate.errors import EXIT_ALLOW


def install(
    repo: Path | None = None,
    server: bool | None = None,
    hooks_path_ok: bool = False,
    out: TextIO | None = None,
) -> int:
    """Install the shims into ``repo`` (default: the current directory). Exit 0.

    ``server=None`` picks the server set for a bare repository and the local set
    otherwise. A ``GateError`` (not a repository, ``core.hooksPath`` set…) is left
    to the CLI's error handler (exit 4).
    """
    stream = out or sys.stdout
    target = repo or Path.cwd()
    lines = hookinstall.install(target, server=server, hooks_path_ok=hooks_path_ok)
    for line in lines:
        print(line, file=stream)
    if server is False or (server is None and not hookinstall.locate(target).bare):
        # DESIGN §2: say plainly what local hooks cannot do.
        print(
            "note: local hooks are early warnings (--no-verify, fast-forward merges and "
            "core.hooksPath skip them); enforce on the server with 'agentgate hooks install "
            "--server' in the shared bare repository, or in required CI.",
            file=stream,
        )
    return EXIT_ALLOW


def uninstall(repo: Path | None = None, out: TextIO | None = None) -> int:
    """Remove the shims from ``repo`` and restore any ``NAME.legacy`` hook. Exit 0."""
    stream = out or sys.stdout
    for line in hookinstall.uninstall(repo or Path.cwd()):
        print(line, file=stream)
    return EXIT_ALLOW
