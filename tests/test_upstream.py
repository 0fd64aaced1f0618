"""A clone whose target is not the server's: the lead who merged locally and was
refused, a clone that has not pulled. What agentgate says on stderr (stdout stays
parseable), what ``approve`` judges against, and that the server's refusal gives
a command that lets the push in when followed as printed."""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.gitutil import Repo, Run
from tests.servers import Pushed, Server, alice_branch

MIGRATION = "src/billing/migrations/001.sql"
AHEAD = ("note: main is 2 commits ahead of origin/main; this judged against main, the server judges "
         "against origin/main: agentgate {} --target origin/main")


def sh(cwd: Path, command: str, agentgate: Path, user: str | None = None) -> subprocess.CompletedProcess[str]:
    """``command`` in a shell, as a person types it: ``agentgate`` on the PATH."""
    env = dict(os.environ, PATH=f"{agentgate.parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("AGENTGATE_USER", None)
    if user is not None:
        env["AGENTGATE_USER"] = user
    return subprocess.run(["sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, check=False)


def push(work: Repo, agentgate: Path, *refs: str, user: str) -> Pushed:
    """``git push origin REFS`` (which, unlike a push to a URL, moves origin/*)."""
    ran = sh(work.path, "git push origin " + " ".join(refs), agentgate, user)
    remote = [ln[len("remote: "):].rstrip() for ln in ran.stderr.splitlines() if ln.startswith("remote: ")]
    return Pushed(ran.returncode, remote, ran.stderr)


def merged_locally_and_refused(server: Server, agentgate: Path) -> Pushed:
    """Alice's migration on the server; a developer merges it into the local main and
    pushes, and the server refuses it until an approver approves."""
    work = server.work
    alice_branch(work, {MIGRATION: "create table t (id int);\n"})
    assert push(work, agentgate, "agent/alice/x", user="alice-bot").rc == 0
    work.git("merge", "-q", "--no-ff", "-m", "Merge branch 'agent/alice/x'", "agent/alice/x")
    before = server.ref("main")
    pushed = push(work, agentgate, "main", user="dev")
    assert pushed.rc == 1
    assert server.ref("main") == before
    return pushed


def test_a_refused_push_to_main_says_what_lets_it_in_and_following_it_works(
        server: Server, agentgate: Path, run: Run) -> None:
    work = server.work
    pushed = merged_locally_and_refused(server, agentgate)
    assert pushed.remote[-2:] == [
        "agentgate: push refused; see more: agentgate check agent/alice/x",
        "agentgate: to let it in, an approver runs: agentgate approve agent/alice/x && "
        "git push origin refs/agentgate/approvals; then push again",
    ]
    # The suggested check, in the clone whose main holds the merge, finds nothing, and says why.
    code, out, err = run("check", "agent/alice/x", "--format", "json", cwd=work.path)
    assert (code, json.loads(out)["verdict"], err) == (0, "allow", AHEAD.format("check agent/alice/x") + "\n")
    # The approver follows the printed command literally, in this very clone.
    command = pushed.remote[-1].split("an approver runs: ", 1)[1].split("; then", 1)[0]
    ran = sh(work.path, command, agentgate, user="lead")
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr.splitlines()[0] == (
        "note: main already contains agent/alice/x (main is 2 commits ahead of origin/main): "
        "judged against origin/main, as the server does")
    assert ran.stdout.splitlines()[0].startswith(f"approved gate.migration {MIGRATION} on agent/alice/x (")
    # …and the push that was refused goes in.
    again = push(work, agentgate, "main", user="dev")
    assert again.rc == 0, again.stderr
    assert again.remote[-1] == "agentgate: main: allow"
    assert server.ref("main") == work.rev("main")


def test_approve_against_the_local_target_when_told_to(server: Server, agentgate: Path, run: Run,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    merged_locally_and_refused(server, agentgate)
    monkeypatch.setenv("AGENTGATE_USER", "lead")
    code, out, err = run("approve", "agent/alice/x", "--target", "main", cwd=server.work.path)
    assert code == 0
    assert out == "agent/alice/x: no unapproved ask findings: nothing to approve.\n"
    assert err == AHEAD.format("approve agent/alice/x") + "\n"


def test_a_clone_behind_its_upstream_says_so_and_stdout_stays_parseable(tmp_path: Path, server: Server,
                                                                         run: Run) -> None:
    work = server.work
    alice_branch(work, {"src/billing/invoice.py": "x = 1\n"})
    work.commit("lead's change on main", {"README.md": "more\n"})
    work.git("push", "-q", "origin", "main")
    work.git("reset", "-q", "--hard", "HEAD~1")
    behind = ("note: main is 1 commit behind origin/main; this judged against main, the server judges "
              "against origin/main: agentgate {} --target origin/main\n")
    code, out, err = run("status", "--format", "json", cwd=work.path)
    assert (code, json.loads(out)["target"]["ref"], err) == (0, "refs/heads/main", behind.format("status"))
    for fmt, parse in (("json", json.loads), ("sarif", json.loads), ("junit", ET.fromstring)):
        code, out, err = run("check", "agent/alice/x", "--format", fmt, cwd=work.path)
        assert code == 0 and err == behind.format("check agent/alice/x")
        parse(out)
    # Against the upstream itself, nothing to say.
    assert run("check", "agent/alice/x", "--target", "origin/main", cwd=work.path)[2] == ""


def test_a_diverged_clone_says_so(server: Server, run: Run) -> None:
    work = server.work
    alice_branch(work, {"src/billing/invoice.py": "x = 1\n"})
    work.commit("pushed", {"README.md": "more\n"})
    work.git("push", "-q", "origin", "main")
    work.git("reset", "-q", "--hard", "HEAD~1")
    work.commit("local", {"a.txt": "a\n"})
    err = run("check", "agent/alice/x", cwd=work.path)[2]
    assert err == ("note: main and origin/main have diverged (1 commit here, 1 commit there); this judged "
                   "against main, the server judges against origin/main: agentgate check agent/alice/x "
                   "--target origin/main\n")


def test_a_clone_level_with_its_upstream_says_nothing(server: Server, run: Run) -> None:
    alice_branch(server.work, {"src/billing/invoice.py": "x = 1\n"})
    assert run("check", "agent/alice/x", cwd=server.work.path)[2] == ""
    assert run("status", cwd=server.work.path)[2] == ""
