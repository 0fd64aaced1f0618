"""What a JavaScript/TypeScript file exports and under which name (``Import.export``):
``export … from``, ``export *``, ``export * as``, ``export { a as b }``, ``export
default``, exported instances, and CommonJS ``module.exports``/``exports.x``; and the
``require('./m').fmt`` members read through a query. ``js_imports`` reads the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.symbols.treesitter import first_line, named, text
from gate.symbols.values import Import

if TYPE_CHECKING:
    from tree_sitter import Node, Query


def string_of(node: Node | None) -> str | None:
    if node is None or node.type not in ("string", "template_string"):
        return None
    return text(node)[1:-1]


def require_of(node: Node | None) -> str | None:
    """The specifier of ``require('x')`` (or ``import('x')``), else None."""
    if node is None:
        return None
    if node.type == "await_expression" and node.named_child_count:
        node = node.named_children[0]
    if node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    args = named(node.child_by_field_name("arguments"))
    if fn is None or text(fn) not in ("require", "import") or len(args) != 1:
        return None
    return string_of(args[0])


def exports(node: Node, line: int) -> list[Import]:
    """What an ``export`` statement exports under which name (``Import.export``)."""
    spec = string_of(node.child_by_field_name("source"))
    out: list[Import] = []
    clause = next((c for c in named(node) if c.type in ("export_clause", "namespace_export")), None)
    if clause is None:
        if spec is not None:  # export * from './x'
            return [Import(spec, "*", None, line, "*")]
        value = node.child_by_field_name("value") or node.child_by_field_name("declaration")
        is_default = any(c.type == "default" for c in node.children)
        name = value.child_by_field_name("name") if value is not None and value.type != "identifier" else value
        if is_default and name is not None and name.type in ("identifier", "type_identifier"):
            out.append(Import("", text(name), None, line, "default"))
        elif is_default and value is not None and value.type == "object":
            # export default { createElement, render }: React.createElement after
            # ``import React from 'preact/compat'``
            for key, local in _object_names(value):
                out.append(Import("", local, None, line, f"default.{key}"))
        elif value is not None and value.type in ("lexical_declaration", "variable_declaration"):
            out += _instances(value, line)
        return out
    if clause.type == "namespace_export":  # export * as util from './x'
        ident = next((c for c in named(clause) if c.type == "identifier"), None)
        return [Import(spec, "*", None, line, text(ident))] if spec is not None and ident is not None else []
    for item in named(clause):
        name, alias = item.child_by_field_name("name"), item.child_by_field_name("alias")
        if name is not None:
            out.append(Import(spec or "", text(name), None, line, text(alias or name)))
    return out


def _instances(decl: Node, line: int) -> list[Import]:
    """``export const registry = new Registry()`` (or ``: Registry``): the instance is
    exported as an alias of its class, so ``registry.add`` reads ``Registry.add``."""
    from gate.symbols.js_receivers import type_path

    out = []
    for item in named(decl):
        name = item.child_by_field_name("name")
        value, kind = item.child_by_field_name("value"), item.child_by_field_name("type")
        written = None
        if kind is not None and kind.named_child_count:
            written = kind.named_children[0]
        elif value is not None and value.type == "new_expression":
            written = value.child_by_field_name("constructor")
        if name is not None and name.type == "identifier" and written is not None:
            path = type_path(written)
            if path.isidentifier():
                out.append(Import("", path, None, line, text(name)))
    return out


def commonjs(expr: Node, line: int) -> list[Import]:
    """``module.exports = X``, ``= { a, b: c }`` and ``exports.a = c`` (a local name)."""
    target = chain_of(expr.child_by_field_name("left"))
    value = expr.child_by_field_name("right")
    if value is None:
        return []
    if target == ["exports"] and value.type == "assignment_expression":
        return commonjs(value, line)  # exports = module.exports = createApplication
    if target == ["module", "exports"]:
        if value.type == "identifier":
            return [Import("", text(value), None, line, "=")]
        spec = require_of(value)
        if spec is not None:  # module.exports = require('./lib/express')
            return [Import(spec, "*", None, line, "=")]
        if value.type in ("function_expression", "function", "class"):
            name = value.child_by_field_name("name")
            return [Import("", text(name) if name is not None else "default", None, line, "=")]
        if value.type == "object":
            return [Import("", local, None, line, key) for key, local in _object_names(value)]
    elif target is not None and target[:-1] in (["exports"], ["module", "exports"]) and value.type == "identifier":
        return [Import("", text(value), None, line, target[-1])]
    return []


def _object_names(value: Node) -> list[tuple[str, str]]:
    """(key, local name) of ``{ fmt, parse: parseImpl }``."""
    out = []
    for item in named(value):
        if item.type == "shorthand_property_identifier":
            out.append((text(item), text(item)))
        elif item.type == "pair":
            key, v = item.child_by_field_name("key"), item.child_by_field_name("value")
            if key is not None and v is not None and v.type == "identifier":
                out.append((text(key), text(v)))
    return out


def chain_of(node: Node | None) -> list[str] | None:
    """``a.b.c`` as its names, else None."""
    if node is None:
        return None
    if node.type in ("identifier", "property_identifier"):
        return [text(node)]
    if node.type == "member_expression":
        base = chain_of(node.child_by_field_name("object"))
        prop = node.child_by_field_name("property")
        return None if base is None or prop is None else base + [text(prop)]
    return None


REQUIRED = "require:"  # the local name ``require('./m').fmt`` is read under: ``require:./m``


def required_members(root: Node, path: str) -> list[Import]:
    """``require('./m').fmt``: a namespace of ``./m`` bound to ``require:./m`` (the
    name ``lang_js.chain`` gives such a call). Found with a query, in C: a Python walk
    of every node costs more than the parse."""
    if b"require" not in (root.text or b""):
        return []
    out = []
    for node in _query(root, path):
        spec = require_of(node)
        if spec is not None:
            out.append(Import(spec, "*", REQUIRED + spec, first_line(node)))
    return out


_QUERIES: dict[str, Query] = {}


def _query(root: Node, path: str) -> list[Node]:
    from tree_sitter import Query, QueryCursor

    from gate.model import language_of
    from gate.symbols.treesitter import parser

    lang = language_of(path) or "javascript"
    q = _QUERIES.get(lang)
    if q is None:
        grammar = parser(lang).language
        assert grammar is not None
        q = _QUERIES[lang] = Query(grammar, "(member_expression object: (call_expression) @call)")
    return QueryCursor(q).captures(root).get("call", [])
