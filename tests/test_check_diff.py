"""``agentgate check --diff``: a patch that is not a commit gets the rules a diff can show.

The differential story: ``git diff main...agent/alice/x`` checked with ``--diff``
gives the same scope and content findings (rule, action, path, line, message and
fingerprint) as ``agentgate check agent/alice/x``, for a branch that does one of
everything: a file of bob's, a deletion, a migration, CI, a policy edit, a file
becoming executable, secrets, renames, binaries, a symlink, a type change, a
submodule, a lockfile, a shared file and paths git quotes.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any

import pytest

from gate.git.changes import compute
from gate.git.objects import expand_blob
from gate.git.opening import open_repo
from gate.model import RENAMED
from gate.patch import parse as diffcheck
from tests.gitutil import POLICY, Repo, agentgate, seeded_repo
from tests.gitutil import check_json as report_of

BRANCH = "agent/alice/x"
AWS_ID = "AKIA" + "QZ7XW4ENB2KD5MTR"  # built from pieces: this file holds no credential
PASSWORD = 'db_password = "' + 'S3cure!Pass-2024"'
UTIL = "".join(f"line {i}\n" for i in range(1, 21))
KEYS = ("rule", "action", "path", "line", "end_line", "message", "fingerprint")


def rows(report: dict[str, Any], keys: tuple[str, ...] = KEYS, families: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
    """The findings' ``keys``. A branch's gate.secret and gate.large-file name the commit
    that added the content, which a patch has not: that ending is left out."""
    (branch,) = report["branches"]
    return [tuple(_COMMIT.sub("", f[k]) if k == "message" else f[k] for k in keys) for f in branch["findings"]
            if not families or f["rule"].split(".")[0] in families]


_COMMIT = re.compile(r"[,;]? (?:added )?in commit [0-9a-f]{9}$")


def diff_of(repo: Repo, *args: str) -> bytes:
    return repo.git("diff", *args).encode("utf-8", "surrogateescape")


def write_diff(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "patch.diff"
    path.write_bytes(data)
    return str(path)


@pytest.fixture
def everything(tmp_path: Path) -> Repo:
    return build_everything(tmp_path / "r")


def build_everything(path: Path) -> Repo:
    """main with the sample policy (files over 1000 bytes blocked) and alice's branch
    doing one of everything."""
    repo = seeded_repo(path, POLICY + "\n[limits]\nmax_file_bytes = 1000\n")
    repo.commit("more", {"src/billing/tool.sh": "echo hi\n", "src/billing/current.txt": "current\n",
                         "src/billing/rates.py": "".join(f"RATE_{i} = {i}\n" for i in range(10)),
                         "src/common/util.py": UTIL})
    repo.branch(BRANCH)
    repo.git("rm", "-q", "README.md")
    repo.git("mv", "src/billing/invoice.py", "src/billing/invoices.py")  # an exact rename, within her scope
    repo.git("mv", "src/billing/rates.py", "src/ui/rates.py")  # a rename with edits into bob's folder
    repo.write("src/ui/rates.py", (repo.path / "src/ui/rates.py").read_text() + "RATE_X = 99\n")
    repo.write("src/billing/tool.sh", "echo hello\n", mode=0o755)
    (repo.path / "src/billing/current.txt").unlink()
    os.symlink("invoices.py", repo.path / "src/billing/current.txt")  # a file becoming a symlink
    os.symlink("../ui/app.py", repo.path / "src/billing/app.py")  # a link into bob's files
    repo.commit("everything", {
        "src/ui/app.py": "def render():\n    return 'alice'\n",
        "src/billing/migrations/0002_rates.py": "op = 1\n",
        ".github/workflows/ci.yml": "on: push\n",
        ".agentgate.toml": POLICY + "\n# widened\n",
        "src/billing/config.py": f"# settings\naws_access_key_id = {AWS_ID}\nok = 1\n{PASSWORD}\n",
        "src/billing/logo.png": b"\x89PNG\0" + bytes(range(256)) * 8,
        "src/billing/icon.bin": b"\0\1\2",
        "src/billing/poetry.lock": "x\n",
        "src/common/util.py": UTIL.replace("line 5\n", "line five\n"),
        "src/ui/café.py": "x = 1\n",
        "src/ui/my file.py": "y = 1\n",
    })
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{repo.rev('main')},vendor/lib")
    repo.git("commit", "-qm", "vendor lib")
    repo.checkout("main")
    return repo


EVERYTHING = [
    ("gate.policy", "block", ".agentgate.toml"),
    ("scope.outside", "block", ".agentgate.toml"),
    ("scope.outside", "block", ".github/workflows/ci.yml"),
    ("scope.outside", "block", "README.md"),
    ("gate.symlink", "block", "src/billing/app.py"),
    ("gate.secret", "block", "src/billing/config.py"),
    ("gate.secret", "block", "src/billing/config.py"),
    ("gate.large-file", "block", "src/billing/logo.png"),
    ("scope.outside", "block", "src/ui/app.py"),
    ("scope.outside", "block", "src/ui/café.py"),
    ("scope.outside", "block", "src/ui/my file.py"),
    ("scope.outside", "block", "src/ui/rates.py"),
    ("scope.outside", "block", "vendor/lib"),
    ("gate.ci", "ask", ".github/workflows/ci.yml"),
    ("gate.deletion", "ask", "README.md"),
    ("gate.symlink", "ask", "src/billing/current.txt"),
    ("gate.migration", "ask", "src/billing/migrations/0002_rates.py"),
    ("gate.submodule", "ask", "vendor/lib"),
    ("gate.lockfile", "warn", "src/billing/poetry.lock"),
    ("gate.mode", "warn", "src/billing/tool.sh"),
    ("scope.shared", "warn", "src/common/util.py"),
]


COMMANDS = [
    ("diff", "-M", f"main...{BRANCH}"),
    ("diff", "-M", "--binary", f"main...{BRANCH}"),
    ("diff", "-M", "--full-index", f"main...{BRANCH}"),
    ("format-patch", "--stdout", "-M", f"main..{BRANCH}"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=["binary-files-differ", "git-binary-patch", "full-index",
                                                   "format-patch"])
def test_a_diff_of_a_branch_gets_the_branchs_scope_and_content_findings(
        everything: Repo, tmp_path: Path, command: tuple[str, ...]) -> None:
    code, branch = report_of(everything.path, BRANCH)
    expected = rows(branch, families=("scope", "gate"))
    assert [r[:3] for r in expected] == EVERYTHING
    diff = write_diff(tmp_path, everything.git(*command).encode("utf-8", "surrogateescape"))
    dcode, report = report_of(everything.path, "--diff", diff, "--agent", "alice")
    # Same rule, action, path, lines, message and fingerprint: an approval given on the
    # branch covers the same content in the patch.
    assert (dcode, rows(report)) == (code, expected)
    assert code == 1


def test_the_diff_report_has_no_branch_and_says_which_rules_it_could_not_run(everything: Repo) -> None:
    data = diff_of(everything, "-M", f"main...{BRANCH}")
    code, report = report_of(everything.path, "--diff", "-", "--agent", "alice", stdin=data)
    (b,) = report["branches"]
    assert (code, report["verdict"], b["ref"], b["agent"], b["head"], b["base"], b["verdict"]) == (
        1, "block", None, "alice", None, None, "block")
    assert report["target"] == {"ref": "refs/heads/main", "oid": everything.rev("main")}
    assert b["facts"] == {"files_changed": 18, "diff": {
        "files": 18,
        "compared_with": [],
        "skipped_rules": ["overlap.conflict", "symbol.shared", "symbol.signature", "target.conflict",
                          "target.stale", "tests.error", "tests.failed", "tests.timeout"],
        "why_skipped": "a diff has no commits: nothing to merge, no trees to analyse, nothing to test",
    }}


def test_junit_marks_the_rules_a_diff_cannot_run_as_skipped(everything: Repo) -> None:
    data = diff_of(everything, "-M", f"main...{BRANCH}")
    code, out, _ = agentgate(everything.path, "check", "--diff", "-", "--agent", "alice", "--format", "junit",
                             stdin=data)
    skipped = re.findall(r'<testcase name="([^"]+)"[^>]*>\s*<skipped message="([^"]+)"', out)
    assert (code, skipped) == (1, [(rule, "not run on a diff: it needs commits (agentgate check BRANCH runs it)")
                                   for rule in ("overlap.conflict", "target.conflict", "target.stale",
                                                "symbol.shared", "symbol.signature", "tests.failed",
                                                "tests.error", "tests.timeout")])


def test_parsed_file_changes_equal_the_branchs_change_set(everything: Repo) -> None:
    # Differential: the diff text against libgit2's tree diff of the same commits.
    repo = open_repo(everything.path)
    patch = diffcheck.parse(diff_of(everything, "-M", f"main...{BRANCH}"), lambda a: expand_blob(repo, a))
    base = everything.git("merge-base", "main", BRANCH).strip()
    branch = compute(repo, base, everything.rev(BRANCH))

    def comparable(fc: Any, exact_rename_ids: bool) -> Any:
        fc = dataclasses.replace(fc, similarity=0)
        if fc.status == RENAMED and not fc.hunks and not exact_rename_ids:
            # git prints no index line for an exact rename: no blob ids, no sizes.
            fc = dataclasses.replace(fc, old_oid=None, new_oid=None, old_size=0, new_size=0)
        return fc

    assert sorted((comparable(fp.change, True) for fp in patch.files), key=lambda fc: fc.path) == \
        sorted((comparable(fc, False) for fc in branch.files), key=lambda fc: fc.path)


def test_a_gh_pr_diff_without_index_lines_gives_the_same_findings_but_no_size(
        everything: Repo, tmp_path: Path) -> None:
    code, branch = report_of(everything.path, BRANCH)
    keys = ("rule", "action", "path", "line", "message")
    data = diff_of(everything, "-M", f"main...{BRANCH}")
    bare = b"".join(line for line in data.splitlines(keepends=True) if not line.startswith(b"index "))
    dcode, report = report_of(everything.path, "--diff", write_diff(tmp_path, bare), "--agent", "alice")
    # Without blob ids the size of a changed binary is unknown, so gate.large-file cannot fire.
    assert rows(report, keys) == [r for r in rows(branch, keys, ("scope", "gate")) if r[0] != "gate.large-file"]
    assert dcode == code == 1


def test_stdin_is_read_for_dash(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    repo.branch(BRANCH)
    repo.commit("ui", {"src/ui/app.py": "def render():\n    return 'alice'\n"})
    data = diff_of(repo, "main...HEAD")
    repo.checkout("main")
    code, report = report_of(repo.path, "--diff", "-", "--agent", "alice", stdin=data)
    assert (code, rows(report, ("rule", "action", "path", "message"))) == (1, [
        ("scope.outside", "block", "src/ui/app.py", "src/ui/app.py is owned by bob (pattern src/ui/**), not by alice")])


def test_a_diff_whose_line_ends_became_crlf_reads_as_the_original(everything: Repo, tmp_path: Path) -> None:
    keys = ("rule", "action", "path", "line", "message", "fingerprint")
    data = diff_of(everything, "-M", f"main...{BRANCH}")
    _, plain = report_of(everything.path, "--diff", write_diff(tmp_path, data), "--agent", "alice")
    crlf = data.replace(b"\n", b"\r\n")
    code, report = report_of(everything.path, "--diff", "-", "--agent", "alice", stdin=crlf)
    assert (code, rows(report, keys)) == (1, rows(plain, keys))


PLAIN = (b"--- old/src/ui/app.py\t2026-01-01 00:00:00\n+++ new/src/ui/app.py\t2026-01-01 00:00:00\n"
         b"@@ -1,2 +1,3 @@\n def render():\n     return 'ui'\n+" + PASSWORD.encode() + b"\n")


def test_a_plain_diff_u_patch_is_read_too(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    code, report = report_of(repo.path, "--diff", "-", "--agent", "alice", stdin=PLAIN)
    assert (code, rows(report, ("rule", "action", "path", "line"))) == (1, [
        ("gate.secret", "block", "src/ui/app.py", 3), ("scope.outside", "block", "src/ui/app.py", None)])


def test_an_empty_diff_is_allowed_with_no_findings(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    code, report = report_of(repo.path, "--diff", "-", "--agent", "alice", stdin=b"")
    assert (code, report["verdict"], rows(report)) == (0, "allow", [])


# -- overlaps with open branches -------------------------------------------------------------------


def _shared_edit(tmp_path: Path, bob_line: str) -> tuple[Repo, bytes]:
    """bob's open branch and alice's own changing src/common/util.py; alice's patch edits line 5."""
    repo = seeded_repo(tmp_path / "r")
    repo.commit("util", {"src/common/util.py": UTIL})
    repo.branch("agent/bob/y")
    repo.commit("bob", {"src/common/util.py": UTIL.replace(bob_line, "bob\n")})
    repo.branch("agent/alice/old")
    repo.commit("alice", {"src/common/util.py": UTIL.replace("line 5\n", "alice\n")})
    repo.branch("scratch")
    repo.commit("patch", {"src/common/util.py": UTIL.replace("line 5\n", "five\n")})
    data = diff_of(repo, "main...scratch")
    repo.checkout("main")
    return repo, data


def test_a_patch_changing_the_same_lines_as_another_agents_branch_is_a_hunk_overlap(tmp_path: Path) -> None:
    repo, data = _shared_edit(tmp_path, "line 6\n")
    code, report = report_of(repo.path, "--diff", "-", "--agent", "alice", stdin=data)
    assert code == 0
    assert rows(report, ("rule", "action", "path", "line", "message")) == [
        ("overlap.hunk", "warn", "src/common/util.py", 5,
         "line 5 of src/common/util.py is also changed by bob's branch agent/bob/y"),
        ("scope.shared", "warn", "src/common/util.py", None,
         "src/common/util.py is shared (pattern src/common/); other agents depend on it"),
    ]
    other = report["branches"][0]["findings"][0]["other"]
    assert other == {"agent": "bob", "branch": "refs/heads/agent/bob/y", "head": repo.rev("agent/bob/y"),
                     "path": "src/common/util.py", "lines": [6, 6]}
    # Her own open branch changes line 5 too: a patch of hers is not compared with her work.
    assert report["branches"][0]["facts"]["diff"]["compared_with"] == ["refs/heads/agent/bob/y"]


def test_a_patch_changing_other_lines_of_a_file_another_branch_changes_is_a_file_overlap(tmp_path: Path) -> None:
    repo, data = _shared_edit(tmp_path, "line 15\n")
    code, report = report_of(repo.path, "--diff", "-", "--agent", "alice", stdin=data)
    assert (code, rows(report, ("rule", "path", "line", "message"))[0]) == (0, (
        "overlap.file", "src/common/util.py", None, "src/common/util.py is also changed by bob's branch agent/bob/y"))


# -- bad input and usage ----------------------------------------------------------------------------

ADVICE = ("Pass the output of 'git diff' (or 'gh pr diff') unchanged and complete: a patch that was cut short, "
          "re-wrapped or edited by hand cannot be checked.")


MALFORMED = [
    (b"Please merge my work, thanks!\n",
     "it holds no file changes (no 'diff --git', '---'/'+++' or '@@' lines); it is not a unified diff"),
    (b"diff --git a/src/ui/app.py b/src/ui/app.py\nindex 1111111..2222222 100644\n--- a/src/ui/app.py\n"
     b"+++ b/src/ui/app.py\n@@ -1,2 +1,3 @@\n def render():\n+    x = 1\n",
     "a hunk has fewer lines than its @@ header says (the diff is cut short?), in the part starting at line 1"),
    (b"diff --git a/a.py b/a.py\nindex 1111111..2222222 100644\n",
     "the section at line 1 (diff --git a/a.py b/a.py) changes nothing: it ends before its changes"),
    (b"--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-b\n+c\n",
     "x.py appears twice; give one diff, not several pasted together"),
]


@pytest.mark.parametrize(("data", "detail"), MALFORMED, ids=["prose", "truncated-hunk", "truncated-header",
                                                             "two-diffs"])
def test_a_malformed_diff_cannot_be_checked(tmp_path: Path, data: bytes, detail: str) -> None:
    repo = seeded_repo(tmp_path / "r")
    assert agentgate(repo.path, "check", "--diff", "-", "--agent", "alice", stdin=data) == (
        4, "", f"agentgate: the diff is malformed: {detail}. {ADVICE}\n")


def test_a_diff_cut_inside_a_hunk_of_a_real_branch_cannot_be_checked(everything: Repo) -> None:
    data = diff_of(everything, "-M", f"main...{BRANCH}", "--", "src/billing/config.py")
    cut = b"".join(data.splitlines(keepends=True)[:-2])  # as a copy cut short would
    code, out, err = agentgate(everything.path, "check", "--diff", "-", "--agent", "alice", stdin=cut)
    assert (code, out, err.startswith("agentgate: the diff is malformed: a hunk has fewer lines")) == (4, "", True)


def test_an_agent_the_policy_does_not_name_cannot_be_checked(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    assert agentgate(repo.path, "check", "--diff", "-", "--agent", "zed", stdin=b"") == (4, "", (
        "agentgate: no agent 'zed' in .agentgate.toml on main. Known agents: alice, bob. Name the agent "
        "whose patch this is (--agent), or add [agents.zed] to .agentgate.toml on the target.\n"))


NOT_BRANCHES = "--diff checks a patch, not branches: drop BRANCH, --all and --tests"


@pytest.mark.parametrize(("args", "message"), [
    (("--diff", "-", "--agent", "alice", BRANCH), NOT_BRANCHES),
    (("--diff", "-", "--agent", "alice", "--all"), NOT_BRANCHES),
    (("--diff", "-", "--agent", "alice", "--tests"), NOT_BRANCHES),
    (("--diff", "-"), "--diff needs --agent NAME: the agent whose patch it is"),
    (("--agent", "alice"), "--agent goes with --diff; a branch's agent comes from its name"),
])
def test_diff_options_that_do_not_go_together_are_usage_errors(
        tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    repo = seeded_repo(tmp_path / "r")
    code, out, err = agentgate(repo.path, "check", *args, stdin=b"")
    assert (code, out, err.splitlines()[-1]) == (2, "", f"Error: {message}")


def test_a_diff_file_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    code, out, err = agentgate(repo.path, "check", "--diff", "nope.diff", "--agent", "alice")
    assert (code, out) == (2, "")
    assert err == ("agentgate: --diff nope.diff: cannot read it (No such file or directory). Give a diff file, "
                   "or - to read standard input (git diff main... | agentgate check --diff - --agent NAME).\n")
