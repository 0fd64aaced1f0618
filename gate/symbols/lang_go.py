"""Go node types (tree-sitter grammar). A module is a package: the file's directory."""

from __future__ import annotations

import posixpath
import re
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

# What ``language.Language`` asks for.
SKIP = frozenset({"import_declaration", "package_clause", "comment"})
SEP = "."
ABSOLUTE = False  # a package is named only through its import
BARE_METHODS = False  # a method is called through its receiver
CTOR_NEEDS_NEW = True  # Go has no constructors
_LEAVES = frozenset({"identifier", "type_identifier"})
_MAJOR = re.compile(r"v[0-9]+")
_GOPKG_IN = re.compile(r"\.v[0-9]+$")


def module_name(path: str, root: Node | None) -> str:
    """The package directory (``.`` at the top): what import paths end with."""
    return posixpath.dirname(path) or "."


def collect(root: Node, col: Collector) -> None:
    for node in named(root):
        name = node.child_by_field_name("name")
        if node.type == "function_declaration" and name is not None:
            col.add(node, name, text(name), FUNCTION, signature(node))
        elif node.type == "method_declaration" and name is not None:
            recv = _type_name(node.child_by_field_name("receiver"))
            qual = f"{recv}.{text(name)}" if recv else text(name)
            col.add(node, name, qual, METHOD if recv else FUNCTION, signature(node))
        elif node.type == "type_declaration":
            for spec in named(node):
                _type_spec(spec, col)


def _type_spec(spec: Node, col: Collector) -> None:
    name, body = spec.child_by_field_name("name"), spec.child_by_field_name("type")
    if spec.type != "type_spec" or name is None or body is None:
        return
    if body.type not in ("struct_type", "interface_type"):
        return
    skip = []
    if body.type == "interface_type":
        for elem in named(body):
            ename = elem.child_by_field_name("name")
            if elem.type == "method_elem" and ename is not None:
                qual = f"{text(name)}.{text(ename)}"
                skip.append(col.add(elem, ename, qual, METHOD, signature(elem)))
    col.add(spec, name, text(name), CLASS, None, skip)


def _type_name(node: Node | None) -> str:
    """The named type in a receiver (``(c *Config)``, ``(l List[T])``)."""
    if node is None:
        return ""
    if node.type == "type_identifier":
        return text(node)
    for child in named(node):
        if node.type == "parameter_declaration" and child == node.child_by_field_name("name"):
            continue
        found = _type_name(child)
        if found:
            return found
    return ""


def signature(fn: Node) -> Signature:
    params: list[Param] = []
    for decl in named(fn.child_by_field_name("parameters")):
        kind = VAR if decl.type == "variadic_parameter_declaration" else POS
        annotation = norm(text(decl.child_by_field_name("type"))) or None
        # ``a, b int`` declares two parameters; ``func(int)`` one without a name.
        names: list[Node | None] = list(decl.children_by_field_name("name")) or [None]
        for n in names:
            params.append(Param(text(n), False, annotation, kind))
    result = fn.child_by_field_name("result")
    return Signature(tuple(params), norm(text(result)) or None)


def imports(root: Node, path: str, module: str) -> list[Import]:
    out: list[Import] = []
    for node in named(root):
        if node.type != "import_declaration":
            continue
        specs = [s for c in named(node) for s in ([c] if c.type == "import_spec" else named(c))]
        for spec in specs:
            target = spec.child_by_field_name("path")
            if target is None:
                continue
            alias = spec.child_by_field_name("name")
            out.append(imported(text(target)[1:-1], None, text(alias) or None, first_line(spec)))
    return out


def full_parts(module: str) -> list[str]:
    return [module]


def bindings(fs: FileSymbols, modules: set[str]) -> Bindings:
    """What each import binds: its package name, to the folder the import names.

    ``gomod.localize`` has put that folder in ``Import.name`` (``""``: a package of
    another module) when a ``go.mod`` governs the file; without one (a GOPATH
    layout) an import path ending with a target's folder names it.
    """
    out = Bindings()
    for imp in fs.imports:
        if imp.name is not None:
            mod = imp.name if imp.name in modules else None
        else:
            mod = next((m for m in sorted(modules) if imp.module == m or imp.module.endswith("/" + m)), None)
        local = imp.alias or package_name(imp.module)
        if mod is None:
            out.others.append(local)
            continue
        out.imported.append([mod])
        if imp.alias == ".":
            out.globs.append([mod])
        elif imp.alias != "_":
            out.names.append(((local,), [mod]))
    return out


def package_name(import_path: str) -> str:
    """The name a package is usually declared with: the last element of its path,
    without a major version (``example.com/x/v2``, ``gopkg.in/yaml.v3``)."""
    parts = import_path.split("/")
    if len(parts) > 1 and _MAJOR.fullmatch(parts[-1]):
        parts.pop()
    return _GOPKG_IN.sub("", parts[-1])


def _chain(node: Node) -> list[str] | None:
    if node.type in _LEAVES or node.type == "package_identifier":
        return [text(node)]
    if node.type == "selector_expression":
        return member_chain(node, _chain, "operand")
    if node.type == "qualified_type":
        pkg, name = node.child_by_field_name("package"), node.child_by_field_name("name")
        return [text(pkg), text(name)]
    return None


def path_of(node: Node) -> tuple[list[str], list[Node]] | None:
    return member_use(node, _chain, "selector_expression", "operand")


def call_of(node: Node) -> tuple[Node, Call] | None:
    found = called_by(node)
    if found is None:
        return None
    call, args = found
    return call, Call(len(args), (), any(a.type == "variadic_argument" for a in args))


def receivers(root: Node) -> dict[str, str]:
    """Names whose type the file writes: method receivers and parameters
    (``func (b *Buf) M(o util.Buf)``), ``var v T``, and values built from a type
    (``x := T{}``, ``&pkg.T{}``, ``new(T)``). A name given two types in the file,
    or declared anywhere from a value whose type is not read here (a function's
    result, a range), is unknown ("")."""
    out: dict[str, str] = {}

    def bind(name: Node, kind: str | None) -> None:
        # A declaration whose type cannot be read makes the name unknown too.
        if name.type == "identifier" and name.text != b"_":
            key = text(name)
            out[key] = kind if kind is not None and out.get(key, kind) == kind else ""

    stack = [root]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind in ("parameter_declaration", "var_spec"):
            names = [c for c in named(node) if c.type == "identifier"]
            written = node.child_by_field_name("type")
            values = named(node.child_by_field_name("value"))
            for i, name in enumerate(names):
                bind(name, _written_type(written) if written is not None
                     else _built_type(values[i]) if i < len(values) else None)
        elif kind == "short_var_declaration":
            left, right = named(node.child_by_field_name("left")), named(node.child_by_field_name("right"))
            for i, name in enumerate(left):
                bind(name, _built_type(right[i]) if len(left) == len(right) else None)
        elif kind in ("range_clause", "type_switch_statement", "receive_statement"):
            for name in named(node.child_by_field_name("left") or node.child_by_field_name("alias")):
                bind(name, None)
        stack.extend(node.named_children)
    return out


def _written_type(node: Node | None) -> str | None:
    """``T``, ``*T``, ``pkg.T``, ``T[int]`` as the type's written path; None otherwise."""
    while node is not None and node.type in ("pointer_type", "generic_type"):
        node = node.child_by_field_name("type") if node.type == "generic_type" else \
            (node.named_children[0] if node.named_child_count else None)
    if node is None:
        return None
    if node.type == "type_identifier":
        return text(node)
    if node.type == "qualified_type":
        return f"{text(node.child_by_field_name('package'))}.{text(node.child_by_field_name('name'))}"
    return None


def _built_type(value: Node) -> str | None:
    """The type a value is built from: ``T{}``, ``&T{}``, ``new(T)``; else None."""
    if value.type == "unary_expression" and text(value.child_by_field_name("operator")) == "&":
        inner = value.child_by_field_name("operand")
        value = inner if inner is not None else value
    if value.type == "composite_literal":
        return _written_type(value.child_by_field_name("type"))
    if value.type == "call_expression" and text(value.child_by_field_name("function")) == "new":
        args = named(value.child_by_field_name("arguments"))
        return _written_type(args[0]) if len(args) == 1 else None
    return None
