"""Rust receiver types (``lang_rust.receivers``): which type a name a method is
called on has, as far as the file writes it.

Read: ``let v: Vec<u8>`` and parameters ``b: &mut Buf`` (the written type, through
references and generics: ``Option<Buf>`` is ``Option``), values built from a type
(``Buf::new()``, ``Buf::default()``, ``Buf::from(x)``, ``Buf::with_capacity(n)``,
``Buf { .. }``, ``vec![…]``), fields (``let (a, b) = (&mut self.a, …)``), results
of the file's own free functions (``let b = builder(…)`` where ``fn builder(…) ->
WalkBuilder``), ``self`` inside ``impl Buf`` and ``self.field`` from the struct's
field types.

Per function: a use is mapped as ``name@line`` by the bindings of the function
around it (``self@line`` by the ``impl`` around it), and file-wide as ``name``
(a name given two types in the file, or bound by a pattern, a closure or ``for``
whose type is not read here, is unknown there: ""). A receiver whose type is a
type parameter (``m: M`` in ``fn f<M: Matcher>``), a trait object or ``impl
Trait`` is unknown: the call may be any implementation's.

Sites do not say whether their parts were joined by ``::`` or ``.``: a variable's
uses (``name.m()``) are mapped by line as above, and the file-wide ``name`` key
is left to paths: a name written as the head of a ``::`` path maps to no
variable's type there, so ``text::norm`` keeps resolving as a path even where a
variable ``text`` exists, and the prefix of every ``a::b::m`` path maps to itself,
so that it resolves as the path it is and never as a method matched by its name
alone (``glob::Pattern::new`` is not ``Glob::new``). Not read: method results (``a.b().c()``), ``Self``, macros other
than ``vec!``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.symbols import rust_tokens as tokens
from gate.symbols.treesitter import named, text

if TYPE_CHECKING:
    from tree_sitter import Node, Query

_BUILDERS = ("new", "default", "from")  # ``T::new()`` and the like give a T


class _Types:
    def __init__(self) -> None:
        self.kinds: dict[str, set[str | None]] = {}  # the types each name is bound with
        self.scoped: dict[tuple[int, str], set[str | None]] = {}  # … in one function
        self.uses: list[tuple[int, str | None, str, int]] = []  # (function, impl type, head, line)
        self.chains: list[tuple[int, str | None, list[str], int]] = []  # … ``x.a().b`` as [x, a(), b]
        self.heads: set[str] = set()  # heads of ``a::b`` paths
        self.generic: set[str] = set()  # type parameters (``M`` of ``fn f<M: Matcher>``)
        self.paths: set[str] = set()  # ``a.b`` for each ``a::b::m`` path

    def path(self, parts: list[str]) -> None:
        self.heads.add(parts[0])
        self.paths.add(".".join(parts[:-1]))

    def bind(self, key: str, kind: str | None, fn: int = -1) -> None:
        self.kinds.setdefault(key, set()).add(kind or None)
        if fn >= 0:
            self.scoped.setdefault((fn, key), set()).add(kind or None)

    def one(self, kinds: set[str | None], follow: bool = True) -> str | None:
        # ``&mut self.buf`` has the type of the field, whichever line declares it; a
        # binding whose type cannot be read makes the name unknown too.
        found = {self.one(self.kinds.get(k[1:], {None}), False) if follow and k and k.startswith("@") else k
                 for k in kinds}
        kind = next(iter(found)) if len(found) == 1 else None
        # A type parameter stands for any type bound by its traits: not a type of its own.
        return None if kind in self.generic else kind

    def result(self) -> dict[str, str]:
        out = {key: self.one(kinds) or "" for key, kinds in self.kinds.items() if key.split(".")[0] not in self.heads}
        # ``name.m()`` at a line: ``name@line``, read before the file-wide key. The type
        # the function around it binds the name with (``builder`` is a different
        # builder in each function of a file), else the file-wide one; never the path
        # a ``name::x`` elsewhere makes of it (variables live in another namespace).
        for fn, owner, head, line in self.uses:
            if head != "self" or owner:
                out[f"{head}@{line}"] = self.variable(fn, owner, head)
        # ``b.size(1).fill(2)`` on a builder: each method of a ``…Builder`` but
        # ``build…`` returns the builder (Rust's convention), so ``fill`` is the
        # builder's. Any other chain's result is of a type not read here.
        for fn, owner, chain, line in self.chains:
            kind = self.variable(fn, owner, chain[0])
            if kind.split(".")[-1].endswith("Builder") and not any(p.startswith("build") for p in chain[1:-1]):
                out[f"{'.'.join(chain[:-1])}@{line}"] = kind
        # ``a::b::m`` is a path, never a method of a variable: its "type" is the path
        # itself, resolved as written and never matched by the method's name alone.
        out.update((p, p) for p in self.paths)
        return out

    def variable(self, fn: int, owner: str | None, head: str) -> str:
        """The type of the variable ``head`` in the function ``fn`` ("" if unknown)."""
        if head == "self":
            return owner or ""
        if (fn, head) in self.scoped:
            return self.one(self.scoped[(fn, head)]) or ""
        return self.one(self.kinds[head]) or "" if head in self.kinds else ""

    def unknown(self, pattern: Node | None, fn: int) -> None:
        stack = [pattern] if pattern is not None else []
        while stack:
            node = stack.pop()
            if node.type == "identifier":
                self.bind(text(node), None, fn)
            elif node.type not in ("block", "closure_expression"):
                stack.extend(node.named_children)


# The node types read, found by one tree-sitter query: walking every node of a
# large file in Python cost ~0.1 s (ripgrep's flags/defs.rs), the query ~0.02 s.
_QUERY = "\n".join(f"({kind}) @{kind}" for kind in (
    "function_item", "impl_item", "let_declaration", "parameter", "closure_parameters", "match_pattern",
    "for_expression", "let_condition", "struct_item", "field_expression", "scoped_identifier",
    "scoped_type_identifier", "token_tree", "type_parameter"))
_COMPILED: list[Query] = []


def receivers(root: Node) -> dict[str, str]:
    """The receiver -> type map of one file (see the module docstring)."""
    from tree_sitter import QueryCursor

    types = _Types()
    found = [(int(n.start_byte), -int(n.end_byte), kind, n)
             for kind, nodes in QueryCursor(_query(root)).captures(root).items() for n in nodes]
    # In source order (outer before inner), with the functions and impls still open
    # at each node: the scope of a binding or a use.
    scopes: list[tuple[int, int, str | None]] = []  # (end byte, function start or -1, impl type)
    for start, neg_end, kind, node in sorted(found, key=lambda f: f[:2]):
        while scopes and scopes[-1][0] <= start:
            scopes.pop()
        fn, owner = (scopes[-1][1], scopes[-1][2]) if scopes else (-1, None)
        if kind == "function_item":
            scopes.append((-neg_end, start, owner))
            if owner is None:  # a free function: ``let b = builder(…)`` has its return type
                name = node.child_by_field_name("name")
                types.bind(f"fn:{text(name)}", written_type(node.child_by_field_name("return_type")))
        elif kind == "impl_item":
            owner = written_type(node.child_by_field_name("type"))
            scopes.append((-neg_end, fn, owner))
            for item in named(node.child_by_field_name("body")):
                params = item.child_by_field_name("parameters") if item.type == "function_item" else None
                if any(p.type == "self_parameter" for p in named(params)):
                    types.bind("self", owner)
        else:
            _read(types, kind, node, fn, owner)
    return types.result()


def _query(root: Node) -> Query:
    if not _COMPILED:
        from tree_sitter import Query

        from gate.symbols.treesitter import parser

        language = parser("rust").language
        assert language is not None
        _COMPILED.append(Query(language, _QUERY))
    return _COMPILED[0]


def _read(types: _Types, kind: str, node: Node, fn: int, owner: str | None) -> None:
    if kind == "let_declaration":
        _let(types, node, fn)
    elif kind == "parameter":
        pattern = node.child_by_field_name("pattern")
        if pattern is not None and pattern.type == "identifier":
            types.bind(text(pattern), written_type(node.child_by_field_name("type")), fn)
        else:
            types.unknown(pattern, fn)
    elif kind in ("closure_parameters", "match_pattern"):
        types.unknown(node, fn)
    elif kind in ("for_expression", "let_condition"):
        types.unknown(node.child_by_field_name("pattern"), fn)
    elif kind == "struct_item":
        for field in named(node.child_by_field_name("body")):
            label = field.child_by_field_name("name")
            if field.type == "field_declaration" and label is not None:
                types.bind(f"self.{text(label)}", written_type(field.child_by_field_name("type")))
    elif kind == "field_expression":
        head = node.child_by_field_name("value")
        if head is not None and head.type in ("identifier", "self"):
            types.uses.append((fn, owner, text(head), int(head.start_point[0]) + 1))
        chain = call_chain(node)
        if chain is not None:
            types.chains.append((fn, owner, chain, int(node.start_point[0]) + 1))
    elif kind in ("scoped_identifier", "scoped_type_identifier"):
        parts = _path(node)
        if len(parts) > 1:  # (``self::``, ``super::``, ``crate::`` heads are other node types)
            types.path(parts)
    elif kind == "type_parameter":
        name = node.child_by_field_name("name")
        if name is not None:
            types.generic.add(text(name))
    elif kind == "token_tree":
        for parts in tokens.paths(node):
            types.path(parts)
        types.uses += [(fn, owner, name, line) for name, line in tokens.receivers(node)]


def _let(types: _Types, node: Node, fn: int) -> None:
    pattern = node.child_by_field_name("pattern")
    written = node.child_by_field_name("type")
    value = node.child_by_field_name("value")
    if pattern is not None and pattern.type == "identifier":
        types.bind(text(pattern), written_type(written) if written is not None
                   else built_type(value) if value is not None else None, fn)
    elif _pairs(pattern, value) and written is None:
        # ``let (a, b) = (&mut self.a, B::new());``: element by element.
        for name, part in _pairs(pattern, value):
            types.bind(text(name), built_type(part) if name.type == "identifier" else None, fn)
    else:
        types.unknown(pattern, fn)


def _pairs(pattern: Node | None, value: Node | None) -> list[tuple[Node, Node]]:
    """(name, value) pairs of a tuple pattern bound to a tuple of the same length."""
    if pattern is None or value is None or pattern.type != "tuple_pattern" or value.type != "tuple_expression":
        return []
    names, values = named(pattern), named(value)
    return list(zip(names, values, strict=True)) if len(names) == len(values) else []


def written_type(node: Node | None) -> str | None:
    """``Buf``, ``&mut Buf``, ``Vec<u8>`` (``Vec``), ``util::Buf`` (``util.Buf``)."""
    while node is not None and node.type in ("reference_type", "generic_type", "pointer_type"):
        node = node.child_by_field_name("type")
    if node is None:
        return None
    if node.type in ("type_identifier", "primitive_type"):
        # ``Self`` is the type of the impl around it, which a per-file map cannot tell.
        return None if text(node) == "Self" else text(node)
    if node.type == "scoped_type_identifier":
        parts = _path(node)
        return ".".join(parts) if parts else None
    return None


def built_type(value: Node) -> str | None:
    """The type a value is built from: ``T::new()``, ``T { .. }``, ``vec![…]``, a call of
    a function of the file (``@fn:name``) or a field (``@self.name``); else None."""
    inner = value.child_by_field_name("value") if value.type == "reference_expression" else None
    while inner is not None:  # ``&mut x`` has the type of ``x`` as far as its methods go
        value = inner
        inner = value.child_by_field_name("value") if value.type == "reference_expression" else None
    if value.type == "field_expression":
        owner, field = value.child_by_field_name("value"), value.child_by_field_name("field")
        if owner is not None and owner.type == "self" and field is not None:
            return f"@self.{text(field)}"  # the field's type, looked up once all are read
        return None
    if value.type == "struct_expression":
        return written_type(value.child_by_field_name("name"))
    if value.type == "macro_invocation":
        return "Vec" if text(value.child_by_field_name("macro")) == "vec" else None
    if value.type != "call_expression":
        return None
    function = value.child_by_field_name("function")
    if function is not None and function.type == "generic_function":
        function = function.child_by_field_name("function")
    if function is not None and function.type == "identifier":
        return f"@fn:{text(function)}"  # what a function of the file returns, looked up once all are read
    if function is None or function.type != "scoped_identifier":
        return None
    parts = _path(function)
    if len(parts) < 2 or not (parts[-1] in _BUILDERS or parts[-1].startswith("with_")):
        return None
    return ".".join(parts[:-1]) if parts[-2][:1].isupper() and parts[-2] != "Self" else None


def call_chain(node: Node) -> list[str] | None:
    """``x.a(…).b`` (a member of a method call's result, down to a name) as
    ``["x", "a()", "b"]``; None for anything else."""
    value, field = node.child_by_field_name("value"), node.child_by_field_name("field")
    if node.type != "field_expression" or value is None or field is None or value.type != "call_expression":
        return None
    calls: list[str] = []
    while value.type == "call_expression":
        function = value.child_by_field_name("function")
        name = function.child_by_field_name("field") if function is not None else None
        inner = function.child_by_field_name("value") if function is not None else None
        if function is None or function.type != "field_expression" or name is None or inner is None:
            return None
        calls.append(f"{text(name)}()")
        value = inner
    return [text(value), *reversed(calls), text(field)] if value.type in ("identifier", "self") else None


def _path(node: Node | None) -> list[str]:
    """The parts of a ``a::b::C`` path; [] when one is not a plain name (``<T as X>::f``)."""
    if node is None:
        return []
    if node.type in ("identifier", "type_identifier"):
        return [text(node)]
    if node.type in ("scoped_identifier", "scoped_type_identifier"):
        path = node.child_by_field_name("path")
        name = node.child_by_field_name("name")
        if path is None and name is not None and node.children[0].type == "::":
            return [text(name)]  # ``::regex::Regex``: the head of a global path
        head = _path(path) if path is not None else []
        return [*head, text(name)] if head and name is not None else []
    if node.type == "generic_type":
        return _path(node.child_by_field_name("type"))
    return []
