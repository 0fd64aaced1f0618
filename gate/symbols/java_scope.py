"""Declared types of the names of one Java file: the receivers of its method calls.

``receivers`` maps a name as a call spells its receiver (``reader``, ``this.reader``,
``this``) to the written path of its declared type (``JsonReader``,
``com.acme.Job``), read from local variables (``var`` from a ``new``, a cast or a
literal), fields, parameters (methods, constructors, lambdas, records, ``catch``,
``for``), resources and ``instanceof`` patterns. Per file, not per scope (what
``refs.Resolver`` asks): a name declared with two types, or once from a value of
unknown type, maps to "" (unknown), and so does ``this`` in a file of several classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.symbols.java_types import arg_type
from gate.symbols.treesitter import named, text

if TYPE_CHECKING:
    from tree_sitter import Node

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
    seen: dict[str, set[str]] = {}
    classes: list[str] = []
    supers: list[str] = []

    def declare(name: str, written: str) -> None:
        seen.setdefault(name, set()).add(written)

    stack = [root]
    while stack:  # iterative: generated code nests deeper than the recursion limit
        node = stack.pop()
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
        elif kind == "spread_parameter":
            decl = next((c for c in named(node) if c.type == "variable_declarator"), None)
            name = decl.child_by_field_name("name") if decl is not None else None
            types = [c for c in named(node) if c.type not in ("variable_declarator", "modifiers")]
            if name is not None:
                element = type_path(types[0]) if types else UNKNOWN
                declare(text(name), element + "[]" if element else UNKNOWN)
        stack.extend(node.named_children)
    out = {name: next(iter(types)) if len(types) == 1 else UNKNOWN for name, types in seen.items()}
    if classes:
        out["this"] = classes[0] if len(classes) == 1 else UNKNOWN
        out["super"] = supers[0] if len(classes) == 1 else UNKNOWN
    return out


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
