"""Change sets: the cases git users meet (spelled out here; the generated ones are
in test_changes_differential.py), the cache, and concurrent writers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gate.git.changes import CACHE_VERSION, changeset, compute, from_json, to_json
from gate.git.opening import open_repo
from gate.model import (
    ADDED,
    DELETED,
    MODE_EXEC,
    MODE_FILE,
    MODE_GITLINK,
    MODE_LINK,
    MODIFIED,
    RENAMED,
    TYPECHANGE,
    FileChange,
    Hunk,
)
from tests.gitutil import Repo, on_branch, seeded_repo

LONG = "".join(f"line {i}\n" for i in range(1, 31))


def _two_commits(repo: Repo, before: dict[str, str | bytes], change: list[tuple[str, ...]]) -> tuple[str, str]:
    """Commit ``before`` on main, then apply ``change`` (git commands) and commit."""
    base = repo.commit("base", before)
    for cmd in change:
        repo.git(*cmd)
    repo.git("add", "-A")
    repo.git("commit", "-q", "--allow-empty", "-m", "change")
    return base, repo.rev("HEAD")


def _cs(repo: Repo, base: str, head: str) -> tuple[FileChange, ...]:
    return compute(open_repo(repo.path), base, head).files


def test_an_edited_file_has_git_s_line_ranges(repo: Repo) -> None:
    base = repo.commit("base", {"a.txt": LONG})
    head = repo.commit("edit", {"a.txt": LONG.replace("line 3\n", "LINE 3\n").replace("line 20\n", "")
                                + "tail\n"})
    (fc,) = _cs(repo, base, head)
    assert (fc.status, fc.old_path, fc.new_path, fc.binary) == (MODIFIED, "a.txt", "a.txt", False)
    assert fc.hunks == (Hunk(3, 1, 3, 1), Hunk(20, 1, 19, 0), Hunk(30, 0, 30, 1))
    assert fc.base_ranges() == ((3, 3), (20, 20), (30, 30))
    assert fc.new_ranges() == ((3, 3), (30, 30))
    assert (fc.old_size, fc.new_size) == (len(LONG), len(LONG) - len("line 20\n") + len("tail\n"))


def test_a_renamed_file_with_a_small_edit_is_one_rename(repo: Repo) -> None:
    (repo.path / "src" / "billing").mkdir(parents=True)
    base, head = _two_commits(repo, {"src/ui/app.py": LONG},
                              [("mv", "src/ui/app.py", "src/billing/app.py")])
    repo.write("src/billing/app.py", LONG.replace("line 7\n", "line seven\n"))
    repo.git("commit", "-qam", "edit")
    (fc,) = _cs(repo, base, repo.rev("HEAD"))
    assert (fc.status, fc.old_path, fc.new_path, fc.paths) == (
        RENAMED, "src/ui/app.py", "src/billing/app.py", ("src/ui/app.py", "src/billing/app.py"))
    assert fc.hunks == (Hunk(7, 1, 7, 1),)
    assert 50 <= fc.similarity < 100
    (exact,) = _cs(repo, base, head)
    assert (exact.status, exact.similarity, exact.hunks) == (RENAMED, 100, ())


def test_a_deleted_file(repo: Repo) -> None:
    base, head = _two_commits(repo, {"a.txt": "x\ny\n", "keep": "k\n"}, [("rm", "-q", "a.txt")])
    (fc,) = _cs(repo, base, head)
    assert (fc.status, fc.path, fc.old_path, fc.new_path, fc.new_oid, fc.new_mode) == (
        DELETED, "a.txt", "a.txt", None, None, 0)
    assert fc.hunks == (Hunk(1, 2, 0, 0),)


def test_the_exec_bit_alone_is_a_modification_without_lines(repo: Repo) -> None:
    base = repo.commit("base", {"run.sh": "echo hi\n"})
    (repo.path / "run.sh").chmod(0o755)
    head = repo.commit("chmod")
    (fc,) = _cs(repo, base, head)
    assert (fc.status, fc.old_mode, fc.new_mode, fc.hunks) == (MODIFIED, MODE_FILE, MODE_EXEC, ())


def test_a_binary_file_has_no_lines(repo: Repo) -> None:
    base = repo.commit("base", {"img.png": b"\x89PNG\0\0\0" + bytes(range(256))})
    head = repo.commit("edit", {"img.png": b"\x89PNG\0\0\1" + bytes(range(256))})
    (fc,) = _cs(repo, base, head)
    assert (fc.status, fc.binary, fc.hunks, fc.new_size) == (MODIFIED, True, (), 263)


def test_a_file_replaced_by_a_symlink_keeps_both_sides_lines(repo: Repo) -> None:
    # libgit2 reports no hunks for a type change; git shows the old blob deleted
    # and the new one added, and so do we.
    base = repo.commit("base", {"cfg": "a\nb\nc\n"})
    repo.git("rm", "-q", "cfg")
    os.symlink("../elsewhere", repo.path / "cfg")
    repo.git("add", "cfg")
    repo.git("commit", "-qm", "link")
    (fc,) = _cs(repo, base, repo.rev("HEAD"))
    assert (fc.status, fc.old_mode, fc.new_mode, fc.binary) == (TYPECHANGE, MODE_FILE, MODE_LINK, False)
    assert fc.hunks == (Hunk(1, 3, 0, 0), Hunk(0, 0, 1, 1))


def test_a_moved_symlink_is_a_rename_as_in_git(repo: Repo) -> None:
    # libgit2 leaves symlinks out of rename detection; git pairs identical ones.
    os.symlink("target/a", repo.path / "link")
    base = repo.commit("base", {"keep": "k\n"})
    repo.git("mv", "link", "moved")
    repo.git("commit", "-qm", "move")
    assert repo.git("diff", "--name-status", "-M", base, "HEAD") == "R100\tlink\tmoved\n"
    (fc,) = _cs(repo, base, repo.rev("HEAD"))
    assert (fc.status, fc.old_path, fc.new_path, fc.old_mode, fc.new_mode, fc.similarity) == (
        RENAMED, "link", "moved", MODE_LINK, MODE_LINK, 100)


def test_an_added_submodule_is_a_gitlink_without_content(repo: Repo) -> None:
    base = repo.commit("base", {"a": "a\n"})
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{base},vendor/lib")
    repo.git("commit", "-qm", "submodule")
    (fc,) = _cs(repo, base, repo.rev("HEAD"))
    assert (fc.status, fc.new_path, fc.new_mode, fc.new_oid, fc.new_size, fc.binary) == (
        ADDED, "vendor/lib", MODE_GITLINK, base, 0, False)


def test_a_non_utf8_path_survives_the_change_set_and_its_cache(repo: Repo) -> None:
    base = repo.commit("base", {"a": "a\n"})
    blob = repo.git("hash-object", "-w", "--stdin", input="data\n").strip()
    # A Latin-1 name, as an old tool might write it: not valid UTF-8.
    repo.git("update-index", "--index-info", input=f"100644 {blob}\tcaf".encode() + b"\xe9.txt\n")
    repo.git("commit", "-qm", "latin-1 name")
    head = repo.rev("HEAD")
    gr = open_repo(repo.path)
    first = changeset(gr, base, head)
    again = changeset(gr, base, head)  # from the cache
    for cs in (first, again):
        (fc,) = cs.files
        assert os.fsencode(fc.path) == b"caf\xe9.txt"
    assert again == first
    json.loads(_cache_file(repo, base, head).read_text())  # stored as valid JSON


def _cache_file(repo: Repo, base: str, head: str) -> Path:
    return repo.path / ".git" / "agentgate" / "cs" / head[:2] / f"{head}-{base}.json"


def test_the_second_read_comes_from_the_cache(repo: Repo) -> None:
    base = repo.commit("base", {"a.txt": "a\n"})
    head = repo.commit("edit", {"a.txt": "b\n"})
    gr = open_repo(repo.path)
    cs = changeset(gr, base, head)
    path = _cache_file(repo, base, head)
    assert from_json(json.loads(path.read_text())) == cs
    # Doctor the cached copy: a second call that returns the doctored copy read it.
    data = to_json(cs)
    data["files"][0][2] = "from-the-cache.txt"
    path.write_text(json.dumps(data))
    assert changeset(gr, base, head).files[0].new_path == "from-the-cache.txt"
    assert changeset(gr, base, head, use_cache=False) == cs


def test_a_damaged_or_outdated_cache_entry_is_recomputed_and_replaced(repo: Repo) -> None:
    base = repo.commit("base", {"a.txt": "a\n"})
    head = repo.commit("edit", {"a.txt": "b\n"})
    gr = open_repo(repo.path)
    cs = changeset(gr, base, head)
    path = _cache_file(repo, base, head)
    for junk in ("{not json", json.dumps({"v": CACHE_VERSION - 1, "files": []}),
                 json.dumps({"v": CACHE_VERSION, "base": base}), "[]"):
        path.write_text(junk)
        assert changeset(gr, base, head) == cs
        assert from_json(json.loads(path.read_text())) == cs


def test_a_read_only_cache_still_gives_an_answer(repo: Repo) -> None:
    base = repo.commit("base", {"a.txt": "a\n"})
    head = repo.commit("edit", {"a.txt": "b\n"})
    cache = repo.path / ".git" / "agentgate"
    cache.mkdir()
    cache.chmod(0o500)
    try:
        if os.access(cache, os.W_OK):  # running as root: permissions do not bind
            return
        assert changeset(open_repo(repo.path), base, head).files[0].new_path == "a.txt"
    finally:
        cache.chmod(0o700)


RACE = """
import json, sys
from gate.git.opening import open_repo
from gate.git.changes import changeset
repo, base, head, path = sys.argv[1:5]
gr = open_repo(repo)
import os
seen = set()
for _ in range(40):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    cs = changeset(gr, base, head)
    seen.add(json.dumps([[f.status, f.path, [list(h.__dict__.values()) for h in f.hunks]] for f in cs.files]))
print(json.dumps(sorted(seen)))
"""


def test_processes_racing_on_one_change_set_agree_and_leave_a_whole_file(repo: Repo) -> None:
    files = {f"src/f{i}.py": LONG for i in range(30)}
    base = repo.commit("base", files)
    head = repo.commit("edit", {p: c.replace("line 5\n", "five\n") for p, c in files.items()})
    path = _cache_file(repo, base, head)
    # Four writers, each deleting the entry and writing it again, 40 times over:
    # readers meet missing, fresh and replaced files, never a torn one.
    procs = [subprocess.Popen([sys.executable, "-c", RACE, str(repo.path), base, head, str(path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _, err in outputs]
    answers = {out for out, _ in outputs}
    assert len(answers) == 1 and len(json.loads(answers.pop())) == 1  # one answer, everywhere
    expected = changeset(open_repo(repo.path), base, head, use_cache=False)
    if path.exists():
        assert from_json(json.loads(path.read_text())) == expected
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".tmp-")] == []


def test_cache_files_get_the_umask_mode_so_a_group_can_share_them(tmp_path: Path) -> None:
    r = seeded_repo(tmp_path / "repo")
    on_branch(r, "agent/alice/x", files={"src/billing/invoice.py": "def total(items):\n    return 0\n"})
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    for umask, mode in (("002", 0o664), ("077", 0o600)):
        subprocess.run(["rm", "-rf", str(r.path / ".git" / "agentgate")], check=True)
        subprocess.run(["sh", "-c", f'umask {umask} && exec "$0" -m gate check agent/alice/x', sys.executable],
                       cwd=r.path, env=env, check=True, capture_output=True)
        written = list((r.path / ".git" / "agentgate").rglob("*.json"))
        assert {p.parent.name for p in written} >= {"memo"}
        assert {oct(p.stat().st_mode & 0o777) for p in written} == {oct(mode)}
