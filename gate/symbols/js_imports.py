"""JavaScript/TypeScript imports: ``import``/``require`` specifiers, how they resolve
to repository files (relative paths, path-alias suffixes, index re-exports), and
what they bind."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from gate.model import LANGUAGES
from gate.symbols.language import family
from gate.symbols.treesitter import first_line, imported, named, text
from gate.symbols.values import Bindings, FileSymbols, Import

if TYPE_CHECKING:
    from tree_sitter import Node


def _string(node: Node | None) -> str | None:
    if node is None or node.type not in ("string", "template_string"):
        return None
    return text(node)[1:-1]


def _require(node: Node | None) -> str | None:
    """The specifier of ``require('x')`` (or ``import('x')``), else None."""
    if node is None:
        return None
    if node.type == "await_expression" and node.named_child_count:
        node = node.named_children[0]
    if node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    args = named(node.child_by_field_name("arguments"))
    if fn is None or text(fn) not in ("require", "import") or len(args) != 1:
        return None
    return _string(args[0])


def imports(root: Node, path: str, module: str) -> list[Import]:
    out: list[Import] = []
    for node in named(root):
        line = first_line(node)
        if node.type == "import_statement":
            spec = _string(node.child_by_field_name("source"))
            clause = next((c for c in named(node) if c.type == "import_clause"), None)
            req = next((c for c in named(node) if c.type == "import_require_clause"), None)
            if req is not None:
                ident = next((c for c in named(req) if c.type == "identifier"), None)
                spec = _string(req.child_by_field_name("source"))
                if spec is not None:
                    out.append(imported(spec, "*", text(ident), line))
            elif spec is not None:
                out += _clause(spec, clause, line)
        elif node.type == "export_statement":
            spec = _string(node.child_by_field_name("source"))
            if spec is not None:
                out.append(imported(spec, None, None, line))
        elif node.type in ("lexical_declaration", "variable_declaration"):
            for decl in named(node):
                spec = _require(decl.child_by_field_name("value"))
                if spec is not None:
                    out += _pattern(spec, decl.child_by_field_name("name"), line)
        elif node.type == "expression_statement":
            spec = _require(node.named_children[0] if node.named_child_count else None)
            if spec is not None:
                out.append(imported(spec, None, None, line))
    return out


def _clause(spec: str, clause: Node | None, line: int) -> list[Import]:
    if clause is None:
        return [imported(spec, None, None, line)]
    out: list[Import] = []
    for part in named(clause):
        if part.type == "identifier":
            out.append(imported(spec, "default", text(part), line))
        elif part.type == "namespace_import":
            ident = next((c for c in named(part) if c.type == "identifier"), None)
            out.append(imported(spec, "*", text(ident), line))
        elif part.type == "named_imports":
            for item in named(part):
                name = item.child_by_field_name("name")
                alias = item.child_by_field_name("alias")
                if name is not None:
                    out.append(imported(spec, text(name), text(alias) if alias else None, line))
    return out


def _pattern(spec: str, pattern: Node | None, line: int) -> list[Import]:
    """``const m = require(x)`` binds a namespace; ``const {a, b: c} = …`` names."""
    if pattern is None:
        return [imported(spec, None, None, line)]
    if pattern.type == "identifier":
        return [imported(spec, "*", text(pattern), line)]
    out: list[Import] = []
    for item in named(pattern):
        if item.type == "shorthand_property_identifier_pattern":
            out.append(imported(spec, text(item), None, line))
        elif item.type == "pair_pattern":
            key, value = item.child_by_field_name("key"), item.child_by_field_name("value")
            if key is not None and value is not None and value.type == "identifier":
                out.append(imported(spec, text(key), text(value), line))
    return out or [imported(spec, None, None, line)]


# Longest first, so that ``.mts`` is stripped whole rather than as ``.ts``.
EXTENSIONS = tuple(sorted((s for s, lang in LANGUAGES.items() if family(lang) == "js"), key=len, reverse=True))


def strip_extension(path: str) -> str:
    """The path without its extension: what a relative import specifier names."""
    for ext in EXTENSIONS:
        if path.endswith(ext):
            return path[: -len(ext)]
    return path


def resolve_specifier(importer: str, spec: str) -> str | None:
    """A relative specifier as a repository path without extension (None otherwise)."""
    if not spec.startswith("."):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
    if joined.startswith("../") or joined == "..":
        return None
    return strip_extension(joined)


def _spec_path(importer: str, spec: str) -> tuple[str, bool] | None:
    """The path (without extension) a specifier names, and whether it is exact.

    Relative specifiers are resolved; bare ones (``@/common/config``, path
    aliases) are only known as a path suffix without reading tsconfig.
    """
    resolved = resolve_specifier(importer, spec)
    if resolved is not None:
        return resolved, True
    if not spec or spec.startswith("."):
        return None
    tail = spec.split("/")
    while len(tail) > 1 and tail[0] in ("@", "~", "src", "@src"):
        tail = tail[1:]
    return "/".join(tail), False


def modules_for(importer: str, spec: str, modules: set[str]) -> tuple[list[str], bool]:
    """The target modules ``spec`` names: the file itself (or its ``index``), else
    the modules under the directory it names, whose index file may re-export
    them. Returns (modules, whether through such a directory)."""
    found = _spec_path(importer, spec)
    if found is None:
        return [], False
    path, exact = found

    def names(module: str, wanted: str) -> bool:
        return module == wanted or (not exact and module.endswith("/" + wanted))

    direct = [m for m in sorted(modules) if names(m, path) or names(m, path + "/index")]
    if direct:
        return direct[:1], False
    if exact:
        return [m for m in sorted(modules) if m.startswith(path + "/")], True
    return [m for m in sorted(modules) if "/" + path + "/" in "/" + m], True


def full_parts(module: str) -> list[str]:
    """A module as the leading parts of a resolved name (a path is one part)."""
    return [module]


def bindings(fs: FileSymbols, modules: set[str]) -> Bindings:
    """What the file's imports bind, for the imports naming one of ``modules``."""
    out = Bindings()
    for imp in fs.imports:
        mods, barrel = modules_for(fs.path, imp.module, modules)
        if not mods and imp.local:
            out.others.append(imp.local)
        for mod in mods:
            out.imported.append([mod])
            if imp.name == "*" and imp.alias:
                out.names.append(((imp.alias,), [mod]))
            elif imp.name == "default" and imp.alias and not barrel:
                # Which symbol is the default export is not recorded: assume the
                # usual convention that the local name is the exported one.
                out.names.append(((imp.alias,), [mod, imp.alias]))
            elif imp.name and imp.name not in ("*", "default"):
                out.names.append(((imp.alias or imp.name,), [mod, imp.name]))
    return out
