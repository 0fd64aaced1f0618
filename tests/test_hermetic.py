"""The tests' sealing from the user's git setup reaches libgit2 too.

libgit2 fixes its config search path from ``HOME`` when pygit2 is first imported
(at collection, before any fixture runs), so without ``set_config_search_path``
the in-process code of every test read the machine's real ``~/.gitconfig``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gate
from gate.git.lifecycle import identity
from gate.git.opening import open_repo
from tests.gitutil import Repo

ROOT = Path(gate.__file__).parents[1]

# Imports pygit2 under one HOME, then moves HOME as the autouse fixture does.
SCRIPT = """
import json, os, sys
from pathlib import Path
from gate.git.opening import open_repo
from gate.git.config import set_config_search_path
from gate.git.lifecycle import identity

repo, home = sys.argv[1], Path(sys.argv[2])
os.environ["HOME"] = str(home)
os.environ["XDG_CONFIG_HOME"] = str(home / ".config")
before = identity(open_repo(repo))
set_config_search_path(home, home / ".config", system=home / "etc")
after = identity(open_repo(repo))
print(json.dumps([before, after]))
"""


def _home(path: Path, name: str, email: str) -> Path:
    (path / "etc").mkdir(parents=True)
    (path / ".gitconfig").write_text(f"[user]\n\tname = {name}\n\temail = {email}\n")
    return path


def test_in_process_config_is_read_from_the_test_home(repo: Repo) -> None:
    home = Path(os.environ["HOME"])
    with (home / ".gitconfig").open("a") as f:
        f.write("[agentgate]\n\ttarget = trunk-from-home\n")
    r = open_repo(repo.path)
    assert r.config_get("agentgate.target") == "trunk-from-home"
    assert r.config_get("user.name") == "Test User"
    assert identity(r) == ("Test User", "test@example.com")


def test_xdg_config_is_read_from_the_test_home(repo: Repo) -> None:
    xdg = Path(os.environ["XDG_CONFIG_HOME"]) / "git"
    xdg.mkdir(parents=True)
    (xdg / "config").write_text("[agentgate]\n\tagent = from-xdg\n")
    assert open_repo(repo.path).config_get("agentgate.agent") == "from-xdg"


def test_a_user_name_in_the_home_pygit2_was_imported_under_no_longer_leaks(repo: Repo, tmp_path: Path) -> None:
    real = _home(tmp_path / "real-home", "Real Person", "real@example.org")
    fake = _home(tmp_path / "fake-home", "Test User", "test@example.com")
    env = dict(os.environ, HOME=str(real), XDG_CONFIG_HOME=str(real / ".config"), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(repo.path), str(fake)], env=env,
                          capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stderr) == (0, "")
    # Before: libgit2 still reads the home it started with; after: the new one.
    assert json.loads(proc.stdout) == [["Real Person", "real@example.org"], ["Test User", "test@example.com"]]
