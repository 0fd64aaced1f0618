"""Java node types (tree-sitter grammar). A module is the file's package."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.symbols import java_scope
from gate.symbols.java_types import arg_type
from gate.symbols.treesitter import Collector, first_line, imported, named, norm, text
from gate.symbols.values import (
    CLASS,
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
from gate.symbols.walk import joined, member_chain

if TYPE_CHECKING:
    from tree_sitter import Node

# What ``language.Language`` asks for.
SKIP = frozenset({"import_declaration", "package_declaration", "line_comment", "block_comment"})
SEP = "."
ABSOLUTE = True  # ``com.acme.Config.parse(...)`` needs no import
BARE_METHODS = True  # ``parse(...)`` inside the class calls its own method
CTOR_NEEDS_NEW = True  # ``Config(...)`` alone is no constructor call
_LEAVES = frozenset({"identifier", "type_identifier", "this", "super"})
# ``super(…)``/``this(…)`` name a class written elsewhere (``sites.wanted_words``).
ANCHORS = frozenset({"super", "this"})
_CLASSES = (
    "class_declaration",
    "interface_declaration",
    "enum_declaration",
    "record_declaration",
    "annotation_type_declaration",
)


def module_name(path: str, root: Node | None) -> str:
    """The ``package`` declaration (empty for the default package or an unparsed file)."""
    for node in named(root):
        if node.type == "package_declaration":
            ident = named(node)
            return text(ident[0]) if ident else ""
    return ""


def collect(root: Node, col: Collector) -> None:
    for node in named(root):
        if node.type in _CLASSES:
            _class(node, "", col)


def _members(body: Node | None) -> list[Node]:
    out = []
    for member in named(body):
        if member.type == "enum_body_declarations":
            out += named(member)
        else:
            out.append(member)
    return out


def _class(node: Node, prefix: str, col: Collector) -> tuple[int, int] | None:
    name = node.child_by_field_name("name")
    if name is None:
        return None
    qual = prefix + text(name)
    skip = []
    for member in _members(node.child_by_field_name("body")):
        mname = member.child_by_field_name("name")
        if member.type in _CLASSES:
            span = _class(member, qual + ".", col)
            if span:
                skip.append(span)
        elif member.type in ("method_declaration", "constructor_declaration") and mname:
            skip.append(col.add(member, mname, f"{qual}.{text(mname)}", METHOD, signature(member)))
    return col.add(node, name, qual, CLASS, None, skip)


def signature(fn: Node) -> Signature:
    params: list[Param] = []
    for p in named(fn.child_by_field_name("parameters")):
        if p.type == "formal_parameter":
            name = p.child_by_field_name("name")
            annotation = norm(text(p.child_by_field_name("type"))) + "[]" * text(
                p.child_by_field_name("dimensions")
            ).count("[")
            params.append(Param(text(name), False, annotation or None, POS))
        elif p.type == "spread_parameter":
            decl = next((c for c in named(p) if c.type == "variable_declarator"), None)
            kinds = [c for c in named(p) if c.type not in ("variable_declarator", "modifiers")]
            name = decl.child_by_field_name("name") if decl is not None else None
            params.append(Param(text(name), False, norm(text(kinds[0])) if kinds else None, VAR))
    returns = fn.child_by_field_name("type")  # constructors have none
    return Signature(tuple(params), norm(text(returns)) or None)


def imports(root: Node, path: str, module: str) -> list[Import]:
    out: list[Import] = []
    for node in named(root):
        if node.type != "import_declaration":
            continue
        parts = [c for c in named(node) if c.type in ("scoped_identifier", "identifier")]
        if not parts:
            continue
        dotted = text(parts[0])
        if any(c.type == "asterisk" for c in node.children):
            out.append(imported(dotted, "*", None, first_line(node)))
        else:
            mod, _, last = dotted.rpartition(".")
            out.append(imported(mod, last, None, first_line(node)))
    return out


def full_parts(module: str) -> list[str]:
    return module.split(".") if module else []


def bindings(fs: FileSymbols, modules: set[str]) -> Bindings:
    """``import a.b.C`` binds ``C``; ``import static a.b.C.m`` binds ``m``; ``.*`` globs."""
    out = Bindings()
    for imp in fs.imports:
        mod = full_parts(imp.module)
        out.imported.append(mod)
        if imp.name == "*":
            out.globs.append(mod)
        elif imp.name:
            out.names.append(((imp.name,), [*mod, imp.name]))
    return out


def _type_parts(node: Node | None) -> list[str] | None:
    if node is None:
        return None
    if node.type == "generic_type":
        return _type_parts(named(node)[0] if named(node) else None)
    if node.type == "type_identifier":
        return [text(node)]
    if node.type == "scoped_type_identifier":
        return joined(_type_parts(c) for c in named(node))
    return None


def _chain(node: Node) -> list[str] | None:
    if node.type in _LEAVES:
        return [text(node)]
    if node.type == "field_access":
        return member_chain(node, _chain, "object")
    if node.type == "method_reference":
        return joined(_chain(c) for c in named(node))
    return _type_parts(node) if node.type in ("scoped_type_identifier",) else None


def path_of(node: Node) -> tuple[list[str], list[Node]] | None:
    """A use at ``node``; invocations and ``new`` are uses whose arguments are still visited."""
    if node.type == "method_invocation":
        obj, name = node.child_by_field_name("object"), node.child_by_field_name("name")
        rest = [c for c in (node.child_by_field_name("arguments"),) if c is not None]
        if name is None:
            return None
        if obj is None:
            return [text(name)], rest
        base = _chain(obj)
        if base is not None:
            return base + [text(name)], rest
        # ``new T(…).m()`` and ``((T) x).m()``: the receiver's type is written there;
        # ``f(…).m()``: what the file's method ``f`` returns (``java_scope.receivers``).
        made = _made(obj)
        return (made if made else [""]) + [text(name)], [obj, *rest]
    if node.type == "method_reference":
        # ``x::m`` names the method (a use whose arguments are unknown: ``call_of``);
        # ``f()::m`` the method alone, and ``f()`` is still visited.
        kids = named(node)
        method = kids[-1] if len(kids) > 1 and kids[-1].type == "identifier" else None
        base = _chain(kids[0]) if kids else None
        if method is None or base is not None:
            return (base + ([text(method)] if method is not None else []), []) if base is not None else None
        return ["", text(method)], [kids[0]]
    if node.type == "explicit_constructor_invocation":
        # ``super(…)``/``this(…)``: the superclass's or the class's own constructor.
        args = [c for c in (node.child_by_field_name("arguments"),) if c is not None]
        parts = _constructed(node)
        return (parts, args) if parts else None
    if node.type == "object_creation_expression":
        parts = _type_parts(node.child_by_field_name("type"))
        rest = [c for c in named(node) if c.type in ("argument_list", "class_body")]
        return (parts, rest) if parts else None
    parts = _chain(node)
    return (parts, []) if parts is not None else None


def _made(obj: Node) -> list[str] | None:
    """The type of a receiver that is a ``new`` (no anonymous body) or a cast in parentheses,
    or ``f()`` for a call of a method of this class."""
    if obj.type == "method_invocation":
        inner = obj.child_by_field_name("object")
        if inner is None or inner.type == "this":
            return [text(obj.child_by_field_name("name")) + "()"]
        return None
    if obj.type == "parenthesized_expression" and len(named(obj)) == 1:
        obj = named(obj)[0]
        return _type_parts(obj.child_by_field_name("type")) if obj.type == "cast_expression" else None
    if obj.type == "object_creation_expression" and not any(c.type == "class_body" for c in named(obj)):
        return _type_parts(obj.child_by_field_name("type"))
    return None


def _constructed(node: Node) -> list[str] | None:
    """The class whose constructor ``super(…)`` or ``this(…)`` calls, as written."""
    ctor, cls = node.child_by_field_name("constructor"), node.parent
    if ctor is None or node.child_by_field_name("object") is not None:
        return None  # ``outer.super(…)``: an inner class's, not read
    while cls is not None and cls.type not in ("class_declaration", "enum_declaration", "record_declaration"):
        cls = cls.parent
    if cls is None:
        return None
    if ctor.type == "this":
        return [text(cls.child_by_field_name("name"))]
    parent = cls.child_by_field_name("superclass")
    return _type_parts(named(parent)[0]) if parent is not None and named(parent) else None


def call_of(node: Node) -> tuple[Node, Call] | None:
    if node.type == "method_reference":
        return node, Call(0, (), True)  # called later with arguments not written here
    if node.type not in ("method_invocation", "object_creation_expression", "explicit_constructor_invocation"):
        return None
    args = named(node.child_by_field_name("arguments"))
    types = tuple(arg_type(a) for a in args)
    return node, Call(len(args), (), False, node.type != "method_invocation", types)


def receivers(root: Node) -> dict[str, str]:
    """Declared types of the file's names (``java_scope``)."""
    return java_scope.receivers(root)


def receiver_at(node: Node, receiver: str) -> str:
    """The type of a receiver the file declares with several types, at ``node``."""
    return java_scope.receiver_at(node, receiver)
