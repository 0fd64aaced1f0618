"""Node-walking helpers the tree-sitter languages share (Go, Rust, Java, JS/TS).

A *use* is a dotted name (``a.b.c``) as its parts. A member access on something
that is not a name (``f().m``, ``a[0].m``) is a use of the member's name alone,
written with an empty first part, and its receiver is still to be visited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from gate.symbols.treesitter import named, text

if TYPE_CHECKING:
    from tree_sitter import Node


def joined(parts: Iterable[list[str] | None]) -> list[str] | None:
    """The parts one after the other, or None when any of them is None."""
    out: list[str] = []
    for part in parts:
        if part is None:
            return None
        out += part
    return out


def member_chain(
    node: Node, chain: Callable[[Node], list[str] | None], obj_field: str, field: str = "field"
) -> list[str] | None:
    """``obj.field`` as the chain of ``obj`` and the field's name; None when ``obj`` is no name."""
    obj, name = node.child_by_field_name(obj_field), node.child_by_field_name(field)
    base = chain(obj) if obj is not None else None
    return None if base is None or name is None else base + [text(name)]


def member_use(
    node: Node, chain: Callable[[Node], list[str] | None], kind: str, obj_field: str, field: str = "field"
) -> tuple[list[str], list[Node]] | None:
    """The use at ``node`` and the children still to visit: a chain of names, else a
    member access (node type ``kind``) on an expression, which only its member names."""
    parts = chain(node)
    if parts is not None:
        return parts, []
    if node.type == kind:
        obj, name = node.child_by_field_name(obj_field), node.child_by_field_name(field)
        if obj is not None and name is not None:
            return ["", text(name)], [obj]
    return None


def called_by(node: Node) -> tuple[Node, list[Node]] | None:
    """The ``call_expression`` that calls ``node`` (its ``function``), with its arguments."""
    parent = node.parent
    if parent is None or parent.type != "call_expression" or parent.child_by_field_name("function") != node:
        return None
    return parent, named(parent.child_by_field_name("arguments"))
