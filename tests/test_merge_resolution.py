"""A merge commit's own changes (``gate.git.resolution``): content in neither
parent, beyond what git's merge of them gives, is judged at the push to the target
like any other change; a merge that git made, or a conflict resolved with the
parents' own lines, adds nothing to judge."""

from __future__ import annotations

from pathlib import Path

from gate.git.opening import open_repo
from gate.git.resolution import merge_resolution
from gate.model import Oid
from tests.gitutil import Repo, git, seeded_repo
from tests.servers import Server, alice_branch
from tests.test_secrets import GH

TOTAL = "src/billing/invoice.py"
UI = "src/ui/app.py"


def merge_with(work: Repo, branch: str, files: dict[str, str] | None = None, rm: tuple[str, ...] = ()) -> str:
    """``git merge --no-ff`` of ``branch``, with ``files`` written and ``rm`` removed
    before the merge commit is made (an "evil merge" when they are not the merge's)."""
    work.git("merge", "-q", "--no-ff", "--no-commit", branch, check=False)
    for path, content in (files or {}).items():
        work.write(path, content)
        work.git("add", path)
    for path in rm:
        work.git("rm", "-q", path)
    work.git("commit", "-q", "--no-edit", "-m", f"Merge branch '{branch}'")
    return work.rev("HEAD")


def resolution(r: Repo, merge: str) -> list[tuple[str, str, list[int]]]:
    cs = merge_resolution(open_repo(r.path), Oid(merge))
    assert cs is not None
    return [(fc.status, fc.path, [n for a, b in fc.new_ranges() for n in range(a, b + 1)]) for fc in cs.files]


def test_a_merge_git_made_adds_nothing(tmp_path: Path) -> None:
    r = seeded_repo(tmp_path / "r")
    alice_branch(r, {TOTAL: "def total(items):\n    return sum(items) + 1\n"})
    r.commit("main moves on", {"README.md": "sample, v2\n"})
    assert resolution(r, merge_with(r, "agent/alice/x")) == []


def test_lines_in_neither_parent_are_the_merges_own(tmp_path: Path) -> None:
    r = seeded_repo(tmp_path / "r")
    alice_branch(r, {TOTAL: "def total(items):\n    return sum(items) + 1\n"})
    merge = merge_with(r, "agent/alice/x", {"src/common/util.py": "def helper():\n    return 1\nX = 2\n",
                                            "src/new.py": "print('hi')\n"}, rm=("README.md",))
    assert resolution(r, merge) == [("deleted", "README.md", []), ("modified", "src/common/util.py", [3]),
                                    ("added", "src/new.py", [1])]


def test_a_conflict_resolved_with_the_parents_lines_adds_nothing_and_a_new_line_is_seen(tmp_path: Path) -> None:
    r = seeded_repo(tmp_path / "r")
    alice_branch(r, {TOTAL: "def total(items):\n    return sum(items) + 1\n"})
    r.commit("main edits the same line", {TOTAL: "def total(items):\n    return sum(items) + 2\n"})
    both = "def total(items):\n    return sum(items) + 1\n    return sum(items) + 2\n"
    assert resolution(r, merge_with(r, "agent/alice/x", {TOTAL: both})) == []
    r.git("reset", "-q", "--hard", "HEAD~1")
    evil = "def total(items):\n    return sum(items) + 3  # neither\n"
    assert resolution(r, merge_with(r, "agent/alice/x", {TOTAL: evil})) == [("modified", TOTAL, [2])]


def test_an_evil_merge_pushed_to_main_is_judged_and_refused(server: Server) -> None:
    alice_branch(server.work, {TOTAL: "def total(items):\n    return sum(items) + 1\n"})
    assert server.push("agent/alice/x", user="alice-bot").rc == 0
    merge = merge_with(server.work, "agent/alice/x", {UI: f"TOKEN = '{GH}'\n"})
    pushed = server.push("main", user="dev")
    assert pushed.rc == 1
    label = f"agentgate: main <- merge {merge[:9]} (its own changes): "
    assert pushed.remote[:2] == [
        f"{label}BLOCK gate.secret {UI}:1  GitHub token added at {UI}:1 in commit {merge[:9]}",
        f"{label}BLOCK scope.outside {UI}  {UI} is owned by bob (pattern src/ui/**), not by alice",
    ]
    assert server.ref("main") != merge


def test_a_plain_merge_pushed_to_main_has_no_part_of_its_own(server: Server) -> None:
    alice_branch(server.work, {TOTAL: "def total(items):\n    return sum(items) + 1\n"})
    server.work.commit("main moves on", {"README.md": "sample, v2\n"})
    merge_with(server.work, "agent/alice/x")
    pushed = server.push("main", user="dev")
    assert (pushed.rc, pushed.remote) == (0, ["agentgate: main: allow"])


def test_what_git_merge_tree_gives_is_never_reported(tmp_path: Path) -> None:
    """The merge commit git itself would write (``merge-tree --write-tree``) has no
    changes of its own, whatever the two sides did."""
    r = seeded_repo(tmp_path / "r")
    alice_branch(r, {TOTAL: "def total(items):\n    return sum(items) + 1\n", "src/billing/new.py": "n = 1\n"})
    r.git("mv", "src/common/util.py", "src/common/helpers.py")
    r.commit("main renames and edits", {"README.md": "sample, v2\n"})
    tree = git(r.path, "merge-tree", "--write-tree", "main", "agent/alice/x").split()[0]
    merge = git(r.path, "commit-tree", tree, "-p", "main", "-p", "agent/alice/x", "-m", "Merge").strip()
    assert resolution(r, merge) == []


def test_a_rename_on_one_side_and_an_edit_on_the_other_add_nothing(tmp_path: Path) -> None:
    r = seeded_repo(tmp_path / "r")
    r.branch("agent/alice/x")
    r.git("mv", TOTAL, "src/billing/total.py")
    r.commit("rename")
    r.checkout("main")
    r.commit("main edits the file", {TOTAL: "def total(items):\n    return sum(items)  # main\n"})
    merge = merge_with(r, "agent/alice/x")
    assert "# main" in (r.path / "src/billing/total.py").read_text()
    assert resolution(r, merge) == []
    # A deletion the other side made is the merge's too: not the merge's own.
    r.git("reset", "-q", "--hard", "HEAD~1")
    r.branch("agent/alice/y")
    r.git("rm", "-q", "README.md")
    r.commit("drop the readme")
    r.checkout("main")
    assert resolution(r, merge_with(r, "agent/alice/y")) == []
