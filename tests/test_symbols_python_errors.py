"""A Python file with a syntax error keeps what parses around it (issue 19).

``ast`` stops at the first error; the file used to be dropped whole, its
definitions and its callers with it. Now the statements holding an error are
left out (their lines named in ``skipped``) and the rest is read, line numbers
unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gate import context, engine
from gate.git.opening import open_repo
from gate.symbols import FileSymbols, Target, extract, references
from gate.symbols.pyrecover import MAX_REGIONS
from tests.test_symbols_check import APP, APP_PY, CONFIG, CONFIG_PY, STRICT_PY, branch, make_repo, run_check, short
from tests.test_symbols_classify import changes


def read(source: str | bytes, path: str = "src/ui/app.py") -> FileSymbols:
    fs = extract(path, source.encode() if isinstance(source, str) else source)
    assert fs is not None
    return fs


def table(fs: FileSymbols) -> list[tuple[str, str, int, int, int]]:
    assert fs.error is None, fs.error
    return [(s.kind, s.qualname, s.first_line, s.line, s.end_line) for s in fs.symbols]


BROKEN = """\
import os
from src.common.config import parse_config


def fine(a):
    return parse_config(a)


def broken_body(a):
    x = [1, 2
    return x


def broken_header(a, b:
    return a


class Store:
    def load(self, path):
        return parse_config(
            path,
            strict=+*,
        )

    def save(self, path):
        return path


def after(p, q=1):
    return p
"""


def test_definitions_and_imports_around_syntax_errors_are_kept_with_exact_lines() -> None:
    fs = read(BROKEN)
    assert table(fs) == [
        ("function", "fine", 5, 5, 6),
        # Its header parsed: only the statement that does not is left out (to the
        # parser, ``return x`` continues the unclosed list).
        ("function", "broken_body", 9, 9, 11),
        ("class", "Store", 18, 18, 26),
        ("method", "Store.load", 19, 19, 23),
        ("method", "Store.save", 25, 25, 26),
        ("function", "after", 29, 29, 30),
    ]
    assert [(i.module, i.name, i.line) for i in fs.imports] == [
        ("os", None, 1), ("src.common.config", "parse_config", 2)]
    assert fs.skipped == ((10, 11), (14, 15), (20, 23))
    assert fs.skipped_note == ("syntax errors at lines 10-11, 14-15, 20-23; definitions and uses there "
                               "are not analysed")
    (after,) = fs.find("after")
    assert after.signature is not None and [p.name for p in after.signature.params] == ["p", "q"]


def test_uses_in_the_recovered_parts_are_found_and_none_on_skipped_lines() -> None:
    config = read(CONFIG_PY, CONFIG)
    wanted = [Target.of(config, s) for s in config.symbols]
    data = BROKEN.encode()
    found = references("src/ui/app.py", data, read(data), wanted)
    # Line 20 (the call inside the statement left out) is not a use.
    assert [(r.target.qualname, r.line, r.args) for r in found] == [("parse_config", 6, 1)]
    source = ("from src.common.config import parse_config\na = parse_config(1)\nb = parse_config(2 +* 3)\n"
              "c = parse_config(\n    4,\n    5 +,\n)\nd = parse_config(6, 7)\n")
    found = references("src/ui/app.py", source.encode(), read(source), wanted)
    assert [(r.line, r.args) for r in found] == [(2, 1), (8, 2)]
    assert read(source).skipped == ((3, 7),)  # adjacent spans merge


@pytest.mark.parametrize(("source", "symbols", "skipped"), [
    # A tab where the rest of the block is indented with spaces (TabError).
    ("def f(a):\n    x = 1\n\ty = 2\n    return x\n\n\ndef g(b):\n    return b\n",
     [("function", "f", 1, 1, 4), ("function", "g", 7, 7, 8)], ((3, 3),)),
    # An indented block where none may start ("unexpected indent").
    ("x = 1\n\tif x:\n  pass\n\n\ndef g(b):\n    return b\n", [("function", "g", 6, 6, 7)], ((2, 3),)),
    # A block opener with no block after it.
    ("def f(a):\n    if a:\n    return a\n\n\ndef g(b):\n    return b\n",
     [("function", "f", 1, 1, 3), ("function", "g", 6, 6, 7)], ((2, 3),)),
])
def test_indentation_errors_leave_out_the_lines_that_hold_them(
        source: str, symbols: list[tuple[str, str, int, int, int]], skipped: tuple[tuple[int, int], ...]) -> None:
    fs = read(source)
    assert (table(fs), fs.skipped) == (symbols, skipped)


@pytest.mark.parametrize("source", [
    "def parse(path:\n    return 1\n",  # one statement, and it is broken
    "x = (1,\n",
    "if x:\npass\n",
])
def test_a_file_with_nothing_left_to_read_is_dropped_as_before(source: str) -> None:
    fs = read(source)
    assert fs.error is not None and fs.error.startswith("syntax error at line ")
    assert (fs.symbols, fs.imports, fs.skipped) == ((), (), ())


def test_the_error_message_is_the_first_one_when_recovery_gives_up() -> None:
    assert read("def parse(path:\n    return 1\n").error == "syntax error at line 1: '(' was never closed"


def test_a_hostile_file_of_broken_lines_costs_bounded_work() -> None:
    # 100,000 broken statements: at most MAX_REGIONS are left out before giving
    # up, and each retry parses only up to the next error. (Timed by hand: see
    # the report; tests assert no wall time.)
    fs = read("def f(:\n" * 100_000)
    assert fs.error is not None and fs.skipped == ()
    good = "def ok_%d(a):\n    return a\n"
    mixed = "".join((good % i) + ("x = +*\n" if i % 50 == 0 else "") for i in range(20_000))
    fs = read(mixed)
    assert fs.error is not None and fs.skipped == ()
    assert len(range(0, 20_000, 50)) > MAX_REGIONS


def test_a_few_errors_in_a_large_file_are_all_left_out() -> None:
    body = "".join(f"def ok_{i}(a):\n    return a\n" for i in range(3000))
    lines = body.splitlines(keepends=True)
    for n in (100, 2000, 5998):
        lines[n - 1] = "    return a +* 1\n"
    fs = read("".join(lines))
    assert fs.skipped == ((100, 100), (2000, 2000), (5998, 5998))
    assert len(fs.symbols) == 3000


def test_a_changed_function_in_a_file_with_an_unrelated_error_is_still_classified(tmp_path: Path) -> None:
    old = "def parse_config(path):\n    return path\n\n\ndef other(n):\n    return n\n"
    new = old.replace("(path)", "(path, strict)").replace("return n", "return n +* 1")
    assert changes(tmp_path, "a.py", old, new) == [
        ("signature", "parse_config", "parameter 'strict' added without a default"),
        ("body", "other", ""),
    ]
    # other()'s def line is lost: it is not reported removed, nor added back.
    lost = old.replace("(path)", "(path, strict)").replace("def other(n):", "def other(n:")
    assert changes(tmp_path, "a.py", old, lost) == [
        ("signature", "parse_config", "parameter 'strict' added without a default")]
    assert changes(tmp_path, "a.py", lost, old) == [
        ("signature", "parse_config", "parameter 'strict' removed")]


def test_bobs_caller_in_a_file_with_an_unrelated_syntax_error_is_still_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = APP_PY + "\n\ndef half_written(x:\n    return x\n"
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, APP: app,
                                   "src/ui/panel.py": "from src.common.config import parse_config\n"
                                                      "X = parse_config('p'\n"})
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY})
    rc, findings = run_check(r, "agent/alice/strict", capsys)
    # Named: app.py's call (line 5). Not named: panel.py's, on the line that does not parse.
    assert (rc, short(findings)) == (3, [("symbol.signature", CONFIG, 1, [("bob", APP, 5)])])
    ctx = context.build(open_repo(r.path))
    result = engine.evaluate(ctx, ctx.branch(*ctx.repo.resolve_branch("agent/alice/strict")))
    notes = result.facts["notes"]
    assert f"{APP} (target): syntax errors at lines 8-9; definitions and uses there are not analysed" in notes
    assert ("src/ui/panel.py (target): syntax error at line 2; definitions and uses there are not analysed"
            in notes)


def test_a_recovered_file_round_trips_through_the_parse_cache() -> None:
    # The cache is keyed by blob id, path and FORMAT: what is left out depends on
    # the bytes alone (FORMAT moved on: files dropped whole before are read again).
    fs = read(BROKEN)
    assert FileSymbols.from_json(fs.to_json()) == fs


def test_a_broken_decorator_leaves_out_the_definition_it_decorates() -> None:
    # Read without its decorators, a staticmethod would lose its first parameter.
    fs = read("class A:\n    @staticmethod(\n    @other\n    def make(a, b):\n        return a\n\n"
              "    def keep(self, x):\n        return x\n")
    assert (table(fs), fs.skipped) == ([("class", "A", 1, 1, 8), ("method", "A.keep", 7, 7, 8)], ((2, 5),))
