"""Hostile objects never open the gate (issue 14; DESIGN §2 and §8).

A misbehaving agent can push any commit, tree or blob it crafts. Each test here
builds one such object with git's own plumbing (``git hash-object --literally``
from raw bytes, ``git commit-tree``), pushes it for real to a bare repository with
the server hooks, and asserts the refusal, the reason, and that no ref moved.
Objects git's fsck judges differently are pushed with ``receive.fsckObjects`` on and
off: git may refuse first; when the push reaches the hook, the hook must refuse with
its own reason.

The numbers in the section titles are the items of issue 14; items 1, 2, 4 and 5
are in tests/test_fsck_push.py. Item 10 (bounded time)
is measured by the benchmark, not by a test.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.crafting import hook_lines, refs
from tests.gitutil import POLICY, Repo, Run, on_branch
from tests.servers import Pushed, Server, make_server

# An AWS access key id the scanner knows (gate/checks/secrets.py), not a real one.
KEY = "AKIAZ7Q3M5XK2PLW9RTB"


# -- helpers beyond tests/crafting.py ----------------------------------------------------


def with_symlinks(work: Repo, branch: str, links: dict[str, str], files: dict[str, str | bytes] | None = None) -> str:
    """Commit ordinary symlinks (mode 120000) and files on a new branch off main."""
    work.branch(branch)
    for rel, target in links.items():
        (work.path / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, work.path / rel)
    head = work.commit("links", files)
    work.checkout("main")
    return head


# -- pushing and what the pusher sees ---------------------------------------------------



def assert_refused(pushed: Pushed, before: dict[str, str], after: dict[str, str], *reasons: str) -> None:
    """Refused, and no ref moved. When the hook is what refused (git did not refuse
    first), one of its lines names one of ``reasons`` (case-insensitive)."""
    shown = "\n".join(pushed.remote) or pushed.stderr
    assert pushed.rc != 0, f"accepted:\n{shown}"
    assert after == before, f"refs moved:\n{shown}"
    assert "[remote rejected]" in pushed.stderr, pushed.stderr  # git refused it, not the client before sending
    if "pre-receive hook declined" in pushed.stderr:
        said = [ln.casefold() for ln in hook_lines(pushed)]
        assert any(r.casefold() in ln for ln in said for r in reasons), f"no reason among {reasons}:\n{shown}"


# -- 1, 2, 4, 5: unreadable commits, modes, names git refuses, duplicate entries: --------
# tests/test_fsck_push.py (with receive.fsckObjects on and off).


# -- 3. symlinks resolved as the OS resolves them -------------------------------------


@pytest.mark.parametrize(
    "links",
    [
        pytest.param({"src/ui/d": ".", "src/ui/lnk": "d/../billing"}, id="through-a-link-to-its-own-folder"),
        pytest.param({"src/ui/up": ".."}, id="to-the-parent-of-alices-folder"),
        pytest.param({"src/ui/root": "../.."}, id="to-the-repository-root"),
    ],
)
def test_symlink_reaching_alices_folder_through_links_or_ancestors_is_refused(server: Server,
                                                                              links: dict[str, str]) -> None:
    head = with_symlinks(server.work, "agent/bob/x", links)
    before = refs(server)
    pushed = server.push(f"{head}:refs/heads/agent/bob/x", user="bob-bot")
    assert_refused(pushed, before, refs(server), "BLOCK gate.symlink")
    assert "pre-receive hook declined" in pushed.stderr, pushed.stderr


# -- 6. secrets in binary and UTF-16 files ---------------------------------------------


@pytest.mark.parametrize(
    ("path", "content"),
    [
        pytest.param("src/ui/settings.py", f"\0\nAWS_KEY = '{KEY}'\n".encode(), id="nul-byte"),
        pytest.param("src/ui/deploy.ps1", f"\ufeff$env:AWS_ACCESS_KEY_ID = '{KEY}'\r\n".encode("utf-16-le"),
                     id="utf-16-le-with-bom"),
    ],
)
def test_secret_in_a_binary_or_utf16_file_is_refused(server: Server, path: str, content: bytes) -> None:
    on_branch(server.work, "agent/bob/x", files={path: content})
    before = refs(server)
    pushed = server.push("agent/bob/x", user="bob-bot")
    assert_refused(pushed, before, refs(server), "BLOCK gate.secret")
    assert "pre-receive hook declined" in pushed.stderr, pushed.stderr


# -- 7. secrets outside file contents ----------------------------------------------------


FORMATS = ("text", "json", "github", "markdown", "sarif", "junit")


@pytest.mark.parametrize(
    ("links", "files"),
    [
        pytest.param({}, {f"src/ui/{KEY}.txt": "notes\n"}, id="file-name"),
        pytest.param({"src/ui/aws": KEY}, {}, id="symlink-target"),
    ],
)
def test_secret_as_a_file_name_or_link_target_is_refused_and_never_shown(server: Server, run: Run,
                                                                          links: dict[str, str],
                                                                          files: dict[str, str | bytes]) -> None:
    work = server.work
    with_symlinks(work, "agent/bob/x", links, files)
    before = refs(server)
    pushed = server.push("agent/bob/x", user="bob-bot")
    shown = {"remote": pushed.stderr}
    for fmt in FORMATS:
        _code, out, err = run("check", "agent/bob/x", "--format", fmt, cwd=work.path)
        shown[fmt] = out + err
    assert [where for where, text in shown.items() if KEY in text] == []
    assert_refused(pushed, before, refs(server), "BLOCK gate.secret")
    assert "pre-receive hook declined" in pushed.stderr, pushed.stderr
    (branch,) = json.loads(shown["json"])["branches"]
    assert "gate.secret" in [f["rule"] for f in branch["findings"]]


# -- 8. every new commit is scanned, not only the net change ------------------------------


def test_secret_added_then_removed_in_a_later_commit_is_refused_naming_the_commit(server: Server) -> None:
    work = server.work
    work.branch("agent/bob/x")
    added = work.commit("configure", {"src/ui/settings.py": f"AWS_KEY = '{KEY}'\n"})
    work.commit("read it from the environment", {"src/ui/settings.py": "import os\nAWS_KEY = os.environ['K']\n"})
    work.checkout("main")
    before = refs(server)
    pushed = server.push("agent/bob/x", user="bob-bot")
    assert_refused(pushed, before, refs(server), "BLOCK gate.secret")
    assert any("gate.secret" in ln and added[:7] in ln for ln in pushed.remote), pushed.remote


def test_large_blob_added_then_deleted_in_a_later_commit_is_refused(tmp_path: Path, agentgate: Path) -> None:
    server = make_server(tmp_path, POLICY + "\n[limits]\nmax_file_bytes = 1000\n")
    work = server.work
    work.branch("agent/bob/x")
    work.commit("assets", {"src/ui/logo.svg": "<svg>" + "x" * 2000 + "</svg>\n"})
    work.git("rm", "-q", "src/ui/logo.svg")
    work.commit("drop the assets")
    work.checkout("main")
    before = refs(server)
    pushed = server.push("agent/bob/x", user="bob-bot")
    assert_refused(pushed, before, refs(server), "BLOCK gate.large-file")
    assert "pre-receive hook declined" in pushed.stderr, pushed.stderr


# -- 9. a worktree's .gitattributes does not poison the shared cache ----------------------


def test_worktree_gitattributes_do_not_hide_a_secret_from_the_leads_check(server: Server, run: Run) -> None:
    work = server.work
    on_branch(work, "agent/bob/x", files={"src/ui/settings.py": f"AWS_KEY = '{KEY}'\n"})
    bobs = work.path.parent / "bob-worktree"
    work.git("worktree", "add", "-q", str(bobs), "agent/bob/x")
    (bobs / "src/ui/.gitattributes").write_text("*.py binary\n")  # uncommitted: only in bob's worktree
    bob_code, bob_out, _ = run("check", "--format", "json", cwd=bobs)
    lead_code, lead_out, _ = run("check", "agent/bob/x", "--format", "json", cwd=work.path)
    for code, out in ((lead_code, lead_out), (bob_code, bob_out)):
        (branch,) = json.loads(out)["branches"]
        assert (branch["verdict"], code != 0) == ("block", True), out
        assert "gate.secret" in [f["rule"] for f in branch["findings"]], out
