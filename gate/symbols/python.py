"""Python symbols through the standard ``ast`` module (no third-party import)."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator

from gate.symbols import pyrecover
from gate.symbols.pyrecover import Span
from gate.symbols.values import (
    CLASS,
    FUNCTION,
    KWONLY,
    METHOD,
    POS,
    POSONLY,
    VAR,
    VARKW,
    FileSymbols,
    Import,
    Param,
    Signature,
    Symbol,
    line_digest,
)

# A tree and the line spans left out to read it (``pyrecover``).
Parsed = tuple[ast.Module, tuple[Span, ...]]

_DEF = (ast.FunctionDef, ast.AsyncFunctionDef)
# Module-level statements whose bodies still define module-level names
# (``if TYPE_CHECKING:``, ``try: ... except ImportError:`` fallbacks).
_BLOCKS = (ast.If, ast.Try, ast.With, ast.AsyncWith)


def module_name(path: str) -> str:
    """``src/common/config.py`` -> ``src.common.config``; a package's ``__init__`` is the package."""
    stem = path[:-3] if path.endswith(".py") else path
    parts = [p for p in stem.split("/") if p]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(path: str) -> list[str]:
    """The package a file's relative imports start from."""
    parts = module_name(path).split(".") if module_name(path) else []
    return parts if path.endswith("__init__.py") else parts[:-1]


def resolve_relative(path: str, level: int, module: str | None) -> str:
    """The absolute dotted name of ``from <level dots><module> import``."""
    if level == 0:
        return module or ""
    pkg = package_of(path)
    if level - 1 > len(pkg):
        # Above the repository root: keep it recognisable but unmatched.
        return "." * level + (module or "")
    base = pkg[: len(pkg) - (level - 1)]
    if module:
        base = base + module.split(".")
    return ".".join(base)


def parse(source: bytes | str) -> ast.Module | str:
    """The module's tree (read around syntax errors: ``read_tree``), or an error
    message. Never raises on bad input."""
    found = read_tree(source.encode("utf-8", "surrogateescape") if isinstance(source, str) else source)
    return found if isinstance(found, str) else found[0]


def read_tree(source: bytes) -> Parsed | str:
    """The module's tree and the line spans left out to read it (``pyrecover``: the
    statements holding syntax errors), or an error message when nothing could be
    read. Never raises on bad input."""
    try:
        return _quiet_parse(source), ()
    except (SyntaxError, ValueError) as exc:
        error: Exception = exc
    except RecursionError:
        return "too deeply nested to parse"
    # Recovery starts from the error of the text it reads (``start``).
    start: Exception = error
    read: pyrecover.Parse = _quiet_parse
    try:
        source.decode("utf-8")
    except UnicodeDecodeError:
        # Bytes that are not UTF-8 and no coding cookie: parse the text with
        # replacement characters, which land inside strings or comments of a
        # file that is otherwise valid.
        read = _replaced
        try:
            return read(source), ()
        except (SyntaxError, ValueError, RecursionError) as exc:
            start = exc
    if isinstance(start, SyntaxError):
        recovered = pyrecover.recover(source, start, read)
        if recovered is not None and _reads_anything(recovered[0]):
            return recovered
    if isinstance(error, SyntaxError) and error.lineno:
        return f"syntax error at line {error.lineno}: {error.msg}"
    return f"does not parse: {error}"


def _replaced(source: bytes) -> ast.Module:
    return _quiet_parse(source.decode("utf-8", "replace"))


def _reads_anything(tree: ast.Module) -> bool:
    """Whether a recovered tree defines or imports anything: else the file is dropped
    with its first error, as a file that does not parse at all."""
    return any(isinstance(node, (*_DEF, ast.ClassDef, ast.Import, ast.ImportFrom)) for node in _statements(tree.body))


def _quiet_parse(source: bytes | str) -> ast.Module:
    # Compiling warns (SyntaxWarning for "\d" escapes…) on stderr, which a hook
    # would show the pusher as "remote:" noise about someone else's code.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


def extract(path: str, source: bytes) -> FileSymbols:
    """Definitions and imports of one Python file."""
    return from_tree(path, source, read_tree(source))


def from_tree(path: str, source: bytes, parsed: Parsed | str) -> FileSymbols:
    """``extract`` of a file already parsed (``parsed`` is ``read_tree``'s answer).

    Around a syntax error only the statements holding it are left out: unlike a
    tree-sitter error, the definitions enclosing them are read exactly (their
    header parsed), so they are kept.
    """
    module = module_name(path)
    if isinstance(parsed, str):
        return FileSymbols(path, "python", module, error=parsed)
    tree, skipped = parsed
    lines = source.splitlines()
    symbols: list[Symbol] = []
    try:
        _walk(tree.body, "", False, lines, symbols, skipped)
        imports = _imports(path, tree)
    except RecursionError:  # ast.unparse of an absurdly nested annotation
        return FileSymbols(path, "python", module, error="too deeply nested to read")
    symbols.sort(key=lambda s: (s.first_line, s.line))
    return FileSymbols(path, "python", module, tuple(symbols), imports, skipped=skipped)


def _walk(
    body: list[ast.stmt], prefix: str, in_class: bool, lines: list[bytes], out: list[Symbol],
    skipped: tuple[Span, ...] = (),
) -> list[tuple[int, int]]:
    """Append the definitions of ``body`` to ``out``; return their line spans."""
    spans: list[tuple[int, int]] = []
    for node in body:
        if isinstance(node, _BLOCKS):
            for sub in _blocks(node):
                spans += _walk(sub, prefix, in_class, lines, out, skipped)
            continue
        if not isinstance(node, (*_DEF, ast.ClassDef)):
            continue
        qual = prefix + node.name
        first = min([d.lineno for d in node.decorator_list] + [node.lineno])
        last = _through(node.end_lineno or node.lineno, skipped)
        skip: list[tuple[int, int]] = []
        if isinstance(node, ast.ClassDef):
            skip = _walk(node.body, qual + ".", True, lines, out, skipped)
            kind, sig = CLASS, None
        else:
            kind = METHOD if in_class else FUNCTION
            sig = signature(node, in_class)
        digest = line_digest(lines, first, last, skip, node.name)
        out.append(Symbol(node.name, qual, kind, node.lineno, last, sig, first, digest))
        spans.append((first, last))
    return spans


def _through(last: int, skipped: tuple[Span, ...]) -> int:
    """A definition whose last statement is a ``pass`` standing for lines left out
    ends where they end."""
    for a, b in skipped:
        if a <= last < b:
            return b
    return last


def _blocks(node: ast.stmt) -> list[list[ast.stmt]]:
    if isinstance(node, ast.If):
        return [node.body, node.orelse]
    if isinstance(node, ast.Try):
        return [node.body, node.orelse, node.finalbody, *[h.body for h in node.handlers]]
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return [node.body]
    return []


def _text(node: ast.expr | None) -> str | None:
    return None if node is None else ast.unparse(node)


def signature(node: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> Signature:
    """Parameters in call order; a method's bound ``self``/``cls`` is left out."""
    a = node.args
    positional = [*a.posonlyargs, *a.args]
    first_default = len(positional) - len(a.defaults)
    params: list[Param] = []
    for i, arg in enumerate(positional):
        kind = POSONLY if i < len(a.posonlyargs) else POS
        value = _text(a.defaults[i - first_default]) if i >= first_default else None
        params.append(Param(arg.arg, i >= first_default, _text(arg.annotation), kind, value))
    if a.vararg is not None:
        params.append(Param(a.vararg.arg, False, _text(a.vararg.annotation), VAR))
    for arg, default in zip(a.kwonlyargs, a.kw_defaults, strict=True):
        params.append(Param(arg.arg, default is not None, _text(arg.annotation), KWONLY, _text(default)))
    if a.kwarg is not None:
        params.append(Param(a.kwarg.arg, False, _text(a.kwarg.annotation), VARKW))
    static = any(_decorator_name(d) == "staticmethod" for d in node.decorator_list)
    if method and not static and params and params[0].kind in (POS, POSONLY):
        params.pop(0)
    return Signature(tuple(params), _text(node.returns))


def _decorator_name(d: ast.expr) -> str:
    if isinstance(d, ast.Call):
        d = d.func
    if isinstance(d, ast.Attribute):
        return d.attr
    return d.id if isinstance(d, ast.Name) else ""


def _imports(path: str, tree: ast.Module) -> tuple[Import, ...]:
    out: list[Import] = []
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append(Import(alias.name, None, alias.asname, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            mod = resolve_relative(path, node.level, node.module)
            for alias in node.names:
                out.append(Import(mod, alias.name, alias.asname, node.lineno))
    out.sort(key=lambda i: i.line)
    return tuple(out)


def _statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every statement, nested ones included, without visiting expressions.

    Imports are statements; skipping expressions makes this several times
    cheaper than ``ast.walk`` (measured on the standard library).
    """
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            sub = getattr(node, name, None)
            if isinstance(sub, list):
                stack.extend(reversed(sub))
