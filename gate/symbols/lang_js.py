"""JavaScript, TypeScript and TSX node types (tree-sitter grammars)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.symbols.js_imports import REQUIRED, bindings, chain_of, full_parts, imports, require_of, strip_extension
from gate.symbols.js_receivers import receivers
from gate.symbols.treesitter import Collector, named, norm, text
from gate.symbols.values import (
    CLASS,
    FUNCTION,
    METHOD,
    POS,
    VAR,
    Call,
    Param,
    Signature,
)
from gate.symbols.walk import member_use

if TYPE_CHECKING:
    from tree_sitter import Node

# What ``language.Language`` asks for (mypy matches the module by these names);
# the imports live in ``js_imports``.
__all__ = [
    "ABSOLUTE",
    "BARE_METHODS",
    "OBJECT_OWNERS",
    "CTOR_NEEDS_NEW",
    "SEP",
    "SKIP",
    "bindings",
    "call_of",
    "collect",
    "full_parts",
    "imports",
    "module_name",
    "path_of",
    "receivers",
    "signature",
]

_FUNCS = ("function_declaration", "generator_function_declaration")
_CLASSES = ("class_declaration", "abstract_class_declaration", "interface_declaration")
_FUNC_VALUES = ("arrow_function", "function_expression", "function", "generator_function")
_FIELDS = ("field_definition", "public_field_definition")
_METHODS = ("method_definition", "method_signature", "abstract_method_signature")

# What ``language.Language`` asks for. Statements never holding a use (a use
# inside them would be the binding itself) are skipped.
SKIP = frozenset({"import_statement", "comment"})
SEP = "."
ABSOLUTE = False  # a module is named only through an import
BARE_METHODS = False  # a method is called through ``this``
CTOR_NEEDS_NEW = True  # a class is constructed with ``new``
# A method whose owner is lower-case is one of an object (``res.cookie``, assigned
# onto what a module exports): matched by name only on a receiver of that name.
OBJECT_OWNERS = True
LEAVES = frozenset({"identifier", "type_identifier", "shorthand_property_identifier", "this"})


def module_name(path: str, root: Node | None) -> str:
    """The path without its extension: what a relative import specifier names."""
    return strip_extension(path)


def collect(root: Node, col: Collector) -> None:
    objects = exported_objects(root)
    for node in named(root):
        if objects and node.type == "expression_statement" and node.named_child_count:
            _object_method(node, node.named_children[0], objects, col)
        _top(node, col)


def exported_objects(root: Node) -> frozenset[str]:
    """Local names of the objects a CommonJS module exports whole: ``module.exports =
    res`` or ``var app = exports = module.exports = {}`` (express's ``res``, ``app``).
    Their methods are assigned one by one (``res.cookie = function …``)."""
    out = set()
    for node in named(root):
        if node.type == "expression_statement" and node.named_child_count:
            expr = node.named_children[0]
            if expr.type == "assignment_expression" and chain_of(expr.child_by_field_name("left")) == [
                    "module", "exports"]:
                value = expr.child_by_field_name("right")
                if value is not None and value.type == "identifier":
                    out.add(text(value))
        elif node.type in ("lexical_declaration", "variable_declaration"):
            for decl in named(node):
                name, value = decl.child_by_field_name("name"), decl.child_by_field_name("value")
                while value is not None and value.type == "assignment_expression":
                    if chain_of(value.child_by_field_name("left")) == ["module", "exports"]:
                        if name is not None and name.type == "identifier":
                            out.add(text(name))
                        break
                    value = value.child_by_field_name("right")
    return frozenset(out)


def _object_method(node: Node, expr: Node, objects: frozenset[str], col: Collector) -> None:
    """``res.cookie = function cookie(…) {…}`` on an exported object: the method
    ``res.cookie`` (its callers write ``res.cookie(…)``: ``refs.Resolver._by_name``)."""
    if expr.type != "assignment_expression":
        return
    left, value = expr.child_by_field_name("left"), expr.child_by_field_name("right")
    target = chain_of(left)
    if target is None or len(target) != 2 or target[0] not in objects or value is None or left is None:
        return
    prop = left.child_by_field_name("property")
    if prop is not None and value.type in _FUNC_VALUES:
        col.add(node, prop, ".".join(target), METHOD, signature(value))


def _top(node: Node, col: Collector, prefix: str = "") -> None:
    kind = node.type
    if kind == "internal_module":
        # ``namespace util { export function joinValues … }``: ``util.joinValues``,
        # which ``util.joinValues(…)`` spells after ``import { util }``.
        name = node.child_by_field_name("name")
        if name is not None and name.type == "identifier" and prefix.count(".") < 4:
            for child in named(node.child_by_field_name("body")):
                _top(child, col, f"{prefix}{text(name)}.")
        return
    if prefix and kind == "export_statement":
        for child in named(node):
            _top(child, col, prefix)
    elif kind == "export_statement":
        value = node.child_by_field_name("value")
        if value is not None and value.child_by_field_name("name") is None and value.type in (*_FUNC_VALUES, "class"):
            # ``export default function () {}``: a symbol named "default", which a
            # default import under any local name reaches (``jsfollow``).
            keyword = next((c for c in node.children if c.type == "default"), None)
            if keyword is not None:
                _value(node, keyword, "default", value, col)
            return
        for child in named(node):
            _top(child, col)
    elif kind == "expression_statement" and node.named_child_count:
        if node.named_children[0].type == "internal_module":
            _top(node.named_children[0], col, prefix)
        elif not prefix:
            _commonjs(node, node.named_children[0], col)
    elif kind in _FUNCS:
        name = node.child_by_field_name("name")
        if name is not None:
            col.add(node, name, prefix + text(name), FUNCTION, signature(node))
    elif kind in _CLASSES:
        name = node.child_by_field_name("name")
        _class(node, col, name, prefix + text(name) if name is not None else None)
    elif kind in ("lexical_declaration", "variable_declaration"):
        for decl in named(node):
            value = decl.child_by_field_name("value")
            name = decl.child_by_field_name("name")
            if value is not None and value.type in _FUNC_VALUES and name is not None and name.type == "identifier":
                col.add(decl, name, prefix + text(name), FUNCTION, signature(value))


def _value(node: Node, name: Node, qualname: str, value: Node, col: Collector) -> None:
    """A function or class given as a value, defined under ``qualname``."""
    if value.type == "class":
        _class(value, col, name, qualname)
    elif value.type in _FUNC_VALUES:
        col.add(node, name, qualname, FUNCTION, signature(value))


def _commonjs(node: Node, expr: Node, col: Collector) -> None:
    """``exports.fmt = function …``, ``module.exports.fmt = …``, ``module.exports =
    function view() {}`` (anonymous: "default") and ``module.exports = { fmt() {} }``."""
    if expr.type != "assignment_expression":
        return
    left, value = expr.child_by_field_name("left"), expr.child_by_field_name("right")
    target = chain_of(left)
    if target is None or value is None or left is None:
        return
    if target == ["exports"] and value.type == "assignment_expression":
        _commonjs(node, value, col)  # exports = module.exports = function …
        return
    if target == ["module", "exports"]:
        if value.type in (*_FUNC_VALUES, "class"):
            name = value.child_by_field_name("name")
            _value(node, name or left, text(name) if name is not None else "default", value, col)
        elif value.type == "object":
            for item in named(value):
                key = item.child_by_field_name("key") or item.child_by_field_name("name")
                if key is None or key.type not in ("property_identifier", "identifier"):
                    continue
                if item.type == "pair" and item.child_by_field_name("value") is not None:
                    _value(item, key, text(key), item.child_by_field_name("value"), col)  # type: ignore[arg-type]
                elif item.type == "method_definition":
                    col.add(item, key, text(key), FUNCTION, signature(item))
    elif target[:-1] in (["exports"], ["module", "exports"]) and value.type in _FUNC_VALUES:
        prop = left.child_by_field_name("property")
        if prop is not None:
            _value(node, prop, target[-1], value, col)


def _class(node: Node, col: Collector, name: Node | None = None, cls: str | None = None) -> None:
    name = name or node.child_by_field_name("name")
    if name is None:
        return
    cls = cls or text(name)
    skip = []
    for member in named(node.child_by_field_name("body")):
        mname = member.child_by_field_name("name") or member.child_by_field_name("property")
        if mname is None or mname.type == "computed_property_name":
            continue
        if member.type in _METHODS:
            sig = signature(member)
        elif member.type in _FIELDS:
            value = member.child_by_field_name("value")
            if value is None or value.type not in _FUNC_VALUES:
                continue
            sig = signature(value)
        else:
            continue
        skip.append(col.add(member, mname, f"{cls}.{text(mname)}", METHOD, sig))
    col.add(node, name, cls, CLASS, None, skip)


def _type(node: Node | None) -> str | None:
    if node is None:
        return None
    return norm(text(node).lstrip().removeprefix(":").removeprefix("=>")) or None


def signature(fn: Node) -> Signature:
    params: list[Param] = []
    single = fn.child_by_field_name("parameter")  # x => x
    if single is not None:
        params.append(Param(text(single)))
    for p in named(fn.child_by_field_name("parameters")):
        param = _param(p)
        if param is not None:
            params.append(param)
    return Signature(tuple(params), _type(fn.child_by_field_name("return_type")))


def _param(p: Node) -> Param | None:
    kind = p.type
    if kind == "assignment_pattern":
        left, right = p.child_by_field_name("left"), p.child_by_field_name("right")
        return Param(norm(text(left)), True, None, POS, norm(text(right)) or None)
    if kind == "rest_pattern":
        return Param(norm(text(p).removeprefix("...")), False, None, VAR)
    if kind in ("required_parameter", "optional_parameter"):
        pattern = p.child_by_field_name("pattern")
        if pattern is None or pattern.type == "this":
            return None
        value = p.child_by_field_name("value")
        default = kind == "optional_parameter" or value is not None
        annotation = _type(p.child_by_field_name("type"))
        if pattern.type == "rest_pattern":
            return Param(norm(text(pattern).removeprefix("...")), False, annotation, VAR)
        return Param(norm(text(pattern)), default, annotation, POS, norm(text(value)) if value else None)
    return Param(norm(text(p)))


def chain(node: Node) -> list[str] | None:
    """A pure dotted name (``a``, ``a.b.c``, ``this.m``) as parts, else None."""
    if node.type in LEAVES:
        return [text(node)]
    if node.type == "call_expression":
        fn = node.child_by_field_name("function")
        if fn is None or fn.type != "identifier" or fn.text != b"require":
            return None
        spec = require_of(node)  # ``require('./m').fmt``: see ``js_imports.REQUIRED``
        return None if spec is None else [REQUIRED + spec]
    if node.type in ("member_expression", "nested_type_identifier", "nested_identifier"):
        obj = node.child_by_field_name("object") or node.child_by_field_name("module")
        prop = node.child_by_field_name("property") or node.child_by_field_name("name")
        base = chain(obj) if obj is not None else None
        if base is not None and prop is not None:
            return base + [text(prop)]
    return None


def path_of(node: Node) -> tuple[list[str], list[Node]] | None:
    """A use to resolve at ``node``: its parts and the children still to visit."""
    if node.type == "variable_declarator":
        # ``var View = this.get('view')``: the name declared is no use of an import
        # it shadows (no parts: nothing to resolve); its value and type are visited.
        name = node.child_by_field_name("name")
        if name is not None and name.type == "identifier":
            return [], [c for c in node.named_children if c != name]
        return None
    # ``f().m`` or ``a[0].m``: only the last name can be told.
    return member_use(node, chain, "member_expression", "object", "property")


def call_of(node: Node) -> tuple[Node, Call] | None:
    """The call expression and its arguments when ``node`` is what is called."""
    parent = node.parent
    if parent is None:
        return None
    new = parent.type == "new_expression"
    field = "constructor" if new else "function"
    if parent.type not in ("call_expression", "new_expression") or parent.child_by_field_name(field) != node:
        return None
    args = named(parent.child_by_field_name("arguments"))
    return parent, Call(len(args), (), any(a.type == "spread_element" for a in args), new)
