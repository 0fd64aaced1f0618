"""Parsing with tree-sitter and the per-language grammar wheels.

The ``tree_sitter`` import and each grammar are loaded on first use: a hook
that only sees Python files never pays for them (DESIGN §9). Which grammar and
which ``lang_*.py`` module read a language is ``language.READERS``; the grammars
come from their own wheels (``tree-sitter-javascript`` …), never from
``tree-sitter-language-pack``, whose releases fetch grammars at run time.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from gate.symbols.language import READERS, reader
from gate.symbols.values import CLASS, FileSymbols, Import, Signature, Symbol, line_digest

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

_PARSERS: dict[str, Parser] = {}
# ``in``/``out``/``in out`` before a type parameter, after ``<`` or ``,`` or at the
# start of a line (zod puts a comment between ``<`` and ``out``).
_VARIANCE = re.compile(rb"((?:[<,]|^)[ \t]*\n?[ \t]*)(?:in\s+out|in|out)[ \t]+"
                       rb"(?=[A-Za-z_$][\w$]*\s*(?:extends\b|[,>=]))", re.M)


def parser(language: str) -> Parser:
    """A cached parser for ``language`` (one of ``READERS``)."""
    cached = _PARSERS.get(language)
    if cached is None:
        import tree_sitter

        grammar = READERS[language].grammar()
        cached = _PARSERS[language] = tree_sitter.Parser(tree_sitter.Language(grammar))
    return cached


def parse(language: str, source: bytes) -> Node | str:
    """The root node, or an error message when nothing can be read.

    A tree with ERROR or MISSING nodes is kept (issue 19): tree-sitter recovers
    the definitions and calls around them, and dropping the whole file lost every
    caller in it. ``from_root`` leaves out what lies on the lines of an error
    (``error_lines``); only a tree that is one error as a whole is refused.
    """
    try:
        root = parser(language).parse(source).root_node
        if language == "javascript" and root.has_error:
            # tree-sitter-javascript 0.25 refuses a JSX attribute named by a reserved
            # word (``class=``, ``for=``: Preact's JSX); the TSX grammar reads them,
            # and JavaScript without types is TSX. Kept when it reads the file whole.
            alt = parser("tsx").parse(source).root_node
            if not alt.has_error:
                root = alt
        elif language in ("typescript", "tsx") and root.has_error and _VARIANCE.search(source):
            # tree-sitter-typescript 0.23 does not know variance annotations
            # (``interface Box<out T>``, TS 4.7): blanked to spaces of the same length,
            # so every position stays where it was.
            blanked = _VARIANCE.sub(lambda m: m.group(1) + b" " * (len(m.group(0)) - len(m.group(1))), source)
            alt = parser(language).parse(blanked).root_node
            if len(error_lines(alt)) < len(error_lines(root)):
                root = alt
    except ImportError as exc:  # a grammar wheel missing: no symbols, not a crash
        return f"no {language} parser ({exc.name} is not installed)"
    except (ValueError, RuntimeError) as exc:  # e.g. a parse timeout or cancellation
        return f"does not parse: {exc}"
    if root.is_error or (root.has_error and not any(not (c.is_error or c.is_missing) for c in root.children)):
        bad = _first_error(root)
        line = bad.start_point[0] + 1 if bad is not None else 1
        return f"syntax error at line {line}"
    return root


def _first_error(node: Node) -> Node | None:
    # Iterative: minified code nests deeper than Python's recursion limit.
    while not (node.is_error or node.is_missing):
        child = next((c for c in node.children if c.has_error or c.is_missing), None)
        if child is None:
            return None
        node = child
    return node


def error_lines(root: Node) -> tuple[tuple[int, int], ...]:
    """The line spans (first, last) of the tree's ERROR and MISSING nodes, merged."""
    spans: list[tuple[int, int]] = []
    stack = [root] if root.has_error else []
    while stack:  # iterative, as ``_first_error``
        node = stack.pop()
        if node.is_error or node.is_missing:
            spans.append((first_line(node), max(first_line(node), last_line(node))))
            continue
        stack.extend(c for c in node.children if c.has_error or c.is_missing)
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)


def extract(path: str, source: bytes, language: str) -> FileSymbols:
    """Definitions and imports of one file of a tree-sitter language."""
    return from_root(path, source, language, parse(language, source))


def from_root(path: str, source: bytes, language: str, root: Node | str) -> FileSymbols:
    """``extract`` of a file already parsed (``root`` is ``parse``'s answer)."""
    lang = reader(language)
    if isinstance(root, str):
        return FileSymbols(path, language, lang.module_name(path, None), error=root)
    module = lang.module_name(path, root)
    col = Collector(source.splitlines())
    try:
        lang.collect(root, col)
        imports = tuple(lang.imports(root, path, module))
    except RecursionError:
        return FileSymbols(path, language, module, error="too deeply nested to read")
    skipped = error_lines(root)
    # A definition with an error inside may be cut short or misread: left out.
    # Its nested definitions without one stay (their own spans are clean).
    kept = [s for s in col.symbols if not any(a <= s.end_line and s.first_line <= b for a, b in skipped)]
    symbols = tuple(sorted(kept, key=lambda s: (s.first_line, s.line, s.kind != CLASS)))
    if skipped:
        imports = tuple(i for i in imports if not any(a <= i.line <= b for a, b in skipped))
        if not symbols and not imports:  # nothing recovered: the file is not read
            return FileSymbols(path, language, module, error=f"syntax error at line {skipped[0][0]}")
    return FileSymbols(path, language, module, symbols, imports, skipped=skipped)


def text(node: Node | None) -> str:
    """The node's source text (bytes that are not UTF-8 replaced)."""
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def norm(value: str) -> str:
    """Whitespace-insensitive form of a type or parameter text."""
    return " ".join(value.split())


def first_line(node: Node) -> int:
    return int(node.start_point[0]) + 1


def last_line(node: Node) -> int:
    row, column = node.end_point
    # A node that ends at column 0 stops before that line (a trailing newline).
    if column == 0 and row > node.start_point[0]:
        return int(row)
    return int(row) + 1


def named(node: Node | None) -> list[Node]:
    """Named children, comments left out."""
    if node is None:
        return []
    return [c for c in node.named_children if "comment" not in c.type]


class Collector:
    """Gathers symbols; digests a definition's own lines (nested ones excluded)."""

    def __init__(self, lines: list[bytes]) -> None:
        self.lines = lines
        self.symbols: list[Symbol] = []

    def add(
        self,
        node: Node,
        name_node: Node,
        qualname: str,
        kind: str,
        signature: Signature | None,
        skip: list[tuple[int, int]] | None = None,
    ) -> tuple[int, int]:
        """Record one definition; return its line span for the parent's digest."""
        name = text(name_node)
        first, last = first_line(node), last_line(node)
        digest = line_digest(self.lines, first, last, skip or [], name)
        line = first_line(name_node)
        self.symbols.append(Symbol(name, qualname, kind, line, last, signature, first, digest))
        return first, last


def imported(module: str, name: str | None = None, alias: str | None = None, line: int = 0) -> Import:
    return Import(module, name, alias or None, line)
