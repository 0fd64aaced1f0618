"""Writing a hook's lines: light enough to import on the path that replays a kept
verdict (``gate.memo``), before pygit2 or any of the gate loads."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping

TYPE_CHECKING = False  # typing costs a replayed hook 5 ms
if TYPE_CHECKING:
    from typing import TextIO

PREFIX = "agentgate: "


def emit(lines: Iterable[str], env: Mapping[str, str], stream: TextIO | None = None) -> None:
    """Write ``lines`` to stderr (git relays it to the pusher as ``remote:`` lines).
    When ``GL_ID`` is set (GitLab), every line starts with ``GL-HOOK-ERR:``."""
    out = stream or sys.stderr
    gl = "GL-HOOK-ERR: " if env.get("GL_ID") else ""
    for line in lines:
        out.write(f"{gl}{PREFIX}{line}\n")
    out.flush()
