"""Uses of target symbols in a Python file, resolved through its imports."""

from __future__ import annotations

import ast

from gate.symbols.language import Resolving
from gate.symbols.python import parse
from gate.symbols.refs import Resolver, make_reference, reexports
from gate.symbols.values import Bindings, Call, FileSymbols, Reference, Target


def full_parts(module: str) -> list[str]:
    return module.split(".") if module else []


def bindings(fs: FileSymbols, modules: set[str]) -> Bindings:
    """``import a.b`` binds the dotted prefix ``a.b``; ``import a.b as m`` binds ``m``;
    ``from a import x as y`` binds ``y`` to ``a.x`` (a module or a member: the
    same parts either way); ``from a import *`` makes ``a``'s names visible."""
    out = Bindings()
    targets = [full_parts(m) for m in sorted(modules)]
    for imp in fs.imports:
        mod = full_parts(imp.module)
        out.imported.append(mod)
        if imp.name is None:
            out.names.append(((imp.alias,) if imp.alias else tuple(mod), mod))
        elif imp.name == "*":
            out.globs.append(mod)
        else:
            key = (imp.alias or imp.name,)
            out.names.append((key, [*mod, imp.name]))
            out.names += [(key, v) for v in reexports([*mod, imp.name], targets)]
    return out


class _Python:
    """What ``Resolver`` asks of Python (``language.Resolving``)."""

    SEP = "."
    ABSOLUTE = False  # a module is named only through an import
    BARE_METHODS = False  # a method is called through ``self``
    CTOR_NEEDS_NEW = False  # ``C(...)`` calls ``C.__init__``
    full_parts = staticmethod(full_parts)
    bindings = staticmethod(bindings)


_PYTHON: Resolving = _Python()


def _chain(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        base = _chain(node.value)
        return None if base is None else [*base, node.attr]
    return None


class _Visitor(ast.NodeVisitor):
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.out: list[Reference] = []
        self.calls: dict[int, ast.Call] = {}

    def visit_Import(self, node: ast.Import) -> None:  # the binding, not a use
        return

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        return

    def visit_Call(self, node: ast.Call) -> None:
        self.calls[id(node.func)] = node
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        self._use(node, [node.id])

    def visit_Attribute(self, node: ast.Attribute) -> None:
        parts = _chain(node)
        if parts is None:
            # ``f().m`` or ``x[0].m``: only the attribute name can be told.
            self._use(node, ["", node.attr])
            self.visit(node.value)
        else:
            self._use(node, parts)

    def _use(self, node: ast.expr, parts: list[str]) -> None:
        called = self.calls.get(id(node))
        call = None
        if called is not None:
            splat = any(isinstance(a, ast.Starred) for a in called.args) or any(k.arg is None for k in called.keywords)
            call = Call(
                sum(not isinstance(a, ast.Starred) for a in called.args),
                tuple(k.arg for k in called.keywords if k.arg is not None),
                splat,
            )
        resolved = self.resolver.resolve(parts, call)
        if resolved is None:
            return
        end = (called or node).end_lineno or node.lineno
        self.out.append(make_reference(resolved, parts, call, node.lineno, end, node.col_offset + 1))


def references(source: bytes, fs: FileSymbols, targets: list[Target]) -> list[Reference]:
    tree = parse(source)
    if isinstance(tree, str):
        return []
    visitor = _Visitor(Resolver(fs, targets, _PYTHON))
    visitor.visit(tree)
    return sorted(visitor.out, key=lambda r: (r.line, r.column))
