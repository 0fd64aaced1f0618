"""Symbol extraction per language: definitions, line ranges, signatures, imports."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.model import LANGUAGES
from gate.symbols import FileSymbols, Import, Param, Signature, Target, extract, language_of, references, treesitter
from gate.symbols.js_imports import strip_extension
from gate.symbols.language import READERS, reader
from gate.symbols.values import KWONLY, POSONLY, VAR, VARKW


def table(fs: FileSymbols | None) -> list[tuple[str, str, int, int, int]]:
    """(kind, qualname, first line, name line, end line) of every symbol."""
    assert fs is not None and fs.error is None, fs and fs.error
    return [(s.kind, s.qualname, s.first_line, s.line, s.end_line) for s in fs.symbols]


def sig(fs: FileSymbols | None, qualname: str) -> Signature | None:
    assert fs is not None
    (symbol,) = fs.find(qualname)
    return symbol.signature


PY = b"""\
import os.path
import a.b as c
from a.b import x as y, z
from . import sibling
from ..pkg.mod import thing

@decorator
def parse_config(path, /, strict=False, *args, mode: str = "r", force, **kw) -> dict:
    return {}

class Config(Base):
    size = 1

    def load(self, a, b: int = 2):
        def helper():
            pass
        return a

    @staticmethod
    def make(a):
        pass

    class Inner:
        def deep(self):
            pass

if TYPE_CHECKING:
    def typed_only(x): ...
"""


def test_python_definitions_lines_and_signatures() -> None:
    fs = extract("src/common/config.py", PY)
    assert table(fs) == [
        ("function", "parse_config", 7, 8, 9),
        ("class", "Config", 11, 11, 25),
        ("method", "Config.load", 14, 14, 17),
        ("method", "Config.make", 19, 20, 21),
        ("class", "Config.Inner", 23, 23, 25),
        ("method", "Config.Inner.deep", 24, 24, 25),
        ("function", "typed_only", 28, 28, 28),
    ]
    assert sig(fs, "parse_config") == Signature(
        (
            Param("path", False, None, POSONLY),
            Param("strict", True, default="False"),
            Param("args", False, None, VAR),
            Param("mode", True, "str", KWONLY, "'r'"),
            Param("force", False, None, KWONLY),
            Param("kw", False, None, VARKW),
        ),
        "dict",
    )
    # A bound method's self is not part of what callers pass; a staticmethod has none.
    assert sig(fs, "Config.load") == Signature((Param("a"), Param("b", True, "int", default="2")))
    assert sig(fs, "Config.make") == Signature((Param("a"),))
    assert sig(fs, "Config") is None


def test_python_imports_and_module_names() -> None:
    fs = extract("src/common/config.py", PY)
    assert fs is not None and fs.module == "src.common.config"
    assert fs.imports == (
        Import("os.path", None, None, 1),
        Import("a.b", None, "c", 2),
        Import("a.b", "x", "y", 3),
        Import("a.b", "z", None, 3),
        Import("src.common", "sibling", None, 4),
        Import("src.pkg.mod", "thing", None, 5),
    )
    init = extract("src/common/__init__.py", b"from .config import parse_config\n")
    assert init is not None and init.module == "src.common"
    assert init.imports == (Import("src.common.config", "parse_config", None, 1),)
    top = extract("tool.py", b"from ...far import x\n")
    assert top is not None and top.imports == (Import("...far", "x", None, 1),)


JS = b"""\
import def, { a as b, c } from './x';
import * as ns from "../y";
import './side-effect';
const { p, q: r } = require('./z');
const m = require('./w');

export function f(a, b = 1, ...rest) {
  return a;
}

export const g = (x, { y }) => x;

class C extends D {
  constructor(a) {
    super(a);
  }
  m(x) { return x; }
  handler = (e) => e;
}
"""


def test_javascript_definitions_and_imports() -> None:
    fs = extract("web/app.js", JS)
    assert table(fs) == [
        ("function", "f", 7, 7, 9),
        ("function", "g", 11, 11, 11),
        ("class", "C", 13, 13, 19),
        ("method", "C.constructor", 14, 14, 16),
        ("method", "C.m", 17, 17, 17),
        ("method", "C.handler", 18, 18, 18),
    ]
    assert sig(fs, "f") == Signature((Param("a"), Param("b", True, default="1"), Param("rest", False, None, VAR)))
    assert sig(fs, "g") == Signature((Param("x"), Param("{ y }")))
    assert fs is not None and fs.module == "web/app"
    assert fs.imports == (
        Import("./x", "default", "def", 1),
        Import("./x", "a", "b", 1),
        Import("./x", "c", None, 1),
        Import("../y", "*", "ns", 2),
        Import("./side-effect", None, None, 3),
        Import("./z", "p", None, 4),
        Import("./z", "q", "r", 4),
        Import("./w", "*", "m", 5),
    )


TS = b"""\
import type { T } from './t';

export function load(a: number, b?: string, c: Opts = {}, ...rest: any[]): Promise<void> {
  return run(a);
}

export class Store<T> implements Api {
  constructor(private readonly size: number) {}
  public get(key: string): T | undefined {
    return undefined;
  }
}

export interface Api {
  get(key: string): unknown;
}
"""


def test_typescript_types_and_optional_parameters() -> None:
    fs = extract("src/store.ts", TS)
    assert table(fs) == [
        ("function", "load", 3, 3, 5),
        ("class", "Store", 7, 7, 12),
        ("method", "Store.constructor", 8, 8, 8),
        ("method", "Store.get", 9, 9, 11),
        ("class", "Api", 14, 14, 16),
        ("method", "Api.get", 15, 15, 15),
    ]
    assert sig(fs, "load") == Signature(
        (
            Param("a", False, "number"),
            Param("b", True, "string"),
            Param("c", True, "Opts", default="{}"),
            Param("rest", False, "any[]", VAR),
        ),
        "Promise<void>",
    )
    assert sig(fs, "Store.get") == Signature((Param("key", False, "string"),), "T | undefined")
    assert sig(fs, "Store.constructor") == Signature((Param("size", False, "number"),))


def test_tsx_file_with_jsx_parses() -> None:
    fs = extract(
        "src/ui/Button.tsx",
        b"""\
import { track } from "../lib/track";
export function Button({ label }: Props): JSX.Element {
  return <button onClick={() => track(label)}>{label}</button>;
}
""",
    )
    assert table(fs) == [("function", "Button", 2, 2, 4)]
    assert sig(fs, "Button") == Signature((Param("{ label }", False, "Props"),), "JSX.Element")
    assert fs is not None and fs.language == "tsx"


GO = b"""\
package config

import (
\t"fmt"
\tcfg "example.com/p/common/config"
)
import "os"

// Parse reads a file.
func Parse(path string, a, b int, opts ...Opt) (*Config, error) {
\treturn nil, nil
}

func (c *Config) Load(x int) error {
\treturn nil
}

type Config struct {
\tA int
}

type Source interface {
\tRead(p []byte) (int, error)
}
"""


def test_go_functions_methods_types_and_imports() -> None:
    fs = extract("pkg/config/config.go", GO)
    assert table(fs) == [
        ("function", "Parse", 10, 10, 12),
        ("method", "Config.Load", 14, 14, 16),
        ("class", "Config", 18, 18, 20),
        ("class", "Source", 22, 22, 24),
        ("method", "Source.Read", 23, 23, 23),
    ]
    assert sig(fs, "Parse") == Signature(
        (
            Param("path", False, "string"),
            Param("a", False, "int"),
            Param("b", False, "int"),
            Param("opts", False, "Opt", VAR),
        ),
        "(*Config, error)",
    )
    assert sig(fs, "Config.Load") == Signature((Param("x", False, "int"),), "error")
    assert fs is not None and fs.module == "pkg/config"
    assert fs.imports == (
        Import("fmt", None, None, 4),
        Import("example.com/p/common/config", None, "cfg", 5),
        Import("os", None, None, 7),
    )


RUST = b"""\
use crate::common::config::{parse, Other as O, sub::{self, x}};
use super::helpers::*;
use std::io;

pub fn parse_config(path: &str, strict: bool) -> Result<Config, Error> {
    todo!()
}

pub struct Config {
    a: i32,
}

impl<T> Config<T> {
    pub fn new(a: i32) -> Self {
        Config { a }
    }

    fn check(&self, level: u8) {}
}

pub trait Loader {
    fn load(&mut self) -> bool;
}

#[cfg(test)]
mod tests {
    fn not_a_symbol() {}
}
"""


def test_rust_items_impl_methods_and_use_trees() -> None:
    fs = extract("src/ui/app.rs", RUST)
    assert table(fs) == [
        ("function", "parse_config", 5, 5, 7),
        ("class", "Config", 9, 9, 11),
        ("method", "Config.new", 14, 14, 16),
        ("method", "Config.check", 18, 18, 18),
        ("class", "Loader", 21, 21, 23),
        ("method", "Loader.load", 22, 22, 22),
    ]
    assert sig(fs, "parse_config") == Signature(
        (Param("path", False, "&str"), Param("strict", False, "bool")), "Result<Config, Error>"
    )
    assert sig(fs, "Config.check") == Signature((Param("level", False, "u8"),))
    assert fs is not None and fs.module == "crate::ui::app"
    assert fs.imports == (
        Import("crate::common::config", "parse", None, 1),
        Import("crate::common::config", "Other", "O", 1),
        Import("crate::common::config", "sub", None, 1),
        Import("crate::common::config::sub", "x", None, 1),
        Import("crate::ui::helpers", "*", None, 2),
        Import("std", "io", None, 3),
    )


@pytest.mark.parametrize(
    ("path", "module"),
    [
        ("src/lib.rs", "crate"),
        ("src/main.rs", "crate"),
        ("src/common/mod.rs", "crate::common"),
        ("crates/core/src/common/config.rs", "crate::common::config"),
    ],
)
def test_rust_module_names(path: str, module: str) -> None:
    fs = extract(path, b"fn f() {}\n")
    assert fs is not None and fs.module == module


JAVA = b"""\
package com.acme.common;

import com.acme.util.Helper;
import com.acme.other.*;
import static com.acme.common.Config.parse;

public class Config<T> extends Base {
    public Config(int a) {
        super(a);
    }

    @Override
    public static Map<String, T> parse(String path, int... rest) throws IOException {
        return null;
    }

    void merge(final List<String> items, byte[] raw) {}

    static class Inner {
        void deep() {}
    }
}

enum Mode { ON; void flip() {} }
"""


def test_java_classes_constructors_methods_and_imports() -> None:
    fs = extract("src/main/java/com/acme/common/Config.java", JAVA)
    assert table(fs) == [
        ("class", "Config", 7, 7, 22),
        ("method", "Config.Config", 8, 8, 10),
        ("method", "Config.parse", 12, 13, 15),
        ("method", "Config.merge", 17, 17, 17),
        ("class", "Config.Inner", 19, 19, 21),
        ("method", "Config.Inner.deep", 20, 20, 20),
        ("class", "Mode", 24, 24, 24),
        ("method", "Mode.flip", 24, 24, 24),
    ]
    assert sig(fs, "Config.parse") == Signature(
        (Param("path", False, "String"), Param("rest", False, "int", VAR)), "Map<String, T>"
    )
    assert sig(fs, "Config.merge") == Signature(
        (Param("items", False, "List<String>"), Param("raw", False, "byte[]")), "void"
    )
    assert sig(fs, "Config.Config") == Signature((Param("a", False, "int"),))
    assert fs is not None and fs.module == "com.acme.common"
    assert fs.imports == (
        Import("com.acme.util", "Helper", None, 3),
        Import("com.acme.other", "*", None, 4),
        Import("com.acme.common.Config", "parse", None, 5),
    )


@pytest.mark.parametrize(
    ("path", "source", "error"),
    [
        ("src/a.py", b"def parse(path:\n    return 1\n", "syntax error at line 1: '(' was never closed"),
        ("src/a.ts", b"export function parse(path: string {\n  return 1;\n}\n", "syntax error at line 1"),
        ("pkg/a.go", b"package a\n\nfunc Parse(path string {\n}\n", "syntax error at line 3"),
    ],
)
def test_a_file_mid_edit_has_an_error_and_no_symbols(path: str, source: bytes, error: str) -> None:
    fs = extract(path, source)
    assert fs is not None
    assert (fs.error, fs.symbols, fs.imports) == (error, (), ())


def test_non_utf8_bytes_do_not_crash() -> None:
    py = extract("src/a.py", b"LABEL = '\xff\xfe caf\xe9'\n\ndef f(a):\n    return a\n")
    assert table(py) == [("function", "f", 3, 3, 4)]
    js = extract("src/a.js", b"const s = '\xff\xe9';\nfunction f(a) { return a; }\n")
    assert table(js) == [("function", "f", 2, 2, 2)]
    binary = extract("src/b.py", b"\x00\x01\x02def")
    assert binary is not None and binary.error is not None and binary.symbols == ()


def test_other_files_have_no_symbols() -> None:
    assert extract("README.md", b"# hi\n") is None
    assert extract("Makefile", b"all:\n") is None
    assert extract("src/app.PY", b"def f(): pass\n") is not None
    assert [language_of(p) for p in ("a.mjs", "a.cjs", "a.jsx", "a.tsx", "a.rs", "a.d/x")] == [
        "javascript",
        "javascript",
        "javascript",
        "tsx",
        "rust",
        None,
    ]


def test_every_suffix_has_a_reader_and_js_strips_the_longest_suffix() -> None:
    assert set(READERS) == set(LANGUAGES.values()) - {"python"}
    for language, row in READERS.items():
        assert not isinstance(treesitter.parse(language, b""), str)  # the grammar loads
        assert reader(language) is row.module()
    assert [strip_extension(p) for p in ("a.mts", "a.tsx", "a.d.ts", "a.ts.md")] == ["a", "a", "a.d", "a.ts.md"]


def test_json_round_trip_and_format_guard() -> None:
    for path, source in (("src/common/config.py", PY), ("src/ui/app.rs", RUST), ("src/a.ts", b"export function f(\n")):
        fs = extract(path, source)
        assert fs is not None
        assert FileSymbols.from_json(fs.to_json()) == fs
        assert FileSymbols.from_json(fs.to_json().encode()) == fs
    with pytest.raises(ValueError, match="format"):
        FileSymbols.from_json('{"format": 0}')
    with pytest.raises(ValueError):
        FileSymbols.from_json('{"format": 1}')


def test_parsing_python_does_not_import_tree_sitter() -> None:
    code = (
        "import sys; from gate.symbols import extract; extract('a.py', b'def f(): pass');"
        "print('tree_sitter' in sys.modules);"
        "extract('a.go', b'package a'); print('tree_sitter' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


FRAGMENTS = {
    "src/m.py": [
        b"def f(a, b=1):\n",
        b"class C:\n",
        b"    def m(self):\n",
        b"        return 1\n",
        b"from .x import y as z\n",
        b"z(1, *a, k=2)\n",
        b"@dec\n",
        b"\xff\xfe",
        b"(",
        b")",
        b"\n",
    ],
    "src/m.tsx": [
        b"export function f(a: number, b?: string): void {",
        b"}",
        b"class C { m(x) {",
        b"import { a as b } from './x';\n",
        b"const g = (x) => x;\n",
        b"<div/>",
        b"\xff",
        b"(",
        b"\n",
    ],
    "p/m.go": [
        b"package p\n",
        b'import "x/y"\n',
        b"func F(a, b int) error {",
        b"}",
        b"func (c *C) M() {",
        b"type C struct{}\n",
        b"y.F(1)\n",
        b"\xff",
        b"(",
        b"\n",
    ],
    "src/m.rs": [
        b"use crate::a::{b, c as d};\n",
        b"fn f(x: u8) -> u8 {",
        b"}",
        b"impl C {",
        b"struct C;\n",
        b"a::b(1);",
        b"\xff",
        b"(",
        b"\n",
    ],
    "M.java": [
        b"package a.b;\n",
        b"import a.b.C;\n",
        b"class C {",
        b"}",
        b"void m(int x) {",
        b"C.m(1);",
        b"\xff",
        b"(",
        b"\n",
    ],
}


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_any_mix_of_fragments_extracts_and_resolves_without_raising(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(sorted(FRAGMENTS)))
    pieces = data.draw(st.lists(st.sampled_from(FRAGMENTS[path]), max_size=12))
    source = b"".join(pieces)
    fs = extract(path, source)
    assert fs is not None
    assert (fs.error is None) or (fs.symbols == () and fs.imports == ())
    assert FileSymbols.from_json(fs.to_json()) == fs
    language = fs.language
    wanted = [Target(name, "other/x", "other", language) for name in ("f", "C.m", "C")]
    references(path, source, fs, wanted)


def test_a_missing_grammar_wheel_is_an_error_not_a_crash() -> None:
    code = (
        "import sys; sys.modules['tree_sitter_rust'] = None;"
        "from gate.symbols import extract; print(extract('src/a.rs', b'fn f() {}').error)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "no rust parser (tree_sitter_rust is not installed)\n"
