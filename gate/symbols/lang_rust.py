"""Rust node types (tree-sitter grammar). A module is the ``crate::a::b`` path of a file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.symbols import rust_tokens as tokens
from gate.symbols.rust_receivers import call_chain
from gate.symbols.treesitter import Collector, first_line, named, norm, text
from gate.symbols.values import (
    CLASS,
    FUNCTION,
    METHOD,
    POS,
    VAR,
    Bindings,
    Call,
    FileSymbols,
    Import,
    Param,
    Signature,
)
from gate.symbols.walk import called_by, member_chain, member_use

if TYPE_CHECKING:
    from tree_sitter import Node

# Calls written inside macros are token trees, not calls: ``rust_tokens`` reads
# the ``a::b(…)`` and ``x.m(…)`` runs in them.
# What ``language.Language`` asks for.
# (Inline ``mod x { … }`` bodies are read: a ``#[cfg(test)] mod tests`` calls what it tests.)
SKIP = frozenset({"use_declaration", "extern_crate_declaration", "attribute_item", "line_comment", "block_comment"})
# A macro's arguments are read token by token across siblings (``sites.tree_sites``
# walks them whole).
WHOLE = frozenset({"token_tree"})
SEP = "::"
ABSOLUTE = True  # ``mycrate::config::parse(...)`` names a module without a ``use``
BARE_METHODS = False  # a method is called through ``self``
CTOR_NEEDS_NEW = True  # Rust has no constructors (``new`` is a plain function)
_LEAVES = frozenset({"identifier", "type_identifier", "self", "crate", "super"})
_TYPES = ("struct_item", "enum_item", "union_item", "trait_item")


def module_name(path: str, root: Node | None) -> str:
    """``src/common/config.rs`` and ``src/common/config/mod.rs`` -> ``crate::common::config``."""
    parts = path.split("/")
    if "src" in parts:
        parts = parts[len(parts) - parts[::-1].index("src") :]
    if parts:
        parts[-1] = parts[-1].removesuffix(".rs")
        if parts[-1] == "mod" or parts in (["lib"], ["main"]):
            parts.pop()
    return "::".join(["crate", *parts])


def collect(root: Node, col: Collector) -> None:
    for node in named(root):
        name = node.child_by_field_name("name")
        if node.type == "function_item" and name is not None:
            col.add(node, name, text(name), FUNCTION, signature(node))
        elif node.type in _TYPES and name is not None:
            skip = []
            if node.type == "trait_item":
                skip = _methods(text(name), node, col)
            col.add(node, name, text(name), CLASS, None, skip)
        elif node.type == "impl_item":
            owner = _type_name(node.child_by_field_name("type"))
            if owner:
                _methods(owner, node, col)


def _methods(owner: str, node: Node, col: Collector) -> list[tuple[int, int]]:
    spans = []
    for item in named(node.child_by_field_name("body")):
        name = item.child_by_field_name("name")
        if item.type in ("function_item", "function_signature_item") and name is not None:
            spans.append(col.add(item, name, f"{owner}.{text(name)}", METHOD, signature(item)))
    return spans


def _type_name(node: Node | None) -> str:
    while node is not None and node.type in ("generic_type", "scoped_type_identifier", "reference_type"):
        node = node.child_by_field_name("type") or node.child_by_field_name("name")
    return text(node) if node is not None and node.type == "type_identifier" else ""


def signature(fn: Node) -> Signature:
    params: list[Param] = []
    for p in named(fn.child_by_field_name("parameters")):
        if p.type == "parameter":
            params.append(
                Param(
                    norm(text(p.child_by_field_name("pattern"))),
                    False,
                    norm(text(p.child_by_field_name("type"))) or None,
                    POS,
                )
            )
        elif p.type == "variadic_parameter":
            params.append(Param("...", False, None, VAR))
    return Signature(tuple(params), norm(text(fn.child_by_field_name("return_type"))) or None)


def _parts(node: Node | None) -> list[str]:
    if node is None:
        return []
    if node.type == "scoped_identifier":
        return _parts(node.child_by_field_name("path")) + [text(node.child_by_field_name("name"))]
    return [text(node)]


def _flatten(node: Node, prefix: list[str]) -> list[tuple[list[str], str | None, bool]]:
    """A use tree as (path, alias, is glob) leaves."""
    kind = node.type
    if kind == "use_as_clause":
        path = prefix + _parts(node.child_by_field_name("path"))
        return [(path, text(node.child_by_field_name("alias")), False)]
    if kind == "use_wildcard":
        inner = named(node)
        return [(prefix + (_parts(inner[0]) if inner else []), None, True)]
    if kind == "scoped_use_list":
        base = prefix + _parts(node.child_by_field_name("path"))
        items = node.child_by_field_name("list")
        return _flatten(items, base) if items is not None else []
    if kind == "use_list":
        return [leaf for child in named(node) for leaf in _flatten(child, prefix)]
    path = prefix + _parts(node)
    if path and path[-1] == "self":
        path = path[:-1]
    return [(path, None, False)] if path else []


def _absolute(path: list[str], module: str) -> list[str]:
    """Resolve a leading ``self``/``super`` against the file's module."""
    if not path or path[0] not in ("self", "super"):
        return path
    own = module.split("::")
    i = 1 if path[0] == "self" else 0
    while i < len(path) and path[i] == "super":
        own = own[:-1] if len(own) > 1 else own
        i += 1
    return own + path[i:]


def imports(root: Node, path: str, module: str) -> list[Import]:
    """``use`` trees and ``extern crate`` items; a ``pub use`` (any ``pub(…)``: a
    re-export seen at least inside the crate) at the top of the file has ``export``,
    the name it re-exports under (``*`` for a glob); it binds that name too.

    ``use`` inside functions and inline ``mod x { … }`` blocks is read too, for the
    whole file (a name it binds in one function is taken to mean the same in the
    others); ``self``/``super`` there are relative to the inline module.
    """
    out: list[Import] = []
    stack: list[tuple[Node, str, bool]] = [(n, module, True) for n in reversed(named(root))]
    while stack:
        node, where, top = stack.pop()
        if node.type == "mod_item":
            name, body = node.child_by_field_name("name"), node.child_by_field_name("body")
            inner = f"{where}::{text(name)}"
            stack += [(n, inner, False) for n in reversed(named(body))]
        elif node.type in ("function_item", "impl_item", "trait_item"):
            stack += [(n, where, False) for n in reversed(named(node.child_by_field_name("body")))]
        elif node.type in ("extern_crate_declaration", "use_declaration"):
            public = top and any(c.type == "visibility_modifier" for c in node.children)
            out += _imports(node, where, public)
    return out


def _imports(node: Node, module: str, public: bool) -> list[Import]:
    def export(name: str | None) -> str | None:
        return name if public else None

    if node.type == "extern_crate_declaration":
        name = node.child_by_field_name("name")
        if name is None or text(name) == "self":
            return []
        alias = text(node.child_by_field_name("alias")) or None
        return [Import("", text(name), alias, first_line(node), export(alias or text(name)))]
    out = []
    arg = node.child_by_field_name("argument")
    for parts, alias, glob in _flatten(arg, []) if arg is not None else []:
        parts = _absolute(parts, module)
        if glob:
            out.append(Import("::".join(parts), "*", None, first_line(node), export("*")))
        elif parts:
            out.append(Import("::".join(parts[:-1]), parts[-1], alias or None, first_line(node),
                              export(alias or parts[-1])))
    return out


def full_parts(module: str) -> list[str]:
    """Module parts without the leading ``crate``: another crate names it by its own name."""
    parts = module.split("::") if module else []
    return parts[1:] if parts[:1] == ["crate"] else parts


def bindings(fs: FileSymbols, modules: set[str]) -> Bindings:
    own = full_parts(fs.module)
    # ``rustmods.localize`` named the module by its crate: imports are exact then,
    # and re-exports are followed for real (``rustmods.aliases``), not guessed.
    exact = fs.module.split("::")[0] != "crate"
    from gate.symbols.refs import reexports

    out = Bindings(names=[(("crate",), own[:1] if exact else []), (("self",), own), (("super",), own[:-1])],
                   exact=exact)
    targets = [full_parts(m) for m in sorted(modules)]
    for imp in fs.imports:
        mod = full_parts(imp.module)
        out.imported.append(mod)
        if imp.name == "*":
            out.globs.append(mod)
        elif imp.name:
            key = (imp.alias or imp.name,)
            out.names.append((key, [*mod, imp.name]))
            if not exact:
                out.names += [(key, v) for v in reexports([*mod, imp.name], targets)]  # ``pub use``
    return out


def _chain(node: Node) -> list[str] | None:
    if node.type in _LEAVES:
        return [text(node)]
    if node.type in ("scoped_identifier", "scoped_type_identifier"):
        path = node.child_by_field_name("path")
        base = _chain(path) if path is not None else []
        name = node.child_by_field_name("name")
        return None if base is None or name is None else base + [text(name)]
    if node.type == "field_expression":
        return member_chain(node, _chain, "value")
    return None


def path_of(node: Node) -> tuple[list[str], list[Node]] | None:
    if tokens.in_tokens(node):
        return tokens.path_of(node)
    chain = call_chain(node) if node.type == "field_expression" else None
    if chain is not None and chain[0] != "self":
        # ``b.size(1).fill(2)``: ``["b", "size()", "fill"]``, typed by ``receivers``
        # when ``b`` is a builder; the inner call is visited as a use of its own.
        # (``self.f().g()`` stays ``["", "g"]``: ``self`` is a bound name, and a
        # method matched by its name alone needs an unbound head.)
        return chain, [node.child_by_field_name("value")]  # type: ignore[list-item]
    if node.type == "mod_item":  # ``mod escape;`` names a file, not a use: only a body is read
        body = node.child_by_field_name("body")
        return [], [] if body is None else [body]
    return member_use(node, _chain, "field_expression", "value")


def call_of(node: Node) -> tuple[Node, Call] | None:
    if tokens.in_tokens(node):
        return tokens.call_of(node)
    parent = node.parent
    if parent is not None and parent.type == "generic_function":
        node = parent  # ``parse::<T>(…)``: the call's function is the generic
    found = called_by(node)
    if found is None:
        return None
    call, args = found
    return call, Call(len([a for a in args if a.type != "attribute_item"]))


def site_line(node: Node) -> int:
    """The line a use at ``node`` is named at: a member's name (``b\n    .fill(2)``,
    where rustc reports a call), else where the node starts."""
    field = node.child_by_field_name("field") if node.type == "field_expression" else None
    return first_line(field if field is not None else node)


def receivers(root: Node) -> dict[str, str]:
    """Names whose type the file writes or builds (``gate.symbols.rust_receivers``)."""
    from gate.symbols.rust_receivers import receivers as read

    return read(root)
