"""``gate.symlink``: a link is judged where the OS takes it on a checkout (issue 14, item 3).

The resolver (``gate.git.links``) follows the links in the tree as the OS does; the
differential test holds it against ``os.path.realpath`` and the kernel on real
checkouts of generated layouts. The stories then run ``agentgate check`` (and
``check --diff``) on real repositories: a link blocks unless it ends inside the
agent's own scope or the shared paths, and asks (the default action) when it does.
"""

from __future__ import annotations

import errno
import os
import posixpath
import random
from collections import Counter
from pathlib import Path

import pytest

from gate.checks.symlinks import _UNSURE, _probe
from gate.git import links
from gate.git.opening import open_repo
from gate.policy.patterns import compile_pattern
from tests.gitutil import Repo, check_json, findings, seeded_repo

ASK, BLOCK = "ask", "block"
KEYS = ("rule", "action", "path", "message")


# -- the resolver against the OS ---------------------------------------------------------

DIRS = ("", "a", "a/b", "c")
NAMES = ("..", "..", ".", "a", "b", "c", "f", "x", "l0", "l1", "l2", "l3")


def _layout(rng: random.Random) -> dict[str, str]:
    """Links (path -> target) scattered over DIRS: targets of files, folders, other
    links, names that do not exist, parents, and now and then an absolute path."""
    out: dict[str, str] = {}
    for n in range(rng.randint(3, 7)):
        where = rng.choice(DIRS)
        path = f"{where}/l{n % 4}".lstrip("/")
        if rng.random() < 0.08:
            out[path] = rng.choice(("/tmp", "/etc/passwd"))
        else:
            out[path] = "/".join(rng.choice(NAMES) for _ in range(rng.randint(1, 4)))
    return out


def _os_answer(root: Path, rel: str) -> tuple[str, str | None, str | None]:
    """(where, path, kind) as the OS and ``os.path.realpath`` see ``rel`` in a checkout."""
    try:
        os.stat(root / rel)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "loop", None, None
    real = Path(os.path.realpath(root / rel))
    # realpath gives up on a loop the kernel never reached (past a missing name) and
    # hands back a path that still holds a link.
    if any(p.is_symlink() for p in (real, *real.parents)):
        return "loop", None, None
    inside = os.path.relpath(real, root)
    if inside == ".." or inside.startswith("../"):
        return "outside", None, None
    kind = "dir" if real.is_dir() else "file" if real.exists() else None
    return "inside", "" if inside == "." else inside, kind


def test_links_resolve_as_the_os_resolves_them_on_a_checkout(tmp_path: Path) -> None:
    seen: Counter[str] = Counter()
    for seed in range(12):
        layout = _layout(random.Random(seed))
        repo = Repo.init(tmp_path / f"r{seed}")
        for d in DIRS:
            repo.write(f"{d}/f".lstrip("/"), f"file in {d or 'the root'}\n")
        for path, target in layout.items():
            os.symlink(target, repo.path / path)
        head = repo.commit("layout")
        checkout = tmp_path / f"checkout{seed}"
        repo.git("worktree", "add", "-q", "--detach", str(checkout), head)
        root = Path(os.path.realpath(checkout))
        tree = links.Tree(open_repo(repo.path), head)
        for path in sorted(layout):
            target = layout[path]
            assert tree.link(path) == target
            got = links.resolve(tree, path, target)
            expected = _os_answer(root, path)
            assert (got.where, got.path if got.where == "inside" else None, got.kind) == expected, (seed, path, layout)
            lexical = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            seen[got.where] += 1
            seen["physical, not lexical"] += got.where == "inside" and got.path != lexical.strip(".")
    # The layouts hold every answer, and links the lexical reading gets wrong.
    assert min(seen.values()) >= 3, seen


def test_a_chain_of_more_links_than_the_os_follows_is_a_loop(tmp_path: Path) -> None:
    repo = Repo.init(tmp_path / "r")
    repo.write("end", "x\n")
    for n in range(45):
        os.symlink(f"c{n + 1}" if n < 44 else "end", repo.path / f"c{n}")
    head = repo.commit("chain")
    tree = links.Tree(open_repo(repo.path), head)
    with pytest.raises(OSError) as e:
        os.stat(repo.path / "c0")
    assert e.value.errno == errno.ELOOP
    assert links.resolve(tree, "c0", "c1").where == "loop"
    assert links.resolve(tree, "c5", "c6") == links.Resolved("inside", "end", "file")  # 39 links: followed


# -- agentgate check ----------------------------------------------------------------------


def _branch_with_links(repo: Repo, branch: str, links_: dict[str, str],
                       files: dict[str, str | bytes] | None = None) -> None:
    repo.branch(branch)
    for path, target in links_.items():
        (repo.path / path).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, repo.path / path)
    repo.commit("links", files)
    repo.checkout("main")


def _check(repo: Repo, branch: str) -> tuple[int, list[tuple[object, ...]]]:
    """The exit code and the gate.symlink findings, by path."""
    code, report = check_json(repo.path, branch)
    return code, sorted((f for f in findings(report, *KEYS) if f[0] == "gate.symlink"), key=lambda f: str(f[2]))


def test_a_link_through_another_link_into_alices_folder_blocks(tmp_path: Path) -> None:
    # Lexically src/common/billing/invoice.py, a shared path; on a checkout the link
    # on main takes it to alice's src/billing/invoice.py.
    repo = seeded_repo(tmp_path / "r")
    os.symlink("../billing", repo.path / "src/common/billing")
    repo.commit("an approved link in a shared folder")
    _branch_with_links(repo, "agent/bob/x", {"src/ui/bill.py": "../common/billing/invoice.py"})
    assert _check(repo, "agent/bob/x") == (1, [
        ("gate.symlink", BLOCK, "src/ui/bill.py",
         "symlink src/ui/bill.py -> ../common/billing/invoice.py points into alice's scope (src/billing/)")])


def test_a_link_to_its_own_folder_then_up_lands_in_alices_folder_and_blocks(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    _branch_with_links(repo, "agent/bob/x", {"src/ui/d": ".", "src/ui/lnk": "d/../billing"})
    assert _check(repo, "agent/bob/x") == (1, [
        ("gate.symlink", ASK, "src/ui/d", "symlink src/ui/d -> ."),
        ("gate.symlink", BLOCK, "src/ui/lnk",
         "symlink src/ui/lnk -> d/../billing points into alice's scope (src/billing/)")])


def test_links_to_the_parent_folder_and_to_the_repository_root_block(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    _branch_with_links(repo, "agent/bob/x", {"src/ui/up": "..", "src/ui/root": "../..", "src/ui/dot": "../../."})
    _branch_with_links(repo, "agent/alice/x", {"src/billing/up": ".."})
    assert _check(repo, "agent/bob/x") == (1, [
        ("gate.symlink", BLOCK, "src/ui/dot", "symlink src/ui/dot -> ../../. points to the repository's root"),
        ("gate.symlink", BLOCK, "src/ui/root", "symlink src/ui/root -> ../.. points to the repository's root"),
        ("gate.symlink", BLOCK, "src/ui/up",
         "symlink src/ui/up -> .. points to a folder that holds alice's scope (src/billing/)")])
    assert _check(repo, "agent/alice/x") == (1, [
        ("gate.symlink", BLOCK, "src/billing/up",
         "symlink src/billing/up -> .. points to a folder that holds bob's scope (src/ui/**)")])


@pytest.mark.parametrize("links_", [
    {"src/ui/a": "b", "src/ui/b": "a"},
    {"src/ui/d": "d/x"},
    {"src/ui/self": "self"},
], ids=["two-links", "into-itself", "itself"])
def test_a_link_loop_blocks(tmp_path: Path, links_: dict[str, str]) -> None:
    repo = seeded_repo(tmp_path / "r")
    _branch_with_links(repo, "agent/bob/x", links_)
    assert _check(repo, "agent/bob/x") == (1, [
        ("gate.symlink", BLOCK, path,
         f"symlink {path} -> {target} does not resolve (a loop, more than 40 links, or a target too long to "
         "check out)") for path, target in sorted(links_.items())])


def test_an_absolute_target_blocks_also_behind_another_link(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    _branch_with_links(repo, "agent/bob/x", {"src/ui/etc": "/etc", "src/ui/pw": "etc/passwd"})
    assert _check(repo, "agent/bob/x") == (1, [
        ("gate.symlink", BLOCK, path, f"symlink {path} -> {target} points outside the repository")
        for path, target in (("src/ui/etc", "/etc"), ("src/ui/pw", "etc/passwd"))])


def test_a_link_through_a_link_that_stays_in_bobs_folder_asks(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    _branch_with_links(repo, "agent/bob/x", {"src/ui/v": "v2", "src/ui/current.py": "v/../v2/app.py",
                                             "src/ui/here": "."}, files={"src/ui/v2/app.py": "x = 2\n"})
    assert _check(repo, "agent/bob/x") == (3, [
        ("gate.symlink", ASK, "src/ui/current.py", "symlink src/ui/current.py -> v/../v2/app.py"),
        ("gate.symlink", ASK, "src/ui/here", "symlink src/ui/here -> ."),
        ("gate.symlink", ASK, "src/ui/v", "symlink src/ui/v -> v2")])


def test_a_link_to_a_shared_file_or_folder_asks(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    _branch_with_links(repo, "agent/bob/x", {"src/ui/util.py": "../common/util.py", "src/ui/common": "../common",
                                             "src/ui/pyproject.toml": "../../pyproject.toml"})
    assert _check(repo, "agent/bob/x") == (3, [
        ("gate.symlink", ASK, "src/ui/common", "symlink src/ui/common -> ../common"),
        ("gate.symlink", ASK, "src/ui/pyproject.toml", "symlink src/ui/pyproject.toml -> ../../pyproject.toml"),
        ("gate.symlink", ASK, "src/ui/util.py", "symlink src/ui/util.py -> ../common/util.py")])


def test_a_link_to_a_path_nobody_owns_blocks(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    _branch_with_links(repo, "agent/bob/x", {"src/ui/readme": "../../README.md"})
    assert _check(repo, "agent/bob/x") == (1, [
        ("gate.symlink", BLOCK, "src/ui/readme",
         "symlink src/ui/readme -> ../../README.md points outside bob's scope and the shared paths")])


def test_a_folder_holding_a_later_pattern_of_alices_blocks_and_one_bob_wins_back_asks(tmp_path: Path) -> None:
    # The last matching pattern owns a path (DESIGN §4): bob owns src/ but alice's
    # later src/billing/ takes that folder; alice's src/ui/old/ before bob's src/ui/
    # owns nothing.
    policy = """\
version = 1

[agents.alice]
branches = ["agent/alice/*"]
owns = ["src/ui/old/"]

[agents.bob]
branches = ["agent/bob/*"]
owns = ["src/", "tests/"]

[agents.carol]
branches = ["agent/carol/*"]
owns = ["src/billing/"]
"""
    repo = seeded_repo(tmp_path / "r", policy)
    _branch_with_links(repo, "agent/bob/x", {"tests/src": "../src", "tests/ui": "../src/ui"})
    assert _check(repo, "agent/bob/x") == (1, [
        ("gate.symlink", BLOCK, "tests/src", "symlink tests/src -> ../src points to a folder that holds carol's scope "
         "(src/billing/)"),
        ("gate.symlink", ASK, "tests/ui", "symlink tests/ui -> ../src/ui")])


@pytest.mark.parametrize(("pattern", "folder", "probe"), [
    ("src/billing/", "src", "src/billing/x"),
    ("src/billing/", "src/ui", None),
    ("src/billing/", "src/billing/old", "src/billing/old/x"),  # inside the pattern's folder
    ("src/*/old/", "src/ui", "src/ui/old/x"),
    ("src/*/old/", "lib", None),
    ("*.sql", "src/ui", "src/ui/x.sql"),
    ("docs/", "src", "src/docs/x"),  # no inner slash: a docs/ folder at any depth
    ("**/migrations/**", "src/ui", "src/ui/migrations/x"),
    ("src/[ab]*/", "src", _UNSURE),  # a name for a character class: taken as "it may"
    ("src/[ab]*/", "src/ui", None),
    ("src/[tu]*/old/", "src/ui", "src/ui/old/x"),
])
def test_a_probe_is_a_path_below_the_folder_that_the_pattern_matches(pattern: str, folder: str,
                                                                     probe: str | None) -> None:
    assert _probe(pattern, folder) == probe
    if probe not in (None, _UNSURE):
        assert compile_pattern(pattern).match(probe)


def test_a_folder_a_later_pattern_may_reach_below_blocks(tmp_path: Path) -> None:
    policy = """\
version = 1

[agents.bob]
branches = ["agent/bob/*"]
owns = ["src/ui/**"]

[agents.dba]
branches = ["agent/dba/*"]
owns = ["**/migrations/**"]
"""
    repo = seeded_repo(tmp_path / "r", policy)
    _branch_with_links(repo, "agent/bob/x", {"src/ui/v": "v2", "src/ui/cur.py": "v2/app.py"},
                       files={"src/ui/v2/app.py": "x = 2\n"})
    assert _check(repo, "agent/bob/x") == (1, [
        ("gate.symlink", ASK, "src/ui/cur.py", "symlink src/ui/cur.py -> v2/app.py"),
        ("gate.symlink", BLOCK, "src/ui/v",
         "symlink src/ui/v -> v2 points to a folder that holds dba's scope (**/migrations/**)")])


def test_a_branch_of_no_agent_asks_for_a_link_anywhere_inside_and_blocks_a_loop(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    _branch_with_links(repo, "feature/x", {"root": ".", "loop": "loop/x"})
    assert _check(repo, "feature/x") == (1, [
        ("gate.symlink", BLOCK, "loop",
         "symlink loop -> loop/x does not resolve (a loop, more than 40 links, or a target too long to check out)"),
        ("gate.symlink", ASK, "root", "symlink root -> .")])


def test_a_new_link_that_sends_an_unchanged_link_into_alices_folder_blocks(tmp_path: Path) -> None:
    # On main, src/ui/lnk -> d/../billing is bob's src/ui/billing. Turning the folder
    # src/ui/d into d -> . (itself only bob's own folder) sends lnk to src/billing.
    repo = seeded_repo(tmp_path / "r")
    os.symlink("d/../billing", repo.path / "src/ui/lnk")
    repo.commit("links on main", {"src/ui/d/keep.py": "k = 1\n", "src/ui/billing": "ui's billing\n"})
    repo.branch("agent/bob/x")
    repo.delete("src/ui/d/keep.py")
    os.symlink(".", repo.path / "src/ui/d")
    repo.commit("d is a link now")
    repo.checkout("main")
    code, found = _check(repo, "agent/bob/x")
    assert code == 1 and any(f[1] == BLOCK for f in found), found


def test_a_new_link_leaves_unchanged_links_that_still_end_where_they_did_alone(tmp_path: Path) -> None:
    # Every link in the tree is looked at again, but only one whose end moved is judged.
    repo = seeded_repo(tmp_path / "r")
    os.symlink("../billing", repo.path / "src/common/billing")
    repo.commit("an approved link on main into alice's folder, from a shared one")
    _branch_with_links(repo, "agent/bob/x", {"src/ui/alias.py": "app.py"})
    repo.checkout("main")
    assert _check(repo, "agent/bob/x") == (3, [("gate.symlink", ASK, "src/ui/alias.py",
                                                 "symlink src/ui/alias.py -> app.py")])


# -- agentgate check --diff ---------------------------------------------------------------


def test_a_diff_is_judged_on_the_targets_tree_with_its_own_links_on_top(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    os.symlink("../billing", repo.path / "src/common/billing")
    repo.commit("an approved link in a shared folder")
    _branch_with_links(repo, "agent/bob/x", {"src/ui/d": ".", "src/ui/lnk": "d/../billing",
                                             "src/ui/bill.py": "../common/billing/invoice.py",
                                             "src/ui/v": "v2", "src/ui/cur.py": "v/app.py"},
                       files={"src/ui/v2/app.py": "x = 2\n"})
    code, branch = _check(repo, "agent/bob/x")
    diff = tmp_path / "patch.diff"
    diff.write_bytes(repo.git("diff", "main...agent/bob/x").encode())
    dcode, report = check_json(repo.path, "--diff", str(diff), "--agent", "bob")
    assert (dcode, sorted((f for f in findings(report, *KEYS) if f[0] == "gate.symlink"), key=lambda f: str(f[2]))) \
        == (code, branch)
    assert [f[1:3] for f in branch] == [
        (BLOCK, "src/ui/bill.py"), (ASK, "src/ui/cur.py"), (ASK, "src/ui/d"), (BLOCK, "src/ui/lnk"),
        (ASK, "src/ui/v")]
