"""Possible uses: a method matched by its name alone, the receiver's type unknown
(``refs.Resolver._by_name``). ``certain`` drops one when another type of the target
defines a method of that name and the calling file imports that type's module (or
is it): the call is then as likely to be the other type's. Applied by ``uses`` to
the uses it finds on the target and on added lines.
"""

from __future__ import annotations

import re
from typing import Any

from gate.model import language_of
from gate.symbols.cache import Source, cached, parsed
from gate.symbols.changed import Changes, Use, V
from gate.symbols.language import family
from gate.symbols.values import Target


def certain(ctx: Source, changes: Changes, uses: list[Use], notes: list[str], tree: str) -> list[Use]:
    """``uses`` without the possible ones (a method matched by its name alone, the
    receiver's type unknown) of a method whose name another type of the target
    also defines, in a file that imports that type's module (or is it): such a
    call is as likely to be that other type's. ``tree`` is the commit the using
    files are read from."""
    if not any(u.possible for u in uses):
        return uses
    shared = ambiguous(ctx, changes, notes)
    rivalled: dict[tuple[int, str], bool] = {}
    out = []
    for u in uses:
        if u.possible and not u.overload and u.index in shared:
            key = (u.index, u.path)
            if key not in rivalled:
                rivalled[key] = _rivalled(ctx, tree, u.path, shared[u.index], _object(changes.items[u.index].target))
            if rivalled[key]:
                continue
        out.append(u)
    return out


def _rivalled(ctx: Source, tree: str, path: str, rivals: list[Target] | None, loads: bool = False) -> bool:
    """Whether the file ``path`` of ``tree`` imports (or is) the module of a rival;
    with ``loads`` (the use is of an object's method, related through what the
    file's imports load) also whether what it imports loads one."""
    from gate.symbols.refs import Resolver
    from gate.symbols.sites import resolving

    lang = language_of(path)
    entry = ctx.repo.entry_at(tree, path)
    if rivals is None or lang is None or lang == "go" or entry is None:
        return True  # the search ran out, or go.mod would have to be read: as before
    fs = parsed(ctx, path, entry[0], entry[1], [], "target")
    if fs is not None and family(lang) == "js":  # related as for its uses: through what it loads
        from gate.symbols.jsfollow import localize_at

        fs = localize_at(ctx, fs, tree, "target", [])[0]
    if fs is None:
        return True
    found = Resolver(fs, rivals, resolving(lang))
    return found.loads if loads else found.related


def ambiguous(ctx: Source, changes: Changes, notes: list[str]) -> dict[int, list[Target] | None]:
    """Indices of changed methods whose name a method of another type defines in a
    file of the target (of the same language family). Files are read from the one
    word search ``candidates`` made, at most ``EXAMINE_BUDGET`` of them per method;
    a method whose search ran out is taken as shared everywhere (None). Each other
    method found is given as a target (its type's module is what relates a file)."""
    key = f"{ctx.target_oid}-{changes.key}-{V}"
    return cached(ctx, ("ambiguous", ctx.target_oid[:2], key + ".json"),
                  lambda: _compute_ambiguous(ctx, changes, notes), _rivals, notes)


def _rivals(data: dict[str, Any]) -> dict[int, list[Target] | None]:
    if not isinstance(data["shared"], dict):
        raise ValueError("written by another version")
    return {int(i): None if rows is None else [Target(*map(str, row)) for row in rows]
            for i, rows in data["shared"].items()}


def _object(t: Target) -> bool:
    """JS: a method of an exported object (a lower-case owner: ``res.cookie``)."""
    parts = t.qualname.split(".")
    return family(t.language) == "js" and len(parts) > 1 and parts[-2][:1].islower()


def _other_object(t: Target, qualname: str) -> bool:
    """JS: both methods of exported objects (``app.render`` and ``res.render``):
    each is matched by name only on a receiver of its owner's name
    (``refs.Resolver._by_name``), so neither can be the other's use."""
    other = Target(qualname, "", "", t.language)
    return _object(t) and _object(other) and t.qualname.split(".")[-2] != qualname.split(".")[-2]


def _compute_ambiguous(ctx: Source, changes: Changes, notes: list[str]) -> dict[str, Any]:
    from gate.symbols.uses import EXAMINE_BUDGET, candidates  # uses imports this module when it runs
    from gate.symbols.values import METHOD

    found = candidates(ctx, changes, notes)
    shared: dict[str, list[list[str]] | None] = {}
    quiet: list[str] = []  # parse notes of files read only for this belong to no finding
    for i, c in enumerate(changes.items):
        t = c.target
        if "." not in t.qualname:
            continue
        paths = [p for p, words in found.items()
                 if t.name in words and (lang := language_of(p)) and family(lang) == family(t.language)]
        rivals: list[list[str]] | None = []
        n = 0
        for path in sorted(paths):
            entry = ctx.repo.entry_at(ctx.target_oid, path)
            if entry is None or not _may_define(ctx, entry[0], t):
                continue
            if n >= EXAMINE_BUDGET:
                rivals = None
                break
            n += 1
            fs = parsed(ctx, path, entry[0], entry[1], quiet, "target")
            if fs is not None and rivals is not None:
                rivals += [[s.qualname, fs.path, fs.module, fs.language] for s in fs.symbols
                           if s.kind == METHOD and s.name == t.name and s.qualname != t.qualname
                           and not _other_object(t, s.qualname)]
        if rivals is None or rivals:
            shared[str(i)] = rivals
    return {"notes": [], "shared": shared}


# Per (git dir, blob, language family): the names the blob may define a method by.
_DEFINED: dict[tuple[str, str, str], frozenset[bytes]] = {}
_DEFINITIONS = {
    # Names up to what follows them, not \w: a name may be spelled in any script.
    "python": re.compile(rb"\bdef\s+([^\s(]+)"),
    "rust": re.compile(rb"\bfn\s+([^\s(<]+)"),
    "go": re.compile(rb"\bfunc\s*\([^)]*\)\s*([^\s(\[]+)"),
}


def _may_define(ctx: Source, oid: str, t: Target) -> bool:
    """Whether the blob spells what defining a method named like ``t`` takes, by
    language: a byte search that spares parsing the many files that only call it
    (on ansible, parsing every file naming ``warning`` to look for other
    definitions doubled a cold check). It may say yes to more than definitions,
    never no to one. Each blob is read once per run, whatever the names asked."""
    fam = family(t.language)
    pattern = _DEFINITIONS.get(fam)
    if pattern is None:
        return True  # Java, JS/TS: a definition spells what a call does (``m(``)
    key = (str(ctx.repo.git_dir), oid, fam)
    names = _DEFINED.get(key)
    if names is None:
        try:
            data = ctx.repo.read_blob(oid)
        except (KeyError, ValueError):
            return True  # parsing says what is missing
        names = _DEFINED[key] = frozenset(pattern.findall(data))
    return t.name.encode() in names
