"""``check --diff`` reads a patch as git apply and GNU patch do (issue 15, item 6).

Each hole reproduced: a patch that gave ``allow`` while applying it moves or
writes a file in alice's folder, or adds a secret. A section that readers would
read differently is refused (exit 4); a binary patch is decoded and scanned; a
plain diff naming two files is judged on both.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.gitutil import Repo, agentgate, check_json, findings
from tests.patch_corpus import CASES, REFUSED_ELSEWHERE, Case, corpus_repo

ADVICE = ("git apply and other readers (patch, review tools) would write different files from it, so agentgate "
          "does not judge it: pass the output of 'git diff' unchanged.")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return corpus_repo(tmp_path / "r")


@pytest.mark.parametrize("case", [c for c in CASES if c.code == 4], ids=lambda c: c.id)
def test_an_ambiguous_section_is_refused(repo: Repo, case: Case) -> None:
    data = case.build(repo)
    assert agentgate(repo.path, "check", "--diff", "-", "--agent", "bob", stdin=data) == (
        4, "", f"agentgate: the diff is ambiguous: {case.expected}. {ADVICE}\n")


@pytest.mark.parametrize("case", [c for c in CASES if c.code != 4], ids=lambda c: c.id)
def test_a_patch_is_judged_on_what_applying_it_writes(repo: Repo, case: Case) -> None:
    code, report = check_json(repo.path, "--diff", "-", "--agent", "bob", stdin=case.build(repo))
    assert (code, findings(report, "rule", "action", "path")) == (case.code, case.expected)


def test_a_text_file_sent_as_a_binary_literal_is_scanned_line_by_line(repo: Repo) -> None:
    data = next(c for c in CASES if c.id == "text-as-binary-literal").build(repo)
    assert b"GIT binary patch\nliteral " in data
    _, report = check_json(repo.path, "--diff", "-", "--agent", "bob", stdin=data)
    assert findings(report, "rule", "line", "message") == [
        ("gate.secret", 2, "password assignment added at src/ui/settings.py:2")]


def test_a_binary_delta_is_applied_to_the_blob_here_and_its_added_line_scanned(repo: Repo) -> None:
    data = next(c for c in CASES if c.id == "text-as-binary-delta").build(repo)
    assert b"GIT binary patch\ndelta " in data
    _, report = check_json(repo.path, "--diff", "-", "--agent", "bob", stdin=data)
    assert findings(report, "rule", "line", "message") == [
        ("gate.secret", 51, "password assignment added at src/ui/big.py:51")]


def test_a_binary_delta_against_a_blob_not_here_asks_a_human(repo: Repo) -> None:
    data = next(c for c in CASES if c.id == "binary-delta-on-absent-blob").build(repo)
    assert b"GIT binary patch\ndelta " in data
    code, report = check_json(repo.path, "--diff", "-", "--agent", "bob", stdin=data)
    assert (code, findings(report, "rule", "action", "message")) == (3, [
        ("gate.secret", "ask", "src/ui/big.py: binary change not shown (a delta against a blob this repository "
                               "does not have), so its content cannot be scanned")])


@pytest.mark.parametrize("build", REFUSED_ELSEWHERE, ids=["literal-of-another-blob", "corrupt-literal"])
def test_a_binary_hunk_git_apply_refuses_is_refused(repo: Repo, build: object) -> None:
    data = build(repo)  # type: ignore[operator]
    assert subprocess.run(["git", "apply", "--check"], cwd=repo.path, input=data,
                          capture_output=True).returncode != 0
    code, out, err = agentgate(repo.path, "check", "--diff", "-", "--agent", "bob", stdin=data)
    assert (code, out, err.startswith("agentgate: the diff is malformed: the section at line 1 "
                                      "(diff --git a/src/ui/settings.py b/src/ui/settings.py): ")) == (4, "", True)


def test_gnu_patch_writes_the_file_of_a_plain_diff_that_exists_and_the_gate_judges_it(
        repo: Repo, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.id == "plain-other-names")
    data = case.build(repo)
    # What GNU patch does with it: src/ui/zzz.py does not exist, so alice's file is patched.
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", str(repo.path), str(work)], check=True)
    subprocess.run(["patch", "-s", "-p0"], cwd=work, input=data, check=True)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=work, capture_output=True, text=True).stdout
    assert status == " M src/billing/invoice.py\n"
    _, report = check_json(repo.path, "--diff", "-", "--agent", "bob", stdin=data)
    assert findings(report, "rule", "path", "message") == [
        ("scope.outside", "src/billing/invoice.py",
         "src/billing/invoice.py (renamed from here) is owned by alice (pattern src/billing/), not by bob")]


def test_a_diff_u_against_a_backup_copy_is_judged_on_the_file_itself(repo: Repo) -> None:
    data = next(c for c in CASES if c.id == "plain-backup-name").build(repo)
    code, report = check_json(repo.path, "--diff", "-", "--agent", "alice", stdin=data)
    assert (code, findings(report, "rule", "path")) == (1, [("scope.outside", "src/ui/app.py")])


@pytest.mark.parametrize("data", [
    "--- src/ui/../billing/invoice.py\n+++ src/ui/../billing/invoice.py\n",
    "diff --git a/src/ui/../billing/invoice.py b/src/ui/../billing/invoice.py\n"
    "--- a/src/ui/../billing/invoice.py\n+++ b/src/ui/../billing/invoice.py\n",
], ids=["plain", "git"])
def test_a_path_through_dot_dot_is_refused_not_judged_as_bobs(repo: Repo, data: str) -> None:
    patch = (data + "@@ -1,2 +1,3 @@\n def total(items):\n     return sum(items)\n+x = 1\n").encode()
    code, out, err = agentgate(repo.path, "check", "--diff", "-", "--agent", "bob", stdin=patch)
    assert (code, out) == (4, "")
    assert "names src/ui/../billing/invoice.py, a path outside the repository or through '..', which git apply " \
           "and patch refuse to write" in err
