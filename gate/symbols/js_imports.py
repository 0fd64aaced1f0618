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
    from tree_sitter import Node, Query


def _string(node: Node | None) -> str | None:
    if node is None or node.type not in ("string", "template_string"):
        return None
    return text(node)[1:-1]


def require_of(node: Node | None) -> str | None:
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
            out += _exports(node, line)
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
                out += _commonjs(expr, line)
    return out + _required_members(root, path)


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


def _exports(node: Node, line: int) -> list[Import]:
    """What an ``export`` statement exports under which name (``Import.export``)."""
    spec = _string(node.child_by_field_name("source"))
    out: list[Import] = []
    clause = next((c for c in named(node) if c.type in ("export_clause", "namespace_export")), None)
    if clause is None:
        if spec is not None:  # export * from './x'
            return [Import(spec, "*", None, line, "*")]
        value = node.child_by_field_name("value") or node.child_by_field_name("declaration")
        is_default = any(c.type == "default" for c in node.children)
        name = value.child_by_field_name("name") if value is not None and value.type != "identifier" else value
        if is_default and name is not None and name.type in ("identifier", "type_identifier"):
            out.append(Import("", text(name), None, line, "default"))
        elif is_default and value is not None and value.type == "object":
            # export default { createElement, render }: React.createElement after
            # ``import React from 'preact/compat'``
            for key, local in _object_names(value):
                out.append(Import("", local, None, line, f"default.{key}"))
        elif value is not None and value.type in ("lexical_declaration", "variable_declaration"):
            out += _instances(value, line)
        return out
    if clause.type == "namespace_export":  # export * as util from './x'
        ident = next((c for c in named(clause) if c.type == "identifier"), None)
        return [Import(spec, "*", None, line, text(ident))] if spec is not None and ident is not None else []
    for item in named(clause):
        name, alias = item.child_by_field_name("name"), item.child_by_field_name("alias")
        if name is not None:
            out.append(Import(spec or "", text(name), None, line, text(alias or name)))
    return out


def _instances(decl: Node, line: int) -> list[Import]:
    """``export const registry = new Registry()`` (or ``: Registry``): the instance is
    exported as an alias of its class, so ``registry.add`` reads ``Registry.add``."""
    from gate.symbols.js_receivers import type_path

    out = []
    for item in named(decl):
        name = item.child_by_field_name("name")
        value, kind = item.child_by_field_name("value"), item.child_by_field_name("type")
        written = None
        if kind is not None and kind.named_child_count:
            written = kind.named_children[0]
        elif value is not None and value.type == "new_expression":
            written = value.child_by_field_name("constructor")
        if name is not None and name.type == "identifier" and written is not None:
            path = type_path(written)
            if path.isidentifier():
                out.append(Import("", path, None, line, text(name)))
    return out


def _commonjs(expr: Node, line: int) -> list[Import]:
    """``module.exports = X``, ``= { a, b: c }`` and ``exports.a = c`` (a local name)."""
    target = chain_of(expr.child_by_field_name("left"))
    value = expr.child_by_field_name("right")
    if value is None:
        return []
    if target == ["exports"] and value.type == "assignment_expression":
        return _commonjs(value, line)  # exports = module.exports = createApplication
    if target == ["module", "exports"]:
        if value.type == "identifier":
            return [Import("", text(value), None, line, "=")]
        spec = require_of(value)
        if spec is not None:  # module.exports = require('./lib/express')
            return [Import(spec, "*", None, line, "=")]
        if value.type in ("function_expression", "function", "class"):
            name = value.child_by_field_name("name")
            return [Import("", text(name) if name is not None else "default", None, line, "=")]
        if value.type == "object":
            return [Import("", local, None, line, key) for key, local in _object_names(value)]
    elif target is not None and target[:-1] in (["exports"], ["module", "exports"]) and value.type == "identifier":
        return [Import("", text(value), None, line, target[-1])]
    return []


def _object_names(value: Node) -> list[tuple[str, str]]:
    """(key, local name) of ``{ fmt, parse: parseImpl }``."""
    out = []
    for item in named(value):
        if item.type == "shorthand_property_identifier":
            out.append((text(item), text(item)))
        elif item.type == "pair":
            key, v = item.child_by_field_name("key"), item.child_by_field_name("value")
            if key is not None and v is not None and v.type == "identifier":
                out.append((text(key), text(v)))
    return out


def chain_of(node: Node | None) -> list[str] | None:
    """``a.b.c`` as its names, else None."""
    if node is None:
        return None
    if node.type in ("identifier", "property_identifier"):
        return [text(node)]
    if node.type == "member_expression":
        base = chain_of(node.child_by_field_name("object"))
        prop = node.child_by_field_name("property")
        return None if base is None or prop is None else base + [text(prop)]
    return None


REQUIRED = "require:"  # the local name ``require('./m').fmt`` is read under: ``require:./m``


def _required_members(root: Node, path: str) -> list[Import]:
    """``require('./m').fmt``: a namespace of ``./m`` bound to ``require:./m`` (the
    name ``lang_js.chain`` gives such a call). Found with a query, in C: a Python walk
    of every node costs more than the parse."""
    if b"require" not in (root.text or b""):
        return []
    out = []
    for node in _query(root, path):
        spec = require_of(node)
        if spec is not None:
            out.append(Import(spec, "*", REQUIRED + spec, first_line(node)))
    return out


_QUERIES: dict[str, Query] = {}


def _query(root: Node, path: str) -> list[Node]:
    from tree_sitter import Query, QueryCursor

    from gate.model import language_of
    from gate.symbols.treesitter import parser

    lang = language_of(path) or "javascript"
    q = _QUERIES.get(lang)
    if q is None:
        grammar = parser(lang).language
        assert grammar is not None
        q = _QUERIES[lang] = Query(grammar, "(member_expression object: (call_expression) @call)")
    return QueryCursor(q).captures(root).get("call", [])


# ``Import.module`` once ``jsmod.localize`` read the repository's configuration: a
# repository path without extension, or a package that is not in the repository.
RESOLVED = "/"
OTHER = ":"

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
    if spec.startswith(RESOLVED):  # ``jsmod.localize`` found the file: no guessing
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
            continue  # re-exported, not bound here (``jsmod`` follows it for importers);
            # or ``const h = createElement``, which ``jsmod.localize`` reads
        mods, barrel = modules_for(fs.path, imp.module, modules)
        # ``lib.util`` when ``jsmod`` read ``export * as util`` in what ``lib`` names.
        key: tuple[str, ...] = ()
        if imp.alias:
            key = (imp.alias,) if imp.alias.startswith(REQUIRED) else tuple(imp.alias.split("."))
        if not mods and imp.local:
            out.others.append(imp.local)
        for mod in mods:
            out.imported.append([mod])
            if imp.name == "*" and imp.alias:
                out.names.append((key, [mod]))
            elif imp.name == "default" and imp.alias and imp.module.startswith(RESOLVED):
                out.names.append((key, [mod, "default"]))  # an anonymous default export
            elif imp.name == "default" and imp.alias and not barrel:
                # Which symbol is the default export is not known without ``jsmod``:
                # assume the usual convention that the local name is the exported one.
                out.names.append((key, [mod, imp.alias]))
            elif imp.name and imp.name not in ("*", "default"):
                out.names.append((key or (imp.name,), [mod, imp.name]))
    return out
