"""Which symbols a diff touches, and whether callers can notice.

``touched`` maps git -U0 hunks to the enclosing definitions on both sides and
classifies each as ``body``, ``signature``, ``removed``, ``renamed`` or
``added``. A signature change that every existing call still satisfies (a
trailing parameter with a default, a default added, in Python a keyword-only
parameter with a default or a changed annotation) is reported as ``body`` with
a ``detail`` saying so: callers need no edit, but the behaviour they rely on
may still have changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from gate.symbols.values import (
    CLASS,
    KWONLY,
    POS,
    POSONLY,
    VAR,
    VARKW,
    FileSymbols,
    Param,
    Reference,
    Signature,
    Symbol,
    SymbolChange,
)

if TYPE_CHECKING:
    from gate.model import Hunk

# Below this share of equal lines a removed and an added symbol are two symbols.
RENAME_SIMILARITY = 0.8

Key = tuple[str, int]


def touched(old: FileSymbols | None, new: FileSymbols | None, hunks: Iterable[Hunk]) -> list[SymbolChange]:
    """The symbols ``hunks`` touch, classified, in the order of the file.

    ``old``/``new`` are the base and head parses (None for an added or deleted
    file). When either side did not parse nothing is reported: a half-read file
    would turn every symbol into a false removal. A side read around syntax
    errors (``skipped``) reports what it holds, but a symbol missing from it may
    sit on the lines left out: it is neither removed nor added.
    """
    if (old is not None and old.error) or (new is not None and new.error):
        return []
    hunks = tuple(hunks)
    side = new if new is not None else old
    language = side.language if side is not None else "python"
    olds = _keyed(old.symbols if old else ())
    news = _keyed(new.symbols if new else ())
    if language == "java":
        from gate.symbols.overloads import paired

        news = paired(olds, news)
    # An ordered set: a symbol is touched when its old or its new lines are.
    hit = dict.fromkeys(k for k, s in olds.items() if any(_hit_old(s, h) for h in hunks))
    hit.update(dict.fromkeys(k for k, s in news.items() if any(_hit_new(s, h) for h in hunks)))
    changes: list[SymbolChange] = []
    removed: list[Symbol] = []
    added: list[Symbol] = []
    for key in hit:
        o, n = olds.get(key), news.get(key)
        if o is not None and n is not None:
            change = compare(o, n, language)
            if change is not None:
                changes.append(change)
        elif o is not None:
            if new is None or not new.skipped:
                removed.append(o)
        elif n is not None:
            if old is None or not old.skipped:
                added.append(n)
    changes += _without_members(_renames(removed, added))
    # Old and new line numbers mix here; additions go last on a tie.
    changes.sort(key=lambda c: (c.symbol.first_line, c.kind == "added", c.symbol.line))
    return changes


def _keyed(symbols: Iterable[Symbol]) -> dict[Key, Symbol]:
    """Symbols by (qualified name, occurrence): overloads pair up in order."""
    seen: dict[str, int] = {}
    out: dict[Key, Symbol] = {}
    for s in symbols:
        n = seen.get(s.qualname, 0)
        seen[s.qualname] = n + 1
        out[(s.qualname, n)] = s
    return out


def _hit_old(s: Symbol, h: Hunk) -> bool:
    if h.old_lines:
        return h.old_start <= s.end_line and s.first_line <= h.old_start + h.old_lines - 1
    # Lines inserted after old line ``old_start``: inside only if not after the end.
    return s.first_line <= h.old_start < s.end_line


def _hit_new(s: Symbol, h: Hunk) -> bool:
    if h.new_lines:
        return h.new_start <= s.end_line and s.first_line <= h.new_start + h.new_lines - 1
    return s.first_line <= h.new_start < s.end_line


def compare(old: Symbol, new: Symbol, language: str) -> SymbolChange | None:
    """How one symbol present on both sides changed (None: not visibly)."""
    if old.kind != new.kind:
        return SymbolChange("signature", old, new, f"{old.kind} became a {new.kind}")
    if old.signature != new.signature:
        why = breaks(old.signature or Signature(), new.signature or Signature(), language)
        if why:
            return SymbolChange("signature", old, new, why)
        changed = changed_defaults(old.signature or Signature(), new.signature or Signature())
        if changed:
            p, q = changed[0]
            return SymbolChange("signature", old, new, f"default of '{p.name}' changed from {p.default} to {q.default}")
        return SymbolChange("body", old, new, "signature changed compatibly")
    if old.digest != new.digest:
        return SymbolChange("body", old, new)
    return None


def breaks(old: Signature, new: Signature, language: str) -> str | None:
    """Why a call valid against ``old`` may fail against ``new``; None if none can."""
    if language == "python":
        return _python_breaks(old, new)
    why = _positional_breaks(list(old.params), list(new.params), typed=True)
    if why:
        return why
    if old.returns != new.returns:
        return f"return type changed from {old.returns or 'none'} to {new.returns or 'none'}"
    return None


def changed_defaults(old: Signature, new: Signature) -> list[tuple[Param, Param]]:
    """Parameters (old, new) whose default value's text changed: every call that
    omits the argument now gets another value."""
    before = {p.name: p for p in old.params if p.has_default and p.default is not None}
    return [(before[q.name], q) for q in new.params
            if q.name in before and q.has_default and q.default is not None and q.default != before[q.name].default]


def fitting(old: Signature | None, new: Signature | None) -> Signature | None:
    """``new`` as calls must be written to keep what they got: a parameter whose
    default changed is required, so ``call_fits`` fails the calls that omit it."""
    if old is None or new is None:
        return new
    moved = {q.name for _, q in changed_defaults(old, new)}
    if not moved:
        return new
    return Signature(tuple(replace(q, has_default=False) if q.name in moved else q for q in new.params), new.returns)


def _positional_breaks(old: list[Param], new: list[Param], typed: bool) -> str | None:
    old_names = {p.name for p in old}
    new_names = {p.name for p in new}
    for i, p in enumerate(old):
        if i >= len(new):
            return f"{'variadic ' if p.kind == VAR else ''}parameter '{p.name}' removed"
        q = new[i]
        # Names first: a parameter inserted before a variadic one shifts it, and
        # that is what the message must say, not that the variadic went away.
        # Positional-only names are not part of the call (Python ``/``).
        if q.name != p.name and not (p.kind == POSONLY and q.kind == POSONLY):
            if p.name in new_names and q.name not in old_names:
                return f"parameter '{q.name}' inserted before '{p.name}'"
            if p.name in new_names:
                return "parameters reordered"
            if q.name in old_names or (p.kind == VAR and q.kind != VAR):
                return f"{'variadic ' if p.kind == VAR else ''}parameter '{p.name}' removed"
            return f"parameter '{p.name}' renamed to '{q.name}'"
        if p.kind == VAR and q.kind != VAR:
            return f"parameter '{p.name}' is no longer variadic"
        if typed and q.annotation != p.annotation:
            return f"type of '{p.name}' changed from {p.annotation} to {q.annotation}"
        if p.has_default and not q.has_default:
            return f"default of '{p.name}' removed"
    for q in new[len(old) :]:
        if not q.has_default and q.kind not in (VAR, VARKW):
            return f"parameter '{q.name}' added without a default"
    return None


def _python_breaks(old: Signature, new: Signature) -> str | None:
    """Python call semantics: positional order, keyword names, ``*args``/``**kw``."""
    old_pos = [p for p in old.params if p.kind in (POS, POSONLY)]
    new_pos = [p for p in new.params if p.kind in (POS, POSONLY)]
    new_var = any(p.kind == VAR for p in new.params)
    new_varkw = any(p.kind == VARKW for p in new.params)
    why = _positional_breaks(old_pos, new_pos, typed=False)
    if why:
        return why
    if any(p.kind == VAR for p in old.params) and not new_var:
        return "*args removed"
    if any(p.kind == VARKW for p in old.params) and not new_varkw:
        return "**kwargs removed"
    by_name = {p.name: p for p in new.params if p.kind in (POS, KWONLY)}
    old_named = [p for p in old.params if p.kind in (POS, KWONLY)]
    for p in old_named:
        q = by_name.get(p.name)
        if q is None:
            if not new_varkw:
                return f"parameter '{p.name}' removed"
            continue
        if p.has_default and not q.has_default:
            return f"default of '{p.name}' removed"
    for p in old.params:
        if p.kind == POS and any(q.name == p.name and q.kind == POSONLY for q in new.params):
            return f"parameter '{p.name}' became positional-only"
    known = {p.name for p in old.params}
    for q in new.params:
        if q.kind == KWONLY and q.name not in known and not q.has_default:
            return f"keyword-only parameter '{q.name}' added without a default"
    return None


def _renames(removed: list[Symbol], added: list[Symbol]) -> list[SymbolChange]:
    """Pair a removed and an added symbol with one signature and a near-equal body."""
    from difflib import SequenceMatcher  # only needed when something was removed

    out: list[SymbolChange] = []
    free = list(added)
    for o in removed:
        parent = o.qualname.rpartition(".")[0]
        best, score = None, RENAME_SIMILARITY
        for n in free:
            if n.kind != o.kind or n.signature != o.signature or n.qualname.rpartition(".")[0] != parent:
                continue
            ratio = SequenceMatcher(None, o.digest, n.digest, autojunk=False).ratio()
            if ratio >= score:
                best, score = n, ratio
        if best is not None:
            free.remove(best)
            out.append(SymbolChange("renamed", o, best, f"renamed to {best.qualname}"))
        else:
            out.append(SymbolChange("removed", o))
    out += [SymbolChange("added", n) for n in free]
    return out


def _without_members(changes: list[SymbolChange]) -> list[SymbolChange]:
    """Drop the members of a class removed, renamed or added as a whole: the
    class's own entry says it, and its users are found through its name."""
    whole = {(c.kind == "added", c.symbol.qualname + ".") for c in changes if c.symbol.kind == CLASS}
    whole |= {(True, c.new.qualname + ".") for c in changes if c.new is not None and c.new.kind == CLASS}
    return [
        c
        for c in changes
        if not any(c.symbol.qualname.startswith(prefix) and (c.kind == "added") == new for new, prefix in whole)
    ]


def call_fits(sig: Signature, ref: Reference, language: str) -> bool | None:
    """Whether the call ``ref`` matches ``sig``; None when it cannot be told."""
    if not ref.call or ref.splat:
        return None
    params = sig.params
    if language != "python":
        fixed = [p for p in params if p.kind != VAR]
        # Arguments are positional: a required parameter after defaulted ones needs
        # every argument before it too (``f(s = '', strict)`` takes two).
        required = max((i + 1 for i, p in enumerate(fixed) if not p.has_default), default=0)
        if any(p.kind == VAR for p in params):
            return ref.args >= required
        return required <= ref.args <= len(fixed)
    positional = [p for p in params if p.kind in (POS, POSONLY)]
    if ref.args > len(positional) and not any(p.kind == VAR for p in params):
        return False
    filled = {p.name for p in positional[: ref.args]}
    named = {p.name for p in params if p.kind in (POS, KWONLY)}
    for kw in ref.keywords:
        if kw in filled or (kw not in named and not any(p.kind == VARKW for p in params)):
            return False
    given = filled | set(ref.keywords)
    return all(p.has_default or p.name in given for p in params if p.kind not in (VAR, VARKW))
