"""Touched symbols: git's -U0 hunks mapped to definitions and classified."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gate.model import Hunk
from gate.symbols import Reference, Signature, Target, call_fits, extract, touched
from gate.symbols.values import Param
from tests.gitutil import git

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.M)


def diff_hunks(tmp_path: Path, old: str, new: str) -> list[Hunk]:
    """The hunks git itself computes (``git diff --no-index -U0``)."""
    (tmp_path / "old").write_text(old)
    (tmp_path / "new").write_text(new)
    out = git(tmp_path, "diff", "--no-index", "-U0", "--no-color", "old", "new", check=False)
    return [Hunk(int(a), int(b or 1), int(c), int(d or 1)) for a, b, c, d in _HUNK.findall(out)]


def changes(tmp_path: Path, path: str, old: str, new: str) -> list[tuple[str, str, str]]:
    """(kind, qualname, detail) of each touched symbol."""
    result = touched(extract(path, old.encode()), extract(path, new.encode()), diff_hunks(tmp_path, old, new))
    return [(c.kind, c.symbol.qualname, c.detail) for c in result]


BASE = """\
import os


def parse_config(path, mode="r"):
    with open(path, mode) as fh:
        return fh.read()


def unrelated():
    return 1
"""


@pytest.mark.parametrize(
    ("new_def", "expected"),
    [
        ('def parse_config(path, strict, mode="r"):', ("signature", "parameter 'strict' inserted before 'mode'")),
        ('def parse_config(strict, path, mode="r"):', ("signature", "parameter 'strict' inserted before 'path'")),
        ('def parse_config(mode="r"):', ("signature", "parameter 'path' removed")),
        ('def parse_config(filename, mode="r"):', ("signature", "parameter 'path' renamed to 'filename'")),
        ('def parse_config(mode="r", path=None):', ("signature", "parameters reordered")),
        ("def parse_config(path, mode):", ("signature", "default of 'mode' removed")),
        ('def parse_config(path, *, mode="r"):', ("signature", "parameter 'mode' removed")),
        ('def parse_config(path, mode="r", strict=False):', ("body", "signature changed compatibly")),
        ('def parse_config(path, mode="w"):', ("signature", "default of 'mode' changed from 'r' to 'w'")),
        # The same value quoted otherwise: the line changed, the signature did not.
        ("def parse_config(path, mode='r'):", ("body", "")),
        ('def parse_config(path, mode="r", *, strict=False):', ("body", "signature changed compatibly")),
        ('def parse_config(path: str, mode="r") -> str:', ("body", "signature changed compatibly")),
        (
            'def parse_config(path, mode="r", *, strict):',
            ("signature", "keyword-only parameter 'strict' added without a default"),
        ),
    ],
)
def test_python_signature_changes(tmp_path: Path, new_def: str, expected: tuple[str, str]) -> None:
    new = BASE.replace('def parse_config(path, mode="r"):', new_def)
    assert changes(tmp_path, "src/common/config.py", BASE, new) == [(expected[0], "parse_config", expected[1])]


def test_body_only_change(tmp_path: Path) -> None:
    new = BASE.replace("return fh.read()", "return fh.read().strip()")
    assert changes(tmp_path, "src/common/config.py", BASE, new) == [("body", "parse_config", "")]


def test_added_removed_and_renamed_functions(tmp_path: Path) -> None:
    removed = BASE.replace("def unrelated():\n    return 1\n", "")
    assert changes(tmp_path, "a.py", BASE, removed) == [("removed", "unrelated", "")]
    added = BASE + "\n\ndef fresh(x):\n    return x\n"
    assert changes(tmp_path, "a.py", BASE, added) == [("added", "fresh", "")]
    renamed = BASE.replace("def parse_config(", "def load_config(")
    assert changes(tmp_path, "a.py", BASE, renamed) == [("renamed", "parse_config", "renamed to load_config")]
    # A new name with a different body is a removal and an addition, not a rename.
    replaced = BASE.replace("def unrelated():\n    return 1", "def other(a, b):\n    x = a * b\n    return x + 2")
    assert changes(tmp_path, "a.py", BASE, replaced) == [("removed", "unrelated", ""), ("added", "other", "")]


CLASS = """\
class Config:
    size = 1

    def load(self, path):
        return path

    def save(self, path):
        return path
"""


def test_a_method_change_does_not_report_its_class(tmp_path: Path) -> None:
    new = CLASS.replace("    def save(self, path):", "    def save(self, path, force):")
    assert changes(tmp_path, "a.py", CLASS, new) == [
        ("signature", "Config.save", "parameter 'force' added without a default")
    ]
    added = CLASS + "\n    def drop(self):\n        pass\n"
    assert changes(tmp_path, "a.py", CLASS, added) == [("added", "Config.drop", "")]
    attr = CLASS.replace("size = 1", "size = 2")
    assert changes(tmp_path, "a.py", CLASS, attr) == [("body", "Config", "")]


def test_a_class_removed_or_added_as_a_whole_is_one_change(tmp_path: Path) -> None:
    assert changes(tmp_path, "a.py", CLASS, "") == [("removed", "Config", "")]
    assert changes(tmp_path, "a.py", "", CLASS) == [("added", "Config", "")]
    renamed = CLASS.replace("class Config:", "class Settings:")
    assert changes(tmp_path, "a.py", CLASS, renamed) == [("renamed", "Config", "renamed to Settings")]


def test_a_side_that_does_not_parse_reports_nothing(tmp_path: Path) -> None:
    broken = BASE.replace('def parse_config(path, mode="r"):', "def parse_config(path")
    assert changes(tmp_path, "a.py", BASE, broken) == []
    assert changes(tmp_path, "a.py", broken, BASE) == []


def test_added_and_deleted_files(tmp_path: Path) -> None:
    fs = extract("a.py", BASE.encode())
    whole = [Hunk(1, 10, 0, 0)]
    assert [(c.kind, c.symbol.qualname) for c in touched(fs, None, whole)] == [
        ("removed", "parse_config"),
        ("removed", "unrelated"),
    ]
    created = [Hunk(0, 0, 1, 10)]
    assert [(c.kind, c.symbol.qualname) for c in touched(None, fs, created)] == [
        ("added", "parse_config"),
        ("added", "unrelated"),
    ]


def test_typed_languages_report_type_and_return_changes(tmp_path: Path) -> None:
    go = "package config\n\nfunc Parse(path string) error {\n\treturn nil\n}\n"
    assert changes(tmp_path, "c/c.go", go, go.replace("path string", "path []byte")) == [
        ("signature", "Parse", "type of 'path' changed from string to []byte")
    ]
    assert changes(tmp_path, "c/c.go", go, go.replace(") error {", ") (int, error) {")) == [
        ("signature", "Parse", "return type changed from error to (int, error)")
    ]
    assert changes(tmp_path, "c/c.go", go, go.replace("path string", "path string, strict bool")) == [
        ("signature", "Parse", "parameter 'strict' added without a default")
    ]
    ts = "export function parse(path: string): Config {\n  return load(path);\n}\n"
    assert changes(tmp_path, "a.ts", ts, ts.replace("path: string", "path: string, strict?: boolean")) == [
        ("body", "parse", "signature changed compatibly")
    ]
    assert changes(tmp_path, "a.ts", ts, ts.replace("return load(path)", "return load(path, 1)")) == [
        ("body", "parse", "")
    ]
    rs = "pub fn parse(path: &str) -> Config {\n    todo!()\n}\n"
    assert changes(tmp_path, "src/a.rs", rs, rs.replace("-> Config", "-> Option<Config>")) == [
        ("signature", "parse", "return type changed from Config to Option<Config>")
    ]
    java = "class C {\n  int parse(String p, int n) {\n    return n;\n  }\n}\n"
    assert changes(tmp_path, "C.java", java, java.replace("String p, int n", "int n, String p")) == [
        ("signature", "C.parse", "parameters reordered")
    ]


def test_java_overloads_pair_up_in_order(tmp_path: Path) -> None:
    old = "class C {\n  void f(int a) {}\n  void f(String s) {}\n}\n"
    new = old.replace("void f(String s)", "void f(String s, int n)")
    assert changes(tmp_path, "C.java", old, new) == [("signature", "C.f", "parameter 'n' added without a default")]


def _call(args: int, keywords: tuple[str, ...] = (), splat: bool = False) -> Reference:
    target = Target("f", "a.py", "a", "python")
    return Reference(target, "f", 1, 1, 1, "import", True, args, keywords, splat)


def test_call_fits() -> None:
    py = Signature((Param("path"), Param("strict", True), Param("mode", True, None, "kwonly")))
    assert call_fits(py, _call(1), "python") is True
    assert call_fits(py, _call(0, ("path", "mode")), "python") is True
    assert call_fits(py, _call(0), "python") is False
    assert call_fits(py, _call(3), "python") is False
    assert call_fits(py, _call(1, ("path",)), "python") is False
    assert call_fits(py, _call(1, ("other",)), "python") is False
    assert call_fits(py, _call(1, (), splat=True), "python") is None
    go = Signature((Param("path", False, "string"), Param("opts", False, "Opt", "var")))
    assert [call_fits(go, _call(n), "go") for n in (0, 1, 3)] == [False, True, True]
    ts = Signature((Param("a"), Param("b", True)))
    assert [call_fits(ts, _call(n), "typescript") for n in (0, 1, 2, 3)] == [False, True, True, False]


def test_a_required_parameter_after_defaulted_ones_needs_every_argument_before_it() -> None:
    ts = Signature((Param("s", True), Param("strict", False, "boolean")))
    assert [call_fits(ts, _call(n), "typescript") for n in (0, 1, 2, 3)] == [False, False, True, False]
    rest = Signature((Param("a", True), Param("b"), Param("more", False, None, "var")))
    assert [call_fits(rest, _call(n), "javascript") for n in (1, 2, 5)] == [False, True, True]


@pytest.mark.parametrize(("new_params", "detail"), [
    ("msg: string, level: number, ..._meta: unknown[]", "parameter 'level' inserted before '_meta'"),
    ("msg: string", "variadic parameter '_meta' removed"),
    ("msg: string, other: number", "variadic parameter '_meta' removed"),
    ("msg: string, _meta: unknown[]", "parameter '_meta' is no longer variadic"),
    ("msg: string, ...rest: unknown[]", "parameter '_meta' renamed to 'rest'"),
])
def test_messages_say_what_happened_to_a_rest_parameter(tmp_path: Path, new_params: str, detail: str) -> None:
    ts = "export function log(msg: string, ..._meta: unknown[]): void {\n  console.log(msg);\n}\n"
    new = ts.replace("msg: string, ..._meta: unknown[]", new_params)
    assert changes(tmp_path, "a.ts", ts, new) == [("signature", "log", detail)]


def test_a_side_read_around_a_syntax_error_reports_what_it_holds(tmp_path: Path) -> None:
    old = ("export function parse(s: string): string {\n  return s;\n}\n\n"
           "export function other(n: number): number {\n  return n;\n}\n")
    # other() no longer parses: not a removal; parse() changed: reported.
    new = old.replace("(s: string)", "(s: string, strict: boolean)").replace("return n;", "return n +* ;")
    fs = extract("a.ts", new.encode())
    assert fs is not None and (fs.error, fs.skipped, [s.name for s in fs.symbols]) == (None, ((6, 6),), ["parse"])
    assert fs.skipped_note == "syntax error at line 6; definitions and uses there are not analysed"
    assert changes(tmp_path, "a.ts", old, new) == [
        ("signature", "parse", "parameter 'strict' added without a default")]
    assert changes(tmp_path, "a.ts", new, old) == [("signature", "parse", "parameter 'strict' removed")]
