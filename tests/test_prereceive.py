"""The server-side gate, end to end: real bare repositories with the hooks installed,
real ``git push`` over ``file://`` and over ``git daemon``, and the exact lines the
pusher sees after ``remote:``."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gate import policy
from gate.errors import PolicyError
from tests.gitutil import POLICY, Repo, git, seeded_repo
from tests.servers import Pushed, Server, alice_branch, install_server_hooks, make_server

ROOT = Path(__file__).resolve().parent.parent

OUTSIDE = "agentgate: agent/alice/x: BLOCK scope.outside src/ui/app.py  src/ui/app.py is owned by bob (pattern src/ui/**), not by alice"  # noqa: E501
MIGRATION = "src/billing/migrations/001.sql"
BROKEN = POLICY.replace('target = "main"\n', 'target = "main"\nbogus = 1\n')
UNREADABLE = "this is [not toml\n"


def policy_error(text: str) -> str:
    """The policy module's own words for what is wrong with ``text``."""
    with pytest.raises(PolicyError) as caught:
        policy.load(text)
    return str(caught.value)


# -- agent branches ----------------------------------------------------------------------


def test_in_scope_agent_push_is_accepted(server: Server) -> None:
    oid = alice_branch(server.work, {"src/billing/invoice.py": "def total(items):\n    return sum(items) + 0\n"})
    pushed = server.push("agent/alice/x", user="alice-bot")
    assert pushed.rc == 0, pushed.stderr
    assert pushed.remote == ["agentgate: agent/alice/x: allow"]
    assert server.ref("agent/alice/x") == oid


def test_out_of_scope_push_is_refused_and_the_remote_ref_does_not_move(server: Server) -> None:
    good = alice_branch(server.work, {"src/billing/invoice.py": "x = 1\n"})
    assert server.push("agent/alice/x", user="alice-bot").rc == 0
    server.work.checkout("agent/alice/x")
    server.work.commit("reach into bob's files", {"src/ui/app.py": "def render():\n    return 'hacked'\n"})
    pushed = server.push("agent/alice/x", user="alice-bot")
    assert pushed.rc == 1
    assert pushed.remote == [
        OUTSIDE,
        "agentgate: agent/alice/x: block: refused",
        "agentgate: push refused; see more: agentgate check agent/alice/x",
    ]
    assert "[remote rejected] agent/alice/x -> agent/alice/x (pre-receive hook declined)" in pushed.stderr
    assert server.ref("agent/alice/x") == good


def test_unapproved_ask_on_an_agent_branch_is_reported_and_let_through(server: Server) -> None:
    oid = alice_branch(server.work, {MIGRATION: "create table t (id int);\n"})
    pushed = server.push("agent/alice/x", user="alice-bot")
    assert pushed.rc == 0, pushed.stderr
    assert pushed.remote == [
        f"agentgate: agent/alice/x: ASK gate.migration {MIGRATION}  {MIGRATION} is a migration "
        "(pattern **/migrations/**): added",
        "agentgate: agent/alice/x: ask: accepted as work in progress; needs approval before it reaches main",
        "agentgate: see more: agentgate check agent/alice/x; an approver runs: agentgate approve agent/alice/x",
    ]
    assert server.ref("agent/alice/x") == oid


def test_agent_identity_pushing_into_another_agents_branch_is_refused(server: Server) -> None:
    alice_branch(server.work, {"src/billing/invoice.py": "x = 2\n"})
    pushed = server.push("agent/alice/x", user="bob-bot")
    assert pushed.rc == 1
    assert pushed.remote == [
        "agentgate: agent/alice/x: BLOCK ref.namespace  agent bob (bob-bot) may push only its own branches "
        "(agent/bob/*), not agent/alice/x",
        "agentgate: agent/alice/x: block: refused",
        "agentgate: push refused",
    ]
    assert server.ref("agent/alice/x") is None


def test_agent_identity_pushing_to_main_is_refused(server: Server) -> None:
    server.work.commit("direct", {"src/billing/invoice.py": "x = 3\n"})
    pushed = server.push("main", user="alice-bot")
    assert pushed.rc == 1
    assert pushed.remote[0] == ("agentgate: main: BLOCK ref.namespace  agent alice (alice-bot) may push only its "
                                "own branches (agent/alice/*), not main")


def test_branch_under_the_agent_prefix_matching_no_agent_is_refused(server: Server) -> None:
    alice_branch(server.work, {"src/billing/invoice.py": "x = 4\n"}, name="agent/carol/x")
    pushed = server.push("agent/carol/x")
    assert pushed.rc == 1
    assert pushed.remote[0].startswith("agentgate: agent/carol/x: BLOCK scope.unknown-agent  agent/carol/x looks like")


def test_deleting_an_agent_branch_is_accepted(server: Server) -> None:
    alice_branch(server.work, {"src/billing/invoice.py": "x = 5\n"})
    assert server.push("agent/alice/x", user="alice-bot").rc == 0
    pushed = server.push(":agent/alice/x", user="alice-bot")  # delete-only: no quarantine
    assert (pushed.rc, pushed.remote) == (0, [])
    assert server.ref("agent/alice/x") is None


def test_gitlab_sees_every_line_prefixed(server: Server) -> None:
    alice_branch(server.work, {"src/ui/app.py": "y = 1\n"})
    pushed = server.push("agent/alice/x", user="alice-bot", env={"GL_ID": "user-7"})
    assert pushed.rc == 1
    assert pushed.remote[0] == "GL-HOOK-ERR: " + OUTSIDE
    assert all(line.startswith("GL-HOOK-ERR: agentgate: ") for line in pushed.remote)


# -- protected refs and tags ---------------------------------------------------------------


def test_force_push_to_main_is_refused(server: Server) -> None:
    before = server.ref("main")
    server.work.git("commit", "-q", "--amend", "-m", "rewritten history")
    pushed = server.push("+main", user="lead")
    assert pushed.rc == 1
    new = server.work.rev("main")
    assert pushed.remote == [
        f"agentgate: main: BLOCK ref.force-push  main is protected: {new[:9]} does not descend from "
        f"{str(before)[:9]} (a force-push)",
        "agentgate: main: block: refused",
        "agentgate: push refused",
    ]
    assert server.ref("main") == before


def test_deleting_main_is_refused(server: Server) -> None:
    before = server.ref("main")
    pushed = server.push(":main", user="lead")
    assert pushed.rc == 1
    assert pushed.remote == [
        "agentgate: main: BLOCK ref.delete  main is protected and cannot be deleted",
        "agentgate: main: block: refused",
        "agentgate: push refused",
    ]
    assert server.ref("main") == before


def test_annotated_tags_are_peeled(tmp_path: Path, agentgate: Path) -> None:
    policy = POLICY.replace('target = "main"\n', 'target = "main"\nprotected = ["main", "refs/tags/v*"]\n')
    server = make_server(tmp_path, policy)
    work = server.work
    work.git("tag", "-a", "-m", "first", "v1")
    pushed = server.push("refs/tags/v1")
    assert (pushed.rc, pushed.remote) == (0, [])
    assert server.ref("v1^{commit}") == work.rev("main")
    # Moving the tag forward to a newer commit: tag objects never descend from each
    # other, the commits they peel to do.
    work.commit("more", {"README.md": "more\n"})
    work.git("tag", "-f", "-a", "-m", "second", "v1")
    assert server.push("+refs/tags/v1").rc == 0
    assert server.ref("v1^{commit}") == work.rev("main")
    # Moving it sideways is a force-push of a protected ref.
    work.git("checkout", "-q", "--orphan", "other")
    work.commit("unrelated", {"README.md": "other\n"})
    work.git("tag", "-f", "-a", "-m", "third", "v1")
    pushed = server.push("+refs/tags/v1")
    assert pushed.rc == 1
    assert pushed.remote[0].startswith("agentgate: refs/tags/v1: BLOCK ref.force-push  refs/tags/v1 is protected: ")
    assert server.ref("v1^{commit}") == work.rev("main")


# -- the target: merges of agent work --------------------------------------------------------


def test_merging_clean_agent_work_into_main_is_accepted(server: Server) -> None:
    alice_branch(server.work, {"src/billing/invoice.py": "x = 6\n"})
    assert server.push("agent/alice/x", user="alice-bot").rc == 0
    server.work.git("merge", "-q", "--no-ff", "-m", "Merge branch 'agent/alice/x'", "agent/alice/x")
    pushed = server.push("main", user="dev")
    assert (pushed.rc, pushed.remote) == (0, ["agentgate: main: allow"])
    assert server.ref("main") == server.work.rev("main")


def test_migration_reaches_main_only_after_an_approver_pushes_the_approval(server: Server) -> None:
    from gate.commands import approve

    work = server.work
    alice_branch(work, {MIGRATION: "create table t (id int);\n"})
    assert server.push("agent/alice/x", user="alice-bot").rc == 0
    work.git("merge", "-q", "--ff-only", "agent/alice/x")
    before = server.ref("main")
    pushed = server.push("main", user="dev")
    assert pushed.rc == 1
    assert pushed.remote == [
        f"agentgate: main <- agent/alice/x: ASK gate.migration {MIGRATION}  {MIGRATION} is a migration "
        "(pattern **/migrations/**): added",
        "agentgate: main: ask: refused until an approver approves",
        "agentgate: push refused; see more: agentgate check agent/alice/x",
        "agentgate: to let it in, an approver runs: agentgate approve agent/alice/x && git push origin "
        "refs/agentgate/approvals; then push again",
    ]
    assert server.ref("main") == before
    # The approver records consent locally (against the branch as the server has it)…
    work.git("reset", "-q", "--hard", before or "")
    code = approve.main("agent/alice/x", repo_path=str(work.path), env={"AGENTGATE_USER": "lead"})
    assert code == 0
    # …and pushes it; then anyone may bring the migration in.
    pushed = server.push("refs/agentgate/approvals", user="lead")
    assert (pushed.rc, pushed.remote) == (0, []), pushed.stderr
    work.git("merge", "-q", "--ff-only", "agent/alice/x")
    pushed = server.push("main", user="dev")
    assert pushed.rc == 0, pushed.stderr
    assert pushed.remote == [
        f"agentgate: main <- agent/alice/x: APPROVED gate.migration {MIGRATION}  {MIGRATION} is a migration "
        "(pattern **/migrations/**): added",
        "agentgate: main: allow",
    ]
    assert server.ref("main") == work.rev("main")


def test_an_agent_branch_and_main_pushed_together_are_judged_together(server: Server) -> None:
    work = server.work
    alice_branch(work, {MIGRATION: "create table t (id int);\n"})
    work.git("merge", "-q", "--ff-only", "agent/alice/x")
    before = server.ref("main")
    pushed = server.push("agent/alice/x", "main", user="dev")
    finding = f"ASK gate.migration {MIGRATION}  {MIGRATION} is a migration (pattern **/migrations/**): added"
    assert pushed.rc == 1
    assert pushed.remote == [
        f"agentgate: agent/alice/x: {finding}",
        "agentgate: agent/alice/x: ask: accepted as work in progress; needs approval before it reaches main",
        f"agentgate: main <- agent/alice/x: {finding}",
        "agentgate: main: ask: refused until an approver approves",
        "agentgate: push refused; see more: agentgate check agent/alice/x",
        "agentgate: to let it in, an approver runs: agentgate approve agent/alice/x && git push origin "
        "refs/agentgate/approvals; then push again",
    ]
    # pre-receive refuses the whole push: neither ref moved.
    assert (server.ref("main"), server.ref("agent/alice/x")) == (before, None)


def test_an_approvers_own_push_approves_its_asks(server: Server) -> None:
    alice_branch(server.work, {MIGRATION: "create table t (id int);\n"})
    assert server.push("agent/alice/x", user="alice-bot").rc == 0
    server.work.git("merge", "-q", "--no-ff", "-m", "Merge branch 'agent/alice/x'", "agent/alice/x")
    pushed = server.push("main", user="lead")
    assert pushed.rc == 0, pushed.stderr
    assert pushed.remote[-1] == "agentgate: main: allow"
    assert pushed.remote[0].startswith("agentgate: main <- agent/alice/x: APPROVED gate.migration ")


def test_approvals_pushed_by_a_non_approver_are_refused(server: Server) -> None:
    from gate.commands import approve

    alice_branch(server.work, {MIGRATION: "create table t (id int);\n"})
    assert approve.main("agent/alice/x", repo_path=str(server.work.path), env={"AGENTGATE_USER": "lead"}) == 0
    for who, shown in (("dev", "dev"), ("alice-bot", "alice-bot (agent alice)"), (None, "an unidentified pusher")):
        pushed = server.push("refs/agentgate/approvals", user=who)
        assert pushed.rc == 1
        assert pushed.remote == [
            f"agentgate: refs/agentgate/approvals: BLOCK ref.namespace  only approvers may update "
            f"refs/agentgate/approvals; {shown} is not in [gate] approvers",
            "agentgate: refs/agentgate/approvals: block: refused",
            "agentgate: push refused",
        ]
    assert server.ref("refs/agentgate/approvals") is None


def test_approvals_move_only_forward(server: Server) -> None:
    from gate.commands import approve

    work = server.work
    alice_branch(work, {MIGRATION: "create table t (id int);\n"})
    assert approve.main("agent/alice/x", repo_path=str(work.path), env={"AGENTGATE_USER": "lead"}) == 0
    assert server.push("refs/agentgate/approvals", user="lead").rc == 0
    recorded = server.ref("refs/agentgate/approvals")
    # An approver erasing the record: rewrite the ref to an unrelated commit.
    empty = work.git("commit-tree", "-m", "erase", work.git("mktree", input="").strip()).strip()
    work.git("update-ref", "refs/agentgate/approvals", empty)
    pushed = server.push("+refs/agentgate/approvals", user="lead")
    assert pushed.rc == 1
    assert pushed.remote[0] == ("agentgate: refs/agentgate/approvals: BLOCK ref.force-push  refs/agentgate/"
                                "approvals moves only forward: this push would drop approvals")
    pushed = server.push(":refs/agentgate/approvals", user="lead")
    assert pushed.rc == 1
    assert pushed.remote[0] == ("agentgate: refs/agentgate/approvals: BLOCK ref.delete  refs/agentgate/approvals "
                                "cannot be deleted: it is the record of approvals")
    assert server.ref("refs/agentgate/approvals") == recorded


def test_rebased_agent_commits_on_main_are_judged_by_their_agent_trailer(server: Server) -> None:
    server.work.commit("alice's work, rebased\n\nAgent: alice", {"src/ui/app.py": "z = 1\n"})
    pushed = server.push("main", user="dev")
    assert pushed.rc == 1
    head = server.work.rev("main")[:9]
    assert pushed.remote[0] == (f"agentgate: main <- {head} as alice (Agent: trailer): BLOCK scope.outside "
                                "src/ui/app.py  src/ui/app.py is "
                                "owned by bob (pattern src/ui/**), not by alice")


def test_a_merge_commit_names_the_branch_it_brings_in(server: Server) -> None:
    # The branch never reached the server: the merge message says whose it is.
    alice_branch(server.work, {"src/ui/app.py": "z = 2\n"})
    server.work.git("merge", "-q", "--no-ff", "-m", "Merge branch 'agent/alice/x'", "agent/alice/x")
    pushed = server.push("main", user="dev")
    assert pushed.rc == 1
    assert pushed.remote[0] == ("agentgate: main <- agent/alice/x: BLOCK scope.outside src/ui/app.py  src/ui/app.py "
                                "is owned by bob (pattern src/ui/**), not by alice")


@pytest.mark.parametrize(
    ("mode", "rc", "first"),
    [
        ("allow", 0, "agentgate: main: allow"),
        ("gates", 1, "agentgate: main <- {head}: ASK gate.migration " + MIGRATION + "  " + MIGRATION
         + " is a migration (pattern **/migrations/**): added"),
        ("block", 1, "agentgate: main <- {head}: BLOCK ref.unattributed  1 commit(s) reaching main belong to no "
         'agent (unattributed = "block")'),
    ],
)
def test_unattributed_commits_follow_the_policy(tmp_path: Path, agentgate: Path, mode: str, rc: int,
                                                first: str) -> None:
    policy = POLICY.replace('target = "main"\n', f'target = "main"\nunattributed = "{mode}"\n')
    server = make_server(tmp_path, policy)
    server.work.commit("a human's direct commit", {MIGRATION: "create table t (id int);\n"})
    pushed = server.push("main", user="dev")
    assert pushed.rc == rc
    assert pushed.remote[0] == first.format(head=server.work.rev("main")[:9])


def test_an_approver_may_change_the_policy_directly(server: Server) -> None:
    server.work.commit("widen bob", {".agentgate.toml": POLICY.replace('"src/ui/**"', '"src/ui/**", "docs/"')})
    pushed = server.push("main", user="lead")
    assert (pushed.rc, pushed.remote) == (0, ["agentgate: main: allow"])


def test_a_non_approver_may_not_change_the_policy(server: Server) -> None:
    server.work.commit("widen bob", {".agentgate.toml": POLICY.replace('"src/ui/**"', '"src/ui/**", "docs/"')})
    pushed = server.push("main", user="dev")
    assert pushed.rc == 1
    head = server.work.rev("main")[:9]
    assert pushed.remote[0].startswith(f"agentgate: main <- {head}: BLOCK gate.policy .agentgate.toml  ")


def test_pushing_an_invalid_policy_to_main_is_refused(server: Server) -> None:
    server.work.commit("oops", {".agentgate.toml": BROKEN})
    pushed = server.push("main", user="lead")
    assert pushed.rc == 1
    assert pushed.remote[0] == ("agentgate: main: BLOCK gate.policy .agentgate.toml  the pushed .agentgate.toml is "
                                f"invalid: {policy_error(BROKEN)}")


# -- failing closed ------------------------------------------------------------------------------


def _broken_server(tmp_path: Path, policy: str) -> Server:
    server = make_server(tmp_path, hooks=False)
    server.work.commit("break the policy", {".agentgate.toml": policy})
    server.work.git("push", "-q", "origin", "main")
    install_server_hooks(server.bare)
    return server


def test_broken_policy_on_target_refuses_pushes_with_the_reason(tmp_path: Path, agentgate: Path) -> None:
    server = _broken_server(tmp_path, BROKEN)
    alice_branch(server.work, {"src/billing/invoice.py": "x = 7\n"})
    pushed = server.push("agent/alice/x", user="alice-bot")
    assert pushed.rc == 1
    assert pushed.remote == [
        f"agentgate: the policy on main is invalid: {policy_error(BROKEN)}",
        "agentgate: push refused (agentgate fails closed); an approver can push a fixed .agentgate.toml to main",
    ]
    assert server.ref("agent/alice/x") is None
    # A non-approver cannot fix it; an approver can, and then the gate works again.
    server.work.commit("fix the policy", {".agentgate.toml": POLICY})
    assert server.push("main", user="dev").rc == 1
    pushed = server.push("main", user="lead")
    assert pushed.rc == 0, pushed.stderr
    assert pushed.remote[-1] == "agentgate: main: accepted: approver lead makes the policy valid again"
    assert server.push("agent/alice/x", user="alice-bot").remote == ["agentgate: agent/alice/x: allow"]


def test_unreadable_policy_blocks_and_approvers_come_from_history(tmp_path: Path, agentgate: Path) -> None:
    server = _broken_server(tmp_path, UNREADABLE)
    alice_branch(server.work, {"src/billing/invoice.py": "x = 8\n"})
    pushed = server.push("agent/alice/x", user="alice-bot")
    assert pushed.rc == 1
    assert pushed.remote[0] == f"agentgate: the policy on main is invalid: {policy_error(UNREADABLE)}"
    server.work.commit("fix the policy", {".agentgate.toml": POLICY})
    assert server.push("main", user="lead").rc == 0


def test_on_error_allow_lets_pushes_through_with_a_warning(tmp_path: Path, agentgate: Path) -> None:
    lenient = BROKEN.replace('target = "main"\n', 'target = "main"\non_error = "allow"\n')
    server = _broken_server(tmp_path, lenient)
    oid = alice_branch(server.work, {"src/ui/app.py": "unchecked\n"})
    pushed = server.push("agent/alice/x", user="alice-bot")
    assert pushed.rc == 0, pushed.stderr
    assert pushed.remote == [
        f"agentgate: the policy on main is invalid: {policy_error(lenient)}",
        'agentgate: warning: accepted unchecked (on_error = "allow")',
    ]
    assert server.ref("agent/alice/x") == oid


def test_update_hook_alone_judges_each_ref(server: Server) -> None:
    (server.bare / "hooks" / "pre-receive").unlink()
    alice_branch(server.work, {"src/ui/app.py": "y = 2\n"})
    pushed = server.push("agent/alice/x", user="alice-bot")
    assert pushed.rc == 1
    assert pushed.remote[0] == OUTSIDE
    assert "(hook declined)" in pushed.stderr


def test_the_hook_path_imports_no_renderer_and_no_writer() -> None:
    code = ("import sys, gate.commands.hook, gate.hooks.prereceive, gate.hooks.local\n"
            "bad = {'click', 'rich', 'junitparser', 'unidiff'}\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in bad or m == 'gate.git.write'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


# -- paths, transports, concurrency ---------------------------------------------------------------


def test_repository_path_with_a_colon_and_a_space(tmp_path: Path, agentgate: Path) -> None:
    base = tmp_path / "a:b c"
    server = make_server(base)
    assert ":" in str(server.bare) and " " in str(server.bare)
    alice_branch(server.work, {"src/billing/invoice.py": "x = 9\n"})
    assert server.push("agent/alice/x", user="alice-bot").remote == ["agentgate: agent/alice/x: allow"]
    server.work.checkout("agent/alice/x")
    server.work.commit("out of scope", {"src/ui/app.py": "y = 3\n"})
    pushed = server.push("agent/alice/x", user="alice-bot")
    assert (pushed.rc, pushed.remote[0]) == (1, OUTSIDE)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def daemon(tmp_path: Path, agentgate: Path) -> Iterator[tuple[Path, int]]:
    """``git daemon`` on 127.0.0.1 serving tmp_path/served, receive-pack enabled."""
    base = tmp_path / "served"
    base.mkdir()
    for _ in range(5):
        port = _free_port()
        proc = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--listen=127.0.0.1", f"--port={port}", "--export-all",
             "--enable=receive-pack", f"--base-path={base}", str(base)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        if proc.poll() is None:
            break
    else:
        pytest.fail("git daemon did not start")
    try:
        yield base, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def test_pushes_over_git_daemon_are_judged(daemon: tuple[Path, int]) -> None:
    base, port = daemon
    url = f"git://127.0.0.1:{port}/remote.git"
    server = make_server(base, url=url)
    alice_branch(server.work, {"src/billing/invoice.py": "x = 10\n"})
    assert server.push("agent/alice/x").remote == ["agentgate: agent/alice/x: allow"]
    server.work.checkout("agent/alice/x")
    server.work.commit("out of scope", {"src/ui/app.py": "y = 4\n"})
    before = server.ref("agent/alice/x")
    pushed = server.push("agent/alice/x")
    assert pushed.rc == 1
    assert pushed.remote == [
        OUTSIDE,
        "agentgate: agent/alice/x: block: refused",
        "agentgate: push refused; see more: agentgate check agent/alice/x",
    ]
    assert server.ref("agent/alice/x") == before
    server.work.checkout("main")
    pushed = server.push(":main")
    assert (pushed.rc, pushed.remote[0]) == (1, "agentgate: main: BLOCK ref.delete  main is protected and cannot be "
                                                "deleted")


EIGHT = "version = 1\n\n[gate]\napprovers = [\"lead\"]\n" + "".join(
    f'\n[agents.a{i}]\nbranches = ["agent/a{i}/*"]\nowns = ["src/a{i}/"]\nidentities = ["a{i}-bot"]\n'
    for i in range(8))


def test_eight_agents_pushing_concurrently_are_each_judged_right(tmp_path: Path, agentgate: Path) -> None:
    server = make_server(tmp_path, EIGHT)
    clones = []
    for i in range(8):
        clone = tmp_path / f"clone{i}"
        git(tmp_path, "clone", "-q", server.url, str(clone))
        c = Repo(clone)
        c.branch(f"agent/a{i}/x")
        # Even agents stay in scope; odd ones also touch their neighbour's files.
        files = {f"src/a{i}/mod.py": f"v = {i}\n"}
        if i % 2:
            files[f"src/a{i - 1}/mod.py"] = f"stolen = {i}\n"
        c.commit(f"agent a{i}", files)
        clones.append(c)
    results: dict[int, Pushed] = {}

    def push(i: int) -> None:
        results[i] = server.push(f"agent/a{i}/x", user=f"a{i}-bot", cwd=clones[i].path)

    threads = [threading.Thread(target=push, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(8):
        name = f"agent/a{i}/x"
        if i % 2 == 0:
            assert (results[i].rc, results[i].remote) == (0, [f"agentgate: {name}: allow"]), results[i].stderr
            assert server.ref(name) == clones[i].rev(name)
        else:
            assert results[i].rc == 1
            assert results[i].remote[0] == (f"agentgate: {name}: BLOCK scope.outside src/a{i - 1}/mod.py  "
                                            f"src/a{i - 1}/mod.py is owned by a{i - 1} (pattern src/a{i - 1}/), "
                                            f"not by a{i}")
            assert server.ref(name) is None
    cache = server.bare / "agentgate"
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert files, "the hook caches change sets"
    assert [p.name for p in files if p.name.startswith(".tmp-")] == []
    for p in files:
        json.loads(p.read_text())


def test_symbol_analysis_is_skipped_on_an_agent_push_where_it_cannot_refuse(tmp_path: Path) -> None:
    """symbol.* warn or ask, and only block refuses an agent push: the push is judged
    without the (costly) analysis and says where to see it."""
    from gate import context, engine
    from gate.git.opening import open_repo

    r = seeded_repo(tmp_path / "repo")
    r.commit("call helper", {"src/ui/app.py": "from src.common.util import helper\n\n\n"
                                              "def render():\n    return helper()\n"})
    r.branch("agent/alice/x")
    r.commit("strict helper", {"src/common/util.py": "def helper(strict):\n    return 1\n"})
    ctx = context.build(open_repo(r.path))
    info = ctx.branch(ctx.repo.resolve_branch("agent/alice/x")[0], ctx.repo.resolve_commit("agent/alice/x"))
    assert "symbol.signature" in {f.rule for f in engine.evaluate(ctx, info).findings}
    ctx = context.build(open_repo(r.path))
    res = engine.evaluate(ctx, info, refusing_only=True)
    assert not {f.rule for f in res.findings} & {"symbol.shared", "symbol.signature"}
    assert res.facts["notes"] == ["symbol analysis skipped at push: see 'agentgate check agent/alice/x'"]
