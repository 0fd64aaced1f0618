"""Real bare repositories with agentgate's server hooks installed, and a clone to
push from with real ``git push``: what the server-side tests share. The fixtures
that make them (``agentgate``, ``server``) are in conftest.py."""

from __future__ import annotations

import io
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gate.commands import hooks as hooks_cmd
from tests.gitutil import POLICY, Repo, git, seeded_repo


@dataclass
class Pushed:
    rc: int
    remote: list[str]  # what followed "remote: ", git's padding stripped
    stderr: str


@dataclass
class Server:
    """A bare repository with agentgate's server hooks, and a clone to push from."""

    bare: Path
    work: Repo
    url: str

    def push(self, *args: str, user: str | None = None, cwd: Path | None = None, url: str | None = None,
             env: dict[str, str] | None = None) -> Pushed:
        e = dict(os.environ)
        e.pop("AGENTGATE_USER", None)
        if user is not None:
            e["AGENTGATE_USER"] = user
        e.update(env or {})
        proc = subprocess.run(["git", "push", url or self.url, *args], cwd=cwd or self.work.path,
                              env=e, capture_output=True, text=True, check=False)
        remote = [ln[len("remote: "):].rstrip() for ln in proc.stderr.splitlines() if ln.startswith("remote: ")]
        return Pushed(proc.returncode, remote, proc.stderr)

    def ref(self, name: str) -> str | None:
        out = git(self.bare, "rev-parse", "--verify", "-q", name, check=False).strip()
        return out or None


def make_server(base: Path, policy: str = POLICY, url: str | None = None, hooks: bool = True) -> Server:
    work = seeded_repo(base / "work", policy)
    bare = base / "remote.git"
    Repo.init(bare, bare=True)
    work.git("remote", "add", "origin", url or bare.as_uri())
    work.git("push", "-q", "origin", "main")
    server = Server(bare, work, url or bare.as_uri())
    if hooks:
        install_server_hooks(bare)
    return server


def install_server_hooks(bare: Path) -> None:
    hooks_cmd.install(bare, server=True, out=io.StringIO())


def alice_branch(work: Repo, files: dict[str, str | bytes], name: str = "agent/alice/x", message: str = "work") -> str:
    work.branch(name)
    oid = work.commit(message, files)
    work.checkout("main")
    return oid
