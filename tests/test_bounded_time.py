"""Hostile input costs bounded time (DESIGN §8, issue 14 item 10): the pieces of one
push are judged together, grouped by agent; a hook run past ``[limits]
hook_seconds`` refuses the push (server) or lets it go with a warning (local).

No test here measures time: a slow hook is made slow for certain (a judgement
that never returns), and a grouped push is checked by what it says."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from gate.commands import hooks as hooks_cmd
from gate.hooks import deadline
from tests.gitutil import POLICY, Repo
from tests.servers import Server, alice_branch, make_server


def alternating(work: Repo, commits: int, odd: dict[int, str] | None = None) -> str:
    """``commits`` commits on main whose ``Agent:`` trailers alternate alice, bob,
    each in its agent's folder unless ``odd`` gives commit i another path. One
    fast-import stream: 200 ``git commit`` calls would take seconds."""
    parent = work.rev("main")
    chunks = []
    for i in range(commits):
        agent, folder = ("alice", "billing") if i % 2 == 0 else ("bob", "ui")
        path = (odd or {}).get(i, f"src/{folder}/part{i % 10}.py")
        msg = f"step {i}\n\nAgent: {agent}\n".encode()
        data = f"STEP = {i}\n".encode()
        chunks.append(b"commit refs/heads/main\n"
                      + f"committer Test User <test@example.com> {1_767_225_600 + i} +0000\n".encode()
                      + f"data {len(msg)}\n".encode() + msg
                      + (f"from {parent}\n".encode() if i == 0 else b"")
                      + f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n\n")
    work.git("fast-import", "--quiet", "--force", input=b"".join(chunks))
    work.git("reset", "-q", "--hard", "main")
    return work.rev("main")


def test_two_hundred_commits_alternating_two_agents_in_scope_are_accepted(server: Server) -> None:
    alternating(server.work, 200)
    pushed = server.push("main", user="dev")
    assert (pushed.rc, pushed.remote) == (0, ["agentgate: main: allow"])
    assert server.ref("main") == server.work.rev("main")


def test_one_alternating_commit_outside_its_agents_scope_refuses_the_push_naming_that_agent(server: Server) -> None:
    before = server.ref("main")
    first = server.work.rev("main")
    alternating(server.work, 200, odd={57: "src/billing/part7.py"})  # bob's 29th commit, in alice's folder
    pushed = server.push("main", user="dev")
    assert pushed.rc == 1
    chain = server.work.git("rev-list", "--reverse", f"{first}..main").split()
    bob = f"main <- bob (100 commits in 100 runs, {chain[1][:9]}..{chain[-1][:9]})"
    assert pushed.remote == [
        f"agentgate: {bob}: BLOCK scope.outside src/billing/part7.py  src/billing/part7.py is owned by alice "
        "(pattern src/billing/), not by bob",
        "agentgate: main: block: refused",
        "agentgate: push refused",
    ]
    assert server.ref("main") == before


def test_runs_of_one_agent_between_anothers_are_one_piece_and_a_single_run_keeps_its_range(
        server: Server) -> None:
    work = server.work
    start = work.rev("main")
    a1 = work.commit("a1\n\nAgent: alice", {"src/billing/a.py": "A = 1\n"})
    b1 = work.commit("b1\n\nAgent: bob", {"src/billing/b.py": "B = 1\n"})  # outside bob's scope
    work.commit("a2\n\nAgent: alice", {"src/ui/app.py": "A = 2\n"})  # outside alice's scope
    a3 = work.commit("a3\n\nAgent: alice", {"src/billing/a.py": "A = 3\n"})
    pushed = server.push("main", user="dev")
    assert pushed.rc == 1
    assert pushed.remote[:2] == [
        f"agentgate: main <- alice (3 commits in 2 runs, {a1[:9]}..{a3[:9]}): BLOCK scope.outside src/ui/app.py  "
        "src/ui/app.py is owned by bob (pattern src/ui/**), not by alice",
        f"agentgate: main <- {b1[:9]} as bob (Agent: trailer): BLOCK scope.outside src/billing/b.py  "
        "src/billing/b.py is owned by alice "
        "(pattern src/billing/), not by bob",
    ]
    assert server.ref("main") == start


# -- the deadline ----------------------------------------------------------------------------

# The program the hooks run, for these tests only: agentgate whose judgement never
# ends. A pattern that backtracks for ever is what a signal handler cannot stop
# (``re`` holds the interpreter), so only the parent's kill ends it.
NEVER_DONE = '''\
import os, re, sys
from gate.hooks import judge


def never_done(*args, **kwargs):
    with open({pids!r}, "a") as f:
        f.write(f"{{os.getpid()}}\\n")
    re.match(r"(a+)+$", "a" * 64 + "b")
    raise AssertionError("unreachable")


judge.judge_updates = never_done
from gate.entry import main
main()
'''
RAN_OUT = ("agentgate ran out of time on this push: it was not judged within 1 s ([limits] hook_seconds), "
           "and a push that cannot be judged is never accepted")


def hanging_agentgate(tmp_path: Path) -> tuple[Path, Path]:
    """(a program that runs agentgate with a judgement that never ends, the file
    where each hung worker writes its pid)."""
    pids = tmp_path / "hung-pids"
    script = tmp_path / "never_done.py"
    script.write_text(NEVER_DONE.format(pids=str(pids)))
    prog = tmp_path / "agentgate-never-done"
    prog.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{script}" "$@"\n')
    prog.chmod(0o755)
    return prog, pids


def gone(pids: Path) -> bool:
    """Every hung worker has been killed (and reaped: no such process at all)."""
    found = pids.read_text().split()
    for pid in found:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            continue
        return False
    return bool(found)


@pytest.mark.parametrize("on_error", ["block", "allow"])
def test_a_push_whose_judgement_runs_past_hook_seconds_is_refused_and_no_ref_moves(
        tmp_path: Path, agentgate: Path, on_error: str) -> None:
    policy = POLICY.replace('target = "main"\n', f'target = "main"\non_error = "{on_error}"\n') + (
        "\n[limits]\nhook_seconds = 1\n")
    server = make_server(tmp_path / "s", policy)
    prog, pids = hanging_agentgate(tmp_path)
    alice_branch(server.work, {"src/billing/invoice.py": "x = 2\n"})
    server.work.commit("lead's work", {"README.md": "more\n"})
    before = server.ref("main")
    pushed = server.push("main", "agent/alice/x", user="lead", env={"AGENTGATE": str(prog)})
    assert pushed.rc == 1
    assert pushed.remote == [
        RAN_OUT,
        "agentgate: push fewer commits or files at once, or have an approver raise [limits] hook_seconds in "
        ".agentgate.toml on the target branch",
        "agentgate: push refused",
    ]
    assert (server.ref("main"), server.ref("agent/alice/x")) == (before, None)
    assert gone(pids)


def test_a_local_pre_push_past_the_deadline_warns_and_lets_the_push_go(tmp_path: Path, agentgate: Path) -> None:
    server = make_server(tmp_path / "s", POLICY + "\n[limits]\nhook_seconds = 1\n", hooks=False)
    work = server.work
    hooks_cmd.install(work.path, server=False, out=io.StringIO())
    prog, pids = hanging_agentgate(tmp_path)
    head = alice_branch(work, {"src/ui/app.py": "x = 1\n"})  # out of scope: pre-push would stop it
    proc = subprocess.run(["git", "push", "-q", "origin", "agent/alice/x"], cwd=work.path,
                          env={**os.environ, "AGENTGATE": str(prog)}, capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert proc.stderr.splitlines() == [
        "agentgate: warning: agentgate ran out of time after 1 s ([limits] hook_seconds): this push was not "
        "checked and goes ahead; the server's pre-receive still judges it"]
    assert server.ref("agent/alice/x") == head
    assert gone(pids)


# -- the worker and its parent, in this process ---------------------------------------------


def test_the_worker_output_reaches_the_caller_exactly(capsys: pytest.CaptureFixture[str]) -> None:
    said = "agentgate: caf\udce9 \u00e9\n"  # a non-UTF-8 byte kept as a surrogate, and real UTF-8

    def work() -> int:
        sys.stderr.write(said)
        print("out")
        return 3

    assert deadline.run(work) == deadline.Result(code=3, out="out\n", err=said)
    assert deadline.server(lambda: print("agentgate: caf\u00e9", file=sys.stderr) or 0, {}) == 0
    assert capsys.readouterr() == ("", "agentgate: caf\u00e9\n")


def test_the_worker_says_the_policys_limit_and_is_stopped_by_it(capsys: pytest.CaptureFixture[str]) -> None:
    def work() -> int:
        deadline.limit(0.5)
        re.match(r"(a+)+$", "a" * 64 + "b")
        return 0

    assert deadline.local(work, {"GL_ID": "user-1"}, "merge") == 0
    assert capsys.readouterr().err == (
        "GL-HOOK-ERR: agentgate: warning: agentgate ran out of time after 0.5 s ([limits] hook_seconds): this "
        "merge was not checked and goes ahead; the server's pre-receive still judges it\n")


def test_time_while_paused_for_a_lock_does_not_count() -> None:
    # Waits three times the limit, paused: a clock that kept running would kill it.
    def work() -> int:
        deadline.limit(0.5)
        deadline.pause()
        threading.Event().wait(1.5)
        deadline.resume()
        return 0

    assert deadline.run(work) == deadline.Result(code=0, seconds=0.5)


def test_a_worker_that_dies_without_an_answer_refuses_the_push(capsys: pytest.CaptureFixture[str]) -> None:
    def work() -> int:
        os.kill(os.getpid(), signal.SIGKILL)
        return 0

    assert deadline.server(work, {}) == 1
    assert capsys.readouterr().err == (
        "agentgate: cannot check this push: the check stopped (it was killed by SIGKILL)\n"
        "agentgate: push refused (agentgate fails closed, whatever on_error says)\n")
