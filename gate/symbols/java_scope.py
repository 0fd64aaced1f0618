"""Declared types of the names of one Java file: the receivers of its method calls.

``receivers`` maps a name as a call spells its receiver (``reader``, ``this.reader``,
``this``) to the written path of its declared type (``JsonReader``,
``com.acme.Job``), read from local variables (``var`` from a ``new``, a cast or a
literal), fields, parameters (methods, constructors, lambdas, records, ``catch``,
``for``), resources and ``instanceof`` patterns; ``m()`` maps to what the file's
method ``m`` returns. Per file, not per scope (what
``refs.Resolver`` asks): a name declared with two types, or once from a value of
unknown type, maps to "" (unknown), and so does ``this`` in a file of several classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.symbols.java_types import arg_type
from gate.symbols.treesitter import named, text

if TYPE_CHECKING:
    from tree_sitter import Node, Query

UNKNOWN = ""
_CLASSES = frozenset({"class_declaration", "interface_declaration", "enum_declaration", "record_declaration"})
_PRIMITIVES = frozenset({"integral_type", "floating_point_type", "boolean_type"})
# Nodes declaring one name with a ``type`` and a ``name`` field.
_SINGLE = frozenset({"formal_parameter", "enhanced_for_statement", "resource", "instanceof_expression",
                     "catch_formal_parameter"})


def type_path(node: Node | None) -> str:
    """The written path of a type node without its type arguments (``a.b.C``,
    ``List``, ``int[]``); "" for a type that is none of these (``var``, a union)."""
    if node is None:
        return UNKNOWN
    kind = node.type
    if kind == "type_identifier":
        return UNKNOWN if text(node) == "var" else text(node)
    if kind in _PRIMITIVES:
        return text(node)
    if kind == "generic_type":
        inner = named(node)
        return type_path(inner[0]) if inner else UNKNOWN
    if kind == "scoped_type_identifier":
        parts = [type_path(c) for c in named(node) if c.type != "annotation" and c.type != "marker_annotation"]
        return UNKNOWN if not parts or UNKNOWN in parts else ".".join(parts)
    if kind == "array_type":
        element = type_path(node.child_by_field_name("element"))
        return element + "[]" * text(node.child_by_field_name("dimensions")).count("[") if element else UNKNOWN
    return UNKNOWN


def receivers(root: Node) -> dict[str, str]:
    """Receiver as written -> its declared type's written path ("" when not one)."""
    _INDEXED.clear()  # node ids are per tree: ``receiver_at`` asks about this one next
    seen: dict[str, set[str]] = {}
    classes: list[str] = []
    supers: list[str] = []

    def declare(name: str, written: str) -> None:
        seen.setdefault(name, set()).add(written)

    for node in _declarations_in(root):
        kind = node.type
        if kind in _CLASSES:
            name = node.child_by_field_name("name")
            if name is not None:
                classes.append(text(name))
            parent = node.child_by_field_name("superclass")  # ``extends T``: its only named child
            supers.append(type_path(named(parent)[0]) if parent is not None and named(parent) else UNKNOWN)
        elif kind in ("local_variable_declaration", "field_declaration"):
            declared = type_path(node.child_by_field_name("type"))
            for d in named(node):
                if d.type == "variable_declarator":
                    name = d.child_by_field_name("name")
                    if name is None:
                        continue
                    written = declared or _inferred(d.child_by_field_name("value"))
                    if d.child_by_field_name("dimensions") is not None and written:
                        written += "[]" * text(d.child_by_field_name("dimensions")).count("[")
                    declare(text(name), written)
                    if kind == "field_declaration":
                        declare("this." + text(name), written)
        elif kind in _SINGLE:
            name = node.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                t = node.child_by_field_name("type")
                if t is None and kind == "catch_formal_parameter":
                    t = next((c for c in named(node) if c.type == "catch_type"), None)
                    t = named(t)[0] if t is not None and len(named(t)) == 1 else None
                declare(text(name), type_path(t) or (_inferred(node.child_by_field_name("value"))
                                                     if kind == "resource" else UNKNOWN))
        elif kind == "method_declaration":
            # ``m()``: what a method of the file returns, for ``m(…).x()`` (overloads may differ).
            name = node.child_by_field_name("name")
            if name is not None:
                declare(text(name) + "()", type_path(node.child_by_field_name("type")))
        elif kind == "spread_parameter":
            decl = next((c for c in named(node) if c.type == "variable_declarator"), None)
            name = decl.child_by_field_name("name") if decl is not None else None
            types = [c for c in named(node) if c.type not in ("variable_declarator", "modifiers")]
            if name is not None:
                element = type_path(types[0]) if types else UNKNOWN
                declare(text(name), element + "[]" if element else UNKNOWN)
    out = {name: next(iter(types)) if len(types) == 1 else UNKNOWN for name, types in seen.items()}
    if classes:
        out["this"] = classes[0] if len(classes) == 1 else UNKNOWN
        out["super"] = supers[0] if len(classes) == 1 else UNKNOWN
    return out


_QUERY: list[Query] = []


def _declarations_in(root: Node) -> list[Node]:
    """The declaring nodes of a file, in source order. A tree-sitter query finds
    them in C: walking every node in Python cost as much as the rest of the read."""
    from tree_sitter import Query, QueryCursor

    from gate.symbols.treesitter import parser

    if not _QUERY:
        kinds = sorted({*_CLASSES, *_SINGLE, "local_variable_declaration", "field_declaration", "spread_parameter",
                        "method_declaration"})
        language = parser("java").language
        assert language is not None  # the parser was made for it
        _QUERY.append(Query(language, "[" + " ".join(f"({k})" for k in kinds) + "] @d"))
    found = QueryCursor(_QUERY[0]).captures(root).get("d", [])
    return sorted(found, key=lambda n: n.start_byte)


def _inferred(value: Node | None) -> str:
    """The type ``var`` takes from an initialiser that tells it (``new T(…)``, a cast,
    a literal), written as there; else ""."""
    if value is None:
        return UNKNOWN
    if value.type in ("object_creation_expression", "cast_expression"):
        if any(c.type == "class_body" for c in named(value)):
            return UNKNOWN  # an anonymous class: its own type
        return type_path(value.child_by_field_name("type"))
    t = arg_type(value)
    return UNKNOWN if t.startswith("$") or t == "null" else t


# Nodes whose named children are statements, in order: a local declared among them is
# visible to the statements after it.
_BLOCKS = frozenset({"block", "constructor_body", "switch_block_statement_group", "program"})
_CALLABLES = frozenset({"method_declaration", "constructor_declaration", "lambda_expression",
                        "compact_constructor_declaration"})
_DEPTH = 200  # ancestors looked at, at most: bounded on generated code


def receiver_at(node: Node, receiver: str) -> str:
    """The declared type of ``receiver`` (``x``, ``this.x``, ``this``, ``super``) as seen at
    ``node``: the innermost declaration enclosing it, for a name the whole file gives
    several types; "" when none is found or it tells no type. Asked after ``receivers``
    of the same tree (``sites.tree_sites``), which resets the per-tree index."""
    field = receiver[5:] if receiver.startswith("this.") else None
    name = field if field is not None else receiver
    if "." in name or not name:
        return UNKNOWN
    child, parent, depth = node, node.parent, 0
    while parent is not None and depth < _DEPTH:
        depth += 1
        kind = parent.type
        if receiver == "this" and kind in _CLASSES:
            found = parent.child_by_field_name("name")
            return text(found) if found is not None else UNKNOWN
        if receiver == "super" and kind in _CLASSES:
            found = parent.child_by_field_name("superclass")
            return type_path(named(found)[0]) if found is not None and named(found) else UNKNOWN
        if field is None:
            written = _local(parent, child, name)
            if written is not None:
                return written
        if kind == "class_body":
            written = _field(parent, name)
            if written is not None:
                return written
            if field is not None:
                return UNKNOWN  # ``this.x``: the innermost class's fields only
        child, parent = parent, parent.parent
    return UNKNOWN


def _local(scope: Node, child: Node, name: str) -> str | None:
    """A declaration of ``name`` that ``scope`` makes visible to its part ``child``."""
    kind = scope.type
    if kind in _BLOCKS:
        found = None
        for start, written in _index(scope).get(name, ()):
            if start >= child.start_byte:
                break
            found = written
        return found
    if kind in _CALLABLES:
        for p in named(scope.child_by_field_name("parameters")):
            if p.type == "formal_parameter" and text(p.child_by_field_name("name")) == name:
                return type_path(p.child_by_field_name("type"))
            if p.type == "spread_parameter":
                decl = next((c for c in named(p) if c.type == "variable_declarator"), None)
                if decl is not None and text(decl.child_by_field_name("name")) == name:
                    types = [c for c in named(p) if c.type not in ("variable_declarator", "modifiers")]
                    element = type_path(types[0]) if types else UNKNOWN
                    return element + "[]" if element else UNKNOWN
        return None
    if kind in ("enhanced_for_statement", "catch_clause", "try_with_resources_statement", "for_statement"):
        for decl in _declarations(scope):
            if decl.type in _SINGLE and text(decl.child_by_field_name("name")) == name:
                t = decl.child_by_field_name("type")
                value = decl.child_by_field_name("value") if decl.type == "resource" else None
                return type_path(t) or _inferred(value)
            if decl.type == "local_variable_declaration":
                found = _declared(decl, name)
                if found is not None:
                    return found
    return None


def _declarations(scope: Node) -> list[Node]:
    if scope.type == "enhanced_for_statement":
        return [scope]
    if scope.type == "catch_clause":
        return [c for c in named(scope) if c.type == "catch_formal_parameter"]
    if scope.type == "for_statement":
        init = scope.child_by_field_name("init")
        return [init] if init is not None else []
    spec = next((c for c in named(scope) if c.type == "resource_specification"), None)
    return [c for c in named(spec) if c.type == "resource"]


def _declared(decl: Node, name: str) -> str | None:
    """The type a local or field declaration gives ``name``, None when it declares no such name."""
    for d in named(decl):
        if d.type == "variable_declarator" and text(d.child_by_field_name("name")) == name:
            return type_path(decl.child_by_field_name("type")) or _inferred(d.child_by_field_name("value"))
    return None


def _field(body: Node, name: str) -> str | None:
    found = _index(body).get(name)
    return found[0][1] if found else None


# Per block and class body of the file being read: its names' declarations in order
# (start, type). Each call site looks up its receiver through the enclosing blocks;
# indexing a block once keeps a file of many calls in one block linear.
_INDEXED: dict[int, dict[str, list[tuple[int, str]]]] = {}


def _index(scope: Node) -> dict[str, list[tuple[int, str]]]:
    found = _INDEXED.get(scope.id)
    if found is None:
        found = _INDEXED[scope.id] = {}
        wanted = "field_declaration" if scope.type == "class_body" else "local_variable_declaration"
        for stmt in scope.named_children:
            if stmt.type == wanted:
                for d in named(stmt):
                    name = d.child_by_field_name("name") if d.type == "variable_declarator" else None
                    if name is not None:
                        value = d.child_by_field_name("value")
                        written = type_path(stmt.child_by_field_name("type")) or _inferred(value)
                        found.setdefault(text(name), []).append((stmt.start_byte, written))
    return found
