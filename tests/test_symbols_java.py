"""Java callers of a changed method or class (issue 19): found through packages,
single-type, on-demand and static imports, fully qualified names and nested
classes; a same-named class of another package, or a method of the caller's own
class, is no caller."""

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
owns = ["src/com/acme/lib/"]

[agents.app]
branches = ["agent/app/*"]
owns = ["src/com/acme/app/", "src/com/acme/other/", "test/"]
"""

CONFIG = "src/com/acme/lib/Config.java"
CONFIG_JAVA = """\
package com.acme.lib;

public class Config {
    public static int parse(String path) {
        return 0;
    }

    public static class Inner {
        public static int load(int n) {
            return n;
        }
    }
}
"""
STRICT = {CONFIG: CONFIG_JAVA.replace("(String path)", "(String path, boolean strict)")}
ADDED = "parameter 'strict' added without a default"


def java(package: str, imports: str, body: str, members: str = "") -> str:
    """A class ``User`` of ``package`` whose ``run`` holds ``body`` on line 5 (one line
    later per import line)."""
    head = f"package {package};\n\n{imports}\n" if imports else f"package {package};\n\n"
    return head + f"class User {{\n    void run() {{\n        {body}\n    }}\n{members}}}\n"


def repo(tmp_path: Path, files: dict[str, str]) -> Repo:
    r = Repo.init(tmp_path / "r")
    r.commit("initial", {".agentgate.toml": POLICY, CONFIG: CONFIG_JAVA, **files})
    return r


def lib_branch(r: Repo, files: dict[str, str]) -> None:
    r.branch("agent/lib/change", "main")
    r.commit("change", files)
    r.checkout("main")


def symbol_findings(r: Repo, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    capsys.readouterr()
    check.main(["agent/lib/change"], fmt="json", repo_path=str(r.path))
    [b] = json.loads(capsys.readouterr().out)["branches"]
    return [f for f in b["findings"] if f["rule"].startswith("symbol.")]


def users(findings: list[dict[str, Any]]) -> list[tuple[str, str, int, list[tuple[str, int]]]]:
    return [(f["rule"], f["symbol"] if "symbol" in f else f["other"]["symbol"], f["line"],
             [(u["path"], u["line"]) for u in f["other"]["users"]]) for f in findings]


def app(name: str) -> str:
    return f"src/com/acme/app/{name}.java"


def test_every_import_form_and_the_package_reach_a_changed_static_method(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        app("Single"): java("com.acme.app", "import com.acme.lib.Config;", 'Config.parse("a");'),
        app("OnDemand"): java("com.acme.app", "import com.acme.lib.*;", 'Config.parse("a");'),
        app("Static"): java("com.acme.app", "import static com.acme.lib.Config.parse;", 'parse("a");'),
        app("StaticAll"): java("com.acme.app", "import static com.acme.lib.Config.*;", 'parse("a");'),
        app("Qualified"): java("com.acme.app", "", 'com.acme.lib.Config.parse("a");'),
        "test/com/acme/lib/ConfigTest.java": java("com.acme.lib", "", 'Config.parse("a");'),
        # Not callers: another package's Config, imported or not, and a method of
        # the caller's own class, which shadows a static import of the same name.
        app("Stranger"): java("com.acme.app", "import com.acme.other.Config;", 'Config.parse("a");'),
        app("NoImport"): java("com.acme.app", "", 'Config.parse("a");'),
        app("Shadow"): java("com.acme.app", "import static com.acme.lib.Config.*;", 'parse("a");',
                            "    static int parse(String s) {\n        return 1;\n    }\n"),
        app("ShadowOne"): java("com.acme.app", "import static com.acme.lib.Config.parse;", 'parse("a");',
                               "    static int parse(String s) {\n        return 1;\n    }\n"),
    })
    lib_branch(r, STRICT)
    assert users(symbol_findings(r, capsys)) == [("symbol.signature", "Config.parse", 4, [
        (app("OnDemand"), 6), (app("Qualified"), 5), (app("Single"), 6), (app("Static"), 6),
        (app("StaticAll"), 6), ("test/com/acme/lib/ConfigTest.java", 5)])]


def test_a_nested_class_is_reached_through_its_outer_class_or_its_own_import(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = repo(tmp_path, {
        app("Outer"): java("com.acme.app", "import com.acme.lib.Config;", "Config.Inner.load(1);"),
        app("Nested"): java("com.acme.app", "import com.acme.lib.Config.Inner;", "Inner.load(1);"),
        app("Members"): java("com.acme.app", "import com.acme.lib.Config.*;", "Inner.load(1);"),
        "test/com/acme/lib/InnerTest.java": java("com.acme.lib", "", "Config.Inner.load(1);"),
        app("Stranger"): java("com.acme.app", "import com.acme.other.Inner;", "Inner.load(1);"),
        app("OtherOuter"): java("com.acme.app", "import com.acme.lib.Config;", "Other.Inner.load(1);"),
    })
    lib_branch(r, {CONFIG: CONFIG_JAVA.replace("load(int n)", "load(int n, int m)")})
    assert users(symbol_findings(r, capsys)) == [("symbol.signature", "Config.Inner.load", 9, [
        (app("Members"), 6), (app("Nested"), 6), (app("Outer"), 6), ("test/com/acme/lib/InnerTest.java", 5)])]
