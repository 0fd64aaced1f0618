"""The secret scan of one change set's added lines, cached by its two commit ids
and the patterns' fingerprint: a warm run reads one file instead of every blob.

Entries live in ``agentgate/secrets/<xx>/<base>-<head>.json`` as ``{"v":
FINGERPRINT, "files": {path: [[line, kind], ...]}}``, written whole (``atomic``);
a torn or foreign entry is scanned again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from gate.atomic import read_json, store
from gate.git.repo import GitRepo
from gate.model import ChangeSet, FileChange
from gate.scan import secrets

Hit = tuple[int, str]  # (line number, kind of credential)


def secret_hits(repo: GitRepo, cs: ChangeSet, files: Sequence[FileChange],
                added_lines: Callable[[FileChange], Iterable[tuple[int, str]]],
                use_cache: bool = True) -> dict[str, list[Hit]]:
    """Path -> the credentials on the lines ``added_lines`` gives, for each of
    ``files`` (of ``cs``); from the cache when it holds them."""
    if not use_cache:
        return {fc.path: list(secrets.scan(added_lines(fc))) for fc in files}
    path = repo.cache_dir("secrets", cs.head[:2], f"{cs.base}-{cs.head}.json")
    data = read_json(path)
    ok = isinstance(data, dict) and data.get("v") == secrets.FINGERPRINT and isinstance(data.get("files"), dict)
    kept: dict[str, list[list[Any]]] = data["files"] if ok else {}
    out: dict[str, list[Hit]] = {}
    dirty = False
    for fc in files:
        hits = _read(kept.get(fc.path))
        if hits is None:
            hits = list(secrets.scan(added_lines(fc)))
            kept[fc.path] = [[n, kind] for n, kind in hits]
            dirty = True
        out[fc.path] = hits
    if dirty:
        store(path, {"v": secrets.FINGERPRINT, "files": kept})
    return out


def _read(found: object) -> list[Hit] | None:
    if isinstance(found, list):
        try:
            return [(int(n), str(kind)) for n, kind in found]
        except (TypeError, ValueError):
            pass  # torn: scanned again
    return None
