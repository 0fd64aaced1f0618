"""Uses of given symbols in one file, resolved through the file's imports.

A use is a dotted path at a node (``f``, ``cfg.parse``, ``a::b::f``,
``Config.load``). Its head is looked up in what the imports bind, else in the
file's own module (same file, Go/Java package), wildcard imports and, for Java
and Rust, as an absolute path. The result is compared with each target's full
name (module parts + qualified name); a suffix on module boundaries is enough,
so ``common.config.parse`` matches a file whose module is
``src.common.config``. A method called on a receiver whose type the file declares
or constructs (``lang_*.receivers``) is looked up as ``Type.method``; one of
another type is no use. A method called on an object of unknown type is matched
by name only in files that import the defining module (``how="name"``, a
*possible* use: ``uses`` drops it when another type defines a method of that name).
A JS method assigned onto an exported object (``res.cookie``: a lower-case owner)
is matched so only on a receiver of the owner's name (``res.cookie(…)``), in files
whose imports import or load (``jsfollow.loaded``) its module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from gate.symbols.language import Resolving, family
from gate.symbols.values import METHOD, Call, FileSymbols, Reference, Target

_CTOR_NAMES = ("__init__", "constructor")


class Entry(NamedTuple):
    target: Target
    full: tuple[str, ...]
    qual_len: int
    ctor: bool  # the class name standing for its constructor


def _suffix_match(cand: list[str], full: tuple[str, ...], qual_len: int) -> bool:
    if tuple(cand) == full:
        return True
    n = min(len(cand), len(full))
    # The overlap must reach into the module, or a bare name would match anywhere.
    return n > qual_len and tuple(cand[-n:]) == full[-n:]


class Resolver:
    """Resolves paths in one file to targets."""

    def __init__(self, fs: FileSymbols, targets: Iterable[Target], lang: Resolving) -> None:
        self.fs = fs
        self.own = list(lang.full_parts(fs.module))
        self.absolute = lang.ABSOLUTE
        self.bare_methods = lang.BARE_METHODS
        self.ctor_needs_new = lang.CTOR_NEEDS_NEW
        # JS: ``res.cookie`` of an exported object ``res`` (a lower-case owner, where
        # classes are capitalised) is called as ``res.cookie``: by name only so.
        self.object_owners = bool(getattr(lang, "OBJECT_OWNERS", False))
        self.index: dict[str, list[Entry]] = {}
        modules: set[str] = set()
        named: set[str] = set()
        for t in targets:
            modules.add(t.module)
            named.update(t.qualname.split("."))
            mod, qual = list(lang.full_parts(t.module)), t.qualname.split(".")
            self.index.setdefault(qual[-1], []).append(Entry(t, tuple(mod + qual), len(qual), False))
            if len(qual) > 1 and (qual[-1] in _CTOR_NAMES or qual[-1] == qual[-2]):
                # First, so that a call of the class resolves to its constructor.
                self.index.setdefault(qual[-2], []).insert(0, Entry(t, tuple(mod + qual[:-1]), len(qual) - 1, True))
        b = lang.bindings(fs, modules)
        # A name can stand for several things (a re-export guess besides the
        # plain reading): every reading is tried, the plain one first.
        self.names: dict[tuple[str, ...], list[list[str]]] = {}
        for key, value in b.names:
            self.names.setdefault(key, []).append(value)
        self.globs = b.globs
        self.exact = b.exact
        self.others = set(b.others)
        self.sep = lang.SEP
        mods = [list(lang.full_parts(m)) for m in modules]
        # A re-export guess relates the file only when it names a target or its
        # class: ``from ansible import constants`` is no import of module_utils.basic.
        readings = [v for vs in self.names.values() for i, v in enumerate(vs) if i == 0 or v[-1:] and v[-1] in named]
        self.related = fs.module in modules or any(
            _within(v, m) for v in [*readings, *b.globs, *b.imported] for m in mods
        )
        # JS: an object's method reaches the file through any module its imports load.
        self.loads = self.related or any(_within(v, m) for v in b.loaded for m in mods)
        self.defs = {(s.line, s.name) for s in fs.symbols}
        # Java: a method of the file's own classes shadows a static import of that name.
        self.own_methods = {s.name for s in fs.symbols if s.kind == METHOD} if self.bare_methods else set()
        # ``const V = require('./view')``: the name bound, not a use.
        self.defs |= {(i.line, i.local) for i in fs.imports if i.local}

    def words(self) -> set[str]:
        """Names whose presence marks a subtree worth visiting."""
        out = set(self.index)
        out.update(k[0] for k in self.names)
        return out

    def _matches(self, cand: list[str]) -> Iterator[tuple[Entry, int]]:
        for k in range(len(cand), 0, -1):
            for e in self.index.get(cand[k - 1], ()):
                if _suffix_match(cand[:k], e.full, e.qual_len):
                    yield e, k

    def resolve(self, parts: list[str], call: Call | None, receiver: str | None = None,
                ) -> tuple[Entry, int, str] | None:
        """(entry, how many parts name the target, how) for a use, or None.

        ``receiver`` is the declared type of ``parts[:-1]`` when the file tells it
        (``A|B``: ``A`` or a type it inherits from): the use is then ``Type.method``
        resolved like a written path, and a type that resolves to no target means a
        method of another type (not a use).
        """
        if len(parts) == 1 and parts[0] in self.own_methods:
            return self._by_name(parts)
        if receiver and len(parts) > 1:
            # ``A|B``: the type or one it inherits from (a method may be inherited).
            for kind in receiver.split("|"):
                typed = self._resolve([*kind.split("."), parts[-1]], call, by_name=False)
                if typed is not None:
                    return typed[0], len(parts), typed[2]
            return None
        return self._resolve(parts, call, by_name=True)

    def _resolve(self, parts: list[str], call: Call | None, by_name: bool) -> tuple[Entry, int, str] | None:
        cands: list[tuple[list[str], str, int]] = []
        for k in range(len(parts), 0, -1):
            readings = self.names.get(tuple(parts[:k]))
            if readings:
                cands += [(bound + parts[k:], "import", len(bound) - k) for bound in readings]
                break
        if not cands and parts[0]:
            cands.append((self.own + parts, "local", len(self.own)))
            cands += [(g + parts, "import", len(g)) for g in self.globs]
            if self.absolute:
                cands.append((parts, "qualified", 0))
        for cand, how, offset in cands:
            for e, k in self._matches(cand):
                used = k - offset
                # The file's own module is known exactly: no suffix guessing there.
                if used <= 0 or ((how == "local" or self.exact) and tuple(cand[:k]) != e.full):
                    continue
                if e.ctor and (used != len(parts) or call is None or (self.ctor_needs_new and not call.new)):
                    continue
                return e, used, how
        return self._by_name(parts) if by_name else None

    def _by_name(self, parts: list[str]) -> tuple[Entry, int, str] | None:
        if len(parts) == 1:
            if self.bare_methods:
                for e in self.index.get(parts[0], ()):
                    if e.qual_len > 1 and not e.ctor and e.target.path == self.fs.path:
                        return e, 1, "local"
            return None
        head = parts[0]
        if not self.loads or (head and head in self.others):
            return None
        # A path through an import (``ansible.utils.display`` after ``import
        # ansible.utils.display``) names what was imported, not an object.
        if head and any(tuple(parts[:k]) in self.names for k in range(1, len(parts) + 1)):
            return None
        # An unbound capitalised head is a class of its own (``Other.parse``), not
        # an object of the target's class.
        if head[:1].isupper():
            return None
        for e in self.index.get(parts[-1], ()):
            if e.qual_len < 2 or e.ctor:
                continue
            if self.object_owners and e.full[-2][:1].islower():
                if parts[-2] != e.full[-2]:
                    continue  # ``res.render`` is no use of ``app.render``
            elif not self.related:
                continue  # a class's method: its module must be imported
            return e, len(parts), "name"
        return None

    def is_definition(self, line: int, name: str) -> bool:
        return (line, name) in self.defs


def reexports(value: list[str], modules: Iterable[list[str]]) -> list[list[str]]:
    """Other readings of an imported name ``pkg.name``: re-exported from a module under ``pkg``.

    ``from common import parse_config`` usually means ``common/__init__.py``
    re-exports it from ``common.config``; Rust's ``pub use`` and JS index
    files do the same. Only modules under the imported package qualify.
    """
    head, name = value[:-1], value[-1:]
    out = []
    for module in modules:
        if head and any(module[:k][-len(head) :] == head for k in range(len(head), len(module))):
            out.append(module + name)
    return out


def _within(value: list[str], module: list[str]) -> bool:
    """Whether a bound name lies in (or is) ``module``, suffixes allowed."""
    for j in range(1, len(value) + 1):
        head = value[:j]
        n = min(len(head), len(module))
        if n and head[-n:] == module[-n:]:
            return True
    return False


def make_reference(
    resolved: tuple[Entry, int, str],
    parts: list[str],
    call: Call | None,
    line: int,
    end_line: int,
    column: int,
    sep: str = ".",
) -> Reference:
    entry, used, how = resolved
    if used != len(parts):
        call = None
    name = sep.join(p for p in parts[:used] if p) or parts[-1]
    return Reference(
        entry.target,
        name,
        line,
        end_line,
        column,
        how,
        call is not None,
        call.args if call else 0,
        call.keywords if call else (),
        call.splat if call else False,
        call.types if call else (),
    )


def word_pattern(targets: Iterable[Target]) -> re.Pattern[bytes]:
    """A regex finding files that may use ``targets``: any of their ``words`` as a
    whole identifier. For the fast pass over candidate blobs before parsing."""
    words = sorted({w for t in targets for w in t.words}, key=lambda w: (-len(w), w))
    alternatives = b"|".join(re.escape(w.encode()) for w in words) or b"(?!)"
    return re.compile(rb"(?<![\w$])(?:" + alternatives + rb")(?![\w$])")


def references(path: str, source: bytes, fs: FileSymbols, targets: Iterable[Target]) -> list[Reference]:
    """Uses of ``targets`` in the file ``path`` (its parse ``fs``), in source order.

    Targets of another language family are ignored; a file that does not parse,
    or holds none of the targets' names, has none.
    """
    fam = family(fs.language)
    wanted = [t for t in targets if family(t.language) == fam]
    if not wanted or fs.error is not None:
        return []
    if not any(w.encode() in source for t in wanted for w in t.words):
        return []
    try:
        return _references(source, fs, wanted)
    except RecursionError:  # minified or generated code nested beyond the stack
        return []


def _references(source: bytes, fs: FileSymbols, wanted: list[Target]) -> list[Reference]:
    from gate.symbols.sites import resolve, sites_of

    found = sites_of(fs.path, fs.language, source)
    return [] if found is None else resolve(fs, found, wanted)
