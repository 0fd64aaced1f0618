"""Every written path of one file (a *site*), read in the same pass as its definitions.

A site is what ``refs.Resolver`` resolves: the dotted path at a node (``f``,
``cfg.parse``, ``["", "m"]`` for ``f().m``), how it is called, and where it is.
Sites do not depend on which symbols are wanted, so one parse of a blob serves
every set of changes a run asks about (``check --all`` and ``status`` ask about
every other open branch's): ``resolve`` then only looks up the sites that spell
one of the wanted names. Before, each set of changes parsed and walked the file
again.

The walks visit nodes in the order the former per-target walks did and
``resolve`` sorts stably by (line, column), so the references come out the same.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from gate.symbols.language import Resolving, family, reader
from gate.symbols.pytypes import Receivers, built
from gate.symbols.values import Call, FileSymbols, Reference, Target

if TYPE_CHECKING:
    from tree_sitter import Node


class Site(NamedTuple):
    parts: tuple[str, ...]
    call: Call | None
    line: int
    end_line: int
    column: int
    # The declared or constructed type of the receiver ``parts[:-1]`` as written,
    # its parts joined by "." (``lang_*.receivers``); None when not known.
    receiver: str | None = None


Sites = tuple[Site, ...]


# -- Python ---------------------------------------------------------------------------


def python_sites(tree: ast.Module) -> Sites:
    """Names and attribute chains outside import statements, in ``ast.NodeVisitor`` order.

    ``a.b.c`` is one site (its inner ``a.b`` and ``a`` are not); ``f().m`` is the
    site ``["", "m"]`` and ``f()`` is still visited.
    """
    out: list[Site] = []
    calls: dict[int, ast.Call] = {}
    stack: list[ast.AST] = [tree]
    name, attribute, call_t = ast.Name, ast.Attribute, ast.Call
    skip = (ast.Import, ast.ImportFrom)  # the binding, not a use
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is name:
            assert isinstance(node, ast.Name)
            out.append(_python_site(node, (node.id,), calls))
            continue
        if kind is attribute:
            assert isinstance(node, ast.Attribute)
            parts: list[str] = []
            inner: ast.expr = node
            while isinstance(inner, ast.Attribute):
                parts.append(inner.attr)
                inner = inner.value
            if isinstance(inner, ast.Name):
                parts.append(inner.id)
                parts.reverse()
                out.append(_python_site(node, tuple(parts), calls))
            else:
                # ``f().m`` or ``x[0].m``: only the attribute name can be told, and
                # the receiver's type when it is built right there (``C().m``).
                site = _python_site(node, ("", node.attr), calls)
                if isinstance(node.value, ast.Call):
                    site = site._replace(receiver=built(node.value))
                out.append(site)
                stack.append(node.value)
            continue
        if isinstance(node, skip):
            continue
        if kind is call_t:
            assert isinstance(node, ast.Call)
            calls[id(node.func)] = node
        children: list[ast.AST] = []
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                children.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST):
                children.append(value)
        children.reverse()
        stack.extend(children)
    return _python_receivers(tree, out)


def _python_receivers(tree: ast.Module, sites: list[Site]) -> Sites:
    """``sites`` with the receiver types the file states (``pytypes``)."""
    if not any(len(s.parts) > 1 and s.parts[0] for s in sites):
        return tuple(sites)
    types = Receivers(tree)
    return tuple(s._replace(receiver=types.lookup(s.parts[:-1], s.line))
                 if len(s.parts) > 1 and s.parts[0] else s for s in sites)


def _python_site(node: ast.expr, parts: tuple[str, ...], calls: dict[int, ast.Call]) -> Site:
    called = calls.get(id(node))
    call = None
    if called is not None:
        splat = any(isinstance(a, ast.Starred) for a in called.args) or any(k.arg is None for k in called.keywords)
        call = Call(sum(not isinstance(a, ast.Starred) for a in called.args),
                    tuple(k.arg for k in called.keywords if k.arg is not None), splat)
    end = (called or node).end_lineno or node.lineno
    return Site(parts, call, node.lineno, end, node.col_offset + 1)


# -- tree-sitter languages ------------------------------------------------------------


def tree_sites(language: str, root: Node, keep: Sequence[int] | None = None,
               words: frozenset[str] | None = None) -> Sites:
    """The paths ``lang_*.path_of`` finds, depth first, outside the ``SKIP`` node types.

    ``keep``: the sorted byte offsets where a wanted word starts (``word_offsets``);
    a subtree holding none of them is not walked, since every part of a site is
    spelled inside its node. Walking every name of a large file is most of what a
    cold check costs. ``words``: a site spelling none of them is left out (no
    receiver type is looked up for it).
    """
    from gate.symbols.treesitter import first_line, last_line

    lang = reader(language)
    lazy: dict[str, str] | None = None

    def receivers() -> dict[str, str]:
        nonlocal lazy  # the receivers' pass walks the whole tree: only when a site asks
        if lazy is None:
            lazy = lang.receivers(root)
        return lazy
    # Java: a name the file declares with several types is looked up in scope.
    scoped = getattr(lang, "receiver_at", None)
    # Rust: a member is named at the line of its name (``b\n    .fill(2)``: where the
    # compiler reports it), not where the chain it ends starts.
    line_of = getattr(lang, "site_line", first_line)

    def type_of(name: str, at: Node) -> str:
        if name.endswith("[]"):  # an element of an array: the array's type, one dimension less
            array = type_of(name[:-2], at)
            return array[:-2] if array.endswith("[]") else ""
        # ``name@line``: the type in the scope of this use, when the language tells it
        # apart from the file-wide reading (Rust: per function and impl).
        types = receivers()
        found = types.get(f"{name}@{first_line(at)}", types.get(name))
        return str(scoped(at, name)) if found == "" and scoped is not None else found or ""

    # Rust's macro arguments are token trees, whose paths are read across sibling
    # tokens (``util :: helper``): inside one, every token is walked.
    whole: frozenset[str] = getattr(lang, "WHOLE", frozenset())
    out: list[Site] = []
    stack = [(root, keep)]
    while stack:
        node, within = stack.pop()
        if node.type in lang.SKIP:
            continue
        if within is not None:
            i = bisect_left(within, node.start_byte)
            if i == len(within) or within[i] >= node.end_byte:
                continue  # no wanted word in here
            if node.type in whole:
                within = None
        found = lang.path_of(node)
        if found is None:
            stack.extend((c, within) for c in reversed(node.named_children))
            continue
        parts, rest = found
        stack.extend((c, within) for c in reversed(rest))
        if words is not None and words.isdisjoint(parts):
            continue
        called = lang.call_of(node)
        if called is not None and any(t[:1] == "$" for t in called[1].types):
            # An argument that is a name: its declared type, as the receivers'.
            typed = tuple(type_of(t[1:], node) if t[:1] == "$" else t for t in called[1].types)
            called = (called[0], called[1]._replace(types=typed))
        end = last_line(called[0] if called else node)
        receiver = type_of(".".join(parts[:-1]), node) if len(parts) > 1 and parts[0] else None
        line = line_of(node)
        out.append(Site(tuple(parts), called[1] if called else None, line, max(end, line),
                        int(node.start_point[1]) + 1, receiver or None))
    return tuple(out)


# -- one pass -------------------------------------------------------------------------


def read(path: str, source: bytes, language: str) -> tuple[FileSymbols, Sites | None]:
    """One parse of a file: its definitions and imports, and its sites (None when the
    walk ran out of stack: that file then has no uses, as before)."""
    if language == "python":
        from gate.symbols import python

        tree = python.read_tree(source)
        fs = python.from_tree(path, source, tree)
        return fs, (None if isinstance(tree, str) else python_sites(tree[0]))
    from gate.symbols import treesitter

    root = treesitter.parse(language, source)
    fs = treesitter.from_root(path, source, language, root)
    if isinstance(root, str) or fs.error is not None:
        return fs, None
    try:
        return fs, tree_sites(language, root)
    except RecursionError:  # minified or generated code nested beyond the stack
        return fs, None


def sites_of(path: str, language: str, source: bytes, words: Iterable[str] | None = None) -> Sites | None:
    """The sites alone (``refs.references``, which has its definitions already).
    With ``words``, a tree-sitter file's sites are only those that may spell one."""
    if language == "python":
        from gate.symbols import python

        tree = python.read_tree(source)
        return None if isinstance(tree, str) else python_sites(tree[0])
    from gate.symbols import treesitter

    root = treesitter.parse(language, source)
    if isinstance(root, str):
        return None
    try:
        if words is None:
            return tree_sites(language, root)
        return tree_sites(language, root, word_offsets(source, words), frozenset(words))
    except RecursionError:
        return None


def word_offsets(source: bytes, words: Iterable[str]) -> list[int]:
    """Where any of ``words`` starts as a whole identifier in ``source``, in order."""
    alternatives = b"|".join(re.escape(w.encode("utf-8", "surrogateescape"))
                             for w in sorted(set(words), key=lambda w: (-len(w), w)) if w)
    if not alternatives:
        return []
    pattern = re.compile(rb"(?<![\w$])(?:" + alternatives + rb")(?![\w$])")
    return [m.start() for m in pattern.finditer(source)]


def wanted_words(fs: FileSymbols, targets: Iterable[Target]) -> frozenset[str]:
    """Every name a site of ``fs`` must spell to resolve to one of ``targets``
    (``resolve`` skips the others): their names and what the file's imports bind."""
    from gate.symbols.refs import Resolver

    fam = family(fs.language)
    wanted = [t for t in targets if family(t.language) == fam]
    if not wanted or fs.error is not None:
        return frozenset()
    lang = resolving(fs.language)
    resolver = Resolver(fs, wanted, lang)
    # A site resolves only through a part that is a wanted name, or a name the
    # imports bind to one (``import { parse as p }``): a name bound to a module
    # (``util``, Rust's ``self``/``crate`` in every method) needs a wanted name after it.
    bound = {key[0] for key, readings in resolver.names.items()
             if any(v and v[-1] in resolver.index for v in readings)}
    # Words whose sites name something spelled elsewhere (Java's ``super(…)`` names
    # the class its header extends): their subtrees are walked too.
    anchors: frozenset[str] = getattr(lang, "ANCHORS", frozenset())
    return frozenset(resolver.index) | bound | anchors


# -- resolving ------------------------------------------------------------------------


def resolving(language: str) -> Resolving:
    """How paths of ``language`` resolve (``refs.Resolver``)."""
    if language == "python":
        from gate.symbols.pyrefs import PYTHON

        return PYTHON
    return reader(language)


def resolve(fs: FileSymbols, sites: Sites, targets: Iterable[Target]) -> list[Reference]:
    """Uses of ``targets`` among ``sites`` of the file ``fs``, in source order."""
    from gate.symbols.refs import Resolver, make_reference

    fam = family(fs.language)
    wanted = [t for t in targets if family(t.language) == fam]
    if not wanted or fs.error is not None:
        return []
    lang = resolving(fs.language)
    definitions = fs.language != "python"  # a Python definition is no Name node
    resolver = Resolver(fs, wanted, lang)
    # Only a site spelling one of these can resolve (a name the imports bind or a
    # wanted symbol's name): the rest are not looked up.
    words = resolver.words()
    out: list[Reference] = []
    for site in sites:
        if words.isdisjoint(site.parts):
            continue
        if fs.skipped and any(a <= site.line <= b for a, b in fs.skipped):
            continue  # on a line that did not parse: its arguments cannot be trusted
        parts = list(site.parts)
        resolved = resolver.resolve(parts, site.call, site.receiver)
        if resolved is None:
            continue
        if definitions and site.call is None and resolver.is_definition(site.line, parts[-1]):
            continue
        out.append(make_reference(resolved, parts, site.call, site.line, site.end_line, site.column,
                                  resolver.sep))
    out.sort(key=lambda r: (r.line, r.column))
    return out
