"""Values of the shared-symbol analysis: symbols, imports, changes, references.

Everything is a frozen dataclass built from ``(path, source bytes)`` alone, so a
parse result can be cached by blob id (``FileSymbols.to_json``/``from_json``).
Lines are 1-based and inclusive, as in git's hunk headers.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any, NamedTuple

# Bump when the extraction changes meaning: cached results of another format are
# refused by ``from_json`` (the caller then parses again).
FORMAT = 7  # 3: ``FileSymbols.skipped`` (issue 19); 4: Python files read around syntax errors;
# 5: ``Import.export`` (JS/TS re-exports, default exports, CommonJS); 6: Rust ``pub use`` as
# ``Import.export``, ``use`` inside functions and inline modules; 7: JS methods assigned onto
# an exported object (``res.cookie = function …``)

FUNCTION = "function"
CLASS = "class"
METHOD = "method"

# Parameter kinds. Only Python has posonly/kwonly/varkw; other languages use
# "pos" and "var" (JS/TS rest, Go variadic, Java varargs).
POS = "pos"
POSONLY = "posonly"
KWONLY = "kwonly"
VAR = "var"
VARKW = "varkw"


@dataclass(frozen=True)
class Param:
    """One parameter; ``default`` is the source text of its default value when the
    language has one and it was read (a changed default changes every call that
    omits the argument)."""

    name: str
    has_default: bool = False
    annotation: str | None = None
    kind: str = POS
    default: str | None = None


@dataclass(frozen=True)
class Signature:
    """Ordered parameters (Python: without ``self``/``cls``) and return type text."""

    params: tuple[Param, ...] = ()
    returns: str | None = None


@dataclass(frozen=True)
class Symbol:
    """A function, class or method definition.

    ``line`` is the line holding the name; ``start_line`` the first line of the
    definition including decorators or annotations. ``digest`` holds a checksum
    per non-blank line the symbol owns (its nested symbols' lines excluded), with
    the symbol's own name blanked out: equal digests mean an unchanged body, and
    similar digests under two names suggest a rename.
    """

    name: str
    qualname: str
    kind: str
    line: int
    end_line: int
    signature: Signature | None = None
    start_line: int = 0
    digest: tuple[int, ...] = ()

    @property
    def first_line(self) -> int:
        return self.start_line or self.line


@dataclass(frozen=True)
class Import:
    """One imported name or module.

    ``module`` is what the import names: a dotted module (Python, relative imports
    resolved against the file's package; Java package or ``pkg.Class`` for static
    imports), a specifier (JS/TS), an import path (Go) or a ``::`` path (Rust).
    ``name`` is the name taken from it (``None`` when the module itself is bound,
    ``"*"`` for a wildcard, ``"default"`` for a JS default import) and ``alias``
    the local name when it differs. A Go import binds its package: ``name`` is
    None, or the folder the path names once ``gomod.localize`` read ``go.mod``.
    ``export`` is set when the file exports it under that name instead of binding
    it (JS/TS ``export … from``, ``"*"`` for ``export *``); with ``module`` empty,
    the file exports its own ``name`` (``export default parse``, CommonJS). A Rust
    ``pub use`` has ``export`` (the name it re-exports under) and binds it as well.
    """

    module: str
    name: str | None = None
    alias: str | None = None
    line: int = 0
    export: str | None = None

    @property
    def local(self) -> str | None:
        """The name the import binds in the file (None for wildcards)."""
        if self.export is not None:
            return None
        if self.alias:
            return self.alias
        if self.name in (None, "*", "default"):
            return None
        return self.name


@dataclass(frozen=True)
class FileSymbols:
    """What one file defines and imports. ``error`` is set when it does not parse;
    ``skipped`` holds the line spans (first, last) of syntax errors tree-sitter
    recovered from: what lies on them is left out, the rest is read."""

    path: str
    language: str
    module: str
    symbols: tuple[Symbol, ...] = ()
    imports: tuple[Import, ...] = ()
    error: str | None = None
    skipped: tuple[tuple[int, int], ...] = ()

    @property
    def skipped_note(self) -> str | None:
        """A note naming the lines left out, e.g. ``syntax errors at lines 3, 10-12``."""
        if not self.skipped:
            return None
        spans = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in self.skipped)
        what = "errors" if len(self.skipped) > 1 or self.skipped[0][0] != self.skipped[0][1] else "error"
        return f"syntax {what} at line{'s' if what == 'errors' else ''} {spans}; definitions and uses there " \
               "are not analysed"

    def to_json(self) -> str:
        """A compact JSON text for a cache keyed by blob id (and ``FORMAT``)."""
        doc: dict[str, Any] = {
            "format": FORMAT,
            "path": self.path,
            "language": self.language,
            "module": self.module,
            "error": self.error,
            "skipped": [list(span) for span in self.skipped],
            "symbols": [_symbol_row(s) for s in self.symbols],
            "imports": [[i.module, i.name, i.alias, i.line, i.export] for i in self.imports],
        }
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> FileSymbols:
        """Inverse of ``to_json``. Raises ValueError on another format or bad data."""
        try:
            doc = json.loads(text)
            if doc.get("format") != FORMAT:
                raise ValueError(f"symbol cache format {doc.get('format')!r}, expected {FORMAT}")
            return cls(
                path=doc["path"],
                language=doc["language"],
                module=doc["module"],
                error=doc["error"],
                skipped=tuple((int(a), int(b)) for a, b in doc["skipped"]),
                symbols=tuple(_symbol_from_row(r) for r in doc["symbols"]),
                imports=tuple(Import(m, n, a, ln, e) for m, n, a, ln, e in doc["imports"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"bad symbol cache entry: {exc}") from exc

    def find(self, qualname: str) -> tuple[Symbol, ...]:
        """Symbols with this qualified name (overloads can share one)."""
        return tuple(s for s in self.symbols if s.qualname == qualname)


def _symbol_row(s: Symbol) -> list[Any]:
    sig = None
    if s.signature is not None:
        sig = [
            [[p.name, p.has_default, p.annotation, p.kind, p.default] for p in s.signature.params],
            s.signature.returns,
        ]
    return [s.name, s.qualname, s.kind, s.line, s.end_line, sig, s.start_line, list(s.digest)]


def _symbol_from_row(r: list[Any]) -> Symbol:
    name, qualname, kind, line, end_line, sig, start_line, digest = r
    signature = None
    if sig is not None:
        params = tuple(Param(n, bool(d), a, k, v) for n, d, a, k, v in sig[0])
        signature = Signature(params, sig[1])
    return Symbol(name, qualname, kind, line, end_line, signature, start_line, tuple(digest))


@dataclass(frozen=True)
class SymbolChange:
    """A symbol the hunks touch: ``body``, ``signature``, ``removed``, ``renamed`` or ``added``.

    ``symbol`` is the old side when it existed (the new one for ``added``),
    ``new`` the new side if any; ``detail`` says what changed, for messages.
    """

    kind: str
    symbol: Symbol
    new: Symbol | None = None
    detail: str = ""


@dataclass(frozen=True)
class Target:
    """A symbol whose users are wanted: qualified name, defining file and module."""

    qualname: str
    path: str
    module: str
    language: str

    @classmethod
    def of(cls, fs: FileSymbols, symbol: Symbol) -> Target:
        return cls(symbol.qualname, fs.path, fs.module, fs.language)

    @property
    def name(self) -> str:
        """The last component: what a use spells."""
        return self.qualname.rsplit(".", 1)[-1]

    @property
    def words(self) -> tuple[str, ...]:
        """Identifiers one of which a file must contain to reference the target.

        For a fast byte search before parsing: a constructor is used by its class
        name; anything else by its own name.
        """
        parts = self.qualname.split(".")
        if len(parts) > 1 and parts[-1] in ("__init__", "constructor", "new", parts[-2]):
            return tuple(dict.fromkeys((parts[-1], parts[-2])))
        if parts == ["default"] and self.path:
            # An anonymous JS/TS default export has no name of its own; its importers
            # spell the file (``'./parse'``, an index file's folder): ``jsmod.stem``.
            from gate.symbols.jsmod import stem

            return (stem(self.path),)
        return (parts[-1],)


@dataclass(frozen=True)
class Reference:
    """A use of a target in a file.

    ``how`` says how it was resolved: ``import`` (through an import of the
    defining module), ``qualified`` (a qualified path naming the module),
    ``local`` (same file, module or package) or ``name`` (an attribute/method
    name in a file importing the module: a likelier but unproven use).
    For calls, ``args`` counts positional arguments and ``keywords`` names the
    keyword ones; ``splat`` means ``*args``/``**kw``/spread made the count unknown;
    ``types`` holds each argument's static type where it can be told (Java), else "".
    """

    target: Target
    name: str
    line: int
    end_line: int
    column: int
    how: str
    call: bool = False
    args: int = 0
    keywords: tuple[str, ...] = ()
    splat: bool = False
    types: tuple[str, ...] = ()


class Call(NamedTuple):
    """How a use is called: positional count, keyword names, splat, ``new``, and
    the arguments' types as far as they can be told ("" unknown; Java only)."""

    args: int
    keywords: tuple[str, ...] = ()
    splat: bool = False
    new: bool = False
    types: tuple[str, ...] = ()


@dataclass
class Bindings:
    """What a file's imports bind, in resolved-name parts (a builder, not a value).

    ``names`` maps a local name (or a dotted prefix, for ``import a.b``) to the
    parts it stands for; ``globs`` are modules whose names are visible
    unqualified; ``imported`` every module the file imports at all; ``others``
    the local names bound to modules of no interest (they shadow a method name);
    ``loaded`` the modules those load in turn (JS, ``jsfollow.loaded``).
    ``exact``: the file's modules are known whole (Rust named by crate through
    Cargo.toml), so a path names a target only from its head, never by suffix.
    """

    names: list[tuple[tuple[str, ...], list[str]]] = field(default_factory=list)
    globs: list[list[str]] = field(default_factory=list)
    imported: list[list[str]] = field(default_factory=list)
    loaded: list[list[str]] = field(default_factory=list)  # JS: what the imported modules load in turn
    others: list[str] = field(default_factory=list)
    exact: bool = False


def line_digest(lines: list[bytes], first: int, last: int, skip: list[tuple[int, int]], name: str) -> tuple[int, ...]:
    """Checksums of lines ``first..last`` (1-based) outside ``skip``, blank ones dropped.

    The symbol's name is blanked so the digest survives a rename. Trailing blanks
    are ignored; leading indentation is kept (it is syntax in Python).
    """
    blank = name.encode("utf-8", "surrogateescape")
    spans = sorted(skip)
    out: list[int] = []
    n, i, last = first, 0, min(last, len(lines))
    while n <= last:
        while i < len(spans) and spans[i][1] < n:
            i += 1
        if i < len(spans) and spans[i][0] <= n:
            n = spans[i][1] + 1  # a nested symbol's lines belong to it
            continue
        text = lines[n - 1].rstrip()
        n += 1
        if not text.strip():
            continue
        if blank:
            text = text.replace(blank, b"\0")
        out.append(zlib.crc32(text))
    return tuple(out)
