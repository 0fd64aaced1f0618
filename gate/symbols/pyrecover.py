"""Reading a Python file around its syntax errors, with ``ast`` alone (issue 19).

``ast.parse`` stops at the first error, and a file mid-edit used to be dropped
whole: its definitions and its callers vanished. Here the smallest run of whole
statements holding the error is replaced by ``pass`` at the indentation of its
first line and blank lines after it, so every line keeps its number, and the
file is parsed again; until it parses, or the bounds below are reached.

Statements are told by indentation (the tokenizer itself fails on the same
errors): a region starts at the error's line or a line above it that is less
indented, and ends before the next line indented no deeper than its start.
Each candidate is proved by parsing: one whose ``pass`` lands inside an
expression fails there and the next, larger, one is tried. A candidate is kept
when the file then parses or its next error lies after the region.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

# A file is read around at most this many regions; beyond, it is dropped as
# before (a file that broken is not one an agent is editing around a caller).
MAX_REGIONS = 20
# Regions tried per error.
MAX_CANDIDATES = 6
# Parsing work allowed, in bytes parsed up to each attempt's error (ast stops
# there): this many times the file, plus a constant for small files (a 100 kB
# file gets ~13 full attempts). Measured on a 1 MB file: a clean parse ~0.3 s,
# a failed one near its end ~0.25 s (the parser's second pass for its message).
WORK_FACTOR = 3
WORK_EXTRA = 1 << 20

Span = tuple[int, int]
Parse = Callable[[bytes], ast.Module]


def recover(source: bytes, error: SyntaxError, parse: Parse) -> tuple[ast.Module, tuple[Span, ...]] | None:
    """The tree of ``source`` with the statements holding errors left out, and their
    line spans (merged); None when no bounded number of regions makes it parse."""
    lines = source.splitlines(keepends=True)  # \n, \r\n and \r, as Python counts lines
    if not lines:
        return None
    indents = [None, *(_indent(line) for line in lines)]  # 1-based
    budget = WORK_FACTOR * len(source) + WORK_EXTRA
    regions: list[Span] = []
    while len(regions) < MAX_REGIONS:
        found = _error_lines(error, indents)
        if found is None:
            return None
        step = None
        for (a, b), pad in _candidates(indents, lines, *found, error):
            if budget <= 0:
                return None
            trial = [*lines[: a - 1], pad + b"pass" + _ending(lines[a - 1]),
                     *(_ending(line) for line in lines[a:b]), *lines[b:]]
            text = b"".join(trial)
            try:
                tree = parse(text)
            except SyntaxError as exc:
                at = exc.lineno or 0
                budget -= len(text) * min(max(at, 1), len(lines)) // len(lines)
                if at > b:  # the error moved past the region: keep it, go on
                    step = (a, b, pad, trial, exc)
                    break
                continue
            except (ValueError, RecursionError):
                return None
            return tree, _merged([*regions, (a, b)])
        if step is None:
            return None
        a, b, pad, lines, error = step
        indents[a] = _indent(lines[a - 1])
        for n in range(a + 1, b + 1):
            indents[n] = None
        regions.append((a, b))
    return None


def _indent(line: bytes) -> int | None:
    """Columns of indentation (tabs to multiples of 8); None for a blank or comment line."""
    body = line.lstrip(b" \t\f")
    if not body.strip() or body.startswith(b"#"):
        return None
    return len(line[: len(line) - len(body)].expandtabs(8))


def _ending(line: bytes) -> bytes:
    body = line.rstrip(b"\r\n")
    return line[len(body):]


def _error_lines(error: SyntaxError, indents: list[int | None]) -> Span | None:
    """The error's first and last line, moved onto code lines (an error at the end of
    the file is reported past its last line)."""
    if not error.lineno:
        return None
    last_line = len(indents) - 1
    first = min(error.lineno, last_line)
    while first > 0 and indents[first] is None:
        first -= 1
    if first == 0:
        return None
    end = max(first, min(error.end_lineno or first, last_line))
    return first, end


def _candidates(indents: list[int | None], lines: list[bytes], first: int, last: int,
                error: SyntaxError) -> list[tuple[Span, bytes]]:
    """Regions holding lines ``first..last``, smallest first, each with the whitespace
    its ``pass`` gets: the first line's own, and for an indentation error also the
    previous code line's (a tab among spaces, a line indented too deep).

    A region starts at the error's line or one enclosing it, or at the previous
    statement or one enclosing that (an unclosed ``[`` is often reported on the
    next line, "expected an indented block" on the line after the ``if``). It
    never ends where a deeper block follows: blanking a class header alone would
    make its methods the previous class's, and that parses.
    """
    # Through the error's first line, or its last: "forgot a comma?" spans the line
    # of an unclosed ``[`` and the next, and the smaller region is the right one.
    ends = {first, last}
    starts = _enclosing(indents, first)
    prev = _previous(indents, first)
    if prev:
        starts += _enclosing(indents, prev)
    found = {_decorated(indents, lines, s, _end(indents, s, e)) for s in starts for e in ends}
    regions = sorted((r for r in found if _closed(indents, *r)), key=lambda r: (r[1] - r[0], -r[0]))
    indentation = isinstance(error, IndentationError)
    out: list[tuple[Span, bytes]] = []
    for a, b in regions[:MAX_CANDIDATES]:
        pad = _whitespace(lines[a - 1])
        out.append(((a, b), pad))
        above = _previous(indents, a)
        if indentation and above and _whitespace(lines[above - 1]) != pad:
            out.append(((a, b), _whitespace(lines[above - 1])))
    return out


def _decorated(indents: list[int | None], lines: list[bytes], a: int, b: int) -> Span:
    """A region starting at a decorator reaches through the definition it decorates:
    read without it, a ``@staticmethod`` lost would shift the parameters."""
    depth = indents[a]
    if not lines[a - 1].lstrip().startswith(b"@"):
        return a, b
    n = b + 1
    while n < len(indents):
        level = indents[n]
        if level is None:
            n += 1
            continue
        if level != depth:
            break
        code = lines[n - 1].lstrip()
        if code.startswith(b"@"):
            n += 1
            continue
        if code.startswith((b"def ", b"async ", b"class ")):
            return a, _end(indents, n, n)
        break
    return a, b


def _closed(indents: list[int | None], a: int, b: int) -> bool:
    """Whether the code after lines ``a..b`` is indented no deeper than line ``b``."""
    depth = indents[b]
    if depth is None:
        return True
    for n in range(b + 1, len(indents)):
        level = indents[n]
        if level is not None:
            return level <= depth
    return True


def _enclosing(indents: list[int | None], line: int) -> list[int]:
    """``line`` and each code line above it that is less indented than the last found."""
    out = [line]
    depth = indents[line]
    n = line - 1
    while n > 0 and depth:
        level = indents[n]
        if level is not None and level < depth:
            out.append(n)
            depth = level
        n -= 1
    return out


def _previous(indents: list[int | None], line: int) -> int:
    n = line - 1
    while n > 0 and indents[n] is None:
        n -= 1
    return n


def _end(indents: list[int | None], start: int, last: int) -> int:
    """The last code line before the first one after ``last`` indented no deeper than ``start``."""
    depth = indents[start]
    assert depth is not None
    end = last
    for n in range(last + 1, len(indents)):
        level = indents[n]
        if level is None:
            continue
        if level <= depth:
            break
        end = n
    return end


def _whitespace(line: bytes) -> bytes:
    return line[: len(line) - len(line.lstrip(b" \t\f"))]


def _merged(spans: list[Span]) -> tuple[Span, ...]:
    out: list[Span] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return tuple(out)
