"""What an in-memory merge of two commits found, and its cache under ``agentgate/pairs``.

``gate.git.merge.analyze`` computes a ``PairResult``: every path both sides change,
with its relation (``conflict``; ``hunk``: changed base lines overlap or touch;
``file``) and conflict kind. It is a pure function of the two commit ids, so it is
kept as one small JSON file per pair, written atomically (concurrent runs are safe).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from gate.atomic import read_json, store
from gate.model import Oid

CACHE_VERSION = 3  # 2: change sets follow git's rename size test; 3: merge drivers
CONFLICT, HUNK, FILE = "conflict", "hunk", "file"
UNDECIDED = "driver:"  # conflict kind prefix of a file a custom merge driver would merge
RANK = {CONFLICT: 3, HUNK: 2, FILE: 1}

Lines = tuple[int, int]


@dataclass(frozen=True)
class PairEntry:
    """One path (rename-aware: old and new sides) that both commits change."""

    ours: tuple[str, ...]
    theirs: tuple[str, ...]
    relation: str  # conflict | hunk | file
    kind: str = ""  # content, binary, mode, modify/delete, rename/delete, rename/rename,
    # rename/add, add/add, file/directory (conflicts only); "driver:NAME": a custom merge
    # driver would merge it (agentgate does not run one, so it cannot tell)
    ours_lines: Lines | None = None  # new-side lines of the colliding hunk, when known
    theirs_lines: Lines | None = None

    @property
    def undecided(self) -> bool:
        return self.kind.startswith(UNDECIDED)

    @property
    def driver(self) -> str:
        """The custom driver's name of an undecided file."""
        return self.kind.removeprefix(UNDECIDED)

    def flipped(self) -> PairEntry:
        return PairEntry(self.theirs, self.ours, self.relation, self.kind,
                         self.theirs_lines, self.ours_lines)


@dataclass(frozen=True)
class PairResult:
    """What merging ``theirs`` into ``ours`` gives, path by path."""

    ours: Oid
    theirs: Oid
    base: Oid | None
    method: str  # files (per-file merges) | full (merge_commits) | ancestor | unrelated
    entries: tuple[PairEntry, ...] = ()
    # The merge driver (gate.git.attrs) of every file whose content both sides changed:
    # a cached result holds while the target's attributes give each the same driver.
    drivers: tuple[tuple[str, str], ...] = ()

    @property
    def conflicts(self) -> tuple[PairEntry, ...]:
        """Files that do not merge (not those only a custom driver could say about)."""
        return tuple(e for e in self.entries if e.relation == CONFLICT and not e.undecided)

    @property
    def undecided(self) -> tuple[PairEntry, ...]:
        """Files a custom merge driver would merge: agentgate cannot tell."""
        return tuple(e for e in self.entries if e.relation == CONFLICT and e.undecided)

    def flipped(self) -> PairResult:
        return PairResult(self.theirs, self.ours, self.base, self.method,
                          tuple(e.flipped() for e in self.entries), self.drivers)


# -- cache ------------------------------------------------------------------------------


def _enc(p: str) -> str:
    # JSON cannot carry the lone surrogates of non-UTF-8 paths: keep them as hex bytes.
    try:
        p.encode("utf-8")
        return p
    except UnicodeEncodeError:
        return "\0hex:" + os.fsencode(p).hex()


def _dec(p: str) -> str:
    return os.fsdecode(bytes.fromhex(p[5:])) if p.startswith("\0hex:") else p


def to_json(res: PairResult) -> dict[str, Any]:
    return {
        "v": CACHE_VERSION, "ours": res.ours, "theirs": res.theirs, "base": res.base,
        "method": res.method, "drivers": [[_enc(p), d] for p, d in res.drivers],
        "entries": [[[_enc(p) for p in e.ours], [_enc(p) for p in e.theirs], e.relation,
                     e.kind, e.ours_lines, e.theirs_lines] for e in res.entries],
    }


def load(path: str, lo: str, hi: str) -> PairResult | None:
    """The cached result of the pair (``lo``, ``hi``) in id order, or None when absent or unreadable."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get("v") != CACHE_VERSION:
        return None
    try:
        res = PairResult(
            Oid(data["ours"]), Oid(data["theirs"]), data["base"], data["method"],
            tuple(PairEntry(tuple(_dec(p) for p in e[0]), tuple(_dec(p) for p in e[1]), e[2], e[3],
                            _lines(e[4]), _lines(e[5]))
                  for e in data["entries"]),
            tuple((_dec(p), str(d)) for p, d in data["drivers"]),
        )
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return res if (res.ours, res.theirs) == (lo, hi) else None


def _lines(v: Any) -> Lines | None:
    return (int(v[0]), int(v[1])) if v else None


def save(path: str, res: PairResult) -> None:
    """Cache ``res`` at ``path``; a read-only repository keeps it uncached."""
    store(path, to_json(res))
