"""What the symbol analysis costs (DESIGN §9): each blob parsed at most once per run,
and only files whose text can refer to a changed name parsed for uses. Counted, not
timed: the parse entry points are wrapped and every call recorded."""

from __future__ import annotations

import ast
import hashlib
import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gate.commands import status
from tests.gitutil import Repo
from tests.test_symbols_check import APP, APP_PY, CONFIG, CONFIG_PY, STRICT_PY, branch, make_repo, run_check, short

UTIL = "src/common/util.py"
UTIL_PY = "def helper(x):\n    return x\n\n\ndef other(y):\n    return y\n"
REPORT = "src/report/summary.py"
REPORT_PY = "from src.common.util import helper\n\n\ndef summary(v):\n    return helper(v)\n"
PANEL_PY = "from src.common.config import parse_config\nX = parse_config('p')\n"


def count_parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Blob digest -> times ``ast.parse`` read it, whichever way the analysis got there
    (these repositories hold Python files only)."""
    seen: Counter[str] = Counter()
    parse = ast.parse

    def counted(source: str | bytes, *args: Any, **kw: Any) -> ast.Module:
        seen[digest(source.encode() if isinstance(source, str) else source)] += 1
        return parse(source, *args, **kw)

    monkeypatch.setattr(ast, "parse", counted)
    return seen


def digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def board(r: Repo, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    status.main(fmt="json", repo_path=str(r.path))
    out: list[dict[str, object]] = json.loads(capsys.readouterr().out)["branches"]
    return out


def test_status_over_branches_sharing_files_parses_each_blob_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, APP: APP_PY, UTIL: UTIL_PY, REPORT: REPORT_PY})
    # Three branches edit the same shared files from the same base blobs, each
    # changing a symbol the others call on lines they add.
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY, UTIL: UTIL_PY.replace("(x)", "(x, y)"),
                                     "src/billing/pay.py": "from src.common.util import other\nZ = other(1)\n"})
    branch(r, "agent/bob/panel", {UTIL: UTIL_PY.replace("(y)", "(y, z)"), APP: APP_PY + "\nY = helper(2)\n",
                                  "src/ui/panel.py": "from src.common.config import parse_config\n"
                                                     "X = parse_config('p')\n"})
    branch(r, "agent/carol/report", {CONFIG: CONFIG_PY + "\n\ndef extra():\n    return 1\n",
                                     REPORT: REPORT_PY + "\n\nW = summary(helper(3))\n"})
    seen = count_parses(monkeypatch)
    rows = board(r, capsys)
    assert len(rows) == 3
    assert seen, "the analysis parsed nothing: the test would prove nothing"
    assert {k: n for k, n in seen.items() if n > 1} == {}
    # The board and each branch's own check agree on the symbol findings.
    for row in rows:
        name = str(row["branch"]).removeprefix("refs/heads/")
        findings = [f for f in run_check(r, name, capsys)[1] if f["rule"].startswith("symbol.")]
        assert findings, name
    assert {k: n for k, n in seen.items() if n > 1} == {}  # the same process: all from memory


def test_files_that_cannot_name_a_changed_symbol_are_never_parsed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    unrelated = "src/ui/unrelated.py"
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, APP: APP_PY,
                                   unrelated: "from src.common import config\n\n\ndef f():\n    return config\n"})
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY})
    # bob adds a file that names parse_config and one that does not.
    branch(r, "agent/bob/panel", {"src/ui/panel.py": PANEL_PY, "src/ui/quiet.py": "def quiet():\n    return 2\n"})
    seen = count_parses(monkeypatch)
    rc, findings = run_check(r, "agent/alice/strict", capsys)
    assert short(findings) == [("symbol.signature", CONFIG, 1, [("bob", APP, 5)]),
                               ("symbol.signature", CONFIG, 1, [("bob", "src/ui/panel.py", 2)])]
    # The two sides of alice's change, bob's target file and bob's added use, once
    # each; never the target file nor bob's new file whose text does not say
    # parse_config.
    assert seen == Counter({digest(t.encode()): 1 for t in (CONFIG_PY, STRICT_PY, APP_PY, PANEL_PY)})


def test_a_damaged_cache_file_is_replaced_and_the_answer_stays(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, APP: APP_PY})
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY})
    db = r.path / ".git" / "agentgate" / "symbols" / "symbols.db"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"not a database at all" * 100)
    expected = [("symbol.signature", CONFIG, 1, [("bob", APP, 5)])]
    assert short(run_check(r, "agent/alice/strict", capsys)[1]) == expected
    assert not db.exists() or db.read_bytes().startswith(b"SQLite format 3")


def test_a_cold_check_keeps_its_answers_in_one_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    r = make_repo(tmp_path / "r", {CONFIG: CONFIG_PY, APP: APP_PY})
    branch(r, "agent/alice/strict", {CONFIG: STRICT_PY})
    run_check(r, "agent/alice/strict", capsys)
    root = r.path / ".git" / "agentgate" / "symbols"
    with sqlite3.connect(root / "symbols.db") as db:
        kinds = {k.split("/")[0] for (k,) in db.execute("SELECT k FROM kv")}
    assert kinds == {"branch", "files", "pairs", "users"}
    assert not (root / "files").exists() and not (root / "pairs").exists()
