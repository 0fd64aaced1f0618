"""Rust callers resolved through Cargo (issue 19): the crate a file belongs to and its
name come from the nearest ``Cargo.toml`` with a ``[package]``; ``crate::`` is the
file's own crate, a leading name that is a crate of the repository names that
crate, anything else (std, crates.io) is never a module of the repository. Items
re-exported with ``pub use`` are found through the re-exporting path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gate.commands import check
from gate.git.opening import open_repo
from gate.symbols.cargo import CargoTree, Crate
from tests.gitutil import Repo

POLICY = """\
version = 1

[gate]
target = "main"

[agents.lib]
branches = ["agent/lib/*"]
owns = ["/Cargo.toml", "crates/util/", "crates/other/"]

[agents.cli]
branches = ["agent/cli/*"]
owns = ["crates/app/", "crates/core/", "/src/"]
"""

WORKSPACE = '[workspace]\nmembers = ["crates/*"]\n'
UTIL_TOML = '[package]\nname = "util"\nversion = "0.1.0"\n'
APP_TOML = '[package]\nname = "app"\nversion = "0.1.0"\n\n[dependencies]\nutil = { path = "../util" }\n'
LIB = "crates/util/src/lib.rs"
LIB_RS = "pub mod text;\n\npub fn helper(n: i32) -> i32 {\n    n\n}\n"
TEXT = "crates/util/src/text.rs"
TEXT_RS = "pub fn norm(s: &str) -> String {\n    s.to_string()\n}\n"
APP = "crates/app/src/main.rs"
ADDED = "parameter 'strict' added without a default"


def repo(tmp_path: Path, files: dict[str, str | bytes], policy: str = POLICY) -> Repo:
    r = Repo.init(tmp_path / "r")
    base: dict[str, str | bytes] = {".agentgate.toml": policy, "Cargo.toml": WORKSPACE,
                                    "crates/util/Cargo.toml": UTIL_TOML, LIB: LIB_RS, TEXT: TEXT_RS,
                                    "crates/app/Cargo.toml": APP_TOML}
    r.commit("initial", {**base, **files})
    return r


def lib_branch(r: Repo, files: dict[str, str]) -> None:
    r.branch("agent/lib/change", "main")
    r.commit("change", files)
    r.checkout("main")


def symbol_findings(r: Repo, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]], list[str]]:
    capsys.readouterr()
    rc = check.main(["agent/lib/change"], fmt="json", repo_path=str(r.path))
    [b] = json.loads(capsys.readouterr().out)["branches"]
    return rc, [f for f in b["findings"] if f["rule"].startswith("symbol.")], b["facts"].get("notes", [])


def users(findings: list[dict[str, Any]]) -> list[tuple[str, str, int, list[tuple[str, int]]]]:
    return [(f["rule"], f["path"], f["line"], [(u["path"], u["line"]) for u in f["other"]["users"]])
            for f in findings]


def main_rs(uses: str, body: str) -> str:
    """``uses`` (lines) then a ``main`` whose body is on the line after them plus 2."""
    return f"{uses}\n\nfn main() {{ {body} }}\n"


STRICT_HELPER = {LIB: LIB_RS.replace("(n: i32)", "(n: i32, strict: bool)")}
STRICT_NORM = {TEXT: TEXT_RS.replace("(s: &str)", "(s: &str, strict: bool)")}


def test_a_function_of_another_crates_lib_rs_is_a_caller(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        APP: main_rs("use util::helper;", "helper(1);"),
        "crates/app/src/bin/qualified.rs": main_rs("", "util::helper(2);"),
        # An external crate is not util, whatever it holds.
        "crates/app/src/bin/external.rs": main_rs("use notutil::helper;", "helper(3);"),
    })
    lib_branch(r, STRICT_HELPER)
    rc, found, _ = symbol_findings(r, capsys)
    assert rc == 3
    assert users(found) == [("symbol.signature", LIB, 3, [
        ("crates/app/src/bin/qualified.rs", 3), (APP, 3)])]
    assert found[0]["message"].startswith(f"helper ({LIB}:3) changes signature ({ADDED}); cli calls it at ")


def test_a_same_module_suffix_in_another_crate_is_not_a_caller(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        "crates/other/Cargo.toml": '[package]\nname = "other"\n',
        "crates/other/src/lib.rs": "pub mod text;\n",
        "crates/other/src/text.rs": TEXT_RS,
        "crates/app/src/bin/other.rs": main_rs("use other::text::norm;", 'norm("a");'),
        "crates/app/src/bin/std.rs": main_rs("use std::text::norm;", 'norm("a");'),
        "crates/app/src/bin/mine.rs": main_rs("use util::text::norm;", 'norm("a");'),
        "crates/app/src/bin/path.rs": main_rs("use util::text;", 'text::norm("a"); other::text::norm("b");'),
    })
    lib_branch(r, STRICT_NORM)
    assert users(symbol_findings(r, capsys)[1]) == [("symbol.signature", TEXT, 1, [
        ("crates/app/src/bin/mine.rs", 3), ("crates/app/src/bin/path.rs", 3)])]


def test_items_re_exported_with_pub_use_are_found_through_the_re_exporting_path(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shapes = "crates/util/src/shapes/mod.rs"
    circle = "crates/util/src/shapes/circle.rs"
    r = repo(tmp_path, {
        LIB: "mod text;\nmod shapes;\nmod inner;\n\npub use self::text::norm;\npub use crate::shapes::*;\n"
             "pub use inner::{Buf as Buffer};\n",
        shapes: "mod circle;\npub use circle::area;\n",
        circle: "pub fn area(r: f64) -> f64 {\n    r\n}\n",
        "crates/util/src/inner.rs": "pub struct Buf;\n\nimpl Buf {\n    pub fn new(n: usize) -> Buf {\n"
                                    "        Buf\n    }\n}\n",
        # A facade crate re-exporting util as a whole, as ripgrep's grep does.
        "crates/facade/Cargo.toml": '[package]\nname = "facade"\n\n[dependencies]\nutil = { path = "../util" }\n',
        "crates/facade/src/lib.rs": "pub extern crate util as u;\n",
        "crates/app/src/bin/norm.rs": main_rs("use util::norm;", 'norm("a");'),
        "crates/app/src/bin/area.rs": main_rs("use util::area;", "area(1.0);"),
        "crates/app/src/bin/buffer.rs": main_rs("use util::Buffer;", "Buffer::new(1);"),
        "crates/app/src/bin/facade.rs": main_rs("", 'facade::u::norm("b");'),
        # Not re-exported under these names, or by another crate.
        "crates/app/src/bin/private.rs": main_rs("use util::circle::area;", "area(2.0);"),
        "crates/app/src/bin/buf.rs": main_rs("use util::Buf;", "Buf::new(2);"),
        "crates/app/src/bin/otherlib.rs": main_rs("use facade::norm;", 'norm("c");'),
    })
    lib_branch(r, {
        TEXT: TEXT_RS.replace("(s: &str)", "(s: &str, strict: bool)"),
        circle: "pub fn area(r: f64, strict: bool) -> f64 {\n    r\n}\n",
        "crates/util/src/inner.rs": "pub struct Buf;\n\nimpl Buf {\n    pub fn new(n: usize, strict: bool) -> Buf {\n"
                                    "        Buf\n    }\n}\n",
    })
    assert users(symbol_findings(r, capsys)[1]) == [
        ("symbol.signature", "crates/util/src/inner.rs", 4, [("crates/app/src/bin/buffer.rs", 3)]),
        ("symbol.signature", circle, 1, [("crates/app/src/bin/area.rs", 3)]),
        ("symbol.signature", TEXT, 1, [("crates/app/src/bin/facade.rs", 3), ("crates/app/src/bin/norm.rs", 3)]),
    ]


def test_re_exports_that_loop_stop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        LIB: "pub mod text;\npub use self::text::*;\n",
        TEXT: "pub use crate::*;\npub use super::text as again;\n\n" + TEXT_RS,
        "crates/app/src/bin/a.rs": main_rs("use util::norm;", 'norm("a");'),
        "crates/app/src/bin/b.rs": main_rs("use util::text::again::norm;", 'norm("b");'),
    })
    lib_branch(r, {TEXT: "pub use crate::*;\npub use super::text as again;\n\n" + STRICT_NORM[TEXT]})
    assert users(symbol_findings(r, capsys)[1]) == [("symbol.signature", TEXT, 4, [
        ("crates/app/src/bin/a.rs", 3), ("crates/app/src/bin/b.rs", 3)])]


RG_TOML = """\
[package]
name = "ripgrep"

[[bin]]
path = "crates/core/main.rs"
name = "rg"

[workspace]
members = ["crates/util", "crates/app"]
"""


def test_a_crate_rooted_outside_src_names_its_modules_from_its_root(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    search = "crates/core/search.rs"
    r = repo(tmp_path, {
        "Cargo.toml": RG_TOML,
        "crates/core/main.rs": "mod flags;\nmod search;\n\nfn main() { search::run(1); }\n",
        search: "pub fn run(n: i32) {}\n",
        "crates/core/flags/mod.rs": "mod defs;\n",
        "crates/core/flags/defs.rs": "use super::super::search;\nuse crate::search::run;\n\n"
                                     "fn f() { search::run(2); run(3); crate::search::run(4); }\n",
        # Another crate's module of the same name.
        "crates/app/src/search.rs": "pub fn run(n: i32) {}\n",
        "crates/app/src/lib.rs": "mod search;\nfn g() { search::run(5); crate::search::run(6); }\n",
    }, POLICY.replace('"crates/other/"', '"crates/core/search.rs"')
       .replace('"crates/core/", ', '"crates/core/flags/", "crates/core/main.rs", '))
    lib_branch(r, {search: "pub fn run(n: i32, strict: bool) {}\n"})
    assert users(symbol_findings(r, capsys)[1]) == [("symbol.signature", search, 1, [
        ("crates/core/flags/defs.rs", 4), ("crates/core/flags/defs.rs", 4), ("crates/core/flags/defs.rs", 4),
        ("crates/core/main.rs", 4)])]


@pytest.mark.parametrize("manifest", [
    '[package\nname = "util"\n',  # does not parse
    "\xff",  # not UTF-8 once encoded as latin-1 below
    '[package]\nname = "util"\n' + "# padding\n" * 60_000,  # too large
    '[workspace]\nmembers = ["../../*", "/etc", "crates/*/../../.."]\n[package]\nname = "util"\n',  # outside
    '[package]\nname = "util"\n[lib]\npath = "../../../etc/lib.rs"\n',  # outside: src/lib.rs as Cargo's default
    "deep = " + "[" * 50_000,  # nested past any recursion limit
])
def test_a_malformed_or_hostile_manifest_is_ignored_with_a_note(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], manifest: str) -> None:
    r = repo(tmp_path, {"crates/util/Cargo.toml": manifest.encode("latin-1") if manifest == "\xff" else manifest,
                        APP: main_rs("use util::helper;", "helper(1);")})
    lib_branch(r, STRICT_HELPER)
    rc, found, notes = symbol_findings(r, capsys)
    if manifest.startswith("[workspace]") or "[lib]" in manifest:
        assert users(found) == [("symbol.signature", LIB, 3, [(APP, 3)])]
    else:
        assert [n for n in notes if n.startswith("crates/util/Cargo.toml: ")] != [], notes
        # Without its manifest util is no crate of the repository (cargo would not
        # build it either): ``use util::helper`` names nothing here.
        assert (rc, found) == (0, [])


BUF_RS = ("pub struct Buf;\n\nimpl Buf {\n    pub fn new() -> Buf {\n        Buf\n    }\n\n"
          "    pub fn push(&mut self, x: u8) {}\n}\n")
BUF = "crates/util/src/buf.rs"


def test_a_method_counts_by_its_receivers_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bins = "crates/app/src/bin"
    r = repo(tmp_path, {
        LIB: LIB_RS + "pub mod buf;\npub use buf::Buf;\n",
        BUF: BUF_RS,
        f"{bins}/built.rs": main_rs("use util::Buf;", "let mut b = Buf::new(); b.push(1);"),
        f"{bins}/param.rs": "fn fill(b: &mut util::Buf) {\n    b.push(2);\n}\n",
        f"{bins}/field.rs": "use util::Buf;\n\nstruct W {\n    inner: Buf,\n}\n\nimpl W {\n"
                            "    fn go(&mut self) {\n        self.inner.push(3);\n    }\n}\n",
        f"{bins}/trait.rs": "trait Fill {\n    fn fill(&mut self);\n}\n\nimpl Fill for util::Buf {\n"
                            "    fn fill(&mut self) {\n        self.push(4);\n    }\n}\n",
        # Another type's method of the same name is no use, typed or built.
        f"{bins}/vec.rs": main_rs("use util::Buf;", "let mut v: Vec<u8> = Vec::new(); v.push(1);"),
        f"{bins}/macro.rs": main_rs("use util::Buf;", "let mut v = vec![1]; v.push(2); let s = String::new();"),
        # A receiver of a type the file does not tell: a possible use.
        f"{bins}/unknown.rs": main_rs("use util::Buf;", "let mut b = make(); b.push(5);"),
    })
    lib_branch(r, {BUF: BUF_RS.replace("(&mut self, x: u8)", "(&mut self, x: u8, strict: bool)")})
    rc, found, _ = symbol_findings(r, capsys)
    assert rc == 3
    assert [(f["rule"], f["path"], f["line"]) for f in found] == [("symbol.signature", BUF, 8)]
    assert found[0]["other"]["users"] == [
        {"agent": "cli", "path": f"{bins}/built.rs", "line": 3},
        {"agent": "cli", "path": f"{bins}/field.rs", "line": 9},
        {"agent": "cli", "path": f"{bins}/param.rs", "line": 2},
        {"agent": "cli", "path": f"{bins}/trait.rs", "line": 7},
        {"agent": "cli", "path": f"{bins}/unknown.rs", "line": 3, "possible": True},
    ]
    assert f"{bins}/unknown.rs:3 (possible)" in found[0]["message"]


def test_calls_inside_inline_modules_are_callers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        "crates/app/src/lib.rs": "mod convert {\n    pub(super) fn size() -> i32 {\n        util::helper(1)\n"
                                 "    }\n}\n\n#[cfg(test)]\nmod tests {\n    use util::helper;\n\n    #[test]\n"
                                 "    fn t() {\n        helper(2);\n    }\n}\n",
    })
    lib_branch(r, STRICT_HELPER)
    assert users(symbol_findings(r, capsys)[1]) == [("symbol.signature", LIB, 3, [
        ("crates/app/src/lib.rs", 3), ("crates/app/src/lib.rs", 13)])]


def test_a_receiver_bound_from_a_tuple_of_fields_keeps_its_type(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    worker = "crates/app/src/worker.rs"
    r = repo(tmp_path, {
        LIB: LIB_RS + "pub mod buf;\npub use buf::Buf;\n",
        BUF: BUF_RS,
        worker: "struct Worker {\n    buf: util::Buf,\n    out: Vec<u8>,\n}\n\nimpl Worker {\n"
                "    fn run(&mut self) {\n        let (buf, out) = (&mut self.buf, &mut self.out);\n"
                "        buf.push(1);\n        out.push(2);\n    }\n}\n\n"
                # The same name elsewhere with the same type, written out: still that type.
                "fn fill(buf: &mut util::Buf) {\n    buf.push(3);\n}\n",
    })
    lib_branch(r, {BUF: BUF_RS.replace("(&mut self, x: u8)", "(&mut self, x: u8, strict: bool)")})
    assert users(symbol_findings(r, capsys)[1]) == [("symbol.signature", BUF, 8, [(worker, 9), (worker, 15)])]


def test_calls_inside_macro_arguments_are_callers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bins = "crates/app/src/bin"
    r = repo(tmp_path, {
        LIB: LIB_RS + "pub mod buf;\npub use buf::Buf;\n",
        BUF: BUF_RS,
        f"{bins}/assert.rs": main_rs("use util::helper;",
                                     'assert_eq!(helper(1), 1); println!("{}", util::helper(2));'),
        f"{bins}/method.rs": main_rs("use util::Buf;", "let mut b = Buf::new(); assert!(b.push(1) == ());"),
        f"{bins}/fits.rs": main_rs("use util::helper;", "assert_eq!(helper(1, true), 1);"),
    })
    lib_branch(r, {**STRICT_HELPER, BUF: BUF_RS.replace("(&mut self, x: u8)", "(&mut self, x: u8, strict: bool)")})
    rc, found, _ = symbol_findings(r, capsys)
    assert [(f["rule"], f["path"], f["line"], [(u["path"], u["line"]) for u in f["other"]["users"]])
            for f in found] == [
        ("symbol.signature", BUF, 8, [(f"{bins}/method.rs", 3)]),
        ("symbol.signature", LIB, 3, [(f"{bins}/assert.rs", 3), (f"{bins}/assert.rs", 3), (f"{bins}/fits.rs", 3)]),
    ]


def test_a_path_is_never_a_method_matched_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bins = "crates/app/src/bin"
    r = repo(tmp_path, {
        LIB: LIB_RS + "pub mod buf;\npub use buf::Buf;\n",
        BUF: BUF_RS,
        # Files that name util (so a method of unknown receiver could be a Buf's).
        f"{bins}/glob.rs": main_rs("use util::Buf;", "let p = glob::Pattern::new(1); other::Buf::new();"),
        f"{bins}/tokens.rs": main_rs("use util::Buf;", "assert!(glob::Pattern::new(1).is_ok());"),
    })
    lib_branch(r, {BUF: BUF_RS.replace("pub fn new() -> Buf", "pub fn new(n: u8) -> Buf")})
    assert symbol_findings(r, capsys)[1] == []


def test_use_inside_functions_and_inline_modules_is_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = "crates/app/src/lib.rs"
    r = repo(tmp_path, {
        user: "pub mod text {\n    pub fn norm(s: &str) {}\n}\n\nfn run() {\n    use util::helper;\n"
              "    helper(1);\n}\n\n#[cfg(test)]\nmod tests {\n    use super::text::norm;\n    use util::text;\n\n"
              "    fn t() {\n        norm(\"a\");\n        text::norm(\"b\");\n    }\n}\n",
    })
    lib_branch(r, {**STRICT_HELPER, **STRICT_NORM})
    # ``super::text::norm`` in ``mod tests`` is app's own text module, not util's.
    assert users(symbol_findings(r, capsys)[1]) == [
        ("symbol.signature", LIB, 3, [(user, 7)]),
        ("symbol.signature", TEXT, 1, [(user, 17)]),
    ]


def test_a_receiver_name_reused_with_other_types_in_other_functions_keeps_its_type_in_each(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = "crates/app/src/build.rs"
    r = repo(tmp_path, {
        LIB: LIB_RS + "pub mod buf;\npub use buf::Buf;\n",
        BUF: BUF_RS,
        user: "fn a() {\n    let mut b = util::Buf::new();\n    b.push(1);\n}\n\n"
              "fn c() {\n    let mut b = Vec::new();\n    b.push(2);\n}\n\n"
              "struct W;\n\nimpl W {\n    fn push(&mut self, x: u8) {}\n\n"
              "    fn go(&mut self) {\n        self.push(3);\n    }\n}\n\n"
              "impl Extra for util::Buf {\n    fn more(&mut self) {\n        self.push(4);\n    }\n}\n",
    })
    lib_branch(r, {BUF: BUF_RS.replace("(&mut self, x: u8)", "(&mut self, x: u8, strict: bool)")})
    assert users(symbol_findings(r, capsys)[1]) == [("symbol.signature", BUF, 8, [(user, 3), (user, 23)])]


def test_a_module_declaration_and_a_global_path_are_no_uses(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        LIB: LIB_RS + "pub mod buf;\npub use buf::Buf;\n",
        BUF: BUF_RS,
        # ``mod helper;`` names a file (in the module namespace), whatever app
        # re-exports as ``app::helper``; ``::other::Buf::new()`` is a global path to
        # another crate, never a method matched by its name.
        "crates/app/src/lib.rs": "mod helper;\npub use util::helper;\n\n"
                                 "fn f() {\n    let x = ::other::Buf::new();\n}\n",
        "crates/app/src/helper.rs": "pub fn other() {}\n",
    })
    lib_branch(r, {BUF: BUF_RS.replace("pub fn new() -> Buf", "pub fn new(n: u8) -> Buf"), **STRICT_HELPER})
    assert symbol_findings(r, capsys)[1] == []


def test_a_manifest_that_is_a_symlink_is_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {APP: main_rs("use util::helper;", "helper(1);")})
    r.git("rm", "-q", "crates/util/Cargo.toml")
    (r.path / "crates/util/Cargo.toml").symlink_to("/etc/hostname")
    r.commit("link")
    lib_branch(r, STRICT_HELPER)
    # No package around util's files (a link is no manifest git checks out as one).
    assert symbol_findings(r, capsys)[1] == []


def test_a_receiver_of_a_generic_type_is_a_possible_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    matcher = "crates/util/src/matcher.rs"
    user = "crates/app/src/search.rs"
    r = repo(tmp_path, {
        LIB: LIB_RS + "pub mod matcher;\npub use matcher::Matcher;\n",
        matcher: "pub trait Matcher {\n    fn find(&self, x: u8) -> bool;\n}\n",
        # ``M`` is a type parameter, not a type of its own: the call may be Matcher's.
        user: "use util::Matcher;\n\npub fn search<M: Matcher>(m: M) -> bool {\n    m.find(1)\n}\n",
    })
    lib_branch(r, {matcher: "pub trait Matcher {\n    fn find(&self, x: u8, strict: bool) -> bool;\n}\n"})
    [f] = symbol_findings(r, capsys)[1]
    assert f["other"]["users"] == [{"agent": "cli", "path": user, "line": 4, "possible": True}]


def test_a_receiver_built_by_a_function_of_the_file_has_its_return_type(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = "crates/app/src/tests.rs"
    r = repo(tmp_path, {
        LIB: LIB_RS + "pub mod buf;\npub use buf::Buf;\n",
        BUF: BUF_RS,
        user: "fn buf() -> util::Buf {\n    util::Buf::new()\n}\n\nfn bytes() -> Vec<u8> {\n    vec![]\n}\n\n"
              "fn t() {\n    let mut b = buf();\n    b.push(1);\n    let mut v = bytes();\n    v.push(2);\n}\n",
    })
    lib_branch(r, {BUF: BUF_RS.replace("(&mut self, x: u8)", "(&mut self, x: u8, strict: bool)")})
    assert users(symbol_findings(r, capsys)[1]) == [("symbol.signature", BUF, 8, [(user, 11)])]


def test_a_module_the_binary_declares_beside_the_library_belongs_to_the_binary(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = "crates/app/src/args.rs"
    policy = POLICY.replace('"crates/other/"', f'"{args}"').replace('"crates/app/", ', '"crates/app/src/main.rs", ')
    r = repo(tmp_path, {
        "crates/app/src/lib.rs": "pub mod args;\n",
        args: "pub fn parse(n: i32) {}\n",
        "crates/app/src/main.rs": "fn main() {\n    app::args::parse(1);\n}\n",
        "crates/tool/Cargo.toml": '[package]\nname = "tool"\n',
        "crates/tool/src/lib.rs": "pub fn lib() {}\n",
        "crates/tool/src/opts.rs": "pub fn parse(n: i32) {}\n",
        "crates/tool/src/main.rs": "mod opts;\n\nfn main() {\n    crate::opts::parse(1);\n    opts::parse(2);\n}\n",
    }, policy.replace('"/src/"]', '"/src/", "crates/tool/src/main.rs"]').replace(
        '"crates/util/",', '"crates/util/", "crates/tool/src/opts.rs",'))
    lib_branch(r, {args: "pub fn parse(n: i32, strict: bool) {}\n",
                   "crates/tool/src/opts.rs": "pub fn parse(n: i32, strict: bool) {}\n"})
    assert users(symbol_findings(r, capsys)[1]) == [
        ("symbol.signature", args, 1, [("crates/app/src/main.rs", 2)]),
        ("symbol.signature", "crates/tool/src/opts.rs", 1, [
            ("crates/tool/src/main.rs", 4), ("crates/tool/src/main.rs", 5)]),
    ]


def test_a_variable_named_like_a_module_is_still_a_variable(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = "crates/app/src/printer.rs"
    r = repo(tmp_path, {
        LIB: LIB_RS + "pub mod buf;\npub use buf::Buf;\n",
        BUF: BUF_RS,
        # ``buf::Buf`` names the module; ``buf.push`` the variables (another namespace).
        user: "use util::{buf::Buf};\n\nfn f(buf: &mut Buf) {\n    buf.push(1);\n}\n\n"
              "fn g(o: Option<Buf>) {\n    if let Some(mut buf) = o {\n        buf.push(2);\n    }\n}\n",
    })
    lib_branch(r, {BUF: BUF_RS.replace("(&mut self, x: u8)", "(&mut self, x: u8, strict: bool)")})
    [f] = symbol_findings(r, capsys)[1]
    assert f["other"]["users"] == [{"agent": "cli", "path": user, "line": 4},
                                   {"agent": "cli", "path": user, "line": 9, "possible": True}]


def test_cargo_reading(tmp_path: Path) -> None:
    r = Repo.init(tmp_path / "r")
    head = r.commit("initial", {
        "Cargo.toml": '[workspace]\nmembers = ["crates/*", "tools/gen"]\nexclude = ["crates/old"]\n\n'
                      '[workspace.dependencies]\nshared = { path = "crates/shared-lib" }\n',
        "crates/shared-lib/Cargo.toml": '[package]\nname = "shared-lib"\n\n[lib]\nname = "shared"\n',
        "crates/shared-lib/src/lib.rs": "",
        "crates/old/Cargo.toml": '[package]\nname = "old"\n',
        "crates/old/src/lib.rs": "",
        "crates/app/Cargo.toml": '[package]\nname = "my-app"\n\n[dependencies]\nshared = { workspace = true }\n'
                                 'renamed = { package = "tool-kit", path = "../../tools/gen" }\n\n'
                                 '[[bin]]\nname = "cli"\npath = "cli/main.rs"\n',
        "crates/app/src/lib.rs": "", "crates/app/src/a/b.rs": "", "crates/app/src/bin/x.rs": "",
        "crates/app/cli/main.rs": "", "crates/app/cli/args.rs": "", "crates/app/tests/it.rs": "",
        "tools/gen/Cargo.toml": '[package]\nname = "tool-kit"\n\n[lib]\npath = "gen.rs"\n',
        "tools/gen/gen.rs": "", "loose.rs": "",
    })
    tree = CargoTree(open_repo(r.path), head)
    app = Crate("my_app", "crates/app/src/lib.rs")
    assert tree.crate_of("crates/app/src/a/b.rs") == app
    assert app.module_of("crates/app/src/a/b.rs") == ["my_app", "a", "b"]
    assert tree.crate_of("crates/app/src/bin/x.rs") == Crate("bin:x", "crates/app/src/bin/x.rs")
    cli = tree.crate_of("crates/app/cli/args.rs")
    assert cli == Crate("bin:cli", "crates/app/cli/main.rs")
    assert cli.module_of("crates/app/cli/args.rs") == ["bin:cli", "args"]
    assert tree.crate_of("crates/app/tests/it.rs") == Crate("test:it", "crates/app/tests/it.rs")
    assert tree.crate_of("tools/gen/gen.rs") == Crate("tool_kit", "tools/gen/gen.rs")
    assert tree.crate_of("loose.rs") is None  # under a workspace with no package
    assert tree.crates("crates/app/src/lib.rs") == {
        "shared": Crate("shared", "crates/shared-lib/src/lib.rs"),
        "my_app": app,
        "tool_kit": Crate("tool_kit", "tools/gen/gen.rs"),
        "renamed": Crate("tool_kit", "tools/gen/gen.rs"),
    }
    # Every manifest and root consulted is a fact of the cache key.
    assert len(tree.key()) == 20
    assert {"Cargo.toml", "crates/app/Cargo.toml", "crates/shared-lib/src/lib.rs"} <= set(tree.facts)


BUILDER_RS = ("pub struct BufBuilder;\n\nimpl BufBuilder {\n"
              "    pub fn new() -> BufBuilder {\n        BufBuilder\n    }\n\n"
              "    pub fn size(&mut self, n: u8) -> &mut BufBuilder {\n        self\n    }\n\n"
              "    pub fn fill(&mut self, n: u8) -> &mut BufBuilder {\n        self\n    }\n}\n")


def test_a_call_at_the_end_of_a_builder_chain_counts_by_the_builders_type(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    builder = "crates/util/src/builder.rs"
    user = "crates/app/src/build.rs"
    r = repo(tmp_path, {
        LIB: LIB_RS + "pub mod builder;\npub use builder::BufBuilder;\n",
        builder: BUILDER_RS,
        user: "use util::BufBuilder;\n\nfn a() {\n    let mut b = BufBuilder::new();\n    b.size(1).fill(2);\n"
              "    b.size(1)\n        .size(2)\n        .fill(3);\n}\n\n"
              "fn c(v: Vec<u8>) {\n    v.iter().fill(4);\n}\n",
    })
    lib_branch(r, {builder: BUILDER_RS.replace("fn fill(&mut self, n: u8)", "fn fill(&mut self, n: u8, m: u8)")})
    # v.iter() is no builder: its fill stays possible (no other type defines fill).
    # A call at the end of a chain over several lines is named at the line of its name.
    [f] = symbol_findings(r, capsys)[1]
    assert f["other"]["users"] == [{"agent": "cli", "path": user, "line": 5},
                                   {"agent": "cli", "path": user, "line": 8},
                                   {"agent": "cli", "path": user, "line": 12, "possible": True}]


def test_a_call_on_the_result_of_a_method_of_self_stays_possible(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = "crates/app/src/sink.rs"
    r = repo(tmp_path, {
        LIB: LIB_RS + "pub mod buf;\npub use buf::Buf;\n",
        BUF: BUF_RS,
        user: "use util::Buf;\n\nstruct S;\n\nimpl S {\n    fn go(&self) {\n        self.buf().push(1);\n    }\n}\n",
    })
    lib_branch(r, {BUF: BUF_RS.replace("(&mut self, x: u8)", "(&mut self, x: u8, strict: bool)")})
    [f] = symbol_findings(r, capsys)[1]
    assert f["other"]["users"] == [{"agent": "cli", "path": user, "line": 7, "possible": True}]
