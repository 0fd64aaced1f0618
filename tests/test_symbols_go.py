"""Go callers resolved through ``go.mod`` (issue 18, problem 6): an import path names
a folder of the repository only through the module path of the importing file's
module or one of its ``replace`` directives pointing inside the repository. The
module-root package counts; a package of another module with the same folder
suffix never does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gate.commands import check
from gate.symbols.gomod import GoMod, parse
from tests.gitutil import Repo

POLICY = """\
version = 1

[gate]
target = "main"

[agents.lib]
branches = ["agent/lib/*"]
owns = ["/*.go", "/go.mod", "pkg/", "shared/", "tools/internal/"]

[agents.cli]
branches = ["agent/cli/*"]
owns = ["cmd/", "tools/cmd/"]
"""

MODULE = "github.com/hmarr/codeowners"
GO_MOD = f"module {MODULE}\n\ngo 1.21\n"
ROOT = "codeowners.go"
ROOT_GO = "package codeowners\n\nfunc LoadFile(path string) error {\n\treturn nil\n}\n"
UTIL = "pkg/util/util.go"
UTIL_GO = "package util\n\nfunc Helper(n int) int {\n\treturn n\n}\n"
ADDED = "parameter 'strict' added without a default"


def main_go(imports: str, body: str) -> str:
    """A ``main`` package importing ``imports`` (import-spec lines), whose main calls
    ``body`` on line 7 (one more per further import line)."""
    return f"package main\n\nimport (\n{imports}\n)\n\nfunc main() {{ {body} }}\n"


def repo(tmp_path: Path, files: dict[str, str]) -> Repo:
    r = Repo.init(tmp_path / "r")
    r.commit("initial", {".agentgate.toml": POLICY, "go.mod": GO_MOD, ROOT: ROOT_GO, UTIL: UTIL_GO, **files})
    return r


def lib_branch(r: Repo, files: dict[str, str]) -> None:
    r.branch("agent/lib/change", "main")
    r.commit("change", files)
    r.checkout("main")


def symbol_findings(r: Repo, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    capsys.readouterr()
    rc = check.main(["agent/lib/change"], fmt="json", repo_path=str(r.path))
    [b] = json.loads(capsys.readouterr().out)["branches"]
    return rc, [f for f in b["findings"] if f["rule"].startswith("symbol.")]


def users(findings: list[dict[str, Any]]) -> list[tuple[str, str, int, list[tuple[str, int]]]]:
    return [(f["rule"], f["path"], f["line"], [(u["path"], u["line"]) for u in f["other"]["users"]])
            for f in findings]


STRICT_HELPER = {UTIL: UTIL_GO.replace("(n int)", "(n int, strict bool)")}


def test_a_call_into_the_module_root_package_is_a_caller(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main = "cmd/codeowners/main.go"
    r = repo(tmp_path, {main: main_go(f'\t"fmt"\n\t"{MODULE}"', 'fmt.Println(codeowners.LoadFile("CODEOWNERS"))')})
    lib_branch(r, {ROOT: ROOT_GO.replace("(path string)", "(path string, strict bool)")})
    rc, found = symbol_findings(r, capsys)
    assert rc == 3
    assert users(found) == [("symbol.signature", ROOT, 3, [(main, 8)])]
    assert found[0]["message"] == f"LoadFile ({ROOT}:3) changes signature ({ADDED}); cli calls it at {main}:8"


def test_a_call_an_open_branch_adds_into_the_root_package_is_named_on_both_sides(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {})
    r.branch("agent/cli/tool", "main")
    r.commit("tool", {"cmd/tool/main.go": main_go(f'\t"{MODULE}"', 'codeowners.LoadFile("a")')})
    r.checkout("main")
    lib_branch(r, {ROOT: ROOT_GO.replace("(path string)", "(path string, strict bool)")})
    assert users(symbol_findings(r, capsys)[1]) == [("symbol.signature", ROOT, 3, [("cmd/tool/main.go", 7)])]
    capsys.readouterr()
    check.main(["agent/cli/tool"], fmt="json", repo_path=str(r.path))
    [b] = json.loads(capsys.readouterr().out)["branches"]
    assert [(f["rule"], f["path"], f["line"], f["other"]["branch"]) for f in b["findings"]] == [
        ("symbol.signature", "cmd/tool/main.go", 7, "refs/heads/agent/lib/change")]


def test_a_nested_package_through_the_module_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {"cmd/a/main.go": main_go(f'\t"{MODULE}/pkg/util"', "util.Helper(1)")})
    lib_branch(r, STRICT_HELPER)
    assert users(symbol_findings(r, capsys)[1]) == [("symbol.signature", UTIL, 3, [("cmd/a/main.go", 7)])]


def test_a_same_suffix_package_of_another_module_is_not_a_caller(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        "cmd/other/main.go": main_go('\t"github.com/someoneelse/lib/pkg/util"', "util.Helper(1)"),
        "cmd/dot/main.go": main_go('\t. "github.com/someoneelse/lib/pkg/util"', "Helper(1)"),
        "cmd/mine/main.go": main_go(f'\t"{MODULE}/pkg/util"', "util.Helper(1)"),
    })
    lib_branch(r, STRICT_HELPER)
    assert users(symbol_findings(r, capsys)[1]) == [("symbol.signature", UTIL, 3, [("cmd/mine/main.go", 7)])]


def test_a_dot_import_and_an_alias_import_are_callers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        "cmd/alias/main.go": main_go(f'\tu "{MODULE}/pkg/util"', "u.Helper(1)"),
        "cmd/dot/main.go": main_go(f'\t. "{MODULE}/pkg/util"', "Helper(1)"),
        # The alias hides the package name: ``util.Helper`` here is something else.
        "cmd/shadow/main.go": main_go(f'\tu "{MODULE}/pkg/util"\n\tutil "example.org/util"',
                                      "u.Helper(1); util.Helper(2)"),
    })
    lib_branch(r, STRICT_HELPER)
    assert users(symbol_findings(r, capsys)[1]) == [("symbol.signature", UTIL, 3, [
        ("cmd/alias/main.go", 7), ("cmd/dot/main.go", 7), ("cmd/shadow/main.go", 8)])]


def test_a_replace_directive_pointing_inside_the_repository(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "shared/text/text.go"
    r = repo(tmp_path, {
        "go.mod": GO_MOD + "\nreplace (\n\tgithub.com/acme/shared v1.2.0 => ./shared // in this repository\n"
                           "\tgithub.com/acme/far => ../far\n)\n",
        "shared/go.mod": "module github.com/acme/shared\n",
        text: "package text\n\nfunc Title(s string) string {\n\treturn s\n}\n",
        "cmd/app/main.go": main_go('\t"github.com/acme/shared/text"', 'text.Title("a")'),
    })
    lib_branch(r, {text: "package text\n\nfunc Title(s string, lower bool) string {\n\treturn s\n}\n"})
    assert users(symbol_findings(r, capsys)[1]) == [("symbol.signature", text, 3, [("cmd/app/main.go", 7)])]


def test_each_module_of_a_multi_module_repository_resolves_its_own_imports(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gen = "tools/internal/gen/gen.go"
    r = repo(tmp_path, {
        "tools/go.mod": "module example.com/tools\n",
        "pkg/go.mod/README": "a folder named go.mod is no module\n",
        "cmd/util/main.go": main_go(f'\t"{MODULE}/pkg/util"', "util.Helper(1)"),
        gen: "package gen\n\nfunc Run(n int) int {\n\treturn n\n}\n",
        "tools/cmd/gen/main.go": main_go('\t"example.com/tools/internal/gen"', "gen.Run(1)"),
        # Another module's packages are its released versions, not these folders: the
        # nested module imports the root one, and a folder below a nested go.mod is no
        # package of the root module, whatever its path.
        "tools/cmd/util/main.go": main_go(f'\t"{MODULE}/pkg/util"', "util.Helper(1)"),
        "cmd/gen/main.go": main_go(f'\t"{MODULE}/tools/internal/gen"', "gen.Run(1)"),
    })
    lib_branch(r, {gen: "package gen\n\nfunc Run(n int, m int) int {\n\treturn n\n}\n", **STRICT_HELPER})
    assert users(symbol_findings(r, capsys)[1]) == [
        ("symbol.signature", UTIL, 3, [("cmd/util/main.go", 7)]),
        ("symbol.signature", gen, 3, [("tools/cmd/gen/main.go", 7)]),
    ]


def test_go_mod_reading() -> None:
    text = ('// comment\nmodule "example.com/m" // trailing\n\nrequire example.com/x v1.0.0\n'
            "replace example.com/x => ./third_party/x\nreplace example.com/y v1.0.0 => example.com/z v1.1.0\n"
            "replace (\n\texample.com/up => ../up\n\texample.com/abs => /opt/abs\n)\n")
    mod = parse(text, "svc")
    assert mod == GoMod("svc", "example.com/m", (("example.com/x", "svc/third_party/x"), ("example.com/up", "up")))
    assert mod.locate("example.com/m") == ("svc", "svc")
    assert mod.locate("example.com/m/a/b") == ("svc/a/b", "svc")
    assert mod.locate("example.com/mm") is None
    assert mod.locate("example.com/x/sub") == ("svc/third_party/x/sub", "svc/third_party/x")
    assert mod.locate("example.com/y") is None
    assert parse("module example.com/top\n", ".") == GoMod(".", "example.com/top", ())
    assert parse("module example.com/top\nreplace example.com/out => ../out\n", ".") == GoMod(
        ".", "example.com/top", ())  # outside the repository: not a folder of it
    assert parse("go 1.21\n", ".") is None


BUF = "pkg/util/buf.go"
BUF_GO = "package util\n\ntype Buf struct{}\n\nfunc (b *Buf) Push(n int) {}\n"
STRICT_PUSH = {BUF: BUF_GO.replace("(n int)", "(n int, strict bool)")}


def test_a_method_call_counts_by_the_receivers_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 19, receivers: ``b`` is built as a ``util.Buf``, ``v`` as the file's own
    ``Vec`` whose ``Push`` is another method; ``p`` is a parameter of type ``*util.Buf``."""
    user = ("package main\n\nimport (\n\t\"" + MODULE + "/pkg/util\"\n)\n\ntype Vec struct{}\n\n"
            "func (v *Vec) Push(n int) {}\n\n"
            "func fill(p *util.Buf) { p.Push(1) }\n\n"
            "func main() {\n\tb := &util.Buf{}\n\tb.Push(1)\n\tv := Vec{}\n\tv.Push(2)\n}\n")
    r = repo(tmp_path, {BUF: BUF_GO, "cmd/a/main.go": user})
    lib_branch(r, STRICT_PUSH)
    assert users(symbol_findings(r, capsys)[1]) == [
        ("symbol.signature", BUF, 5, [("cmd/a/main.go", 11), ("cmd/a/main.go", 15)])]


def test_a_method_on_a_receiver_of_unknown_type_is_possible_only_while_no_other_type_has_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    user = main_go(f'\t"{MODULE}/pkg/util"', "b := util.Make(); b.Push(1)")
    r = repo(tmp_path, {BUF: BUF_GO, "cmd/a/main.go": user})
    lib_branch(r, STRICT_PUSH)
    [f] = symbol_findings(r, capsys)[1]
    assert f["other"]["users"] == [{"agent": "cli", "path": "cmd/a/main.go", "line": 7, "possible": True}]
    assert f["message"].endswith("cli calls it at cmd/a/main.go:7 (possible)")

    vec = "package tools\n\ntype Vec struct{}\n\nfunc (v *Vec) Push(n int) {}\n"
    r2 = repo(tmp_path / "two", {BUF: BUF_GO, "cmd/a/main.go": user, "tools/cmd/vec.go": vec})
    lib_branch(r2, STRICT_PUSH)
    assert symbol_findings(r2, capsys)[1] == []
