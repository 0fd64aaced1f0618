"""What a language module must provide, and the one registry of readers.

Python is read with ``ast`` (``python.py``, ``pyrefs.py``). Every other language
is read with tree-sitter by one ``lang_*.py`` module that satisfies ``Language``;
``READERS`` names its grammar and that module for each language. Both are reached
through loader functions rather than imported here, so a grammar wheel and its
reader load only when a file of that language is met (DESIGN §9), and mypy checks
each module against the Protocol where its loader returns it.

A new language: its suffixes in ``gate.model.LANGUAGES``, a ``lang_*.py`` module,
and its row in ``READERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tree_sitter import Node

    from gate.symbols.treesitter import Collector
    from gate.symbols.values import Bindings, Call, FileSymbols, Import


class Resolving(Protocol):
    """What ``refs.Resolver`` asks of a language (Python's included)."""

    SEP: str  # between the parts of a written path (Rust: ``::``)
    ABSOLUTE: bool  # a full path names its module without an import
    BARE_METHODS: bool  # a bare call inside a class can be its own method
    CTOR_NEEDS_NEW: bool  # a class name stands for its constructor only after ``new``

    def full_parts(self, module: str) -> list[str]:
        """A module name as the parts a resolved path starts with."""
        ...

    def bindings(self, fs: FileSymbols, modules: set[str]) -> Bindings:
        """What the imports of ``fs`` bind, given the modules of the targets."""
        ...


class Language(Resolving, Protocol):
    """What a tree-sitter language module (``lang_*.py``) provides."""

    SKIP: frozenset[str]  # node types never holding a use (imports, comments)

    def module_name(self, path: str, root: Node | None) -> str:
        """The module a file defines (``root`` is None when it did not parse)."""
        ...

    def collect(self, root: Node, col: Collector) -> None:
        """Add the file's definitions to ``col``."""
        ...

    def imports(self, root: Node, path: str, module: str) -> list[Import]:
        """What the file imports, in source order."""
        ...

    def path_of(self, node: Node) -> tuple[list[str], list[Node]] | None:
        """The written path at ``node`` and the children still to visit, or None."""
        ...

    def call_of(self, node: Node) -> tuple[Node, Call] | None:
        """The call node and its arguments when ``node`` is called, else None."""
        ...

    def receivers(self, root: Node) -> dict[str, str]:
        """Receivers whose type the file declares or constructs: the receiver as
        written (parts joined by ".": ``seen``, ``this.reader``) -> the type's written
        path (parts joined by ".": ``Set``, ``util.Buf``); "" when the file gives one
        name several types. A method called on a receiver of a known type resolves
        through that type (``refs.Resolver``), never by its name alone."""
        ...


@dataclass(frozen=True)
class Reader:
    """A tree-sitter language: its grammar's language pointer and its node types."""

    grammar: Callable[[], object]
    module: Callable[[], Language]


def family(language: str) -> str:
    """JS, TS and TSX import each other; the others only themselves."""
    return "js" if language in ("javascript", "typescript", "tsx") else language


def reader(language: str) -> Language:
    """The ``lang_*.py`` module for a tree-sitter language (one of ``READERS``)."""
    return READERS[language].module()


# Loaders: each import runs on the first file of its language. A grammar wheel
# that is not installed raises ImportError here, which the parse reports.


def _javascript() -> object:
    import tree_sitter_javascript

    return tree_sitter_javascript.language()


def _typescript() -> object:
    import tree_sitter_typescript

    return tree_sitter_typescript.language_typescript()


def _tsx() -> object:
    import tree_sitter_typescript

    return tree_sitter_typescript.language_tsx()


def _go() -> object:
    import tree_sitter_go

    return tree_sitter_go.language()


def _rust() -> object:
    import tree_sitter_rust

    return tree_sitter_rust.language()


def _java() -> object:
    import tree_sitter_java

    return tree_sitter_java.language()


def _lang_js() -> Language:
    from gate.symbols import lang_js

    return lang_js


def _lang_go() -> Language:
    from gate.symbols import lang_go

    return lang_go


def _lang_rust() -> Language:
    from gate.symbols import lang_rust

    return lang_rust


def _lang_java() -> Language:
    from gate.symbols import lang_java

    return lang_java


READERS: dict[str, Reader] = {
    "javascript": Reader(_javascript, _lang_js),
    "typescript": Reader(_typescript, _lang_js),
    "tsx": Reader(_tsx, _lang_js),
    "go": Reader(_go, _lang_go),
    "rust": Reader(_rust, _lang_rust),
    "java": Reader(_java, _lang_java),
}
