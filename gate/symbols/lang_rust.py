"""Rust node types (tree-sitter grammar). A module is the ``crate::a::b`` path of a file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.symbols.treesitter import Collector, first_line, imported, named, norm, text
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

# Calls written inside macros are token trees, not calls: names there are seen
# as plain uses.
# What ``language.Language`` asks for.
SKIP = frozenset({"use_declaration", "mod_item", "attribute_item", "line_comment", "block_comment"})
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
    out: list[Import] = []
    for node in named(root):
        arg = node.child_by_field_name("argument")
        if node.type != "use_declaration" or arg is None:
            continue
        for parts, alias, glob in _flatten(arg, []):
            parts = _absolute(parts, module)
            if glob:
                out.append(imported("::".join(parts), "*", None, first_line(node)))
            elif parts:
                out.append(imported("::".join(parts[:-1]), parts[-1], alias, first_line(node)))
    return out


def full_parts(module: str) -> list[str]:
    """Module parts without the leading ``crate``: another crate names it by its own name."""
    parts = module.split("::") if module else []
    return parts[1:] if parts[:1] == ["crate"] else parts


def bindings(fs: FileSymbols, modules: set[str]) -> Bindings:
    own = full_parts(fs.module)
    from gate.symbols.refs import reexports

    out = Bindings(names=[(("crate",), []), (("self",), own), (("super",), own[:-1])])
    targets = [full_parts(m) for m in sorted(modules)]
    for imp in fs.imports:
        mod = full_parts(imp.module)
        out.imported.append(mod)
        if imp.name == "*":
            out.globs.append(mod)
        elif imp.name:
            key = (imp.alias or imp.name,)
            out.names.append((key, [*mod, imp.name]))
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
    return member_use(node, _chain, "field_expression", "value")


def call_of(node: Node) -> tuple[Node, Call] | None:
    parent = node.parent
    if parent is not None and parent.type == "generic_function":
        node = parent  # ``parse::<T>(…)``: the call's function is the generic
    found = called_by(node)
    if found is None:
        return None
    call, args = found
    return call, Call(len([a for a in args if a.type != "attribute_item"]))


def receivers(root: Node) -> dict[str, str]:
    """No receiver types are read for this language yet: methods match by name."""
    return {}
