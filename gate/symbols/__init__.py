"""Shared-symbol analysis on ``(path, source bytes)``: no git here.

- ``extract(path, source)`` -> ``FileSymbols`` (definitions, signatures,
  imports, module name) or None for a language not analysed;
- ``read(path, source)`` -> ``extract``'s answer and the file's sites, in one parse;
- ``touched(old, new, hunks)`` -> ``SymbolChange`` list (body, signature,
  removed, renamed, added);
- ``references(path, source, fs, targets)`` -> ``Reference`` list;
- ``call_fits(signature, reference, language)`` says whether a call still fits;
- ``word_pattern(targets)`` finds candidate files by a byte search first.

Python is read with ``ast``; JavaScript, TypeScript/TSX, Go, Rust and Java with
tree-sitter, imported only when such a file is parsed. What a language module
provides and which one reads each language is ``language.py``; the values are
in ``values.py``.

Applied to branches (blobs read through ``gate.git``, answers cached by ids):
``changed`` (which symbols a change set changes), ``uses`` (who uses them) and
``cache`` (parse results and those answers, in memory and on disk). None of the
three is imported by this package: a branch without source files never loads them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.model import language_of
from gate.symbols.classify import breaks, call_fits, touched
from gate.symbols.refs import references, word_pattern
from gate.symbols.values import (
    FileSymbols,
    Import,
    Param,
    Reference,
    Signature,
    Symbol,
    SymbolChange,
    Target,
)

if TYPE_CHECKING:
    from gate.symbols.sites import Sites

__all__ = [
    "FileSymbols",
    "Import",
    "Param",
    "Reference",
    "Signature",
    "Symbol",
    "SymbolChange",
    "Target",
    "breaks",
    "call_fits",
    "extract",
    "read",
    "language_of",
    "references",
    "touched",
    "word_pattern",
]


def read(path: str, source: bytes) -> tuple[FileSymbols, Sites | None] | None:
    """One parse of a file for everything the analysis asks of it: ``extract``'s
    answer and the file's sites (``sites.resolve`` finds uses of any targets among
    them without parsing again). None when its language is not analysed."""
    language = language_of(path)
    if language is None:
        return None
    from gate.symbols import sites

    return sites.read(path, source, language)


def extract(path: str, source: bytes) -> FileSymbols | None:
    """Parse one file's definitions and imports; None when its language is not analysed.

    Never raises on bad input: a file that does not parse comes back with
    ``error`` set and no symbols.
    """
    language = language_of(path)
    if language is None:
        return None
    if language == "python":
        from gate.symbols import python

        return python.extract(path, source)
    from gate.symbols import treesitter

    return treesitter.extract(path, source, language)
