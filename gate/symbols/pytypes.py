"""Receiver types in a Python file, read from what the file writes (``ast``).

A method call ``x.m()`` is a use of ``T.m`` only when ``x`` is a ``T`` (issue 19).
Python declares few types, so only what the file states plainly is read:

- a parameter or variable annotated with a class (``def f(r: Registry)``,
  ``r: util.Registry = …``);
- a name or ``self.attr`` assigned a constructor call (``r = Registry()``,
  ``self.reader = io.Reader(…)``): a call of a capitalised name, as PEP 8 names
  classes;
- an object used where it is built (``Registry().add(…)``);
- ``self`` and ``cls`` in a method: the class, or one of its written bases (the
  method may be inherited), tried in that order;
- a name assigned one of the above (``t = self.templar``, ``d = display``): its type.

Names are looked up in the innermost function holding the use, then in its class
(``self.attr``) and the classes of the file it names as bases, then at module
level. A name given two types in one scope, or assigned anything else there (a
function's result, a loop variable), is unknown.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class _Scope:
    first: int
    last: int
    names: dict[str, str] = field(default_factory=dict)
    bases: tuple[str, ...] = ()  # a class's written bases


# A bound value naming another receiver (``t = self.templar``): looked up on use.
_ALIAS = "="


def _dotted(node: ast.expr | None) -> str | None:
    """``Registry`` or ``util.Registry`` as written; None for anything else
    (``Optional[T]``, ``list[T]``, a string annotation)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def built(value: ast.expr | None) -> str | None:
    """The class a value is constructed from (``T(…)``, ``mod.T(…)``), else None."""
    if isinstance(value, ast.Call):
        kind = _dotted(value.func)
        if kind is not None and kind.rsplit(".", 1)[-1][:1].isupper():
            return kind
    return None


def _alias(value: ast.expr | None) -> str | None:
    """``name`` or ``self.attr`` as a value: the receiver it copies, marked."""
    key = _target_key(value) if isinstance(value, (ast.Name, ast.Attribute)) else None
    return None if key is None else _ALIAS + key


def _bind(names: dict[str, str], key: str, kind: str | None) -> None:
    # Anything but one plain type makes the name unknown in this scope.
    names[key] = kind if kind is not None and names.get(key, kind) == kind else ""


def _target_key(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
        return f"{node.value.id}.{node.attr}"
    return None


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a scope, through compound statements (``if``, ``try``,
    ``with``, ``match``…); a nested function or class is yielded but not entered.
    Expressions are not walked: a name bound inside one (``:=``) is not read."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _DEFS):
            continue
        inner: list[ast.stmt] = []
        for name in ("body", "orelse", "finalbody"):
            inner += getattr(node, name, ())
        for handler in getattr(node, "handlers", ()):
            inner += handler.body
        for case in getattr(node, "cases", ()):
            inner += case.body
        stack.extend(reversed(inner))


def _assignments(body: list[ast.stmt], names: dict[str, str], attrs: dict[str, str] | None) -> None:
    """Bind what ``body`` assigns: plain names into ``names``, ``self.x`` into ``attrs``."""
    for node in _statements(body):
        pairs: list[tuple[ast.expr, str | None]] = []
        if isinstance(node, ast.Assign):
            pairs = [(t, built(node.value) or (_alias(node.value) if isinstance(t, ast.Name) else None))
                     for t in node.targets]
        elif isinstance(node, ast.AnnAssign):
            pairs = [(node.target, _dotted(node.annotation))]
        elif isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor)):
            pairs = [(node.target, None)]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            pairs = [(i.optional_vars, None) for i in node.items if i.optional_vars is not None]
        for target, kind in pairs:
            # Unpacking (``a, b = f()``) tells no type.
            leaves = list(ast.walk(target)) if isinstance(target, (ast.Tuple, ast.List, ast.Starred)) else [target]
            for leaf in leaves:
                key = _target_key(leaf) if isinstance(leaf, ast.expr) else None
                if key is not None and ("." not in key or attrs is not None):
                    _bind(attrs if "." in key and attrs is not None else names, key,
                          kind if leaf is target else None)


class Receivers:
    """``lookup(parts, line)``: the type of the receiver ``parts`` at ``line``."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = _Scope(1, 1 << 30)
        _assignments(tree.body, self.module.names, None)
        self.functions: list[_Scope] = []
        self.classes: list[_Scope] = []
        self.by_name: dict[str, _Scope | None] = {}
        self._visit(tree.body, None)
        self.functions.sort(key=lambda s: s.first)
        self.classes.sort(key=lambda s: s.first)

    def _visit(self, body: list[ast.stmt], cls: tuple[ast.ClassDef, _Scope] | None) -> None:
        for node in _statements(body):
            if isinstance(node, ast.ClassDef):
                bases = tuple(b for b in (_dotted(x) for x in node.bases) if b is not None)
                scope = _Scope(node.lineno, node.end_lineno or node.lineno, bases=bases)
                self.classes.append(scope)
                # Two classes of one name: neither is looked into as a base.
                self.by_name[node.name] = None if node.name in self.by_name else scope
                self._visit(node.body, (node, scope))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(node, cls)

    def _function(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, cls: tuple[ast.ClassDef, _Scope] | None) -> None:
        scope = _Scope(fn.lineno, fn.end_lineno or fn.lineno)
        args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
        static = any(_dotted(d) == "staticmethod" for d in fn.decorator_list)
        for i, arg in enumerate(args):
            if i == 0 and cls is not None and not static and arg.annotation is None:
                owner = cls[0]
                bases = [b for b in (_dotted(x) for x in owner.bases) if b is not None and b != "object"]
                _bind(scope.names, arg.arg, "|".join([owner.name, *bases]))
            else:
                _bind(scope.names, arg.arg, _dotted(arg.annotation))
        for extra in (fn.args.vararg, fn.args.kwarg):
            if extra is not None:
                _bind(scope.names, extra.arg, None)
        _assignments(fn.body, scope.names, cls[1].names if cls is not None else None)
        self.functions.append(scope)
        self._visit(fn.body, None)

    @staticmethod
    def _innermost(scopes: list[_Scope], line: int) -> _Scope | None:
        best = None
        for s in scopes:  # in source order: a later start inside is a nested scope
            if s.first > line:
                break
            if line <= s.last:
                best = s
        return best

    def lookup(self, parts: tuple[str, ...], line: int, depth: int = 0) -> str | None:
        key = ".".join(parts)
        found: str | None = None
        if len(parts) == 2 and parts[0] in ("self", "cls"):
            cls = self._innermost(self.classes, line)
            found = self._attribute(cls, key, set()) if cls is not None else None
        elif len(parts) == 1:
            fn = self._innermost(self.functions, line)
            if fn is not None and key in fn.names:
                found = fn.names[key]
            else:
                found, line = self.module.names.get(key), 0  # an alias there is module-level too
        if found and found.startswith(_ALIAS):
            # ``t = self.templar``: the type of what it copies, from where it was bound.
            return self.lookup(tuple(found[1:].split(".")), line, depth + 1) if depth < 4 else None
        return found or None

    def _attribute(self, cls: _Scope, key: str, seen: set[int]) -> str | None:
        """``self.attr`` in ``cls``, else in a base class this file defines."""
        if key in cls.names or id(cls) in seen:
            return cls.names.get(key)
        seen.add(id(cls))
        for base in cls.bases:
            scope = self.by_name.get(base)
            found = self._attribute(scope, key, seen) if scope is not None else None
            if found is not None:
                return found
        return None
