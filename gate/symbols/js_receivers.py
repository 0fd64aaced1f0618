"""JavaScript/TypeScript receiver types (``Language.receivers``): the names whose
type a file writes or builds, so ``seen.add(…)`` on ``const seen = new Set()`` is
told from ``Registry.add``.

Read: ``const x = new T()``, ``let x: T``, parameters ``(x: T)`` (and TS parameter
properties ``constructor(private x: T)`` as ``this.x`` too), class fields ``x: T`` /
``x = new T()`` and ``this.x = new T()`` as ``this.x``; ``this`` in a file of one class.
A class the file declares with ``extends B`` reads as ``C|B`` (a method may be
inherited). A generic ``T<U>`` is ``T``;
``T | undefined`` is ``T``; any other type (``string``, a union, a function type) is
written as it is and names no class, so a method called on it is no use of a
target's. A name given two types anywhere in the file is unknown (""). Found with
tree-sitter queries, in C: a Python walk of every node costs more than the parse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.symbols.treesitter import named, norm, text

if TYPE_CHECKING:
    from tree_sitter import Node, Query

_COMMON = """
(variable_declarator name: (identifier) @name value: (new_expression constructor: (_) @type))
(assignment_expression left: (member_expression object: (this) property: (property_identifier) @this)
  right: (new_expression constructor: (_) @type))
"""
_JS = _COMMON + """
(field_definition property: (property_identifier) @this value: (new_expression constructor: (_) @type))
(class_declaration name: (_) @cls)
(class_declaration name: (_) @cls (class_heritage (_) @base))
"""
_TS = _COMMON + """
(class_declaration name: (_) @cls)
(abstract_class_declaration name: (_) @cls)
(class_declaration name: (_) @cls (class_heritage (extends_clause value: (_) @base)))
(abstract_class_declaration name: (_) @cls (class_heritage (extends_clause value: (_) @base)))
(variable_declarator name: (identifier) @name type: (type_annotation (_) @type))
(required_parameter pattern: (identifier) @name type: (type_annotation (_) @type))
(optional_parameter pattern: (identifier) @name type: (type_annotation (_) @type))
(required_parameter (accessibility_modifier) pattern: (identifier) @this type: (type_annotation (_) @type))
(public_field_definition name: (property_identifier) @this type: (type_annotation (_) @type))
(public_field_definition name: (property_identifier) @this value: (new_expression constructor: (_) @type))
"""
_QUERIES: dict[str, Query] = {}


def _query(root: Node) -> Query | None:
    """The query for the grammar that parsed ``root``: told by the id of its root
    node type, among the grammars loaded (the JS family's differ)."""
    from tree_sitter import Query

    from gate.symbols.treesitter import _PARSERS

    for language, p in list(_PARSERS.items()):
        grammar = p.language
        if language not in ("javascript", "typescript", "tsx") or grammar is None:
            continue
        if grammar.id_for_node_kind("program", True) != root.kind_id:
            continue
        q = _QUERIES.get(language)
        if q is None:
            q = _QUERIES[language] = Query(grammar, _JS if language == "javascript" else _TS)
        return q
    return None


def type_path(node: Node) -> str:
    """A type or constructor as written, parts joined by "." (see the module doc)."""
    kind = node.type
    if kind in ("identifier", "type_identifier"):
        return text(node)
    if kind in ("member_expression", "nested_type_identifier"):
        base = node.child_by_field_name("object") or node.child_by_field_name("module")
        name = node.child_by_field_name("property") or node.child_by_field_name("name")
        if base is not None and name is not None:
            head = type_path(base)
            return f"{head}.{text(name)}" if head and "(" not in head else norm(text(node))
    if kind == "generic_type":
        name = node.child_by_field_name("name")
        return type_path(name) if name is not None else norm(text(node))
    if kind == "union_type":
        parts = [c for c in named(node) if c.type != "literal_type" or text(c) not in ("undefined", "null")]
        if len(parts) == 1:
            return type_path(parts[0])
    return norm(text(node)) or "?"


def receivers(root: Node) -> dict[str, str]:
    from tree_sitter import QueryCursor

    q = _query(root)
    if q is None:
        return {}
    out: dict[str, str] = {}
    bases: dict[str, str] = {}
    for _, caps in QueryCursor(q).matches(root):
        if "cls" in caps:
            cls = text(caps["cls"][0])
            if "base" not in caps:  # the same class also matches the pattern with its base
                bases.setdefault(cls, "")
                continue
            base = type_path(caps["base"][0])
            bases[cls] = base if bases.get(cls) in (None, "", base) else "?"
            continue
        types = caps.get("type")
        if not types:
            continue
        kind = type_path(types[0])
        names = [text(n) for n in caps.get("name", ())] + [f"this.{text(n)}" for n in caps.get("this", ())]
        if caps.get("this") and types[0].parent is not None and types[0].parent.type == "type_annotation":
            owner = caps["this"][0].parent
            if owner is not None and owner.type == "required_parameter":
                names.append(text(caps["this"][0]))  # constructor(private r: T): r and this.r
        for name in names:
            out[name] = kind if out.get(name, kind) == kind else ""
    if not bases:
        return out
    # A class of the file stands for itself or what it extends (``A|B``: a method
    # may be inherited); ``this`` is the class when the file declares one.
    for name, kind in out.items():
        if kind in bases:
            out[name] = _lineage(kind, bases)
    if len(bases) == 1:
        out["this"] = _lineage(next(iter(bases)), bases)
    return out


def _lineage(cls: str, bases: dict[str, str]) -> str:
    chain = [cls]
    while bases.get(chain[-1]) and bases[chain[-1]] not in chain and len(chain) < 8:
        chain.append(bases[chain[-1]])
    return "|".join(chain)
