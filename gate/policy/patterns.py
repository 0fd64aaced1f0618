"""Gitignore-style patterns, compiled lazily, once per process, pre-filtered cheaply.

pathspec turns each pattern into a regular expression at about 0.2 ms a pattern;
a policy of 130 ownership patterns cost ~30 ms on every hook run before a single
path was looked at. Here an anchored pattern carries the literal prefix of its
text (``src/billing`` for ``src/billing/**``): a path that does not start with it
cannot match, so most patterns are never compiled at all, and those that are
compile once per process.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

_GLOB = re.compile(r"[*?\[\\]")


def literal_prefix(text: str) -> str:
    """What every path an anchored pattern matches starts with ("" if unanchored).

    gitignore anchors a pattern that has a slash at its start or in its middle; a
    trailing slash alone only means "a directory". Shorter is always safe.
    """
    stripped = text.rstrip(" ")
    body = stripped[1:] if stripped.startswith("/") else stripped
    if "/" not in body.rstrip("/") and not stripped.startswith("/"):
        return ""
    glob = _GLOB.search(body)
    return body[: glob.start()] if glob else body.rstrip("/")


@dataclass(frozen=True)
class Pattern:
    text: str
    prefix: str

    @cached_property
    def regex(self) -> re.Pattern[str]:
        import pathspec  # ~25 ms to import: only for patterns the fast forms miss

        (pat,) = pathspec.GitIgnoreSpec.from_lines([self.text]).patterns
        if pat.regex is None or not pat.include:
            raise ValueError(f"{self.text!r} matches nothing")
        return pat.regex

    @cached_property
    def _matcher(self) -> Callable[[str], bool]:
        return _fast(self.text) or (lambda path: self.regex.match(path) is not None)

    def match(self, path: str) -> bool:
        return path.startswith(self.prefix) and self._matcher(path)

    def validate(self) -> None:
        """Raise ValueError or re.error when pathspec cannot use the pattern. Plain
        paths (no glob characters) always compile, so only globs are tried."""
        if _GLOB.search(self.text) or self.text.strip(" /") == "":
            _ = self.regex


def _fast(text: str) -> Callable[[str], bool] | None:
    """A matcher without regular expressions for the commonest forms, else None.

    Plain paths (``src/billing/``, ``/docs``, ``pyproject.toml``), one-segment globs
    (``*.sql``, ``*.lock``) and ``**/NAME/**``. Each agrees with pathspec (tested).
    """
    if text != text.strip() or text.startswith("!") or "\\" in text or "**" in text.strip("*/"):
        return None
    dir_only = text.endswith("/")
    body = text[1:] if text.startswith("/") else text
    body = body.rstrip("/") if dir_only else body
    if not body or "//" in body:
        return None
    anchored = text.startswith("/") or "/" in body
    if _GLOB.search(text) is None:
        if anchored:
            if dir_only:
                return lambda p: p.startswith(body + "/")
            return lambda p: p == body or p.startswith(body + "/")
        inner, last = "/" + body + "/", "/" + body
        if dir_only:
            return lambda p: p.startswith(body + "/") or inner in p
        return lambda p: p == body or p.startswith(body + "/") or inner in p or p.endswith(last)
    if text.startswith("**/") and text.endswith("/**") and _GLOB.search(text[3:-3]) is None and text[3:-3] \
            and "/" not in text[3:-3]:
        name = text[3:-3]
        return lambda p: p.startswith(name + "/") or ("/" + name + "/") in p
    if not anchored and not dir_only and "/" not in body and "[" not in body:
        # One segment of * and ? that may be any component of the path ("*" cannot
        # cross "/"): one match of a small expression, not fnmatch per component.
        seg = "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in body)
        rx = re.compile(f"(?:.*/)?{seg}(?:/.*)?", re.S)
        return lambda p: rx.fullmatch(p) is not None
    return None


_CACHE: dict[str, Pattern] = {}


def compile_pattern(text: str) -> Pattern:
    hit = _CACHE.get(text)
    if hit is None:
        hit = _CACHE[text] = Pattern(text, literal_prefix(text))
    return hit


def directory_key(text: str) -> str | None:
    """The deepest whole directory (or path) every match lies in or equals; None when
    the pattern may match anywhere. Used to index patterns by directory."""
    prefix = literal_prefix(text)
    if not prefix:
        return None
    if _GLOB.search(text) is None:
        return prefix  # a plain path: matches it or what lies below it
    return prefix[: prefix.rfind("/")] if "/" in prefix else None


class PatternSet:
    """Patterns in file order, indexed by directory so that a lookup tries only the
    patterns that can match (those anchored above the path, and the unanchored)."""

    def __init__(self, texts: tuple[str, ...] | list[str]) -> None:
        self.texts = tuple(texts)
        self._anywhere: list[int] = []
        self._by_dir: dict[str, list[int]] = {}
        for i, text in enumerate(self.texts):
            key = directory_key(text)
            if key is None:
                self._anywhere.append(i)
            else:
                self._by_dir.setdefault(key, []).append(i)

    def _candidates(self, path: str) -> list[int]:
        found = list(self._anywhere)
        if self._by_dir:
            start = 0
            while True:
                cut = path.find("/", start)
                hit = self._by_dir.get(path if cut < 0 else path[:cut])
                if hit:
                    found.extend(hit)
                if cut < 0:
                    break
                start = cut + 1
        return found

    def matching(self, path: str) -> list[int]:
        """Indices of the patterns matching ``path``, in file order."""
        return sorted(i for i in self._candidates(path) if compile_pattern(self.texts[i]).match(path))

    def last(self, path: str) -> int | None:
        for i in sorted(self._candidates(path), reverse=True):
            if compile_pattern(self.texts[i]).match(path):
                return i
        return None

    def first(self, path: str) -> int | None:
        found = self._candidates(path)
        if len(found) > len(self._anywhere):
            found.sort()  # indexed hits were appended after the (ordered) unanchored ones
        compiled = self._compiled
        for i in found:
            if compiled[i].match(path):
                return i
        return None

    @cached_property
    def _compiled(self) -> list[Pattern]:
        return [compile_pattern(t) for t in self.texts]


_SETS: dict[tuple[str, ...], PatternSet] = {}


def pattern_set(texts: tuple[str, ...]) -> PatternSet:
    hit = _SETS.get(texts)
    if hit is None:
        hit = _SETS[texts] = PatternSet(texts)
    return hit


def first_match(patterns: tuple[str, ...], path: str) -> str | None:
    i = pattern_set(patterns).first(path)
    return None if i is None else patterns[i]
