"""agentgate serve and spawn --isolated, end to end: a real serve process on a free
port, real clones, real git pushes over HTTP through git http-backend."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gate.hooks.input import make_pusher, served_agent
from gate.policy.values import load as parse_policy
from tests.gitutil import POLICY, Repo, agentgate, git, seeded_repo
from tests.test_spawn_discard import state

POLICY3 = POLICY + """
[agents.carol]
branches = ["agent/carol/*"]
owns = ["src/carol/"]
"""


@dataclass
class Serve:
    repo: Repo
    proc: subprocess.Popen[bytes]
    url: str
    out: Path
    err: Path

    @property
    def port(self) -> int:
        return int(self.url.split(":")[2].split("/")[0])

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)


def start_serve(repo: Repo, *args: str, env: dict[str, str] | None = None) -> Serve:
    out, err = repo.path.parent / "serve.out", repo.path.parent / "serve.err"
    with open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.Popen([sys.executable, "-m", "gate", "serve", "--repo", str(repo.path), *args],
                                stdout=o, stderr=e, cwd=repo.path.parent, env={**os.environ, **(env or {})})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        first = out.read_text().splitlines()
        if first:
            m = re.search(r" at (http://\S+) ", first[0])
            assert m, first[0]
            return Serve(repo, proc, m.group(1), out, err)
        if proc.poll() is not None:
            raise AssertionError(f"serve exited {proc.returncode}: {err.read_text()}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("serve did not start")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Serve]:
    repo = seeded_repo(tmp_path / "repo", POLICY3)
    s = start_serve(repo)
    yield s
    if s.proc.poll() is None:
        assert s.stop() == 0


def spawn(s: Serve, agent: str, task: str) -> Path:
    rc, out, err = agentgate(s.repo.path, "spawn", agent, task, "--isolated")
    assert (rc, err) == (0, ""), err
    return s.repo.path.parent / "repo.agents" / f"{agent}-{task}"


def push(cwd: Path, *args: str, env: dict[str, str] | None = None,
         no_helper: bool = False) -> tuple[int, list[str], str]:
    """git push ARGS; with no_helper, no credential helper at all (the URL carries the token)."""
    config = ["-c", "credential.helper="] if no_helper else []
    proc = subprocess.run(["git", *config, "push", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=False)
    remote = [ln[len("remote: "):].rstrip() for ln in proc.stderr.splitlines() if ln.startswith("remote: ")]
    return proc.returncode, remote, proc.stderr


def token_of(clone: Path) -> str:
    line = (clone / ".git" / "agentgate-credentials").read_text().strip()
    return line.split(":")[2].split("@")[0]


def rev(repo: Repo, name: str) -> str | None:
    return git(repo.path, "rev-parse", "--verify", "-q", name, check=False).strip() or None


def commit(clone: Path, files: dict[str, str | bytes], message: str = "work") -> str:
    for rel, content in files.items():
        p = clone / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", message)
    return git(clone, "rev-parse", "HEAD").strip()


# -- serve and three isolated agents --------------------------------------------------------


def test_three_isolated_agents_are_judged_as_themselves_by_the_serve_they_push_to(served: Serve) -> None:
    repo = served.repo
    # A repository hook path that runs nothing: serve runs pre-receive anyway.
    repo.git("config", "core.hooksPath", "/dev/null")
    main = rev(repo, "main")
    alice, bob, carol = spawn(served, "alice", "t1"), spawn(served, "bob", "t1"), spawn(served, "carol", "t1")
    for agent, clone in (("alice", alice), ("bob", bob), ("carol", carol)):
        assert git(clone, "remote").split() == ["origin"]
        assert git(clone, "remote", "get-url", "origin").strip() == served.url.replace("://", f"://{agent}@")
        assert git(clone, "config", "agentgate.agent").strip() == agent
        assert git(clone, "symbolic-ref", "HEAD").strip() == f"refs/heads/agent/{agent}/t1"
        creds = clone / ".git" / "agentgate-credentials"
        assert stat.S_IMODE(creds.stat().st_mode) == 0o600
        assert (clone / ".git" / "objects" / "info" / "alternates").read_text().strip() == str(
            repo.path / ".git" / "objects")
        assert rev(repo, f"agent/{agent}/t1") == main

    # In scope: accepted, and the branch moves in the human's repository.
    head = commit(alice, {"src/billing/tax.py": "RATE = 0.2\n"})
    rc, remote, err = push(alice)
    assert rc == 0, err
    assert remote == ["agentgate: agent/alice/t1: allow"]
    assert rev(repo, "agent/alice/t1") == head

    # Out of scope: refused as scope.outside; the ref does not move.
    commit(alice, {"src/ui/app.py": "def render():\n    return 'mine'\n"})
    rc, remote, _ = push(alice)
    assert rc == 1
    assert any("BLOCK scope.outside src/ui/app.py" in line for line in remote), remote
    assert rev(repo, "agent/alice/t1") == head
    git(alice, "reset", "-q", "--hard", "HEAD~1")

    # The target and another agent's namespace: ref.namespace, nothing moves.
    for where in ("main", "agent/bob/t1"):
        before = rev(repo, where)
        rc, remote, _ = push(alice, "origin", f"HEAD:{where}")
        assert rc == 1
        assert remote[0] == (f"agentgate: {where}: BLOCK ref.namespace  agent alice (alice) may push only "
                             f"its own branches (agent/alice/*), not {where}")
        assert rev(repo, where) == before

    # bob and carol are themselves too.
    commit(bob, {"src/ui/b.py": "B = 1\n"})
    assert push(bob, "origin", "HEAD:agent/carol/t1")[0] == 1
    assert rev(repo, "agent/carol/t1") == main
    carol_head = commit(carol, {"src/carol/c.py": "C = 1\n"})
    assert push(carol)[0] == 0
    assert rev(repo, "agent/carol/t1") == carol_head


def test_a_wrong_or_missing_token_gets_401_and_changes_nothing(served: Serve) -> None:
    alice = spawn(served, "alice", "t1")
    commit(alice, {"src/billing/tax.py": "RATE = 0.2\n"})
    before = rev(served.repo, "agent/alice/t1")
    info = served.url + "/info/refs?service=git-receive-pack"
    for auth in (None, "alice:agt_wrong", f"bob:{token_of(alice)}", "alice:"):
        req = urllib.request.Request(info)
        if auth is not None:
            req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        assert e.value.code == 401
        assert e.value.headers["WWW-Authenticate"].startswith('Basic realm="agentgate serve"')
    wrong = served.url.replace("://", "://alice:agt_wrong@")
    rc, _, err = push(alice, wrong, "HEAD:agent/alice/t1", no_helper=True)
    assert rc != 0 and "Authentication failed" in err
    assert rev(served.repo, "agent/alice/t1") == before
    # The clone's own credential still works (a failed attempt elsewhere did not erase it).
    assert push(alice)[0] == 0


def test_a_push_over_one_mebibyte_goes_through_chunked(served: Serve) -> None:
    alice = spawn(served, "alice", "big")
    head = commit(alice, {"src/billing/blob.bin": os.urandom(3 * 1024 * 1024)})
    rc, remote, err = push(alice, env={"GIT_TRACE_CURL": "1", "GIT_TRACE_CURL_NO_DATA": "1"})
    assert rc == 0, err
    assert re.search(r"Transfer-Encoding: chunked", err, re.IGNORECASE)
    assert remote[-1] == "agentgate: agent/alice/big: allow"
    assert rev(served.repo, "agent/alice/big") == head


def test_eight_concurrent_pushes_are_each_judged_right(served: Serve) -> None:
    alice, bob = spawn(served, "alice", "t1"), spawn(served, "bob", "t1")
    base = git(alice, "rev-parse", "HEAD").strip()
    jobs = []  # (clone, token of, commit, ref, accepted)
    for i in range(8):
        good = i % 2 == 0
        path = f"src/billing/f{i}.py" if good else f"src/ui/f{i}.py"
        git(alice, "checkout", "-q", "--detach", base)
        sha = commit(alice, {path: f"N = {i}\n"}, f"c{i}")
        if i == 7:
            jobs.append((bob, "bob", sha, f"agent/alice/c{i}", False))  # bob into alice's namespace
        else:
            jobs.append((alice, "alice", sha, f"agent/alice/c{i}", good))
    git(bob, "fetch", "-q", str(alice), *[j[2] for j in jobs if j[0] == bob])
    results: dict[int, tuple[int, list[str], str]] = {}

    def one(i: int) -> None:
        clone, who, sha, ref, _ = jobs[i]
        url = served.url.replace("://", f"://{who}:{token_of(clone)}@")
        results[i] = push(clone, url, f"{sha}:refs/heads/{ref}", no_helper=True)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, (_, who, sha, ref, accepted) in enumerate(jobs):
        rc, remote, err = results[i]
        if accepted:
            assert rc == 0, err
            assert rev(served.repo, ref) == sha
        else:
            assert rc == 1, err
            rule = "ref.namespace" if who == "bob" else "scope.outside"
            assert any(f"BLOCK {rule}" in line for line in remote), remote
            assert rev(served.repo, ref) is None


# -- the lifecycle of isolated clones ---------------------------------------------------------


def test_discard_then_restore_of_an_isolated_clone_gives_back_everything_byte_for_byte(served: Serve) -> None:
    repo = served.repo
    bob = spawn(served, "bob", "wip")
    pushed = commit(bob, {"src/ui/pushed.py": "P = 1\n"}, "pushed")
    assert push(bob)[0] == 0
    commit(bob, {"src/ui/unpushed.py": "U = 1\n"}, "never pushed")
    (bob / "src/ui/staged.py").write_text("S = 1\n")
    git(bob, "add", "src/ui/staged.py")
    (bob / "src/ui/app.py").write_text("def render():\n    return 'unstaged'\n")
    (bob / "src/ui/run.sh").write_bytes(b"#!/bin/sh\necho \xe2\x80\x94\n")
    (bob / "src/ui/run.sh").chmod(0o755)
    (bob / "src/ui/notes.bin").write_bytes(bytes(range(256)))
    before = state(bob)

    rc, out, err = agentgate(repo.path, "discard", "agent/bob/wip")
    assert (rc, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"discarded agent/bob/wip (was at {pushed[:7]}); removed the isolated clone {bob}"
    assert lines[1] == "  saved uncommitted work: 1 staged, 1 unstaged, 2 untracked file(s)"
    assert not bob.exists()
    assert rev(repo, "agent/bob/wip") is None

    rc, out, err = agentgate(repo.path, "restore")
    assert (rc, err) == (0, "")
    assert out.splitlines()[0] == f"restored agent/bob/wip at {pushed[:7]} in the isolated clone {bob}"
    assert state(bob) == before
    assert rev(repo, "agent/bob/wip") == pushed
    assert git(bob, "config", "agentgate.agent").strip() == "bob"
    assert git(bob, "log", "-1", "--format=%s").strip() == "never pushed"
    # The restored clone pushes with a working credential (its token was renewed).
    git(bob, "add", "-A")
    git(bob, "commit", "-q", "-m", "all of it")
    rc, _, err = push(bob)
    assert rc == 0, err
    assert rev(repo, "agent/bob/wip") == git(bob, "rev-parse", "HEAD").strip()


def test_merge_of_an_isolated_agents_pushed_branch(served: Serve) -> None:
    alice = spawn(served, "alice", "t1")
    head = commit(alice, {"src/billing/tax.py": "RATE = 0.2\n"})
    assert push(alice)[0] == 0
    rc, out, err = agentgate(served.repo.path, "merge", "agent/alice/t1", "--no-tests")
    assert rc == 0, out + err
    assert git(served.repo.path, "merge-base", "--is-ancestor", head, "main", check=False) == ""
    assert (served.repo.path / "src/billing/tax.py").read_text() == "RATE = 0.2\n"


def test_status_inside_an_isolated_clone_shows_its_branch(served: Serve) -> None:
    alice = spawn(served, "alice", "t1")
    commit(alice, {"src/billing/tax.py": "RATE = 0.2\n"})
    rc, out, err = agentgate(alice, "status", "--format", "json")
    assert rc == 0, err
    assert '"refs/heads/agent/alice/t1"' in out


# -- serve itself -----------------------------------------------------------------------------


def test_spawn_isolated_without_serve_says_how_and_makes_nothing(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "repo", POLICY3)
    rc, out, err = agentgate(repo.path, "spawn", "alice", "t1", "--isolated")
    assert (rc, out) == (4, "")
    assert "needs 'agentgate serve' running" in err and "Nothing was made." in err
    assert rev(repo, "agent/alice/t1") is None
    assert not (tmp_path / "repo.agents").exists()


def test_serve_token_prints_the_token_last_and_keeps_only_a_hash(served: Serve) -> None:
    rc, out, err = agentgate(served.repo.path, "serve", "token", "carol")
    assert (rc, err) == (0, "")
    token = out.split()[-1]
    assert token.startswith("agt_") and len(token) > 40
    store = served.repo.path / ".git" / "agentgate" / "serve-tokens.json"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert token not in store.read_text()
    # Made while serve runs, it works at once: fetch with it.
    url = served.url.replace("://", f"://carol:{token}@")
    ls = subprocess.run(["git", "-c", "credential.helper=", "ls-remote", url, "main"], capture_output=True,
                        text=True, check=False)
    assert ls.returncode == 0, ls.stderr
    assert ls.stdout.split()[0] == rev(served.repo, "main")


def test_serve_token_for_an_unknown_agent_names_the_closest(served: Serve) -> None:
    rc, out, err = agentgate(served.repo.path, "serve", "token", "alcie")
    assert (rc, out) == (4, "")
    assert "no agent 'alcie'" in err and "Did you mean alice?" in err


def test_a_second_serve_of_the_same_repository_is_refused(served: Serve) -> None:
    rc, out, err = agentgate(served.repo.path, "serve")
    assert (rc, out) == (4, "")
    assert f"already serves {served.repo.path} at {served.url}" in err


def test_serve_refuses_a_non_loopback_host_without_the_flag(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "repo", POLICY3)
    rc, _, err = agentgate(repo.path, "serve", "--host", "0.0.0.0")
    assert rc == 2 and "--allow-remote" in err


def test_serve_stops_on_sigterm_or_ctrl_c_and_takes_the_same_port_again(served: Serve) -> None:
    port = served.port
    assert served.stop() == 0
    assert served.out.read_text().splitlines()[-1] == "agentgate serve: stopped"
    again = start_serve(served.repo)
    try:
        assert again.port == port
        assert "stop with Ctrl-C" in again.out.read_text().splitlines()[0]
    finally:
        assert again.stop(signal.SIGINT) == 0  # Ctrl-C
    assert again.out.read_text().splitlines()[-1] == "agentgate serve: stopped"


def test_the_identity_serve_was_started_with_never_reaches_the_hook(tmp_path: Path) -> None:
    """serve started from the approver's shell: an agent's push is still the agent's."""
    repo = seeded_repo(tmp_path / "repo", POLICY3)
    s = start_serve(repo, env={"AGENTGATE_USER": "lead", "GITHUB_USER_LOGIN": "lead", "GL_USERNAME": "lead",
                               "REMOTE_USER": "lead", "AGENTGATE_SERVE_AGENT": "lead"})
    try:
        alice = spawn(s, "alice", "t1")
        commit(alice, {"src/billing/tax.py": "RATE = 0.2\n"})
        before = rev(repo, "main")
        rc, remote, _ = push(alice, "origin", "HEAD:main")
        assert rc == 1
        assert remote[0].startswith("agentgate: main: BLOCK ref.namespace  agent alice (alice)")
        assert rev(repo, "main") == before
    finally:
        assert s.stop() == 0


def test_an_agent_removed_from_the_policy_cannot_push_with_its_old_token(served: Serve) -> None:
    carol = spawn(served, "carol", "t1")
    served.repo.commit("drop carol", {".agentgate.toml": POLICY})
    commit(carol, {"src/carol/c.py": "C = 1\n"})
    rc, _, err = push(carol)
    assert rc != 0 and "403" in err
    assert rev(served.repo, "agent/carol/t1") == rev(served.repo, "main~1")


# -- the identity rule ------------------------------------------------------------------------


def test_only_serve_makes_a_login_an_agent_by_its_name() -> None:
    policy = parse_policy(POLICY3)
    by_serve = {"REMOTE_USER": "carol", "AGENTGATE_SERVE_AGENT": "carol"}
    assert served_agent(by_serve) == "carol"
    # Apache (REMOTE_USER alone): a login is an agent only through identities.
    assert served_agent({"REMOTE_USER": "carol"}) is None
    assert make_pusher(policy, "carol", served_agent({"REMOTE_USER": "carol"})).agent is None
    # A variable naming another login than the one the identity variables give counts for nothing.
    assert served_agent({"AGENTGATE_USER": "lead", "REMOTE_USER": "carol", "AGENTGATE_SERVE_AGENT": "carol"}) is None
    pusher = make_pusher(policy, "carol", served_agent(by_serve))
    assert (pusher.agent, pusher.approver) == ("carol", False)


def test_a_second_clone_of_the_same_agent_renews_the_token_in_the_first(served: Serve) -> None:
    first = spawn(served, "alice", "t1")
    old = token_of(first)
    second = spawn(served, "alice", "t2")
    assert token_of(first) == token_of(second) != old
    commit(first, {"src/billing/a.py": "A = 1\n"})
    assert push(first)[0] == 0


def test_without_a_policy_on_the_target_serve_takes_no_push(served: Serve) -> None:
    alice = spawn(served, "alice", "t1")
    served.repo.git("rm", "-q", ".agentgate.toml")
    served.repo.git("commit", "-q", "-m", "no policy")
    commit(alice, {"src/billing/a.py": "A = 1\n"})
    before = rev(served.repo, "agent/alice/t1")
    rc, _, err = push(alice, "origin", "HEAD:main")
    assert rc != 0 and "403" in err
    assert rev(served.repo, "agent/alice/t1") == before


def test_guard_install_in_a_clone_spawn_isolated_made_writes_the_sandbox(served: Serve) -> None:
    """The two halves of the desktop boundary meet: spawn --isolated leaves the marks
    guard install recognises (agentgate.isolated, origin the serve URL, borrowed
    objects), so the agent's sandbox names this serve and the other agent's clone."""
    alice, bob = spawn(served, "alice", "x"), spawn(served, "bob", "y")
    rc, out, err = agentgate(alice, "guard", "install")
    assert (rc, err) == (0, ""), err
    assert f"isolated clone (serve {served.url}" in out
    settings = json.loads((alice / ".claude" / "settings.local.json").read_text())
    assert settings["sandbox"]["enabled"] is True
    assert settings["sandbox"]["allowUnsandboxedCommands"] is False
    assert settings["sandbox"]["network"]["allowedDomains"] == ["127.0.0.1"]
    deny = settings["permissions"]["deny"]
    assert f"Read(/{bob.resolve()}/**)" in deny
    assert f"Read(/{(served.repo.path / '.git' / 'agentgate').resolve()}/**)" in deny
