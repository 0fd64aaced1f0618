"""Paths and calls inside Rust macro arguments (``assert_eq!(util::helper(1), 2)``).

tree-sitter leaves a macro's arguments as a flat token tree: ``util``, ``::``,
``helper``, then a ``( … )`` token tree. Most macros (``assert!``, ``println!``,
``vec!``, ``format!``) take expressions, so a run of names joined by ``::`` or
``.`` followed by a parenthesised tree is read as a call with one argument per
top-level comma. A macro whose arguments are not expressions can make this read a
call that is none; its names were matched as plain uses before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.symbols.treesitter import text
from gate.symbols.values import Call

if TYPE_CHECKING:
    from tree_sitter import Node

NAMES = frozenset({"identifier", "self", "crate", "super"})
_SEPS = ("::", ".")


def in_tokens(node: Node) -> bool:
    parent = node.parent
    return node.type in NAMES and parent is not None and parent.type == "token_tree"


def chain(node: Node) -> tuple[list[str], list[str], Node] | None:
    """(names, separators, last name) of the run starting at ``node``; None when
    ``node`` continues a run (a name after ``::`` or ``.``)."""
    prev = node.prev_sibling
    if prev is not None and prev.type in _SEPS:
        return None
    parts, seps, last = [text(node)], [], node
    nxt = node.next_sibling
    while nxt is not None and nxt.type in _SEPS:
        name = nxt.next_sibling
        if name is None or name.type not in NAMES:
            break
        seps.append(nxt.type)
        parts.append(text(name))
        last = name
        nxt = name.next_sibling
    return parts, seps, last


def path_of(node: Node) -> tuple[list[str], list[Node]] | None:
    found = chain(node)
    return (found[0], []) if found is not None else None


def call_of(node: Node) -> tuple[Node, Call] | None:
    found = chain(node)
    if found is None:
        return None
    args = found[2].next_sibling
    if args is None or args.type != "token_tree" or args.child_count < 2 or args.children[0].type != "(":
        return None
    inner = args.children[1:-1]
    commas = sum(1 for c in inner if c.type == ",")
    count = 0 if not inner else commas + (0 if inner[-1].type == "," else 1)
    return args, Call(count)


def paths(tree: Node) -> list[list[str]]:
    """The ``a::b::c`` runs in a token tree (for ``rust_receivers``: paths, not variables)."""
    out = []
    for child in tree.children:
        if child.type in NAMES:
            found = chain(child)
            if found is not None and found[1] and all(s == "::" for s in found[1]):
                out.append(found[0])
    return out


def receivers(tree: Node) -> list[tuple[str, int]]:
    """(head, line) of the ``x.m(…)`` runs in a token tree (``rust_receivers``)."""
    out = []
    for child in tree.children:
        if child.type in ("identifier", "self"):
            found = chain(child)
            if found is not None and found[1][:1] == ["."]:
                out.append((found[0][0], int(child.start_point[0]) + 1))
    return out
