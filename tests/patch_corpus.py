"""Patches that git apply, GNU patch and a naive reader could read differently,
as bob (who owns src/ui/**) would send them to reach alice's src/billing/.

Each case is a patch builder and what ``check --diff --agent bob`` must say. The
scenario tests (test_check_diff_ambiguous.py) assert the verdicts; the
differential test (test_patch_differential.py) feeds every case to git apply.
Binary patches are made by git itself (``git diff --binary`` with a ``binary``
attribute on text files), never by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.gitutil import Repo, seeded_repo

PASSWORD = 'db_password = "' + 'S3cure!Pass-2024"'  # built from pieces: this file holds no credential
BIG = "".join(f"value_{i} = {i}\n" for i in range(1, 101))


def corpus_repo(path: Path) -> Repo:
    """The sample repository with a 100-line file of bob's (a delta target)."""
    repo = seeded_repo(path)
    repo.commit("big", {"src/ui/big.py": BIG})
    return repo


def binary_diff(repo: Repo, files: dict[str, str], *args: str) -> bytes:
    """``git diff --binary`` of ``files`` written on main, as git prints it for files
    marked ``binary``; the worktree is left as it was."""
    attributes = repo.path.parent / "attributes"
    attributes.write_text("*.py binary\n")
    repo.branch("scratch")
    repo.commit("scratch", dict(files))
    data = repo.git("-c", f"core.attributesFile={attributes}", "diff", "--binary", *args, "main", "scratch")
    repo.checkout("main")
    repo.git("branch", "-q", "-D", "scratch")
    return data.encode()


def _literal_text(repo: Repo) -> bytes:
    return binary_diff(repo, {"src/ui/settings.py": f"# settings\n{PASSWORD}\n"})


def _delta_text(repo: Repo) -> bytes:
    return binary_diff(repo, {"src/ui/big.py": BIG.replace("value_50 = 50\n", f"value_50 = 50\n{PASSWORD}\n")})


def _delta_on_absent_blob(repo: Repo) -> bytes:
    # Made in another repository: the old blob (another big.py) is not in bob's target.
    other = corpus_repo(repo.path.parent / "elsewhere")
    other.commit("other", {"src/ui/big.py": BIG.replace("value_7 = 7\n", "value_7 = 77\n")})
    return binary_diff(other, {"src/ui/big.py": BIG.replace("value_50 = 50\n", f"{PASSWORD}\n")})


def _literal_of_other_blob(repo: Repo) -> bytes:
    # A literal whose content is not the blob the index line names (git apply refuses it).
    data = _literal_text(repo).decode()
    return data.replace("index 0000000000000000000000000000000000000000..", "index 0000000..1111111", 1).encode()


def text(s: str) -> Callable[[Repo], bytes]:
    return lambda repo: s.encode()


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Repo], bytes]
    # (exit code, [(rule, action, path)]) or (4, the detail after "the diff is ambiguous: ").
    code: int
    expected: object
    plain: bool = False  # a plain diff (no diff --git): git apply -p0 and GNU patch read it


HUNK_APP = "@@ -1,2 +1,3 @@\n def render():\n     return 'ui'\n+x = 1\n"
HUNK_INVOICE = "@@ -1,2 +1,3 @@\n def total(items):\n     return sum(items)\n+x = 1\n"

CASES = [
    Case("two-rename-from", text(
        "diff --git a/src/ui/app.py b/src/ui/view.py\nsimilarity index 100%\nrename from src/ui/app.py\n"
        "rename from src/billing/invoice.py\nrename to src/ui/view.py\n"), 4,
        "the section at line 1 (diff --git a/src/ui/app.py b/src/ui/view.py) has two 'rename from' lines "
        "(git apply uses the last, other readers the first)"),
    Case("rename-old-new-elsewhere", text(
        "diff --git a/src/ui/a.py b/src/ui/b.py\nsimilarity index 100%\nrename old src/billing/invoice.py\n"
        "rename new src/ui/b.py\n"), 4,
        "the section at line 1 (diff --git a/src/ui/a.py b/src/ui/b.py) changes src/billing/invoice.py -> "
        "src/ui/b.py, but its 'diff --git' line names other paths"),
    Case("rename-old-new", text(
        "diff --git a/src/billing/invoice.py b/src/ui/b.py\nsimilarity index 100%\n"
        "rename old src/billing/invoice.py\nrename new src/ui/b.py\n"), 1,
        [("scope.outside", "block", "src/billing/invoice.py")]),
    Case("rename-from-and-rename-old", text(
        "diff --git a/src/ui/app.py b/src/ui/b.py\nsimilarity index 100%\nrename from src/ui/app.py\n"
        "rename old src/billing/invoice.py\nrename to src/ui/b.py\n"), 4,
        "the section at line 1 (diff --git a/src/ui/app.py b/src/ui/b.py) has both 'rename from' and "
        "'rename old' lines (git apply uses the last, other readers the first)"),
    Case("new-file-mode-twice", text(
        "diff --git a/src/ui/link b/src/ui/link\nnew file mode 100644\nnew file mode 120000\n"
        "index 0000000..1111111\n--- /dev/null\n+++ b/src/ui/link\n@@ -0,0 +1 @@\n+../billing/invoice.py\n"
        "\\ No newline at end of file\n"), 4,
        "the section at line 1 (diff --git a/src/ui/link b/src/ui/link) has two 'new file mode' lines "
        "(git apply uses the last, other readers the first)"),
    Case("new-symlink", text(
        "diff --git a/src/ui/link b/src/ui/link\nnew file mode 120000\n"
        "index 0000000..1111111\n--- /dev/null\n+++ b/src/ui/link\n@@ -0,0 +1 @@\n+../billing/invoice.py\n"
        "\\ No newline at end of file\n"), 1,
        [("gate.symlink", "block", "src/ui/link")]),
    Case("unknown-header", text(
        "diff --git a/src/ui/app.py b/src/ui/app.py\nfrobnicate yes\n--- a/src/ui/app.py\n+++ b/src/ui/app.py\n"
        + HUNK_APP), 4,
        "the section at line 1 (diff --git a/src/ui/app.py b/src/ui/app.py) has a line agentgate does not "
        "know among its headers, at line 2 ('frobnicate yes')"),
    Case("markers-name-another-file", text(
        "diff --git a/src/ui/app.py b/src/ui/app.py\n--- a/src/billing/invoice.py\n+++ b/src/billing/invoice.py\n"
        + HUNK_INVOICE), 4,
        "the section at line 1 (diff --git a/src/ui/app.py b/src/ui/app.py) changes src/billing/invoice.py, "
        "but its 'diff --git' line names other paths"),
    Case("markers-move-without-rename", text(
        "diff --git a/src/ui/app.py b/src/ui/app.py\n--- a/src/ui/app.py\n+++ b/src/billing/invoice.py\n"
        + HUNK_APP), 4,
        "the section at line 1 (diff --git a/src/ui/app.py b/src/ui/app.py) changes src/ui/app.py into "
        "src/billing/invoice.py with no 'rename' or 'copy' header (git apply moves the file, other readers "
        "do not)"),
    Case("copy-names-disagree", text(
        "diff --git a/src/ui/app.py b/src/ui/copy.py\nsimilarity index 100%\ncopy from src/ui/app.py\n"
        "copy to src/billing/copy.py\n"), 4,
        "the section at line 1 (diff --git a/src/ui/app.py b/src/ui/copy.py) changes src/ui/app.py -> "
        "src/billing/copy.py, but its 'diff --git' line names other paths"),
    Case("text-as-binary-literal", _literal_text, 1, [("gate.secret", "block", "src/ui/settings.py")]),
    Case("text-as-binary-delta", _delta_text, 1, [("gate.secret", "block", "src/ui/big.py")]),
    Case("binary-delta-on-absent-blob", _delta_on_absent_blob, 3, [("gate.secret", "ask", "src/ui/big.py")]),
    Case("plain-other-names", text("--- src/billing/invoice.py\n+++ src/ui/zzz.py\n" + HUNK_INVOICE), 1,
         [("scope.outside", "block", "src/billing/invoice.py")], plain=True),
    Case("plain-backup-name", text("--- src/ui/app.py.orig\n+++ src/ui/app.py\n" + HUNK_APP), 0, [],
         plain=True),
]


def malformed_literal(repo: Repo) -> bytes:
    """A literal hunk whose zlib data is cut: git apply says "corrupt binary patch"."""
    data = _literal_text(repo).decode().splitlines(keepends=True)
    i = data.index("GIT binary patch\n") + 2
    data[i] = "A" + data[i][1:6] + "\n"  # one byte where the letter promised more
    return "".join(data).encode()


REFUSED_ELSEWHERE = [_literal_of_other_blob, malformed_literal]
