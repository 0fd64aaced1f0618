"""JavaScript/TypeScript imports: ``import``/``require`` specifiers, how they resolve
to repository files (relative paths, path-alias suffixes, index re-exports), and
what they bind."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from gate.model import LANGUAGES
from gate.symbols.js_exports import (
    REQUIRED,
    chain_of,
    commonjs,
    exports,
    require_of,
    required_members,
    string_of,
)
from gate.symbols.language import family
from gate.symbols.treesitter import first_line, imported, named, text
from gate.symbols.values import Bindings, FileSymbols, Import

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["REQUIRED", "bindings", "chain_of", "full_parts", "imports", "require_of", "strip_extension"]


def imports(root: Node, path: str, module: str) -> list[Import]:
    out: list[Import] = []
    for node in named(root):
        line = first_line(node)
        if node.type == "import_statement":
            spec = string_of(node.child_by_field_name("source"))
            clause = next((c for c in named(node) if c.type == "import_clause"), None)
            req = next((c for c in named(node) if c.type == "import_require_clause"), None)
            if req is not None:
                ident = next((c for c in named(req) if c.type == "identifier"), None)
                spec = string_of(req.child_by_field_name("source"))
                if spec is not None:
                    out.append(imported(spec, "*", text(ident), line))
            elif spec is not None:
                out += _clause(spec, clause, line)
        elif node.type == "export_statement":
            out += exports(node, line)
        elif node.type in ("lexical_declaration", "variable_declaration"):
            for decl in named(node):
                value, name = decl.child_by_field_name("value"), decl.child_by_field_name("name")
                spec = require_of(value)
                if spec is not None:
                    out += _pattern(spec, name, line)
                elif value is not None and value.type in ("identifier", "member_expression") and name is not None \
                        and name.type == "identifier" and (parts := chain_of(value)) is not None:
                    # const h = createElement, const h = React.createElement
                    out.append(imported("", ".".join(parts), text(name), line))
                elif value is not None and value.type == "member_expression" and name is not None:
                    # var compileETag = require('./utils').compileETag
                    spec = require_of(value.child_by_field_name("object"))
                    prop = value.child_by_field_name("property")
                    if spec is not None and prop is not None and name.type == "identifier":
                        out.append(imported(spec, text(prop), text(name), line))
        elif node.type == "expression_statement":
            expr = node.named_children[0] if node.named_child_count else None
            spec = require_of(expr)
            if spec is not None:
                out.append(imported(spec, None, None, line))
            elif expr is not None and expr.type == "assignment_expression":
                out += commonjs(expr, line)
    return out + required_members(root, path)


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


# ``Import.module`` once ``jsfollow.localize`` read the repository's configuration: a
# repository path without extension, or a package that is not in the repository.
RESOLVED = "/"
OTHER = ":"
LOADED = "loaded:"  # the alias of a module an imported one loads (``jsfollow.loaded``)

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
    if spec.startswith(RESOLVED):  # ``jsfollow.localize`` found the file: no guessing
        path = spec[len(RESOLVED):]
        return ([path] if path in modules else []), False
    if spec.startswith(OTHER):
        return [], False
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
        if imp.export is not None or not imp.module:
            continue  # re-exported, not bound here (``jsfollow`` follows it for importers);
            # or ``const h = createElement``, which ``jsfollow.localize`` reads
        mods, barrel = modules_for(fs.path, imp.module, modules)
        # ``lib.util`` when ``jsfollow`` read ``export * as util`` in what ``lib`` names.
        key: tuple[str, ...] = ()
        if imp.alias:
            key = (imp.alias,) if imp.alias.startswith(REQUIRED) else tuple(imp.alias.split("."))
        if not mods and imp.local:
            out.others.append(imp.local)
        if imp.alias == LOADED:
            out.loaded += [[mod] for mod in mods]
            continue
        for mod in mods:
            out.imported.append([mod])
            if imp.name == "*" and imp.alias:
                out.names.append((key, [mod]))
            elif imp.name == "default" and imp.alias and imp.module.startswith(RESOLVED):
                out.names.append((key, [mod, "default"]))  # an anonymous default export
            elif imp.name == "default" and imp.alias and not barrel:
                # Which symbol is the default export is not known without ``jsfollow``:
                # assume the usual convention that the local name is the exported one.
                out.names.append((key, [mod, imp.alias]))
            elif imp.name and imp.name not in ("*", "default"):
                out.names.append((key or (imp.name,), [mod, imp.name]))
    return out
