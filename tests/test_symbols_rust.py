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


def repo(tmp_path: Path, files: dict[str, str]) -> Repo:
    r = Repo.init(tmp_path / "r")
    base = {".agentgate.toml": POLICY, "Cargo.toml": WORKSPACE, "crates/util/Cargo.toml": UTIL_TOML,
            LIB: LIB_RS, TEXT: TEXT_RS, "crates/app/Cargo.toml": APP_TOML}
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
    return rc, [f for f in b["findings"] if f["rule"].startswith("symbol.")], b.get("notes", [])


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
