"""The JS/TS configuration files ``jsmod`` reads: ``tsconfig.json``/``jsconfig.json``
(JSONC) and ``package.json``, as plain values.

Every file is text an agent controls, so reading one is bounded: a file over
``MAX_BYTES``, one that is not JSON(C), or an ``extends`` chain that loops, runs
deeper than ``MAX_EXTENDS`` or leaves the repository is ignored with a note, and the
imports it would have resolved stay unresolved. Paths are repository paths
(``posixpath.normpath``, ``.`` at the top); one that leaves the repository is dropped.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 256_000  # real tsconfig/package.json files are a few KB
MAX_EXTENDS = 8
MAX_PATTERNS, MAX_TARGETS = 256, 8  # of compilerOptions.paths read
# A string or comment left open runs to the end of the text (the JSON parser then
# refuses it): matched once, not retried from every later opener, which would be
# quadratic in the size of the file.
_COMMENTS = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\Z)|//[^\n]*|/\*.*?(?:\*/|\Z)', re.S)
_TRAILING = re.compile(r'"(?:[^"\\]|\\.)*(?:"|\Z)|,(?=\s*[}\]])', re.S)


def loads(data: bytes) -> Any:
    """JSON with comments and trailing commas (what TypeScript accepts); ValueError
    when it is too large or not that."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"{len(data)} bytes, more than {MAX_BYTES}")
    text = data.decode("utf-8-sig", "replace")
    text = _COMMENTS.sub(lambda m: m.group(0) if m.group(0).startswith('"') else " ", text)
    text = _TRAILING.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not JSON: {str(exc)[:80]}") from exc


def join(folder: str, rest: str) -> str | None:
    """``folder/rest`` as a repository path; None when it leaves the repository or is
    absolute."""
    if rest.startswith("/") or "\\" in rest or "\0" in rest:
        return None
    path = posixpath.normpath(posixpath.join(folder, rest))
    return None if path == ".." or path.startswith("../") else path


@dataclass(frozen=True)
class Options:
    """What one config file says (before ``extends``), paths already joined to
    repository paths: ``base_url``, ``paths`` (pattern, target paths; relative to
    ``base_url`` or else to the file's folder), ``conditions`` (customConditions)."""

    extends: tuple[str, ...] = ()
    base_url: str | None = None
    paths: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    conditions: tuple[str, ...] | None = None


def options(doc: Any, path: str) -> Options:
    """The options of the config file at ``path`` (its JSON value ``doc``)."""
    if not isinstance(doc, dict):
        return Options()
    folder = posixpath.dirname(path) or "."
    raw = doc.get("extends")
    extends = [raw] if isinstance(raw, str) else [e for e in raw if isinstance(e, str)] if isinstance(raw, list) else []
    out = []
    for e in extends:
        if e.startswith(("./", "../")):  # a package's config (``@tsconfig/…``) is not in the repository
            target = join(folder, e if e.endswith(".json") else e + ".json")
            out.append(target if target is not None else "..")
    opts = doc.get("compilerOptions")
    if not isinstance(opts, dict):
        return Options(tuple(out))
    base = opts.get("baseUrl")
    base_url = join(folder, base) if isinstance(base, str) else None
    paths = None
    raw_paths = opts.get("paths")
    if isinstance(raw_paths, dict):
        root = base_url or folder
        rows = []
        # Capped: every import of every file tries them (real configs have a few).
        for pattern, targets in list(raw_paths.items())[:MAX_PATTERNS]:
            if isinstance(targets, list):
                joined = (join(root, t) for t in targets[:MAX_TARGETS] if isinstance(t, str))
                rows.append((pattern, tuple(t for t in joined if t is not None)))
        paths = tuple(rows)
    raw_conds = opts.get("customConditions")
    conditions = tuple(c for c in raw_conds if isinstance(c, str)) if isinstance(raw_conds, list) else None
    return Options(tuple(out), base_url, paths, conditions)


@dataclass(frozen=True)
class Config:
    """A tsconfig/jsconfig with its ``extends`` chain applied (nearer files win)."""

    base_url: str | None = None
    paths: tuple[tuple[str, tuple[str, ...]], ...] = ()
    conditions: tuple[str, ...] = ()

    def candidates(self, spec: str) -> list[str]:
        """Repository paths a non-relative specifier may name, in the order
        TypeScript tries them: the best ``paths`` pattern's targets, then ``baseUrl``."""
        out: list[str] = []
        best: tuple[int, tuple[str, ...], str] | None = None
        for pattern, targets in self.paths:
            if pattern == spec:
                best = (len(pattern) + 1, targets, "")
                break
            head, star, tail = pattern.partition("*")
            if star and spec.startswith(head) and spec.endswith(tail) and len(spec) >= len(head) + len(tail):
                if best is None or len(head) > best[0]:
                    best = (len(head), targets, spec[len(head):len(spec) - len(tail)])
        if best is not None:
            out += [t.replace("*", best[2]) for t in best[1]]
        if self.base_url is not None:
            joined = join(self.base_url, spec)
            if joined is not None:
                out.append(joined)
        return out


def merge(chain: list[Options]) -> Config:
    """The effective config of ``chain`` (the file first, then what it extends)."""
    base_url = next((o.base_url for o in chain if o.base_url is not None), None)
    paths = next((o.paths for o in chain if o.paths is not None), ())
    conditions = next((o.conditions for o in chain if o.conditions is not None), ())
    return Config(base_url, paths, conditions)


@dataclass(frozen=True)
class Package:
    """A ``package.json``: its folder, ``name``, ``exports`` (the raw JSON value), its
    entry files in the order tried (``source``, ``module``, ``main``, ``types``) and
    ``imports`` (``#name`` subpath imports, the raw JSON value)."""

    folder: str
    name: str | None
    exports: Any
    entries: tuple[str, ...]
    imports: Any = None

    @classmethod
    def of(cls, doc: Any, folder: str) -> Package:
        if not isinstance(doc, dict):
            return cls(folder, None, None, ())
        name = doc.get("name") if isinstance(doc.get("name"), str) else None
        entries = tuple(v for k in ("source", "module", "main", "types", "typings")
                        for v in [doc.get(k)] if isinstance(v, str))
        return cls(folder, name, doc.get("exports"), entries, doc.get("imports"))

    def subpath(self, sub: str, conditions: tuple[str, ...], field: str = "exports") -> list[str]:
        """The files ``exports`` maps subpath ``sub`` (``.``, ``./text``) to, in order;
        with ``field="imports"``, what ``imports`` maps ``#name`` to."""
        exports = self.exports if field == "exports" else self.imports
        if field == "imports" and not isinstance(exports, dict):
            return []
        if isinstance(exports, dict) and not any(k.startswith((".", "#")) for k in exports):
            exports = {".": exports}  # conditions at the top stand for "."
        elif not isinstance(exports, dict):
            exports = {".": exports}
        value: Any = exports.get(sub)
        star = ""
        if value is None:
            for key, v in exports.items():
                head, s, tail = key.partition("*")
                if s and sub.startswith(head) and sub.endswith(tail) and len(sub) >= len(head) + len(tail):
                    value, star = v, sub[len(head):len(sub) - len(tail)]
                    break
        out: list[str] = []
        for target in _targets(value, conditions, 0):
            joined = join(self.folder, target.replace("*", star))
            if joined is not None:
                out.append(joined)
        return out


_CONDITIONS = ("source", "types", "import", "module", "default", "require", "node")


def _targets(value: Any, conditions: tuple[str, ...], depth: int) -> list[str]:
    """Every target of a conditional ``exports`` value, preferred ones first."""
    if depth > 8:
        return []
    if isinstance(value, str):
        return [value] if value.startswith("./") else []
    if isinstance(value, list):
        return [t for v in value[:16] for t in _targets(v, conditions, depth + 1)]
    if isinstance(value, dict):
        keys = [k for k in (*conditions, *_CONDITIONS) if k in value]
        keys += [k for k in value if k not in keys]
        return [t for k in keys[:32] for t in _targets(value[k], conditions, depth + 1)]
    return []


def workspace_globs(root: Any, pnpm: str | None) -> list[str]:
    """The workspace folder patterns of the root ``package.json`` (``workspaces``, an
    array or ``{"packages": [...]}``) and of ``pnpm-workspace.yaml``'s ``packages``."""
    out: list[str] = []
    if isinstance(root, dict):
        ws = root.get("workspaces")
        if isinstance(ws, dict):
            ws = ws.get("packages")
        if isinstance(ws, list):
            out += [w for w in ws if isinstance(w, str)]
    if pnpm:
        inside = False
        for line in pnpm.splitlines()[:2000]:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not line[:1].isspace():
                inside = line.split("#")[0].strip() == "packages:"
                continue
            item = line.strip()
            if inside and item.startswith("-"):
                out.append(item[1:].strip().strip("'\""))
    return [w.rstrip("/") for w in out if w and not w.startswith("!")][:64]
