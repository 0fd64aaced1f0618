"""Hermetic git for every test (no user or system config leaks in), and the
fixtures several test modules share: ``run`` (the command line in this process)
and ``main_repo`` (the seeded sample repository)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

from gate.cli import main as cli_main
from gate.git.config import set_config_search_path
from tests.gitutil import Repo, Run, seeded_repo
from tests.servers import Server, make_server


@pytest.fixture(autouse=True)
def hermetic_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text(
        "[init]\n\tdefaultBranch = main\n"
        "[user]\n\tname = Test User\n\temail = test@example.com\n"
        "[protocol \"file\"]\n\tallow = always\n"
    )
    for var in list(os.environ):
        if var.startswith(("GIT_", "AGENTGATE_", "GITHUB_", "GL_")) or var in ("REMOTE_USER",):
            monkeypatch.delenv(var, raising=False)
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test User",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test User",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
        "GIT_EDITOR": "false",
        "GIT_TERMINAL_PROMPT": "0",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    # Test checkouts (gate.testrun.pool) outlive a run: keep them out of the real temp dir.
    tmp = tmp_path_factory.mktemp("tmp")
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    # libgit2 took its config search path from the real HOME when pygit2 was
    # imported (at collection); without this, in-process code reads ~/.gitconfig.
    (home / "etc").mkdir()
    set_config_search_path(home, home / ".config", system=home / "etc")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """An empty working repository on ``main``."""
    return Repo.init(tmp_path / "repo")


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """``agentgate ARGS`` in-process from ``cwd``: (exit code, stdout, stderr)."""

    def call(*args: str, cwd: Path) -> tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exc:
            cli_main(list(args))
        out, err = capsys.readouterr()
        return int(exc.value.code or 0), out, err

    return call


@pytest.fixture
def main_repo(tmp_path: Path) -> Repo:
    return seeded_repo(tmp_path / "repo")


# -- server-side tests (tests/servers.py) ---------------------------------------------


@pytest.fixture
def agentgate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The program the shims run: this interpreter with this checkout's gate."""
    prog = tmp_path_factory.mktemp("bin") / "agentgate"
    prog.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gate "$@"\n')
    prog.chmod(0o755)
    monkeypatch.setenv("AGENTGATE", str(prog))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent.parent))
    return prog


@pytest.fixture
def server(tmp_path: Path, agentgate: Path) -> Server:
    return make_server(tmp_path)
