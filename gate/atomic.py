"""Files written whole or not at all, and caches read as JSON or not at all.

Every cache under ``.git/agentgate/`` goes through here (change sets, pairs,
overlaps, secret scans, symbols, the policy parse, kept verdicts), and so do the
files agentgate writes for people: reports (``--output``), the starter policy and
the Claude Code settings the guard installs into.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write through a temporary file and rename: readers see all or nothing, and
    two writers racing leave one whole file (both write the same content)."""
    folder = os.path.dirname(os.fspath(path)) or "."
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
    try:
        # mkstemp makes the file 0600; a server whose hooks run as several users of
        # one group needs the umask's mode, as git gives its own files.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


_UMASK: int | None = None


def file_mode() -> int:
    """The mode git would give a new file here: 0666 less the umask."""
    return 0o666 & ~_umask()


def _umask() -> int:
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)  # reading it means setting it: put it straight back
        os.umask(_UMASK)
    return _UMASK


def read_json(path: str | os.PathLike[str]) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def store(path: str | os.PathLike[str], data: Any) -> None:
    """Cache ``data`` as compact JSON at ``path``, or quietly not: a read-only
    repository (a hook without write access) still gets its answer, uncached, and
    a value JSON cannot hold (a TOML date) is simply not kept."""
    try:
        write_atomic(path, json.dumps(data, separators=(",", ":"), allow_nan=False))
    except (OSError, TypeError, ValueError):
        pass
