"""Which symbols a change set changes, removes or renames (``gate.checks.symbols``).

Answered per changed file from the two blob ids (the hunks follow from them) and
cached that way, then per change set: a new commit on a 300-file branch parses
only the files it touched. Rows are plain JSON; ``Changes`` decodes them only when
asked, because a warm check reads every other branch's changes and usually needs
none of them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from gate.model import LANGUAGES, ChangeSet, FileChange, language_of
from gate.symbols import Param, Reference, Signature, Target, call_fits, touched
from gate.symbols.cache import Source, cached, parsed
from gate.symbols.classify import fitting
from gate.symbols.language import family
from gate.symbols.overloads import Overloads
from gate.symbols.values import FORMAT, METHOD, FileSymbols

BREAKS = frozenset({"signature", "removed", "renamed"})
_CTORS = frozenset({"__init__", "constructor", "new"})
# 2: no cap on user files per symbol and agent; 3: possible uses; 4: rivals; 5: Java overloads;
# 6: Rust paths named by crate (issue 19); 7: JS objects' methods through what imports load
CACHE_VERSION = 7
V = f"v{CACHE_VERSION}f{FORMAT}"  # in every derived cache key: a new format recomputes


@dataclass(frozen=True)
class Changed:
    """A symbol a branch changes: where it is defined on the branch (the base for a
    removal), how it changed, and its new signature for ``call_fits``."""

    target: Target
    kind: str
    detail: str
    path: str
    line: int
    signature: Signature | None
    change_path: str  # the FileChange's path: the finding binds to its blobs
    overloads: Overloads | None = None  # Java: which overload a call reaches

    @property
    def breaking(self) -> bool:
        return self.kind in BREAKS

    @property
    def definition(self) -> str:
        return f"{self.path}:{self.line}"

    def reaches(self, ref: Reference) -> bool:
        """Whether ``ref`` may use what changed (Java: a call of another overload does not)."""
        return self.overloads is None or self.overloads.reaches(ref)

    def certain(self, ref: Reference) -> bool:
        """Whether ``ref`` can be nothing but a use of what changed (Java: a call whose
        argument types leave another overload possible is not)."""
        return self.overloads is None or self.overloads.certain(ref)

    def breaks(self, ref: Reference) -> bool:
        """Whether the use ``ref`` no longer fits this change."""
        if not self.breaking:
            return False
        if self.overloads is not None:
            return not self.overloads.fits_after(ref)
        if self.kind == "signature" and self.signature is not None:
            # A call already written for the new signature (a keyword given…) fits.
            return call_fits(self.signature, ref, self.target.language) is not True
        return True


class Changes:
    """What one change set changes, and a digest of it that keys the use caches."""

    def __init__(self, rows: list[list[Any]], key: str) -> None:
        self.rows = rows
        self.key = key

    @cached_property
    def items(self) -> tuple[Changed, ...]:
        return tuple(_changed_from(row) for row in self.rows)

    @cached_property
    def families(self) -> frozenset[str]:
        """Language families that can use these symbols (JS, TS and TSX are one)."""
        return frozenset(family(row[3]) for row in self.rows)

    @cached_property
    def suffixes(self) -> tuple[str, ...]:
        """File name endings of those languages."""
        return tuple(sorted(s for s, lang in LANGUAGES.items() if family(lang) in self.families))

    @cached_property
    def words(self) -> frozenset[str]:
        """Identifiers one of which any use of these symbols spells, for a word search.

        A constructor is called through its class's name, never through
        ``__init__``/``constructor``/``new`` alone: those words are in nearly every
        file and would make every file a candidate.
        """
        out: set[str] = set()
        for row in self.rows:
            parts = row[0].split(".")
            if len(parts) > 1 and parts[-1] in _CTORS:
                out.add(parts[-2])
            else:
                out.update(Target(row[0], row[1], row[2], row[3]).words)
        return frozenset(out)

    def __bool__(self) -> bool:
        return bool(self.rows)


@dataclass(frozen=True)
class Use:
    """A use of ``changes.items[index]``; ``breaks`` when it no longer fits.
    ``agent`` owns the file on the target; empty for added lines. ``possible``: a
    method matched by its name alone, on a receiver of unknown type, or (``overload``)
    a call whose argument types another overload may take."""

    index: int
    agent: str
    path: str
    line: int
    end_line: int
    call: bool
    breaks: bool
    possible: bool = False  # matched by the method's name alone (the receiver's type unknown)
    overload: bool = False  # possible only because another overload may take the call (Java)


def digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode("utf-8", "surrogateescape")).hexdigest()[:24]


def branch_changes(ctx: Source, cs: ChangeSet, notes: list[str], users: bool = False) -> Changes:
    """The symbols ``cs`` changes, removes or renames (additions have no users yet);
    what could not be analysed goes to ``notes``. ``users``: the branch's own added
    lines will be searched for uses too (it is the branch checked), so its new
    blobs are parsed once for both."""
    def compute() -> dict[str, Any]:
        notes: list[str] = []
        rows = [row for fc in cs.files for row in file_changes(ctx, fc, notes, users)]
        return {"notes": notes, "changed": rows, "key": digest(rows)}

    def decode(data: dict[str, Any]) -> Changes:
        rows = data["changed"]
        if not isinstance(data["key"], str) or any(not isinstance(r, list) or len(r) != 11 for r in rows):
            raise ValueError("bad cache entry")
        return Changes(rows, data["key"])

    return cached(ctx, ("branch", cs.head[:2], f"{cs.head}-{cs.base}-{V}.json"), compute, decode, notes)


def file_changes(ctx: Source, fc: FileChange, notes: list[str], users: bool = False) -> list[list[Any]]:
    """Rows of the symbols one file change touches (see ``_row``)."""
    if fc.binary or fc.old_path is None or fc.old_oid is None or language_of(fc.old_path) is None:
        return []  # an added file defines only new symbols
    pair = f"{fc.old_oid}-{fc.new_oid}-{digest(fc.old_path, fc.new_path, fc.old_mode, fc.new_mode)}-{V}"
    rows: list[list[Any]] = cached(ctx, ("pairs", fc.old_oid[:2], pair + ".json"),
                                   lambda: _compute_file(ctx, fc, users), lambda d: list(d["changed"]), notes)
    return rows


def _compute_file(ctx: Source, fc: FileChange, users: bool) -> dict[str, Any]:
    notes: list[str] = []
    out: dict[Target, Changed] = {}
    touched_lines: dict[str, set[int]] = {}  # Java methods: lines of the old overloads touched
    assert fc.old_path is not None and fc.old_oid is not None
    old = parsed(ctx, fc.old_path, fc.old_oid, fc.old_mode, notes, "base")
    new = None
    if old is not None and fc.new_path is not None and fc.new_oid is not None:
        new = parsed(ctx, fc.new_path, fc.new_oid, fc.new_mode, notes, "branch", users and bool(fc.new_ranges()))
        if new is None:
            old = None  # not a parsed file on the branch: nothing can be told
    if old is None:
        return {"notes": notes, "changed": []}
    for c in touched(old, new, fc.hunks):
        if c.kind == "added":
            continue
        if c.kind == "renamed" and c.new is not None and new is not None and \
                _default_export(old) == c.symbol.name and _default_export(new) == c.new.name:
            # A JS/TS default import names no export: the rename breaks none of them.
            c = replace(c, kind="body", detail=f"{c.detail} (the default export)")
        if c.new is not None and new is not None:
            # A changed default counts as required: the calls that omit it no longer fit.
            path, line, sig = new.path, c.new.line, fitting(c.symbol.signature, c.new.signature)
        else:
            path, line, sig = old.path, c.symbol.line, None
        _keep(out, Changed(Target.of(old, c.symbol), c.kind, c.detail, path, line, sig, fc.path))
        if old.language == "java" and c.symbol.kind == METHOD:
            touched_lines.setdefault(c.symbol.qualname, set()).add(c.symbol.line)
    for qual, lines in touched_lines.items():
        t = next(t for t in out if t.qualname == qual)
        out[t] = replace(out[t], overloads=java_overloads(old, new, qual, lines))
    if new is not None and new.module != old.module:
        # The file moved to another module: every import of what it defines breaks,
        # whatever the hunks touch. Members move with their class.
        for s in old.symbols:
            if "." not in s.qualname:
                moved = next((n for n in new.find(s.qualname)), None)
                path, line = (new.path, moved.line) if moved else (old.path, s.line)
                _keep(out, Changed(Target.of(old, s), "renamed", f"moved from {old.path}", path, line,
                                   None, fc.path))
    return {"notes": notes, "changed": [_row(c) for c in out.values()]}


def java_overloads(old: FileSymbols, new: FileSymbols | None, qual: str, lines: set[int]) -> Overloads:
    """Every overload of ``qual`` on both sides, and which old ones changed (by line)."""
    before = old.find(qual)
    after = new.find(qual) if new is not None else ()
    return Overloads(tuple(s.signature or Signature() for s in before),
                     tuple(i for i, s in enumerate(before) if s.line in lines),
                     tuple(s.signature or Signature() for s in after))
def _default_export(fs: FileSymbols) -> str | None:
    """The local name a JS/TS file exports as default (``Import.export``), if any."""
    return next((i.name for i in fs.imports if not i.module and i.export in ("default", "=")), None)


def _keep(out: dict[Target, Changed], ch: Changed) -> None:
    # Overloads share a target (a use cannot tell them apart): the worst stays.
    if ch.target not in out or (ch.breaking and not out[ch.target].breaking):
        out[ch.target] = ch


def _sig_row(sig: Signature) -> list[Any]:
    return [[[p.name, p.has_default, p.annotation, p.kind] for p in sig.params], sig.returns]


def _sig_from(row: list[Any]) -> Signature:
    return Signature(tuple(Param(n, bool(d), a, k) for n, d, a, k in row[0]), row[1])


def _row(c: Changed) -> list[Any]:
    t = c.target
    sig = None if c.signature is None else _sig_row(c.signature)
    ov = c.overloads
    ovs = None if ov is None else [[_sig_row(s) for s in ov.old], list(ov.touched), [_sig_row(s) for s in ov.new]]
    return [t.qualname, t.path, t.module, t.language, c.kind, c.detail, c.path, c.line, sig, c.change_path, ovs]


def _changed_from(row: list[Any]) -> Changed:
    qual, tpath, module, language, kind, detail, path, line, sig, change_path, ovs = row
    signature = None if sig is None else _sig_from(sig)
    overloads = None
    if ovs is not None:
        overloads = Overloads(tuple(_sig_from(s) for s in ovs[0]), tuple(int(i) for i in ovs[1]),
                              tuple(_sig_from(s) for s in ovs[2]))
    return Changed(Target(qual, tpath, module, language), kind, detail, path, line, signature, change_path,
                   overloads)


_FAMILIES: dict[tuple[str, str, str], set[str]] = {}


def added_families(cs: ChangeSet) -> set[str]:
    """Language families of the files whose lines ``cs`` adds (memoised: the board
    asks for every pair of open branches)."""
    key = ("added", cs.base, cs.head)
    if key not in _FAMILIES:
        _FAMILIES[key] = _added_families(cs)
    return _FAMILIES[key]


def changed_families(cs: ChangeSet) -> set[str]:
    """Language families of the files ``cs`` modifies, deletes or renames (memoised)."""
    key = ("changed", cs.base, cs.head)
    if key not in _FAMILIES:
        _FAMILIES[key] = _changed_families(cs)
    return _FAMILIES[key]


def _added_families(cs: ChangeSet) -> set[str]:
    return {family(lang) for fc in cs.files if fc.new_path and fc.new_ranges() and not fc.binary
            for lang in [language_of(fc.new_path)] if lang}


def _changed_families(cs: ChangeSet) -> set[str]:
    return {family(lang) for fc in cs.files if fc.old_path and not fc.binary
            for lang in [language_of(fc.old_path)] if lang}
