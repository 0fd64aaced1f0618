"""A smoke run of the shared-symbol accuracy script (``python -m bench.symbols``) on a
tiny generated repository with a recorded expectation file: the agent branch, the
cold check, the callers taken from the JSON report and the counting. No timing is
asserted. Also the compiler side's mapping from an error to its call's line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import symtruth
from bench.symbols import apply_edits, main
from bench.symcases import Case, Repo, add
from tests.gitutil import Repo as GitRepo
from tests.gitutil import git

UTIL = "def helper(a):\n    return a\n"
FILES = {
    "lib/util.py": UTIL,
    "app/a.py": "from lib.util import helper\nhelper(1)\n",
    "app/b.py": "from lib import util\n\nutil.helper(2)\n",
    # Its own helper: not a caller, and not in the expectation.
    "app/c.py": "def helper(x):\n    return x\n\nhelper(3)\n",
}
CASE = Case("helper", "lib/util.py", "helper", "parameter 'strict' added",
            (add("def helper(a):", "def helper(a, strict):"),))


def test_the_script_counts_expected_found_and_true_callers(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    src = GitRepo.init(tmp_path / "src")
    commit = src.commit("initial", dict(FILES))
    repo = Repo("tiny", "example/tiny", commit, "Python", "expect", (CASE,))
    expect = tmp_path / "expect"
    symtruth.record(symtruth.expect_path("tiny", "helper", expect),
                    {"repo": repo.slug, "commit": commit, "symbol": "helper"},
                    symtruth.Expectation(frozenset({"app/a.py:2", "app/b.py:3", "app/d.py:7"}),
                                         frozenset({"app/e.py:1"}), "written by hand for this test"))
    out = tmp_path / "out.json"
    work = tmp_path / "work"
    assert main(["--repo", f"tiny={src.path}", "--json", str(out), "--work", str(work)],
                repos=(repo,), expect_root=expect) == 0
    result = json.loads(out.read_text())
    (case,) = result["cases"]
    assert (case["expected"], case["found"], case["true_pos"]) == (3, 2, 2)
    assert case["missed"] == ["app/d.py:7"] and case["false"] == []
    assert case["check_exit"] != 0 and case["check_s"] > 0
    lang = result["languages"]["Python"]
    assert (lang["cases"], lang["recall"], lang["precision"]) == (1, 2 / 3, 1.0)
    assert result["commits"] == {"tiny": commit}
    table = capsys.readouterr().out
    assert "tiny/helper" in table and " 66.7 %" in table and "100.0 %" in table
    # The source repository is untouched: the branch was made in a scratch clone.
    assert git(src.path, "for-each-ref", "--format=%(refname)").split() == ["refs/heads/main"]


def test_an_edit_that_no_longer_applies_fails_loudly() -> None:
    with pytest.raises(ValueError, match="occurs 0 times"):
        apply_edits("def other(a):\n", CASE)


def test_a_compiler_error_is_put_on_the_first_line_of_its_call(tmp_path: Path) -> None:
    (tmp_path / "t.ts").write_text(
        "const out = z\n"
        "  .toJSONSchema(a);\n"          # tsc names line 2 (the callee's name)
        "wrap(toJSONSchema(b), 1);\n"    # an argument that is itself the failing call
        "other(schema);\n")              # a knock-on type error on another function's call
    before: set[tuple[symtruth.Error, str]] = set()
    after = {(("t.ts", 2, 4, "callee"), "TS2554 Expected 2 arguments, but got 1."),
             (("t.ts", 3, 6, "callee"), "TS2554 Expected 2 arguments, but got 1."),
             (("t.ts", 4, 7, "type"), "TS2345 Argument of type 'X' is not assignable to parameter of type 'Y'."),
             (("lib.ts", 9, 1, "callee"), "TS2554 in the changed file itself")}
    assert symtruth.new_sites(tmp_path, before, after, "lib.ts", "toJSONSchema") == {"t.ts:1", "t.ts:3"}


def test_calls_tsc_is_told_to_ignore_are_doubtful(tmp_path: Path) -> None:
    (tmp_path / "s.ts").write_text("// @ts-expect-error missing options\nnew HTTPError(r);\n"
                                   "// @ts-ignore\nother(1);\nnew HTTPError(r, o);\n")
    assert symtruth.suppressed(tmp_path, ["s.ts"], "HTTPError") == {"s.ts:2"}
