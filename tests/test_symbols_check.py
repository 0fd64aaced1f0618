"""Shared-symbol rules (DESIGN §5 ``symbol.shared``/``symbol.signature``) on real
branches: the collision git cannot see, where two branches merge cleanly and break."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import gate
from gate import context, engine
from gate.checks import symbols
from gate.commands import check
from gate.git.grep import _git_grep, _walk, words_in_tree
from gate.git.opening import open_repo
from gate.git.sample import build as build_demo
from gate.model import LANGUAGES
from tests.gitutil import Repo, git

POLICY = """\
version = 1

[gate]
target = "main"

[agents.alice]
branches = ["agent/alice/*"]
owns = ["src/billing/"]

[agents.bob]
branches = ["agent/bob/*"]
owns = ["src/ui/", "web/ui/", "cmd/", "src/main/java/com/acme/ui/"]

[agents.carol]
branches = ["agent/carol/*"]
owns = ["docs/", "src/report/"]

[shared]
paths = ["src/common/", "web/common/", "pkg/", "src/main/java/com/acme/common/"]

[rules]
"scope.shared" = "off"
"""

CONFIG = "src/common/config.py"
CONFIG_PY = "def parse_config(path):\n    return {'path': path}\n"
STRICT_PY = "def parse_config(path, strict):\n    return {'path': path}\n"
APP = "src/ui/app.py"
APP_PY = "from src.common.config import parse_config\n\n\ndef settings(p):\n    return parse_config(p)\n"
STRICT_DETAIL = "parameter 'strict' added without a default"


def make_repo(path: Path, files: dict[str, str | bytes]) -> Repo:
    r = Repo.init(path)
    r.commit("initial", {".agentgate.toml": POLICY, "docs/index.md": "docs\n", **files})
    return r


def branch(r: Repo, name: str, files: dict[str, str | bytes]) -> str:
    """Commit ``files`` on a new branch ``name`` from main; back to main."""
    r.branch(name, "main")
    head = r.commit(name, files)
    r.checkout("main")
    return head


def run_check(r: Repo, name: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    """(exit code, the branch's findings without fingerprints) of ``check NAME --format json``."""
    capsys.readouterr()
    rc = check.main([name], fmt="json", repo_path=str(r.path))
    [b] = json.loads(capsys.readouterr().out)["branches"]
    return rc, [{k: v for k, v in f.items() if k not in ("fingerprint", "approved")} for f in b["findings"]]


def signature(path: str, line: int, message: str, other: dict[str, Any], hint: str,
              end_line: int | None = None, rule: str = "symbol.signature") -> dict[str, Any]:
    return {"rule": rule, "action": "ask" if rule == "symbol.signature" else "warn", "path": path,
            "line": line, "end_line": end_line, "message": message, "hint": hint, "other": other}


def short(findings: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(rule, path, line, users as (agent, path, line)) per finding."""
    return [(f["rule"], f["path"], f["line"],
             [(u["agent"], u["path"], u["line"]) for u in f["other"]["users"]]) for f in findings]


BOB_HINT = ("agree the change with bob: keep old calls working (a default for a new parameter, the old name "
            "kept), or update bob's calls in the same merge")


def test_alice_adding_a_required_parameter_asks_and_names_bobs_call_site(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, APP: APP_PY})
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY})
    rc, findings = run_check(r, "agent/alice/strict", capsys)
    assert rc == 3
    assert findings == [signature(
        CONFIG, 1,
        f"parse_config ({CONFIG}:1) changes signature ({STRICT_DETAIL}); bob calls it at {APP}:5",
        {"symbol": "parse_config", "definition": f"{CONFIG}:1", "change": "signature",
         "users": [{"agent": "bob", "path": APP, "line": 5}], "agent": "bob"},
        BOB_HINT,
    )]


def test_bobs_open_branch_calling_the_old_signature_is_named_on_both_reports(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY})
    alice = branch(r, "agent/alice/strict", {CONFIG: STRICT_PY})
    bob = branch(r, "agent/bob/panel", {"src/ui/panel.py": (
        "from src.common.config import parse_config\n\n\ndef panel(p):\n    return parse_config(p)\n")})
    # git sees nothing wrong: the two tips merge without a conflict.
    assert subprocess.run(["git", "merge-tree", "--write-tree", alice, bob], cwd=r.path,
                          capture_output=True).returncode == 0

    rc, findings = run_check(r, "agent/alice/strict", capsys)
    assert rc == 3
    assert findings == [signature(
        CONFIG, 1,
        f"parse_config ({CONFIG}:1) changes signature ({STRICT_DETAIL}); "
        "bob's open branch agent/bob/panel calls it at src/ui/panel.py:5",
        {"symbol": "parse_config", "definition": f"{CONFIG}:1", "change": "signature",
         "users": [{"agent": "bob", "path": "src/ui/panel.py", "line": 5, "branch": "refs/heads/agent/bob/panel"}],
         "agent": "bob", "branch": "refs/heads/agent/bob/panel"},
        f"{BOB_HINT}, or have bob rebase agent/bob/panel onto it and update the call",
    )]

    rc, findings = run_check(r, "agent/bob/panel", capsys)
    assert rc == 3
    assert findings == [signature(
        "src/ui/panel.py", 5,
        "bob calls parse_config at src/ui/panel.py:5, which alice's open branch agent/alice/strict changes "
        f"at {CONFIG}:1: {STRICT_DETAIL}",
        {"symbol": "parse_config", "definition": f"{CONFIG}:1", "change": "signature",
         "users": [{"agent": "bob", "path": "src/ui/panel.py", "line": 5}],
         "agent": "alice", "branch": "refs/heads/agent/alice/strict"},
        "the two branches merge without a conflict and the call breaks: rebase onto agent/alice/strict "
        "once it merges and update the call, or agree the signature with alice",
        end_line=5,
    )]


def test_a_body_only_change_warns_on_both_sides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, APP: APP_PY})
    branch(r, "agent/alice/lower", {CONFIG: CONFIG_PY.replace("path}", "path.lower()}")})
    branch(r, "agent/bob/more", {APP: APP_PY + "\n\ndef other(p):\n    return parse_config(p + '.ini')\n"})
    rc, findings = run_check(r, "agent/alice/lower", capsys)
    assert rc == 0
    assert [(f["rule"], f["action"], f["message"]) for f in findings] == [
        ("symbol.shared", "warn", f"parse_config ({CONFIG}:1) changes; bob calls it at {APP}:5"),
        ("symbol.shared", "warn",
         f"parse_config ({CONFIG}:1) changes; bob's open branch agent/bob/more calls it at {APP}:9"),
    ]
    assert findings[0]["hint"] == "tell bob: their code relies on what parse_config does"
    rc, findings = run_check(r, "agent/bob/more", capsys)
    assert rc == 0
    assert [(f["rule"], f["path"], f["line"], f["message"]) for f in findings] == [
        ("symbol.shared", APP, 9, f"bob calls parse_config at {APP}:9, which alice's open branch "
                                  f"agent/alice/lower changes at {CONFIG}:1"),
    ]


def test_a_same_named_function_of_another_module_is_not_a_use(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {
        CONFIG: CONFIG_PY, APP: APP_PY,
        "src/ui/legacy/conf.py": "def parse_config(text):\n    return text\n",
        "src/ui/legacy/use.py": "from src.ui.legacy.conf import parse_config\n\nX = parse_config('a')\n",
        "src/ui/mine.py": "def parse_config(p):\n    return p\n\n\nY = parse_config(1)\n",
    })
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY})
    rc, findings = run_check(r, "agent/alice/strict", capsys)
    assert short(findings) == [("symbol.signature", CONFIG, 1, [("bob", APP, 5)])]


@pytest.mark.parametrize("kind, new, what", [
    ("removed", "def load_settings(path):\n    return {}\n", "is removed"),
    ("renamed", "def read_config(path):\n    return {'path': path}\n", "is renamed to read_config"),
])
def test_removing_or_renaming_a_used_function_asks(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  kind: str, new: str, what: str) -> None:
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, APP: APP_PY})
    branch(r, "agent/alice/x", {CONFIG: new})
    rc, findings = run_check(r, "agent/alice/x", capsys)
    assert rc == 3
    assert [(f["rule"], f["message"], f["other"]["change"]) for f in findings] == [
        ("symbol.signature", f"parse_config ({CONFIG}:1) {what}; bob calls it at {APP}:5", kind)]


def test_moving_a_module_asks_for_every_importer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, APP: APP_PY})
    r.branch("agent/alice/move", "main")
    r.git("mv", CONFIG, "src/common/settings.py")
    r.commit("move")
    r.checkout("main")
    rc, findings = run_check(r, "agent/alice/move", capsys)
    assert (rc, [(f["rule"], f["path"], f["line"], f["message"]) for f in findings]) == (3, [
        ("symbol.signature", "src/common/settings.py", 1,
         f"parse_config (src/common/settings.py:1) is moved from {CONFIG}; bob calls it at {APP}:5")])


def test_a_call_already_fitting_the_new_signature_only_warns(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {
        CONFIG: "def parse_config(path, strict=False):\n    return {'path': path}\n",
        APP: APP_PY.replace("parse_config(p)", "parse_config(p, strict=True)")})
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY})
    rc, findings = run_check(r, "agent/alice/strict", capsys)
    assert (rc, short(findings)) == (0, [("symbol.shared", CONFIG, 1, [("bob", APP, 5)])])
    assert findings[0]["message"] == (f"parse_config ({CONFIG}:1) changes signature (default of 'strict' "
                                      f"removed); bob calls it at {APP}:5")


def test_a_call_alice_fixes_in_bobs_file_is_not_a_broken_user(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, APP: APP_PY})
    fixed = APP_PY.replace("parse_config(p)", "parse_config(p, False)")
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY, APP: fixed})
    rc, findings = run_check(r, "agent/alice/strict", capsys)
    # The call is in a file the branch changes: the branch has seen it (issue 18).
    assert [(f["rule"], f["path"]) for f in findings if f["rule"].startswith("symbol.")] == []


def test_a_constructor_change_names_the_calls_of_the_class(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = "class Store:\n    def __init__(self, path):\n        self.path = path\n"
    r = make_repo(tmp_path / "r", {
        "src/common/store.py": store,
        APP: "from src.common.store import Store\n\nS = Store('a')\n",
    })
    branch(r, "agent/alice/store", {"src/common/store.py": store.replace("(self, path)", "(self, path, size)")})
    rc, findings = run_check(r, "agent/alice/store", capsys)
    assert (rc, short(findings)) == (3, [("symbol.signature", "src/common/store.py", 2, [("bob", APP, 3)])])
    assert findings[0]["message"] == ("Store.__init__ (src/common/store.py:2) changes signature (parameter "
                                      f"'size' added without a default); bob calls it at {APP}:3")


def test_every_caller_is_named_and_the_message_shortens_with_and_n_more(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Issue 19: no silent cap per symbol. JSON lists every caller; the message
    # spells out five call sites and says how many more there are.
    user = "from src.common.config import parse_config\n\nX = parse_config('a')\n"
    bob = [f"src/ui/u{n}.py" for n in range(8)]
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, **dict.fromkeys(bob, user), "src/report/d.py": user,
                                   "src/ui/unrelated.py": "def parse_config(p):\n    return p\n"})
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY})
    rc, findings = run_check(r, "agent/alice/strict", capsys)
    assert (rc, short(findings)) == (3, [
        ("symbol.signature", CONFIG, 1, [("bob", p, 3) for p in bob]),
        ("symbol.signature", CONFIG, 1, [("carol", "src/report/d.py", 3)]),
    ])
    shown = ", ".join(f"{p}:3" for p in bob[:5])
    assert findings[0]["message"] == (f"parse_config ({CONFIG}:1) changes signature ({STRICT_DETAIL}); bob calls "
                                      f"it at {shown} and 3 more")
    capsys.readouterr()
    assert check.main(["agent/alice/strict"], fmt="text", repo_path=str(r.path)) == 3
    text = capsys.readouterr().out
    assert f"{shown} and 3 more" in text and "src/ui/u5.py" not in text


LANGUAGE_CASES = {
    "javascript": (
        "web/common/config.js", "export function parseConfig(path) {\n  return path;\n}\n", "(path, strict)",
        "web/ui/app.js",
        "import { parseConfig } from '../common/config.js';\n\nexport function settings(p) {\n"
        "  return parseConfig(p);\n}\n",
        "parseConfig", 1, 4, STRICT_DETAIL),
    "typescript": (
        "web/common/config.ts", "export function parseConfig(path: string): string {\n  return path;\n}\n",
        "(path: string, strict: boolean)", "web/ui/app.tsx",
        "import { parseConfig } from '../common/config';\n\nexport function Settings(): JSX.Element {\n"
        "  return <div>{parseConfig('a')}</div>;\n}\n",
        "parseConfig", 1, 4, STRICT_DETAIL),
    "go": (
        "pkg/common/config/config.go", "package config\n\nfunc Parse(path string) error {\n\treturn nil\n}\n",
        "(path string, strict bool)", "cmd/app/main.go",
        'package main\n\nimport "example.com/app/pkg/common/config"\n\nfunc main() {\n\tconfig.Parse("a")\n}\n',
        "Parse", 3, 6, STRICT_DETAIL),
    "rust": (
        "src/common/config.rs", "pub fn parse_config(path: &str) -> bool {\n    true\n}\n",
        "(path: &str, strict: bool)", "src/ui/app.rs",
        "use crate::common::config::parse_config;\n\npub fn run() -> bool {\n    parse_config(\"a\")\n}\n",
        "parse_config", 1, 4, STRICT_DETAIL),
    "java": (
        "src/main/java/com/acme/common/Config.java",
        "package com.acme.common;\n\npublic class Config {\n    public static String parse(String path) {\n"
        "        return path;\n    }\n}\n",
        "(String path, boolean strict)", "src/main/java/com/acme/ui/App.java",
        "package com.acme.ui;\n\nimport com.acme.common.Config;\n\nclass App {\n    String run() {\n"
        "        return Config.parse(\"a\");\n    }\n}\n",
        "Config.parse", 4, 7, STRICT_DETAIL),
}


@pytest.mark.parametrize("language", sorted(LANGUAGE_CASES))
def test_each_tree_sitter_language_names_bobs_call_site(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], language: str) -> None:
    defining, source, new_params, user, use, symbol, def_line, use_line, detail = LANGUAGE_CASES[language]
    assert LANGUAGES[Path(defining).suffix] == language
    r = make_repo(tmp_path / "r", {defining: source, user: use})
    old_params = source.split("(", 1)[1].split(")", 1)[0]
    branch(r, "agent/alice/strict", {defining: source.replace(f"({old_params})", new_params, 1)})
    rc, findings = run_check(r, "agent/alice/strict", capsys)
    assert rc == 3
    assert short(findings) == [("symbol.signature", defining, def_line, [("bob", user, use_line)])]
    assert findings[0]["message"] == (f"{symbol} ({defining}:{def_line}) changes signature ({detail}); "
                                      f"bob calls it at {user}:{use_line}")


def test_files_that_do_not_parse_are_skipped_with_a_note(tmp_path: Path) -> None:
    r = make_repo(tmp_path / "r", {
        CONFIG: CONFIG_PY, APP: APP_PY,
        "src/ui/broken.py": "from src.common.config import parse_config\n\nparse_config(1\n",
    })
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY})
    branch(r, "agent/alice/midedit", {CONFIG: "def parse_config(path, strict:\n    return {}\n"})
    ctx = context.build(open_repo(r.path))
    strict = engine.evaluate(ctx, ctx.branch(*ctx.repo.resolve_branch("agent/alice/strict")))
    assert short([{"rule": f.rule, "path": f.path, "line": f.line, "other": f.other}
                  for f in strict.findings if f.rule.startswith("symbol.")]) == [
        ("symbol.signature", CONFIG, 1, [("bob", APP, 5)])]
    # Read around its broken line (issue 19): the call there is not named.
    assert ("src/ui/broken.py (target): syntax error at line 3; definitions and uses there are not "
            "analysed") in strict.facts["notes"]
    midedit = engine.evaluate(ctx, ctx.branch(*ctx.repo.resolve_branch("agent/alice/midedit")))
    assert [f.rule for f in midedit.findings if f.rule.startswith("symbol.")] == []
    assert (f"{CONFIG} (branch): syntax error at line 1: '(' was never closed; its symbols are not analysed"
            in midedit.facts["notes"])
    # Each branch's result carries the notes of its own analysis, the shared ones included.
    broken = "src/ui/broken.py (target): syntax error at line 3; definitions and uses there are not analysed"
    assert broken in strict.facts["notes"]
    assert any(n.startswith(f"{CONFIG} (branch)") for n in midedit.facts["notes"])


def test_the_text_report_shows_the_notes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, APP: APP_PY})
    branch(r, "agent/alice/midedit", {CONFIG: "def parse_config(path, strict:\n    return {}\n"})
    capsys.readouterr()
    check.main(["agent/alice/midedit"], repo_path=str(r.path))
    out = capsys.readouterr().out
    assert (f"  note: {CONFIG} (branch): syntax error at line 1: '(' was never closed; "
            "its symbols are not analysed\n") in out


def test_the_demo_strict_config_branch_asks_naming_bobs_app(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_demo(tmp_path / "shop")
    rc, findings = run_check(Repo(tmp_path / "shop"), "agent/alice/strict-config", capsys)
    assert short([f for f in findings if f["rule"].startswith("symbol.")]) == [
        ("symbol.signature", "src/common/config.py", 1, [("bob", "src/ui/app.py", 5)])]


def test_a_warm_check_parses_nothing_and_gives_the_same_answer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, APP: APP_PY})
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY})
    branch(r, "agent/bob/panel", {"src/ui/panel.py": "from src.common.config import parse_config\n"
                                                      "X = parse_config('p')\n"})
    cold = run_check(r, "agent/alice/strict", capsys)
    assert [f["rule"] for f in cold[1]] == ["symbol.signature", "symbol.signature"]
    # A new process, where parsing, resolving or searching would raise: all from the cache.
    code = f"""
import json, sys
import gate.git.grep, gate.symbols
def computed(*args, **kw):
    raise AssertionError("a warm check computed something")
gate.symbols.extract = gate.symbols.references = gate.symbols.touched = computed
gate.git.grep.words_in_tree = computed
from gate.commands import check
sys.exit(check.main(['agent/alice/strict'], fmt='json', repo_path={str(r.path)!r}))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stderr == ""
    [b] = json.loads(proc.stdout)["branches"]
    warm = [{k: v for k, v in f.items() if k not in ("fingerprint", "approved")} for f in b["findings"]]
    assert (proc.returncode, warm) == cold


def test_a_branch_without_source_files_never_loads_the_analysis(tmp_path: Path) -> None:
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, APP: APP_PY})
    branch(r, "agent/carol/docs", {"docs/index.md": "more docs\n"})
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY})
    code = ("import sys; from gate.commands import check; "
            f"rc = check.main(['agent/carol/docs'], fmt='json', repo_path={str(r.path)!r}); "
            "print(rc, 'gate.symbols' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(gate.__file__).parents[1])
    assert proc.stdout.splitlines()[-1] == "0 False", proc.stderr


def test_the_suffix_list_matches_the_analysed_languages() -> None:
    assert sorted(symbols.SUFFIXES) == sorted(LANGUAGES)


def test_candidate_search_agrees_with_a_tree_walk(tmp_path: Path) -> None:
    r = Repo.init(tmp_path / "r")
    r.commit("files", {
        "a b/one.py": "x = parse_configx(parse_config(1))\ny = other_name\n",
        "two.py": "parse_configx = 1\n_parse_config = 2\n",
        "three.js": "const a = parse_config.call();\n",
        "four.txt": "parse_config\n",
        "deep/er/five.py": "from m import other_name as parse_config\n",
        "bin.py": b"parse_config\0binary",
    })
    repo = open_repo(r.path)
    head = git(r.path, "rev-parse", "HEAD").strip()
    words, ends = ["other_name", "parse_config"], [".js", ".py"]
    expected = {"a b/one.py": frozenset(words), "three.js": frozenset({"parse_config"}),
                "deep/er/five.py": frozenset(words)}
    assert _git_grep(repo, head, words, ends) == expected
    assert _walk(repo, head, words, ends) == expected
    assert words_in_tree(repo, head, [], ends) == {}


# -- issue 18: findings people can act on -----------------------------------------------------------------


def test_uses_inside_a_file_the_branch_changes_are_not_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    render = "def render(x):\n    return x\n\n\ndef page():\n    return render(1)\n"
    r = make_repo(tmp_path / "r", {APP: render, "src/ui/panel.py": "from src.ui.app import render\n\nP = render(2)\n"})
    # alice edits bob's file (scope.outside says so); bob's own call in that file is hers to see.
    branch(r, "agent/alice/render", {APP: render.replace("def render(x):", "def render(x, y):")})
    rc, findings = run_check(r, "agent/alice/render", capsys)
    assert short([f for f in findings if f["rule"].startswith("symbol.")]) == [
        ("symbol.signature", APP, 1, [("bob", "src/ui/panel.py", 3)])]


def test_an_agents_own_other_branch_is_named_as_its_own(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY})
    branch(r, "agent/alice/rework", {CONFIG: CONFIG_PY.replace("'path': path", "'file': path")})
    branch(r, "agent/alice/invoice", {"src/billing/invoice.py": (
        "from src.common.config import parse_config\n\nC = parse_config('i')\n")})
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY})
    _, rework = run_check(r, "agent/alice/rework", capsys)
    assert [(f["rule"], f["message"], f["hint"]) for f in rework if f["rule"].startswith("symbol.")] == [(
        "symbol.shared",
        f"parse_config ({CONFIG}:1) changes; alice's open branch agent/alice/invoice calls it at "
        "src/billing/invoice.py:3",
        "your open branch agent/alice/invoice relies on what parse_config does: check it once this merges",
    )]
    _, strict = run_check(r, "agent/alice/strict", capsys)
    assert [(f["rule"], f["hint"]) for f in strict if f["rule"].startswith("symbol.")] == [(
        "symbol.signature",
        "update the call on your open branch agent/alice/invoice (rebase it onto this branch once it merges), "
        "or keep old calls working (a default for a new parameter, the old name kept)",
    )]
    _, invoice = run_check(r, "agent/alice/invoice", capsys)
    assert [(f["rule"], f["other"]["branch"], f["hint"]) for f in invoice] == [
        ("symbol.signature", "refs/heads/agent/alice/strict",
         "the two branches merge without a conflict and the call breaks: rebase onto your branch "
         "agent/alice/strict once it merges and update the call"),
        ("symbol.shared", "refs/heads/agent/alice/rework",
         "check that the call still does what you expect once your branch agent/alice/rework merges"),
    ]


def test_a_changed_default_asks_for_the_calls_that_omit_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    utf8 = "def parse_config(path, encoding='utf-8'):\n    return open(path, encoding=encoding)\n"
    r = make_repo(tmp_path / "r", {
        CONFIG: utf8, APP: APP_PY,
        "src/report/totals.py": "from src.common.config import parse_config\n\nT = parse_config('t', 'utf-8')\n",
        "src/ui/panel.py": "from src.common.config import parse_config\n\nP = parse_config('p', encoding='ascii')\n",
    })
    branch(r, "agent/alice/latin", {CONFIG: utf8.replace("'utf-8'", '"latin-1"')})
    rc, findings = run_check(r, "agent/alice/latin", capsys)
    # bob's app omits the argument: it now reads latin-1. carol passes it: her call is unchanged.
    assert (rc, short(findings)) == (3, [
        ("symbol.signature", CONFIG, 1, [("bob", APP, 5), ("bob", "src/ui/panel.py", 3)]),
        ("symbol.shared", CONFIG, 1, [("carol", "src/report/totals.py", 3)]),
    ])
    assert findings[0]["message"] == (f"parse_config ({CONFIG}:1) changes signature (default of 'encoding' changed "
                                      f"from 'utf-8' to 'latin-1'); bob calls it at {APP}:5, src/ui/panel.py:3")


def test_a_changed_default_in_javascript_asks_for_the_calls_that_omit_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    js = "export function parseConfig(path, encoding = 'utf-8') {\n  return path;\n}\n"
    r = make_repo(tmp_path / "r", {
        "web/common/config.js": js,
        "web/ui/app.js": "import { parseConfig } from '../common/config.js';\n\nexport const a = parseConfig('a');\n",
    })
    branch(r, "agent/alice/latin", {"web/common/config.js": js.replace("'utf-8'", "'latin-1'")})
    rc, findings = run_check(r, "agent/alice/latin", capsys)
    assert (rc, short(findings)) == (3, [
        ("symbol.signature", "web/common/config.js", 1, [("bob", "web/ui/app.js", 3)])])
    assert "default of 'encoding' changed from 'utf-8' to 'latin-1'" in findings[0]["message"]


PARSE_TS = "export function parse(s = ''): string {\n  return s;\n}\n"
PARSE_USE = ("import { parse } from '../common/parse';\n\nexport function run(): string {\n"
             "  return parse('a');\n}\n")


@pytest.mark.parametrize(("new_params", "rule", "detail"), [
    # Issue 19: tsc errors at every call, so this is a signature change, not a use.
    ("(s = '', strict: boolean)", "symbol.signature", "parameter 'strict' added without a default"),
    ("(s = '', strict = false)", "symbol.shared", "signature changed compatibly"),
])
def test_a_required_parameter_after_a_defaulted_one_breaks_the_calls(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], new_params: str, rule: str, detail: str) -> None:
    r = make_repo(tmp_path / "r", {"web/common/parse.ts": PARSE_TS, "web/ui/run.ts": PARSE_USE})
    branch(r, "agent/alice/strict", {"web/common/parse.ts": PARSE_TS.replace("(s = '')", new_params)})
    rc, findings = run_check(r, "agent/alice/strict", capsys)
    assert (rc, short(findings)) == (3 if rule == "symbol.signature" else 0,
                                     [(rule, "web/common/parse.ts", 1, [("bob", "web/ui/run.ts", 4)])])
    what = f"changes signature ({detail})" if rule == "symbol.signature" else f"changes ({detail})"
    assert findings[0]["message"] == f"parse (web/common/parse.ts:1) {what}; bob calls it at web/ui/run.ts:4"


def test_a_parameter_inserted_before_a_rest_parameter_is_said_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = "export function log(msg: string, ..._meta: unknown[]): void {\n  console.log(msg);\n}\n"
    use = "import { log } from '../common/log';\n\nexport function run(): void {\n  log('a', 1);\n}\n"
    r = make_repo(tmp_path / "r", {"web/common/log.ts": log, "web/ui/run.ts": use})
    branch(r, "agent/alice/level", {"web/common/log.ts": log.replace("msg: string,", "msg: string, level: number,")})
    rc, findings = run_check(r, "agent/alice/level", capsys)
    assert (rc, short(findings)) == (0, [("symbol.shared", "web/common/log.ts", 1, [("bob", "web/ui/run.ts", 4)])])
    assert findings[0]["message"] == ("log (web/common/log.ts:1) changes signature (parameter 'level' inserted "
                                      "before '_meta'); bob calls it at web/ui/run.ts:4")


def test_a_file_with_a_syntax_error_keeps_the_callers_tree_sitter_recovers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Issue 19: a line that does not parse leaves the rest of the file read, and the
    # note names it. (Variance annotations, ``<out T>``, which the installed grammar
    # does not know, are read since: see tests/test_symbols_js.py.)
    use = ("import { parse } from '../common/parse';\n\ninterface Box<out T> { v: T }\n\n"
           "export function run(): string {\n  return parse('a');\n}\n\n"
           "export function broken(): string {\n  return parse('b' +* );\n}\n")
    r = make_repo(tmp_path / "r", {"web/common/parse.ts": PARSE_TS, "web/ui/run.ts": use})
    branch(r, "agent/alice/strict", {"web/common/parse.ts": PARSE_TS.replace("(s = '')", "(s = '', strict: boolean)")})
    ctx = context.build(open_repo(r.path))
    result = engine.evaluate(ctx, ctx.branch(*ctx.repo.resolve_branch("agent/alice/strict")))
    # Found: the call in run(); not found: the call on the line that does not parse.
    assert [(f.rule, f.path, f.line, [(u["agent"], u["path"], u["line"]) for u in f.other["users"]])
            for f in result.findings if f.rule.startswith("symbol.")] == [
        ("symbol.signature", "web/common/parse.ts", 1, [("bob", "web/ui/run.ts", 6)])]
    assert ("web/ui/run.ts (target): syntax error at line 10; definitions and uses there are not "
            "analysed") in result.facts["notes"]
