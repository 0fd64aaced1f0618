"""Inherited Java members: ``job.run(1)`` on a ``Job extends Base`` uses ``Base.run``.

When a branch changes a member ``m`` of a Java class (or interface) ``Base``, the
classes of the target that extend or implement ``Base`` (transitively) and do not
declare ``m`` themselves inherit it: ``Sub.m`` is then another name of the changed
member. ``aliases`` answers those names as targets that report as the changed one,
so ``Sub.m(…)``, ``sub.m(…)`` on a declared ``Sub`` and a bare ``m(…)`` inside ``Sub``
resolve like uses of ``Base.m``. A subclass that declares ``m`` (an override, or an
overload, which hides nothing but is told apart only by ``overloads``) stops the
chain for that member. Constructors are not inherited.

Subclasses are found in the target's tree: a word search for a class's name, a
byte search for ``extends``/``implements``/``new`` before it, then the class headers
of those files resolved through their imports and package like any written path.
Bounded: ``MAX_DEPTH`` levels, ``MAX_FILES`` candidates read per class; a note says
when the bound cut the search. The answer is cached by target commit and the changed
members, each class's direct subclasses for the run, each blob's headers by blob id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gate.symbols.cache import Source, cached, parsed
from gate.symbols.changed import Changes, V, digest
from gate.symbols.java_types import raw
from gate.symbols.values import VAR, Signature, Target

if TYPE_CHECKING:
    from tree_sitter import Node

MAX_DEPTH = 4  # levels of subclasses followed
MAX_FILES = 300  # candidate files whose class headers are read, per class
_CLASSES = frozenset({"class_declaration", "interface_declaration", "enum_declaration", "record_declaration"})
_MEMBERS = frozenset({"method_declaration", *_CLASSES, "annotation_type_declaration"})


@dataclass(frozen=True)
class Header:
    """A class of a file: qualified name ("" for an anonymous class), supertypes as
    written, names of the members it declares, and its methods as (name, parameter
    types, first line)."""

    qual: str
    supers: tuple[str, ...]
    members: frozenset[str]
    methods: tuple[tuple[str, tuple[str, ...], int], ...] = ()


@dataclass(frozen=True)
class Owner:
    """A class whose members are wanted, with the changes' indexes per member name."""

    target: Target
    members: tuple[tuple[str, tuple[int, ...]], ...]


def headers(root: Node) -> list[Header]:
    """Every class, interface, enum and record of a file, nested and anonymous ones
    (``new T() {…}``) included."""
    from gate.symbols.java_scope import type_path
    from gate.symbols.lang_java import signature
    from gate.symbols.treesitter import named, text

    out: list[Header] = []
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:  # every node: only files that may extend a wanted class get here
        node, prefix = stack.pop()
        kind = node.type
        body = None
        if kind in _CLASSES and node.child_by_field_name("name") is not None:
            qual = prefix + text(node.child_by_field_name("name"))
            supers = []
            for part in named(node):
                if part.type in ("superclass", "super_interfaces", "extends_interfaces"):
                    listed = [t for c in named(part) for t in (named(c) if c.type == "type_list" else [c])]
                    supers += [p for p in (type_path(t) for t in listed) if p]
            body, prefix = node.child_by_field_name("body"), qual + "."
        elif kind == "object_creation_expression":
            body = next((c for c in named(node) if c.type == "class_body"), None)
            qual, supers = "", [type_path(node.child_by_field_name("type"))]
        if body is not None:
            members = [m for b in [body, *(c for c in named(body) if c.type == "enum_body_declarations")]
                       for m in named(b) if m.type in _MEMBERS]
            names = frozenset(text(m.child_by_field_name("name")) for m in members)
            methods = tuple((text(m.child_by_field_name("name")), params(signature(m)), _marked(m))
                            for m in members if m.type == "method_declaration")
            out.append(Header(qual, tuple(p for p in supers if p), names, methods))
        stack.extend((c, prefix) for c in reversed(node.named_children))
    return out


def _marked(method: Node) -> int:
    """The line javac reports an override that overrides nothing on: its ``@Override``,
    else the method's first."""
    from gate.symbols.treesitter import first_line, named, text

    for mods in named(method):
        if mods.type == "modifiers":
            for a in named(mods):
                if a.type in ("marker_annotation", "annotation") and text(a.child_by_field_name("name")) in (
                        "Override", "java.lang.Override"):
                    return first_line(a)
    return first_line(method)


def aliases(ctx: Source, changes: Changes, notes: list[str]) -> dict[Target, int]:
    """Targets ``Sub.m`` standing for the changed Java member ``Base.m`` (its index)."""
    rows = _answer(ctx, changes, notes).get("aliases", [])
    return {Target(q, p, m, "java"): int(i) for i, q, p, m in rows}


def overrides(ctx: Source, changes: Changes, notes: list[str]) -> list[tuple[int, str, int]]:
    """(index, path, line) of each method of the target overriding a changed Java
    method whose signature changes or that goes away: an ``@Override`` no longer
    compiles, an implementation no longer implements, and one without the
    annotation silently stops overriding."""
    rows = _answer(ctx, changes, notes).get("overrides", [])
    return [(int(i), str(p), int(n)) for i, p, n in rows]


def _answer(ctx: Source, changes: Changes, notes: list[str]) -> dict[str, Any]:
    if "java" not in changes.families:
        return {}  # read from the rows: a run asks this of every open branch's changes
    wanted: dict[tuple[str, str, str], dict[str, list[int]]] = {}
    for i, c in enumerate(changes.items):
        t = c.target
        parts = t.qualname.split(".")
        if t.language != "java" or len(parts) < 2 or parts[-1] == parts[-2]:
            continue  # not a member, or a constructor
        wanted.setdefault((".".join(parts[:-1]), t.path, t.module), {}).setdefault(parts[-1], []).append(i)
    if not wanted:
        return {}
    owners = [Owner(Target(q, p, m, "java"), tuple((n, tuple(ix)) for n, ix in sorted(members.items())))
              for (q, p, m), members in sorted(wanted.items())]
    # The parameter types of the old overloads a breaking change touches: an override has them.
    broken = {i: sorted({params(c.overloads.old[k]) for k in c.overloads.touched})
              for i, c in enumerate(changes.items) if c.breaking and c.overloads is not None}
    key = digest([[o.target.qualname, o.target.path, o.target.module, o.members] for o in owners],
                 sorted(broken.items()))
    return cached(ctx, ("hierarchy", ctx.target_oid[:2], f"{ctx.target_oid}-{key}-{V}.json"),
                  lambda: _compute(ctx, owners, broken), lambda d: dict(d), notes)


def params(sig: Signature) -> tuple[str, ...]:
    """A method's parameter types as an override repeats them (raw: no type arguments)."""
    return tuple(raw(p.annotation or "") + ("[]" if p.kind == VAR else "") for p in sig.params)


def key_of(found: dict[Target, int]) -> str:
    """A digest of an ``aliases`` answer, for the cache keys of answers built on it."""
    return digest(sorted([t.qualname, t.path, t.module, i] for t, i in found.items())) if found else ""


def _compute(ctx: Source, owners: list[Owner], broken: dict[int, list[tuple[str, ...]]]) -> dict[str, Any]:
    rows: list[list[Any]] = []
    overridden: list[list[Any]] = []
    notes: list[str] = []
    seen = {(o.target.path, o.target.qualname) for o in owners}
    frontier = owners
    for _ in range(MAX_DEPTH):
        following: list[Owner] = []
        _prefetch(ctx, [base.target for base in frontier])
        for base in frontier:
            children, note = _children(ctx, base.target)
            if note and note not in notes:
                notes.append(note)
            for h, path, module in children:
                # javac marks an override that no longer overrides at its ``@Override``.
                overridden += [[i, path, line] for m, ix in base.members for i in ix if i in broken
                               for name, types, line in h.methods if name == m and types in broken[i]]
                if not h.qual or (path, h.qual) in seen:
                    continue  # an anonymous class: nothing names it to call through
                inherited = tuple((m, ix) for m, ix in base.members if m not in h.members)
                if inherited:
                    seen.add((path, h.qual))
                    rows += [[i, f"{h.qual}.{m}", path, module] for m, ix in inherited for i in ix]
                    following.append(Owner(Target(h.qual, path, module, "java"), inherited))
        frontier = following
    return {"notes": notes, "aliases": rows, "overrides": overridden}


# The direct subclasses of a class at a target commit, for the run: every open
# branch's changes of the same class ask again.
_CHILDREN: dict[tuple[str, str, Target], tuple[list[tuple[Header, str, str]], str | None]] = {}
# The Java files of a target commit naming a class name (path -> the names it holds).
_NAMING: dict[tuple[str, str, str], dict[str, frozenset[str]]] = {}


def _prefetch(ctx: Source, bases: list[Target]) -> None:
    """One ``git grep`` for the names of every class of a level of the hierarchy:
    each search reads the whole tree, whatever it looks for (gson's TypeAdapter has
    52 subclasses: 52 searches took 0.75 s, one takes 15 ms)."""
    from gate.git.grep import words_in_tree

    at = (str(ctx.repo.git_dir), ctx.target_oid)
    names = sorted({b.name for b in bases if (*at, b.name) not in _NAMING})
    if not names:
        return
    found = words_in_tree(ctx.repo, ctx.target_oid, names, (".java",))
    for name in names:
        _NAMING[(*at, name)] = {path: words & {name} for path, words in found.items() if name in words}


def _children(ctx: Source, base: Target) -> tuple[list[tuple[Header, str, str]], str | None]:
    """(header, path, module) of each class of the target whose written supertype
    resolves to ``base``, and a note when the search stopped at ``MAX_FILES``."""
    from gate.git.grep import words_in_tree
    from gate.symbols.language import reader
    from gate.symbols.refs import Resolver

    key = (str(ctx.repo.git_dir), ctx.target_oid, base)
    if key in _CHILDREN:
        return _CHILDREN[key]
    found = _NAMING.get(key[:2] + (base.name,))
    if found is None:
        found = words_in_tree(ctx.repo, ctx.target_oid, [base.name], (".java",))
    out: list[tuple[Header, str, str]] = []
    note = None
    read = 0
    quiet: list[str] = []  # parse notes of files read only for their headers belong to no finding
    for path in sorted(found):
        entry = ctx.repo.entry_at(ctx.target_oid, path)
        if entry is None or not _may_extend(ctx, entry[0], found[path]):
            continue  # names the class without extending it: most files that name it
        if read >= MAX_FILES:
            note = (f"symbols: more than {MAX_FILES} Java files may extend {base.qualname}; subclasses "
                    "beyond them are not searched (calls through those are not found)")
            break
        read += 1
        fs = parsed(ctx, path, entry[0], entry[1], quiet, "target")
        if fs is None:
            continue
        resolver = Resolver(fs, [base], reader("java"))
        for h in _headers(ctx, path, entry[0]):
            if any((hit := resolver.resolve(w.split("."), None)) is not None and hit[2] != "name" for w in h.supers):
                out.append((h, path, fs.module))
    _CHILDREN[key] = (out, note)
    return out, note


def _may_extend(ctx: Source, oid: str, names: frozenset[str]) -> bool:
    """Whether the blob has ``extends`` or ``implements`` shortly before one of ``names``
    (a byte search: a class header is read only where one can be)."""
    try:
        data = ctx.repo.read_blob(oid)
    except (KeyError, ValueError):
        return False
    words = b"|".join(re.escape(n.encode()) for n in sorted(names))
    # Bounded gap: linear in the blob whatever it holds. ``new T(…) {``: an anonymous subclass.
    return re.search(rb"\b(?:extends|implements)\b[^{;]{0,400}?\b(?:" + words + rb")\b|\bnew\s+(?:[\w.]+\.)?(?:"
                     + words + rb")\b[^;{]{0,400}?\)\s*\{", data) is not None


def _headers(ctx: Source, path: str, oid: str) -> list[Header]:
    def compute() -> dict[str, Any]:
        from gate.symbols.treesitter import parse

        try:
            root = parse("java", ctx.repo.read_blob(oid))
        except (KeyError, ValueError):
            return {"notes": [], "headers": []}
        if isinstance(root, str):
            return {"notes": [], "headers": []}
        return {"notes": [], "headers": [[h.qual, list(h.supers), sorted(h.members), [list(m) for m in h.methods]]
                                         for h in headers(root)]}

    return cached(ctx, ("jheaders", oid[:2], f"{oid}-{V}.json"), compute,
                  lambda d: [Header(q, tuple(s), frozenset(m), tuple((n, tuple(t), int(ln)) for n, t, ln in ms))
                             for q, s, m, ms in d["headers"]], [])
