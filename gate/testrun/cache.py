"""Test outcomes cached by key (the merged tree id and the command), one JSON file each.

Files live in ``<git-common-dir>/agentgate/tests/<sha256 of key>.json`` and are
written whole to a temporary file, then renamed over: concurrent runs that test
the same candidate each write a complete file and a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from gate.testrun.result import TestOutcome, outcome_from_dict, outcome_to_dict

VERSION = 2  # 2: output tails are redacted and 60 lines long


def _folder(git_dir: Path) -> Path:
    return git_dir / "agentgate" / "tests"


def cache_path(git_dir: Path, key: str) -> Path:
    """Where the outcome for ``key`` is kept."""
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
    return _folder(git_dir) / f"{digest}.json"


def cacheable(outcome: TestOutcome) -> bool:
    """Errors are not kept: they come from the machine (a missing tool), not the tree."""
    return outcome.kind in ("passed", "failed", "timeout")


def load(git_dir: Path, key: str, timeout: float) -> TestOutcome | None:
    """The cached outcome for ``key`` as it holds under ``timeout``, marked ``reused``.

    A timeout is reused only under a limit no longer than the one it ran past; a
    pass or a failure only if it finished within ``timeout``.
    """
    try:
        data = json.loads(cache_path(git_dir, key).read_text(encoding="utf-8"))
        if data.get("version") != VERSION or data.get("key") != key:
            return None
        outcome = outcome_from_dict(data["outcome"])
        ran_with = float(data["timeout"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # missing, or torn by a crash: run again
    if outcome.kind == "timeout" and timeout > ran_with:
        return None
    if outcome.kind != "timeout" and outcome.duration > timeout:
        return None
    return replace(outcome, reused=True, pgid=None)


def store(git_dir: Path, key: str, timeout: float, outcome: TestOutcome) -> None:
    """Keep ``outcome`` for ``key``; a cache that cannot be written is skipped silently."""
    if not cacheable(outcome):
        return
    path = cache_path(git_dir, key)
    record = {
        "version": VERSION,
        "key": key,
        "timeout": timeout,
        "outcome": outcome_to_dict(replace(outcome, reused=False, pgid=None)),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(record, out, indent=1, sort_keys=True)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass


def cached_outcomes(git_dir: Path) -> dict[str, TestOutcome]:
    """The newest cached outcome of each tested commit (whatever its command or
    timeout), marked ``reused``: the last test result a board shows for a candidate.
    Unreadable files are left out."""
    newest: dict[str, tuple[float, TestOutcome]] = {}
    for path in sorted(_folder(git_dir).glob("*.json")):
        try:
            when = path.stat().st_mtime
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION:
                continue
            outcome = outcome_from_dict(data["outcome"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            continue  # removed meanwhile, or torn by a crash
        seen = newest.get(outcome.commit)
        if seen is None or when > seen[0]:
            newest[outcome.commit] = (when, replace(outcome, reused=True, pgid=None))
    return {commit: outcome for commit, (_, outcome) in newest.items()}
