"""``gate.secret`` and ``gate.large-file`` judge every commit the work adds, and a
secret never reaches an output (issue 14 items 6-9; DESIGN §3 "history", §8).

tests/test_hostile.py pushes each hole for real; here: ``agentgate check`` names the
commit, a merge is judged for what it adds of its own, the other pushes that add
commits (a branch of no agent, an agent's runs on the target), and the board.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.crafting import refs
from tests.gitutil import agentgate, check_json, on_branch, seeded_repo
from tests.servers import Server

# An AWS access key id the scanner knows, built from pieces; not a real one.
KEY = "AKIA" + "Z7Q3M5XK2PLW9RTB"
REDACTED = "[redacted: AWS access key id]"


def _secrets(report: dict[str, object]) -> list[tuple[object, ...]]:
    (branch,) = report["branches"]  # type: ignore[misc]
    return [(f["path"], f["line"], f["message"], f["other"]) for f in branch["findings"] if f["rule"] == "gate.secret"]


def test_check_names_the_commit_that_added_a_secret_a_later_commit_removed(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    repo.branch("agent/alice/x")
    added = repo.commit("configure", {"src/billing/settings.py": f"KEY = '{KEY}'\n"})
    repo.commit("read it from the environment", {"src/billing/settings.py": "import os\nKEY = os.environ['K']\n"})
    repo.checkout("main")
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, _secrets(report)) == (1, [
        ("src/billing/settings.py", 1, f"AWS access key id added at src/billing/settings.py:1 in commit {added[:9]}",
         {"commit": added})])


def test_merging_the_target_into_a_branch_brings_none_of_the_targets_content_as_the_branchs(tmp_path: Path) -> None:
    # A fixture on main that looks like a key is main's: the merge commit that brings
    # it into the branch adds nothing of its own.
    repo = seeded_repo(tmp_path / "r")
    repo.branch("agent/alice/x")
    repo.commit("work", {"src/billing/a.py": "A = 1\n"})
    repo.checkout("main")
    repo.commit("fixture", {"tests/fixtures/creds.txt": f"{KEY}\n", "tests/fixtures/blob.bin": b"\0" + KEY.encode()})
    repo.checkout("agent/alice/x")
    repo.git("merge", "-q", "--no-edit", "main")
    repo.checkout("main")
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, _secrets(report)) == (0, [])


def test_a_merge_commit_is_judged_for_the_secret_it_adds_of_its_own(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    repo.branch("agent/alice/x")
    repo.commit("work", {"src/billing/a.py": "A = 1\n"})
    repo.checkout("main")
    repo.commit("elsewhere", {"README.md": "more\n"})
    repo.checkout("agent/alice/x")
    repo.git("merge", "-q", "--no-commit", "main")
    (repo.path / "src/billing/a.py").write_text(f"A = 1\nKEY = '{KEY}'\n")
    merge = repo.commit("merge main")
    repo.commit("drop it", {"src/billing/a.py": "A = 1\n"})
    repo.checkout("main")
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, _secrets(report)) == (1, [
        ("src/billing/a.py", 2, f"AWS access key id added at src/billing/a.py:2 in commit {merge[:9]}",
         {"commit": merge})])


def test_a_secret_on_a_branch_of_no_agent_is_refused_when_pushed(server: Server) -> None:
    work = server.work
    added = on_branch(work, "feature/notes", files={"docs/notes.md": f"key {KEY}\n"})
    before = refs(server)
    pushed = server.push("feature/notes", user="dev")
    assert (pushed.rc, refs(server)) == (1, before)
    assert pushed.remote == [
        f"agentgate: feature/notes: BLOCK gate.secret docs/notes.md:1  AWS access key id added at docs/notes.md:1 "
        f"in commit {added[:9]}",
        "agentgate: feature/notes: block: refused",
        "agentgate: push refused",
    ]
    on_branch(work, "feature/clean", files={"docs/notes.md": "no key\n"})
    assert server.push("feature/clean", user="dev").rc == 0


def test_a_secret_an_agents_runs_on_the_target_add_and_remove_is_refused_naming_its_commit(server: Server) -> None:
    work = server.work
    before = refs(server)
    added = work.commit("a1\n\nAgent: alice", {"src/billing/a.py": f"KEY = '{KEY}'\n"})
    work.commit("b1\n\nAgent: bob", {"src/ui/b.py": "B = 1\n"})
    work.commit("a2\n\nAgent: alice", {"src/billing/a.py": "KEY = None\n"})
    pushed = server.push("main", user="lead")
    assert (pushed.rc, refs(server)) == (1, before)
    assert [ln for ln in pushed.remote if "gate.secret" in ln] == [
        f"agentgate: main <- alice (2 commits in 2 runs, {added[:9]}..{work.rev('main')[:9]}): BLOCK gate.secret "
        f"src/billing/a.py:1  AWS access key id added at src/billing/a.py:1 in commit {added[:9]}"]


def test_the_board_never_shows_a_secret_held_in_a_file_name(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/one", files={f"src/billing/{KEY}.txt": "one\n"})
    on_branch(repo, "agent/alice/two", files={f"src/billing/{KEY}.txt": "two\n"})
    _, text, err = agentgate(repo.path, "status")
    _, out, _ = agentgate(repo.path, "status", "--format", "json")
    assert KEY not in text + err + out
    board = json.loads(out)
    overlaps = [o for b in board["branches"] for o in b["overlaps"]]
    assert [o["paths"] for o in overlaps] == [[f"src/billing/{REDACTED}.txt"]] * 2


def test_a_branch_grown_by_a_commit_scans_only_that_commit_again(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    repo.branch("agent/alice/x")
    first = repo.commit("one", {"src/billing/a.py": "A = 1\n"})
    second = repo.commit("two", {"src/billing/b.py": "B = 1\n"})
    assert check_json(repo.path, "agent/alice/x")[0] == 0
    third = repo.commit("three", {"src/billing/c.py": f"C = '{KEY}'\n"})
    repo.checkout("main")
    code, report = check_json(repo.path, "agent/alice/x")
    assert (code, [m for _, _, m, _ in _secrets(report)]) == (
        1, [f"AWS access key id added at src/billing/c.py:1 in commit {third[:9]}"])
    # One entry per scan, named by its newest commit: the first scan's two, then the third.
    entries = {p.stem: set(json.loads(p.read_text())["commits"])
               for p in (repo.path / ".git" / "agentgate" / "history").rglob("*.json")}
    assert entries == {second: {first, second}, third: {third}}


def test_a_patch_adding_a_secret_as_a_name_or_link_target_is_refused_and_redacted(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    repo.branch("agent/alice/x")
    os.symlink(f"../../{KEY}", repo.path / "src/billing/aws")
    repo.commit("work", {f"src/billing/{KEY}.txt": "notes\n"})
    repo.checkout("main")
    diff = tmp_path / "patch.diff"
    diff.write_text(repo.git("diff", "main...agent/alice/x"))
    code, report = check_json(repo.path, "--diff", str(diff), "--agent", "alice")
    assert KEY not in json.dumps(report)
    assert (code, [m for _, _, m, _ in _secrets(report)]) == (1, [
        f"AWS access key id in the name of src/billing/{REDACTED}.txt",
        "AWS access key id in the target of symlink src/billing/aws",
    ])
