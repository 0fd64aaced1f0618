"""Hostile input costs bounded time (DESIGN §8, issue 14 item 10): the pieces of one
push are judged together, grouped by agent; a hook run past ``[limits]
hook_seconds`` refuses the push (server) or lets it go with a warning (local).

No test here measures time: a slow hook is made slow for certain (a judgement
that never returns), and a grouped push is checked by what it says."""

from __future__ import annotations

from tests.gitutil import Repo
from tests.servers import Server


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
        f"agentgate: main <- {b1[:9]}: BLOCK scope.outside src/billing/b.py  src/billing/b.py is owned by alice "
        "(pattern src/billing/), not by bob",
    ]
    assert server.ref("main") == start
