"""Caches of the shared-symbol analysis, keyed by immutable ids only.

The analysis of branches computes these values, so it keeps them (checks write
nothing): ``gate.checks.symbols`` asks ``changed`` and ``uses``, which read and
write through here.

Parse results are kept per (blob id, path, ``gate.symbols.values.FORMAT``): a path
is part of the key because it names the module. Derived answers (what a branch
changes, who uses it) are kept per ids by ``changed`` and ``uses``.
Everything lives under ``<common git dir>/agentgate/symbols``: parse results and
answers in one SQLite file (``store``: thousands of small files cost a cold run
half its time), the two shared indexes ``memo`` hands out as JSON files written
atomically; and in memory for the rest of the process: ``check --all`` asks
about every branch's changes once per other branch. Uses are found from a blob's
sites (``gate.symbols.sites``), kept in memory only.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar
from weakref import WeakKeyDictionary

from gate.atomic import read_json, store
from gate.git.repo import GitRepo
from gate.model import MODE_EXEC, MODE_FILE, ChangeSet, Oid, language_of
from gate.symbols.store import Store

if TYPE_CHECKING:
    from gate.context import BranchInfo
    from gate.policy import Policy
    from gate.symbols import FileSymbols
    from gate.symbols.sites import Sites


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
_STORES: dict[str, Store] = {}  # per repository (its git dir)
_DEPTH = 0  # ``cached`` computations under way: the outermost one flushes
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


def _store(ctx: Source) -> Store | None:
    if not ctx.use_cache:
        return None
    key = _repo(ctx)
    found = _STORES.get(key)
    if found is None:
        found = _STORES[key] = Store(ctx.repo.cache_dir("symbols", "symbols.db"))
    return found


def _load(ctx: Source, key: str) -> Any:
    db = _store(ctx)
    text = db.get(key) if db is not None else None
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _keep(ctx: Source, key: str, text: str) -> None:
    db = _store(ctx)
    if db is not None:
        db.put(key, text)


def flush(ctx: Source) -> None:
    """Write what this run computed (``store.Store.flush``)."""
    db = _store(ctx)
    if db is not None:
        db.flush()


def cached(ctx: Source, parts: tuple[str, ...], compute: Callable[[], dict[str, Any]],
           decode: Callable[[dict[str, Any]], T], notes: list[str]) -> T:
    """``decode(compute())``, from memory or the cache when present.

    ``compute`` returns a JSON-able dict with a ``notes`` list (parse errors and
    the like); the notes go to ``notes`` on every read, cached or not, each once:
    the caller's (the check's, or an enclosing computation's, cached with it).
    What the outermost computation and those inside it computed is written when
    it ends, in one transaction.
    """
    global _DEPTH
    key = (_repo(ctx), *parts)
    hit = _MEMO.get(key)
    if hit is None:
        name = "/".join(parts)
        data = _load(ctx, name)
        value = _decoded(data, decode)
        if value is None:
            _DEPTH += 1
            try:
                data = compute()
            finally:
                _DEPTH -= 1
            value = decode(data)
            try:
                _keep(ctx, name, json.dumps(data, separators=(",", ":"), allow_nan=False))
            except (TypeError, ValueError):
                pass  # a value JSON cannot hold is simply not kept
            if _DEPTH == 0:
                flush(ctx)
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


def parsed(ctx: Source, path: str, oid: str, mode: int, notes: list[str], side: str,
           users: bool = False) -> FileSymbols | None:
    """The symbols of blob ``oid`` read as ``path``; None when its language is not
    analysed, it is not a regular file, or it does not parse (a note says so).

    ``users``: the run will look for uses in this blob too (``sites``), so a parse
    keeps its sites. Otherwise it does not: walking every name of a file costs
    more than parsing it, and most blobs read for their definitions (other
    branches' changed files) are never searched for uses.
    """
    from gate.symbols.values import FORMAT, FileSymbols

    if mode not in (MODE_FILE, MODE_EXEC) or language_of(path) is None:
        return None
    key = (_repo(ctx), "file", oid, path)
    fs: FileSymbols | None = _MEMO.get(key)
    if fs is None:
        name = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        entry = f"files/{oid}-{name}-f{FORMAT}"
        db = _store(ctx)
        text = db.get(entry) if db is not None else None
        if text is not None:
            try:
                fs = FileSymbols.from_json(text)
            except ValueError:
                fs = None
        if fs is None:
            fs = _parse(ctx, path, oid, notes, side, users)
            if fs is None:
                return None
            # "no go parser…": a grammar missing here, not a fact about the blob.
            if not (fs.error or "").startswith("no "):
                _keep(ctx, entry, fs.to_json())
        _MEMO[key] = fs
    if fs.error:
        notes.append(f"{path} ({side}): {fs.error}; its symbols are not analysed")
        return None
    if fs.skipped_note:
        notes.append(f"{path} ({side}): {fs.skipped_note}")
    return fs


def sites(ctx: Source, path: str, oid: str, mode: int, notes: list[str], side: str,
          words: frozenset[str] | None = None) -> tuple[FileSymbols, Sites] | None:
    """``parsed`` and the blob's sites, for finding uses in it (``sites.resolve``).

    A Python file's sites come from the parse that gave its symbols when that parse
    was told (``users``). A tree-sitter file is parsed once more (a few ms) and only
    its subtrees spelling one of ``words`` are walked (``sites.wanted_words``: every
    site that could resolve spells one); the next change set of the run walks it
    again only for words not covered yet.
    """
    from gate.symbols.sites import sites_of

    fs = parsed(ctx, path, oid, mode, notes, side, users=True)
    if fs is None:
        return None
    key = (_repo(ctx), "sites", oid, path)
    kept: tuple[frozenset[str] | None, Sites | None] | None = _MEMO.get(key)
    if kept is None or (kept[0] is not None and (words is None or not words <= kept[0])):
        # A Python file's sites are all of them, whatever the words (``sites_of``).
        covered = None
        if words is not None and fs.language != "python":
            covered = words | (kept[0] or frozenset() if kept else frozenset())
        try:
            data = ctx.repo.read_blob(oid)
        except (KeyError, ValueError):
            return None  # ``parsed`` read it a moment ago
        kept = _MEMO[key] = (covered, sites_of(path, fs.language, data, covered))
    found = kept[1]
    return None if found is None else (fs, found)


def _parse(ctx: Source, path: str, oid: str, notes: list[str], side: str, users: bool) -> FileSymbols | None:
    """One parse of a blob: its symbols; with ``users`` its sites too, kept in memory
    for the run (None when it has none to offer)."""
    from gate.symbols import extract, read

    try:
        data = ctx.repo.read_blob(oid)
    except (KeyError, ValueError):
        notes.append(f"{path} ({side}): blob {oid[:12]} is missing; its symbols are not analysed")
        return None
    if len(data) > MAX_PARSE_BYTES:
        notes.append(f"{path} ({side}): {len(data)} bytes, too large to analyse its symbols")
        return None
    if not users or language_of(path) != "python":
        return extract(path, data)  # a tree-sitter file's sites are walked by ``sites``
    got = read(path, data)
    if got is None:
        return None
    fs, found = got
    _MEMO[(_repo(ctx), "sites", oid, path)] = (None, found)
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
