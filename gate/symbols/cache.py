"""Caches of the shared-symbol analysis, keyed by immutable ids only.

The analysis of branches computes these values, so it keeps them (checks write
nothing): ``gate.checks.symbols`` asks ``changed`` and ``uses``, which read and
write through here.

Parse results are kept per (blob id, path, ``gate.symbols.values.FORMAT``): a path
is part of the key because it names the module. Derived answers (what a branch
changes, who uses it) are kept per ids by ``changed`` and ``uses``.
Everything lives under ``<common git dir>/agentgate/symbols`` as JSON written
atomically, and in memory for the rest of the process: ``check --all`` asks
about every branch's changes once per other branch.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar
from weakref import WeakKeyDictionary

from gate.atomic import read_json, store, write_atomic
from gate.git.repo import GitRepo
from gate.model import MODE_EXEC, MODE_FILE, ChangeSet, Oid, language_of

if TYPE_CHECKING:
    from gate.context import BranchInfo
    from gate.policy import Policy
    from gate.symbols import FileSymbols


class Source(Protocol):
    """What the analysis of branches reads: the run's context (``gate.context.Context``)."""

    repo: GitRepo
    target_oid: Oid
    policy: Policy
    use_cache: bool

    @property
    def agent_branches(self) -> tuple[BranchInfo, ...]: ...

    def changes(self, head: str) -> ChangeSet: ...

# Bigger files are bundles or generated code: nobody edits calls into them by hand,
# and parsing one would cost more than the whole check.
MAX_PARSE_BYTES = 1_000_000

T = TypeVar("T")
_MEMO: dict[tuple[str, ...], Any] = {}
_REPOS: WeakKeyDictionary[GitRepo, str] = WeakKeyDictionary()
_IDENT = re.compile(rb"(?:[\w$]|[\x80-\xff])+")  # non-ASCII bytes: parts of identifiers


class Added(NamedTuple):
    path: str
    oid: str
    mode: int
    ranges: tuple[tuple[int, int], ...]
    words: frozenset[str]


def _repo(ctx: Source) -> str:
    # Memory entries are keyed by repository too: tests and tools open several.
    # (Asking pygit2 for the path costs ~50 us: thousands of lookups add up.)
    key = _REPOS.get(ctx.repo)
    if key is None:
        key = _REPOS[ctx.repo] = str(ctx.repo.git_dir)
    return key


def cached(ctx: Source, parts: tuple[str, ...], compute: Callable[[], dict[str, Any]],
           decode: Callable[[dict[str, Any]], T], notes: list[str]) -> T:
    """``decode(compute())``, from memory or the cache when present.

    ``compute`` returns a JSON-able dict with a ``notes`` list (parse errors and
    the like); the notes go to ``notes`` on every read, cached or not, each once:
    the caller's (the check's, or an enclosing computation's, cached with it).
    """
    key = (_repo(ctx), *parts)
    hit = _MEMO.get(key)
    if hit is None:
        path = ctx.repo.cache_dir("symbols", *parts)
        data = read_json(path) if ctx.use_cache else None
        value = _decoded(data, decode)
        if value is None:
            data = compute()
            value = decode(data)
            if ctx.use_cache:
                store(path, data)
        assert data is not None
        hit = _MEMO[key] = (value, list(data.get("notes", ())))
    notes.extend(text for text in hit[1] if text not in notes)
    answer: T = hit[0]
    return answer


def memo(ctx: Source, parts: tuple[str, ...], decode: Callable[[dict[str, Any]], T]) -> T:
    """A mutable cache entry shared by the whole run: from memory, else from its
    file, else ``decode`` of an empty entry. ``save`` writes it back."""
    key = (_repo(ctx), *parts)
    if key not in _MEMO:
        data = read_json(ctx.repo.cache_dir("symbols", *parts)) if ctx.use_cache else None
        value = _decoded(data, decode)
        _MEMO[key] = value if value is not None else decode({"notes": [], "files": {}})
    answer: T = _MEMO[key]
    return answer


def save(ctx: Source, parts: tuple[str, ...], data: dict[str, Any]) -> None:
    """Write an entry ``memo`` handed out. Two runs racing each write a whole file;
    the entries only the loser computed are computed again next time."""
    if ctx.use_cache:
        store(ctx.repo.cache_dir("symbols", *parts), data)


def _decoded(data: Any, decode: Callable[[dict[str, Any]], T]) -> T | None:
    if not isinstance(data, dict) or not isinstance(data.get("notes"), list):
        return None
    try:
        return decode(data)
    except (KeyError, IndexError, TypeError, ValueError):
        return None  # written by another version: compute again


def parsed(ctx: Source, path: str, oid: str, mode: int, notes: list[str], side: str) -> FileSymbols | None:
    """The symbols of blob ``oid`` read as ``path``; None when its language is not
    analysed, it is not a regular file, or it does not parse (a note says so)."""
    from gate.symbols import extract
    from gate.symbols.values import FORMAT, FileSymbols

    if mode not in (MODE_FILE, MODE_EXEC) or language_of(path) is None:
        return None
    key = (_repo(ctx), "file", oid, path)
    fs: FileSymbols | None = _MEMO.get(key)
    if fs is None:
        name = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        cache = ctx.repo.cache_dir("symbols", "files", oid[:2], f"{oid}-{name}-f{FORMAT}.json")
        if ctx.use_cache:
            try:
                with open(cache, "rb") as fh:
                    fs = FileSymbols.from_json(fh.read())
            except (OSError, ValueError):
                fs = None
        if fs is None:
            try:
                data = ctx.repo.read_blob(oid)
            except (KeyError, ValueError):
                notes.append(f"{path} ({side}): blob {oid[:12]} is missing; its symbols are not analysed")
                return None
            if len(data) > MAX_PARSE_BYTES:
                notes.append(f"{path} ({side}): {len(data)} bytes, too large to analyse its symbols")
                return None
            fs = extract(path, data)
            if fs is None:
                return None
            # "no go parser…": a grammar missing here, not a fact about the blob.
            if ctx.use_cache and not (fs.error or "").startswith("no "):
                try:
                    write_atomic(cache, fs.to_json())
                except OSError:
                    pass  # a read-only repository still gets an answer
        _MEMO[key] = fs
    if fs.error:
        notes.append(f"{path} ({side}): {fs.error}; its symbols are not analysed")
        return None
    return fs


def added_lines(ctx: Source, cs: ChangeSet) -> list[Added]:
    """The files of ``cs`` with added lines in an analysed language, with the
    identifiers on those lines: a set to intersect with changed symbols' names
    before any parse. Kept for the run: every other open branch asks."""
    key = (_repo(ctx), "added", cs.head, cs.base)
    out: list[Added] | None = _MEMO.get(key)
    if out is None:
        out = []
        for fc in cs.files:
            ranges = fc.new_ranges()
            if fc.binary or fc.new_path is None or fc.new_oid is None or not ranges:
                continue
            if fc.new_mode not in (MODE_FILE, MODE_EXEC) or language_of(fc.new_path) is None:
                continue
            lines = ctx.repo.read_blob(fc.new_oid).split(b"\n")  # git counts lines by \n alone
            found = {w for a, b in ranges for line in lines[a - 1:b] for w in _IDENT.findall(line)}
            words = frozenset(w.decode("utf-8", "surrogateescape") for w in found)
            out.append(Added(fc.new_path, fc.new_oid, fc.new_mode, ranges, words))
        _MEMO[key] = out
    return out
