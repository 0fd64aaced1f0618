"""Hostile objects never open the gate (issue 14; DESIGN §2 and §8).

A misbehaving agent can push any commit, tree or blob it crafts. Each test here
builds one such object with git's own plumbing (``git hash-object --literally``
from raw bytes, ``git commit-tree``), pushes it for real to a bare repository with
the server hooks, and asserts the refusal, the reason, and that no ref moved.
Objects git's fsck judges differently are pushed with ``receive.fsckObjects`` on and
off: git may refuse first; when the push reaches the hook, the hook must refuse with
its own reason.

The numbers in the section titles are the items of issue 14. Item 10 (bounded time)
is measured by the benchmark, not by a test.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.gitutil import POLICY, Repo, Run, git, on_branch
from tests.servers import Pushed, Server, make_server

# An AWS access key id the scanner knows (gate/checks/secrets.py), not a real one.
KEY = "AKIAZ7Q3M5XK2PLW9RTB"
BAD_DATE = "Mallory <mallory@example.com> 99999999999999999999 +0000"  # libgit2: "invalid Unix timestamp"
GOOD_DATE = "Bob Bot <bob@example.com> 1767225600 +0000"

Entry = tuple[str, bytes, str]  # (mode as a tree stores it, name, object id)

FSCK = pytest.mark.parametrize("fsck", [False, True], ids=["fsck-off", "fsck-on"])


def xfail(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"issue 14: {reason}")


# -- crafting objects with git's plumbing ------------------------------------------------


def write_object(repo: Repo, kind: str, data: bytes) -> str:
    """Store ``data`` as a ``kind`` object exactly as given: no checks, no canonical form."""
    return repo.git("hash-object", "-w", "--literally", "-t", kind, "--stdin", input=data).strip()


def blob(repo: Repo, data: bytes | str) -> str:
    return write_object(repo, "blob", data.encode() if isinstance(data, str) else data)


def tree_bytes(entries: Sequence[Entry]) -> bytes:
    """A raw tree object: ``<mode> <name>\\0<20-byte id>`` per entry, in the order given."""
    return b"".join(mode.encode() + b" " + name + b"\0" + bytes.fromhex(oid) for mode, name, oid in entries)


def ls_tree(repo: Repo, tree: str) -> list[Entry]:
    out = subprocess.run(["git", "ls-tree", "-z", tree], cwd=repo.path, capture_output=True, check=True).stdout
    entries: list[Entry] = []
    for record in out.split(b"\0"):
        if record:
            meta, name = record.split(b"\t", 1)
            mode, _kind, oid = meta.decode().split(" ")
            entries.append((mode.lstrip("0"), name, oid))
    return entries


def _git_order(entry: Entry) -> bytes:
    mode, name, _ = entry
    return name + b"/" if mode == "40000" else name


def spliced(repo: Repo, commit: str, directory: str, entries: Sequence[Entry]) -> str:
    """The id of a root tree: ``commit``'s, with ``entries`` added to ``directory``
    (made when missing) and every tree on the way written anew. Entries are kept in
    git's order; equal names keep the order given (duplicates stay duplicates)."""
    parts = [p for p in directory.split("/") if p]

    def build(depth: int) -> str:
        here = "/".join(parts[:depth])
        spec = f"{commit}:{here}" if here else f"{commit}^{{tree}}"
        exists = subprocess.run(["git", "cat-file", "-e", spec], cwd=repo.path, check=False).returncode == 0
        listed = ls_tree(repo, spec) if exists else []
        if depth == len(parts):
            listed += entries
        else:
            name = parts[depth].encode()
            listed = [e for e in listed if e[1] != name] + [("40000", name, build(depth + 1))]
        return write_object(repo, "tree", tree_bytes(sorted(listed, key=_git_order)))

    return build(0)


def commit_tree(repo: Repo, tree: str, *parents: str, message: str = "work") -> str:
    args = [a for p in parents for a in ("-p", p)]
    return repo.git("commit-tree", tree, *args, "-m", message).strip()


def raw_commit(repo: Repo, tree: str, parents: Sequence[str], author: str, message: str = "work") -> str:
    """A commit written byte for byte: ``author`` is the whole signature line's value."""
    lines = [f"tree {tree}", *[f"parent {p}" for p in parents], f"author {author}", f"committer {GOOD_DATE}"]
    return write_object(repo, "commit", ("\n".join(lines) + f"\n\n{message}\n").encode())


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


def set_fsck(server: Server, on: bool) -> None:
    git(server.bare, "config", "receive.fsckObjects", "true" if on else "false")


def refs(server: Server) -> dict[str, str]:
    out = git(server.bare, "for-each-ref", "--format=%(refname) %(objectname)")
    return {name: oid for name, oid in (line.split(" ", 1) for line in out.splitlines())}


def push_raw(server: Server, objects: Sequence[str], new: str, ref: str, user: str) -> Pushed:
    """Push as a client that walks nothing: a pack of exactly ``objects`` and one
    command, straight into ``git receive-pack`` (git's own client refuses to send
    some trees, e.g. an empty entry name; an attacker's client need not)."""
    pack = subprocess.run(["git", "pack-objects", "--stdout", "-q"], cwd=server.work.path, check=True,
                          input="\n".join(objects).encode(), capture_output=True).stdout
    command = f"{'0' * 40} {new} {ref}".encode() + b"\0 report-status\n"
    env = dict(os.environ, AGENTGATE_USER=user)
    proc = subprocess.run(["git", "receive-pack", str(server.bare)], env=env, check=False, capture_output=True,
                          input=b"%04x" % (len(command) + 4) + command + b"0000" + pack)
    stderr = proc.stderr.decode(errors="replace")
    rejected = [f" ! [remote rejected] {new} -> {ln[3:].replace(' ', ' (', 1)})"
                for ln in _pkt_lines(proc.stdout) if ln.startswith("ng ")]
    rc = 0 if f"ok {ref}" in _pkt_lines(proc.stdout) else 1
    return Pushed(rc, [ln.rstrip() for ln in stderr.splitlines()], "\n".join([stderr, *rejected]))


def _pkt_lines(data: bytes) -> list[str]:
    """The pkt-lines after receive-pack's ref advertisement and its flush."""
    lines: list[str] = []
    while len(data) >= 4:
        size = int(data[:4], 16)
        if size:
            lines.append(data[4:size].decode(errors="replace").rstrip("\n"))
        data = data[max(size, 4):]
    return lines


def hook_lines(pushed: Pushed) -> list[str]:
    return [ln for ln in pushed.remote if ln.removeprefix("GL-HOOK-ERR: ").startswith("agentgate:")]


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


def out_of_scope_push_is_refused(server: Server, branch: str = "agent/bob/later") -> None:
    """An ordinary push of bob editing alice's file, on top of the server's main."""
    work = server.work
    work.git("fetch", "-q", "origin", "+refs/heads/main:refs/remotes/origin/main")
    edit = on_branch(work, "scratch-later", files={"src/billing/invoice.py": "def total(items):\n    return 0\n"})
    later = commit_tree(work, f"{edit}^{{tree}}", work.git("rev-parse", "origin/main").strip(), message="later")
    before = refs(server)
    pushed = server.push(f"{later}:refs/heads/{branch}", user="bob-bot")
    assert_refused(pushed, before, refs(server), "BLOCK scope.outside")
    assert "pre-receive hook declined" in pushed.stderr, pushed.stderr


# -- 1. unreadable commits: refused, and the gate stays shut --------------------------


UNREADABLE = ("cannot read", "cannot be read", "unreadable", "cannot parse", "baddate")
Crafted = tuple[str, str, str, tuple[str, ...]]  # (what to push, to which ref, as whom, the reasons expected)


def _unreadable_on_agent_branch(server: Server) -> Crafted:
    work = server.work
    main = work.rev("main")
    ordinary = on_branch(work, "scratch", files={"src/billing/invoice.py": "def total(items):\n    return -1\n"})
    crafted = raw_commit(work, work.git("rev-parse", f"{ordinary}^{{tree}}").strip(), [main], BAD_DATE)
    return crafted, "refs/heads/agent/bob/x", "bob-bot", UNREADABLE


def _unreadable_on_main_by_the_lead(server: Server) -> Crafted:
    work = server.work
    main = work.rev("main")
    crafted = raw_commit(work, work.git("rev-parse", "main^{tree}").strip(), [main], BAD_DATE)
    return crafted, "refs/heads/main", "lead", UNREADABLE


def _unreadable_force_push_of_main(server: Server) -> Crafted:
    work = server.work
    crafted = raw_commit(work, work.git("rev-parse", "main^{tree}").strip(), [], BAD_DATE)
    return f"+{crafted}", "refs/heads/main", "lead", ("ref.force-push",)


UNREADABLE_PUSHES = {
    "agent-branch": _unreadable_on_agent_branch,
    "main-by-the-lead": _unreadable_on_main_by_the_lead,
    "force-push-of-main": _unreadable_force_push_of_main,
}


@pytest.mark.parametrize(
    ("fsck", "variant"),
    [
        pytest.param(fsck, variant, id=f"{variant}-fsck-{'on' if fsck else 'off'}",
                     marks=[] if fsck else [xfail("a commit libgit2 cannot parse is accepted with no output")])
        for variant in UNREADABLE_PUSHES for fsck in (False, True)
    ],
)
def test_a_commit_libgit2_cannot_parse_is_refused_and_the_gate_stays_shut(server: Server, fsck: bool,
                                                                          variant: str) -> None:
    set_fsck(server, fsck)
    refspec, ref, user, reasons = UNREADABLE_PUSHES[variant](server)
    before = refs(server)
    pushed = server.push(f"{refspec}:{ref}", user=user)
    assert_refused(pushed, before, refs(server), *reasons)
    out_of_scope_push_is_refused(server)


# -- 2. non-canonical modes ------------------------------------------------------------


@FSCK
@xfail("a 120755 link into src/billing/ is not a symlink to agentgate: accepted with allow")
def test_symlink_with_mode_120755_into_alices_folder_is_refused(server: Server, fsck: bool) -> None:
    set_fsck(server, fsck)  # badFilemode is only a warning: the hook decides either way
    work = server.work
    main = work.rev("main")
    link = ("120755", b"billing", blob(work, "../billing"))
    crafted = commit_tree(work, spliced(work, main, "src/ui", [link]), main)
    before = refs(server)
    pushed = server.push(f"{crafted}:refs/heads/agent/bob/x", user="bob-bot")
    assert_refused(pushed, before, refs(server), "BLOCK gate.symlink")
    assert "pre-receive hook declined" in pushed.stderr, pushed.stderr


@FSCK
@xfail('a 160755 entry crashes the analysis and on_error = "allow" accepts it unchecked')
def test_gitlink_with_mode_160755_is_refused_even_when_on_error_allows(tmp_path: Path, agentgate: Path,
                                                                      fsck: bool) -> None:
    server = make_server(tmp_path, POLICY.replace('target = "main"\n', 'target = "main"\non_error = "allow"\n'))
    set_fsck(server, fsck)
    work = server.work
    main = work.rev("main")
    crafted = commit_tree(work, spliced(work, main, "src/ui", [("160755", b"vendor", main)]), main)
    before = refs(server)
    pushed = server.push(f"{crafted}:refs/heads/agent/bob/x", user="bob-bot")
    assert_refused(pushed, before, refs(server), "src/ui/vendor")
    assert "pre-receive hook declined" in pushed.stderr, pushed.stderr
    assert not any("accepted unchecked" in ln for ln in pushed.remote), pushed.remote


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


# -- 4. trees git refuses ---------------------------------------------------------------


DOTGIT = ("hasdotgit", ".git")
BAD_NAMES = [
    (b".git", DOTGIT),
    (b".GIT", DOTGIT),
    (b".git.", DOTGIT),
    (b"git~1", DOTGIT),
    (".g\u200cit".encode(), DOTGIT),  # HFS+ ignores the zero-width non-joiner
    (b"..", ("hasdotdot", "'..'", '".."', "`..`")),
    (b".", ("hasdot", "'.'", '"."', "`.`")),
    (b"", ("emptyname", "empty")),
    (b"x/y.py", ("fullpathname", "x/y.py")),
]
BAD_NAME_IDS = [".git", ".GIT", ".git.", "git~1", "hfs-dotgit", "dotdot", "dot", "empty", "slash"]


@FSCK
@pytest.mark.parametrize(("name", "reasons"), BAD_NAMES, ids=BAD_NAME_IDS)
def test_tree_entry_git_refuses_to_check_out_is_refused(request: pytest.FixtureRequest, server: Server,
                                                         fsck: bool, name: bytes, reasons: tuple[str, ...]) -> None:
    if not fsck and name != b"":  # with fsck on git refuses them all; an empty name git refuses either way
        request.applymarker(xfail(f"tree entry {name!r} is judged by its prefix only: accepted"))
    set_fsck(server, fsck)
    work = server.work
    main = work.rev("main")
    config = blob(work, "[core]\n\thooksPath = hooks\n")
    if b"/" in name:
        entry = ("100644", name, config)
    else:  # a folder holding a config file: what a checkout would write into .git
        entry = ("40000", name, write_object(work, "tree", tree_bytes([("100644", b"config", config)])))
    tree = spliced(work, main, "src/ui", [entry])
    crafted = commit_tree(work, tree, main)
    before = refs(server)
    if name == b"":  # git's own client will not send it; an attacker's client sends exactly these objects
        new = [crafted, tree, *(work.git("rev-parse", f"{tree}:{d}").strip() for d in ("src", "src/ui")), entry[2]]
        pushed = push_raw(server, [*new, config], crafted, "refs/heads/agent/bob/x", "bob-bot")
    else:
        pushed = server.push(f"{crafted}:refs/heads/agent/bob/x", user="bob-bot")
    assert_refused(pushed, before, refs(server), *reasons)


# -- 5. duplicate tree entries -----------------------------------------------------------


@FSCK
def test_duplicate_entry_holding_a_key_after_a_clean_one_is_refused(request: pytest.FixtureRequest,
                                                                     server: Server, fsck: bool) -> None:
    if not fsck:
        request.applymarker(xfail("the secret scan caches by path: the second creds.txt reuses the clean result"))
    set_fsck(server, fsck)
    work = server.work
    main = work.rev("main")
    clean = ("100644", b"creds.txt", blob(work, "user = bob\n"))
    dirty = ("100644", b"creds.txt", blob(work, f"aws_access_key_id = {KEY}\n"))
    crafted = commit_tree(work, spliced(work, main, "src/ui", [clean, dirty]), main)
    before = refs(server)
    pushed = server.push(f"{crafted}:refs/heads/agent/bob/x", user="bob-bot")
    assert_refused(pushed, before, refs(server), "BLOCK gate.secret", "duplicateentries", "duplicate")


# -- 6. secrets in binary and UTF-16 files ---------------------------------------------


@pytest.mark.parametrize(
    ("path", "content"),
    [
        pytest.param("src/ui/settings.py", f"\0\nAWS_KEY = '{KEY}'\n".encode(), id="nul-byte"),
        pytest.param("src/ui/deploy.ps1", f"\ufeff$env:AWS_ACCESS_KEY_ID = '{KEY}'\r\n".encode("utf-16-le"),
                     id="utf-16-le-with-bom"),
    ],
)
@xfail("a file with a NUL byte or in UTF-16 is 'binary' and binary files are not scanned")
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
@xfail("file names and link targets are not scanned, and a link target is printed in reports")
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


@xfail("only the branch's net change is scanned: a key added then removed is accepted")
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


@xfail("gate.large-file sees only the net change: a blob added then deleted stays in the history")
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


@xfail("the binary decision comes from the worktree's .gitattributes and is cached by commit id")
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
