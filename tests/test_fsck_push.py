"""Pushed objects are read as git reads them, and what git's fsck refuses is refused
(issue 14, items 1, 2, 4 and 5; DESIGN §2 and §8).

Every crafted object is pushed for real with ``receive.fsckObjects`` on and off:
with it on, git may refuse first; with it off the hook refuses with its own reason
and names the path. Either way, no ref moves.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gate.hooks import prereceive
from tests.crafting import (
    BAD_DATE,
    Entry,
    assert_refused,
    blob,
    commit_tree,
    hook_lines,
    hook_ran,
    push_raw,
    raw_commit,
    refs,
    set_fsck,
    spliced,
    tree_bytes,
    write_object,
)
from tests.gitutil import POLICY, Run, git, on_branch
from tests.servers import Server, install_server_hooks, make_server

KEY = "AKIAZ7Q3M5XK2PLW9RTB"  # an AWS key id the scanner knows, not a real one
FSCK = pytest.mark.parametrize("fsck", [False, True], ids=["fsck-off", "fsck-on"])
ALLOW = POLICY.replace('target = "main"\n', 'target = "main"\non_error = "allow"\n')


def out_of_scope_push_is_refused(server: Server) -> None:
    """bob editing alice's file, on top of the server's main: the gate is still shut."""
    work = server.work
    edit = on_branch(work, "scratch-later", files={"src/billing/invoice.py": "def total(items):\n    return 0\n"})
    tip = commit_tree(work, f"{edit}^{{tree}}", work.rev("main"), message="later")
    before = refs(server)
    pushed = server.push(f"{tip}:refs/heads/agent/bob/later", user="bob-bot")
    assert_refused(pushed, before, refs(server), "BLOCK scope.outside")
    assert hook_ran(pushed), pushed.stderr


# -- 1. a commit that cannot be read is refused, and the gate stays shut ------------------


def _to_agent_branch(server: Server) -> tuple[str, str, str, tuple[str, ...]]:
    work = server.work
    tree = work.git("rev-parse", "main^{tree}").strip()
    return raw_commit(work, tree, [work.rev("main")], BAD_DATE), "refs/heads/agent/bob/x", "bob-bot", ()


def _to_main_by_the_lead(server: Server) -> tuple[str, str, str, tuple[str, ...]]:
    work = server.work
    tree = work.git("rev-parse", "main^{tree}").strip()
    return raw_commit(work, tree, [work.rev("main")], BAD_DATE), "refs/heads/main", "lead", ()


def _force_push_of_main(server: Server) -> tuple[str, str, str, tuple[str, ...]]:
    work = server.work
    tree = work.git("rev-parse", "main^{tree}").strip()
    return "+" + raw_commit(work, tree, [], BAD_DATE), "refs/heads/main", "lead", ("BLOCK ref.force-push",)


UNREADABLE: dict[str, Callable[[Server], tuple[str, str, str, tuple[str, ...]]]] = {
    "agent-branch": _to_agent_branch,
    "main-by-the-lead": _to_main_by_the_lead,
    "force-push-of-main": _force_push_of_main,
}


@FSCK
@pytest.mark.parametrize("variant", list(UNREADABLE))
def test_commit_libgit2_cannot_parse_is_refused_and_the_gate_stays_shut(server: Server, fsck: bool,
                                                                        variant: str) -> None:
    set_fsck(server, fsck)
    spec, ref, user, more = UNREADABLE[variant](server)
    before = refs(server)
    pushed = server.push(f"{spec}:{ref}", user=user)
    assert_refused(pushed, before, refs(server), "cannot be read", "baddateoverflow", *more)
    assert hook_ran(pushed) != fsck, pushed.stderr
    out_of_scope_push_is_refused(server)


def test_a_target_that_cannot_be_read_is_never_no_policy(tmp_path: Path, agentgate: Path) -> None:
    """main already holds an unreadable commit (pushed before the hooks): every push
    is refused with the reason, none is waved through as 'no policy'."""
    server = make_server(tmp_path, hooks=False)
    work = server.work
    bad = raw_commit(work, work.git("rev-parse", "main^{tree}").strip(), [work.rev("main")], BAD_DATE)
    assert server.push(f"{bad}:refs/heads/main").rc == 0
    install_server_hooks(server.bare)
    on_branch(work, "agent/bob/y", files={"src/ui/app.py": "x = 1\n"})
    before = refs(server)
    pushed = server.push("agent/bob/y", user="bob-bot")
    assert_refused(pushed, before, refs(server), f"{bad[:9]}", "cannot be read")
    assert hook_ran(pushed), pushed.stderr


# -- 2. on_error = "allow" covers a policy that fails validation, nothing else ---------------


def test_a_crash_of_the_analysis_is_refused_even_when_on_error_allows(tmp_path: Path, agentgate: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    server = make_server(tmp_path, ALLOW)
    head = on_branch(server.work, "agent/bob/x", files={"src/ui/app.py": "x = 1\n"})
    server.push("agent/bob/x:agent/bob/x", user="bob-bot")  # the objects reach the server
    monkeypatch.chdir(server.bare)

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("analysis broke")

    monkeypatch.setattr(prereceive.judge, "judge_updates", boom)
    code, lines = prereceive.receive(f"{'0' * 40} {head} refs/heads/agent/bob/z\n",
                                     {"AGENTGATE_USER": "bob-bot"})
    assert code == 1
    assert lines == ["cannot check this push: internal error: RuntimeError: analysis broke",
                     'push refused (agentgate fails closed; on_error = "allow" covers only a policy '
                     "that fails validation)"]


# -- 4. modes as git canonicalises them; modes git never writes are refused ---------------


@FSCK
def test_symlink_with_mode_120755_into_alices_folder_is_refused(server: Server, fsck: bool) -> None:
    set_fsck(server, fsck)  # badFilemode is only a warning to git: the hook decides either way
    work = server.work
    main = work.rev("main")
    link = ("120755", b"billing", blob(work, "../billing"))
    crafted = commit_tree(work, spliced(work, main, "src/ui", [link]), main)
    before = refs(server)
    pushed = server.push(f"{crafted}:refs/heads/agent/bob/x", user="bob-bot")
    assert_refused(pushed, before, refs(server), "src/ui/billing", "badfilemode", "120755")
    assert hook_ran(pushed), pushed.stderr


@FSCK
def test_gitlink_with_mode_160755_is_refused_even_when_on_error_allows(tmp_path: Path, agentgate: Path,
                                                                       fsck: bool) -> None:
    server = make_server(tmp_path, ALLOW)
    set_fsck(server, fsck)
    work = server.work
    main = work.rev("main")
    crafted = commit_tree(work, spliced(work, main, "src/ui", [("160755", b"vendor", main)]), main)
    before = refs(server)
    pushed = server.push(f"{crafted}:refs/heads/agent/bob/x", user="bob-bot")
    assert_refused(pushed, before, refs(server), "src/ui/vendor", "badfilemode")
    assert hook_ran(pushed), pushed.stderr
    assert not any("accepted unchecked" in ln for ln in pushed.remote), pushed.remote


@FSCK
def test_mode_100664_of_old_histories_is_accepted(server: Server, fsck: bool) -> None:
    set_fsck(server, fsck)
    work = server.work
    main = work.rev("main")
    crafted = commit_tree(work, spliced(work, main, "src/ui", [("100664", b"old.txt", blob(work, "x\n"))]), main)
    pushed = server.push(f"{crafted}:refs/heads/agent/bob/x", user="bob-bot")
    assert (pushed.rc, hook_lines(pushed)) == (0, ["agentgate: agent/bob/x: allow"])


def test_check_judges_a_120755_link_as_the_symlink_git_checks_out(server: Server, run: Run) -> None:
    work = server.work
    main = work.rev("main")
    link = ("120755", b"billing", blob(work, "../billing"))
    work.git("branch", "agent/bob/x", commit_tree(work, spliced(work, main, "src/ui", [link]), main))
    code, out, _ = run("check", "agent/bob/x", "--format", "json", cwd=work.path)
    (branch,) = json.loads(out)["branches"]
    found = [(f["rule"], f["action"], f["path"]) for f in branch["findings"]]
    assert ("gate.symlink", "block", "src/ui/billing") in found, out
    assert code == 1


def test_check_judges_a_160755_entry_as_a_submodule(server: Server, run: Run) -> None:
    work = server.work
    main = work.rev("main")
    work.git("branch", "agent/bob/x", commit_tree(work, spliced(work, main, "src/ui", [("160755", b"vendor", main)]),
                                                  main))
    code, out, err = run("check", "agent/bob/x", "--format", "json", cwd=work.path)
    (branch,) = json.loads(out)["branches"]
    assert [(f["rule"], f["path"]) for f in branch["findings"]] == [("gate.submodule", "src/ui/vendor")], out + err


# -- 4. names git refuses to check out -------------------------------------------------------


BAD_NAMES = [
    (b".git", "hasDotgit", "src/ui/.git"),
    (b".GIT", "hasDotgit", "src/ui/.GIT"),
    (b".git.", "hasDotgit", "src/ui/.git."),
    (b".git ", "hasDotgit", "src/ui/.git "),
    (b".git::$INDEX_ALLOCATION", "hasDotgit", "src/ui/.git::$INDEX_ALLOCATION"),
    (b"git~1", "hasDotgit", "src/ui/git~1"),
    (".g\u200cit".encode(), "hasDotgit", '"src/ui/.g\\342\\200\\214it"'),
    (".GIT\ufeff".encode(), "hasDotgit", '"src/ui/.GIT\\357\\273\\277"'),
    (b"..", "hasDotdot", "src/ui/.."),
    (b".", "hasDot", "src/ui/."),
    (b"", "emptyName", "src/ui/"),
    (b"x/y.py", "fullPathname", "src/ui/x/y.py"),
]


@FSCK
@pytest.mark.parametrize(("name", "reason", "shown"), BAD_NAMES,
                         ids=[".git", ".GIT", ".git.", ".git-space", ".git-ads", "git~1", "hfs-zwnj", "hfs-bom",
                              "dotdot", "dot", "empty", "slash"])
def test_tree_entry_git_refuses_to_check_out_is_refused(server: Server, fsck: bool, name: bytes, reason: str,
                                                         shown: str) -> None:
    set_fsck(server, fsck)
    work = server.work
    main = work.rev("main")
    config = blob(work, "[core]\n\thooksPath = hooks\n")
    if b"/" in name:
        entry: Entry = ("100644", name, config)
    else:  # a folder holding a config file: what a checkout would write into .git
        entry = ("40000", name, write_object(work, "tree", tree_bytes([("100644", b"config", config)])))
    tree = spliced(work, main, "src/ui", [entry])
    crafted = commit_tree(work, tree, main)
    before = refs(server)
    # An attacker's client sends exactly these objects (git's own refuses some names).
    new = [crafted, tree, *(work.git("rev-parse", f"{tree}:{d}").strip() for d in ("src", "src/ui")), entry[2]]
    pushed = push_raw(server, [*new, config], crafted, "refs/heads/agent/bob/x", "bob-bot")
    assert_refused(pushed, before, refs(server), f"{shown}: {reason}")
    if not fsck and name != b"":  # git's connectivity check stumbles on an empty name itself
        assert hook_ran(pushed), pushed.stderr
    if hook_lines(pushed):
        assert f"agentgate: agent/bob/x: refused: {shown}: {reason}: " in "\n".join(hook_lines(pushed))


# -- 5. duplicate and unsorted entries ---------------------------------------------------------


@FSCK
def test_duplicate_entry_holding_a_key_after_a_clean_one_is_refused(server: Server, fsck: bool) -> None:
    set_fsck(server, fsck)
    work = server.work
    main = work.rev("main")
    clean = ("100644", b"creds.txt", blob(work, "user = bob\n"))
    dirty = ("100644", b"creds.txt", blob(work, f"aws_access_key_id = {KEY}\n"))
    crafted = commit_tree(work, spliced(work, main, "src/ui", [clean, dirty]), main)
    before = refs(server)
    pushed = server.push(f"{crafted}:refs/heads/agent/bob/x", user="bob-bot")
    assert_refused(pushed, before, refs(server), "src/ui/creds.txt: duplicateEntries")


@FSCK
def test_a_file_and_a_folder_of_the_same_name_are_duplicates(server: Server, fsck: bool) -> None:
    set_fsck(server, fsck)
    work = server.work
    main = work.rev("main")
    x = blob(work, "x\n")
    sub = write_object(work, "tree", tree_bytes([("100644", b"f", x)]))
    # git's order: 'a' (file), 'a-b', 'a/' (folder): the two 'a' are not neighbours
    entries = [("100644", b"a", x), ("100644", b"a-b", x), ("40000", b"a", sub)]
    crafted = commit_tree(work, spliced(work, main, "src/ui", entries, sort=False), main)
    before = refs(server)
    pushed = server.push(f"{crafted}:refs/heads/agent/bob/x", user="bob-bot")
    assert_refused(pushed, before, refs(server), "src/ui/a: duplicateEntries")


@FSCK
def test_a_tree_not_sorted_as_git_sorts_is_refused(server: Server, fsck: bool) -> None:
    set_fsck(server, fsck)
    work = server.work
    main = work.rev("main")
    x = blob(work, "x\n")
    crafted = commit_tree(work, spliced(work, main, "src/ui", [("100644", b"b", x), ("100644", b"a", x)],
                                        sort=False), main)
    before = refs(server)
    pushed = server.push(f"{crafted}:refs/heads/agent/bob/x", user="bob-bot")
    assert_refused(pushed, before, refs(server), "src/ui/a: treeNotSorted")


def test_check_refuses_a_branch_with_duplicate_entries(server: Server, run: Run) -> None:
    work = server.work
    main = work.rev("main")
    clean = ("100644", b"creds.txt", blob(work, "user = bob\n"))
    dirty = ("100644", b"creds.txt", blob(work, f"aws_access_key_id = {KEY}\n"))
    work.git("branch", "agent/bob/x", commit_tree(work, spliced(work, main, "src/ui", [clean, dirty]), main))
    code, out, err = run("check", "agent/bob/x", cwd=work.path)
    assert code in (1, 4), out + err
    assert "src/ui/creds.txt" in out + err and "duplicate" in (out + err).lower(), out + err


def test_fsck_walks_only_what_the_push_adds(server: Server) -> None:
    """A malformed tree already on the server (pushed before the hooks) is not the
    pusher's doing: a later push that leaves it alone is judged as usual."""
    work = server.work
    set_fsck(server, False)
    hooks = server.bare / "hooks"
    for name in ("pre-receive", "update"):
        (hooks / name).rename(hooks / f"{name}.off")
    main = work.rev("main")
    x = blob(work, "x\n")
    old = commit_tree(work, spliced(work, main, "vendor", [("100644", b"b", x), ("100644", b"a", x)], sort=False),
                      main)
    assert server.push(f"{old}:refs/heads/main").rc == 0
    for name in ("pre-receive", "update"):
        (hooks / f"{name}.off").rename(hooks / name)
    tip = commit_tree(work, spliced(work, old, "src/ui", [("100644", b"new.txt", x)]), old)
    pushed = server.push(f"{tip}:refs/heads/agent/bob/y", user="bob-bot")
    assert (pushed.rc, hook_lines(pushed)) == (0, ["agentgate: agent/bob/y: allow"]), pushed.stderr
    assert git(server.bare, "rev-parse", "agent/bob/y").strip() == tip


# -- 6. hooks install --server turns on git's own fsck, and uninstall restores it ------------


@pytest.mark.parametrize("before", [None, "false", "true"])
def test_server_install_sets_receive_fsckobjects_and_uninstall_restores_it(tmp_path: Path,
                                                                           before: str | None) -> None:
    import io

    from gate.commands import hooks as hooks_cmd

    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    if before is not None:
        git(bare, "config", "receive.fsckObjects", before)
    out = io.StringIO()
    hooks_cmd.install(bare, server=True, out=out)
    assert git(bare, "config", "--get", "receive.fsckObjects").strip() == "true"
    assert f"{bare}: receive.fsckObjects = true (git refuses objects its fsck refuses)" in out.getvalue()
    hooks_cmd.install(bare, server=True, out=io.StringIO())  # again: the saved value stays the first one
    hooks_cmd.uninstall(bare, out=io.StringIO())
    after = git(bare, "config", "--get", "receive.fsckObjects", check=False).strip() or None
    assert after == before
    assert git(bare, "config", "--get-regexp", "^agentgate\\.", check=False) == ""
