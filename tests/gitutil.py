"""Build real repositories with the git command line (never pygit2: the product is
checked against git's own behaviour, not against itself), and run agentgate's
command line on them in this process."""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from gate.cli import cli

# The ``run`` fixture (conftest.py): ``run(*args, cwd=PATH)`` -> (exit code, stdout, stderr).
Run = Callable[..., tuple[int, str, str]]

POLICY = """\
version = 1

[gate]
target = "main"
approvers = ["lead@example.com", "lead"]

[agents.alice]
branches = ["agent/alice/*"]
owns = ["src/billing/", "tests/billing/"]
identities = ["alice-bot"]

[agents.bob]
branches = ["agent/bob/*"]
owns = ["src/ui/**"]
identities = ["bob-bot"]

[shared]
paths = ["src/common/", "pyproject.toml"]
"""


def git(cwd: Path | str, *args: str, input: str | bytes | None = None, check: bool = True) -> str:
    data = input.encode() if isinstance(input, str) else input
    proc = subprocess.run(
        ["git", *args], cwd=cwd, input=data, capture_output=True, check=False
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"git {' '.join(args)} failed ({proc.returncode}):\n"
            f"{proc.stdout.decode(errors='replace')}{proc.stderr.decode(errors='replace')}"
        )
    return proc.stdout.decode(errors="surrogateescape")


@dataclass
class Repo:
    path: Path

    @classmethod
    def init(cls, path: Path, bare: bool = False) -> Repo:
        path.mkdir(parents=True, exist_ok=True)
        git(path, "init", "-q", *(["--bare"] if bare else []), "-b", "main")
        return cls(path)

    def git(self, *args: str, input: str | bytes | None = None, check: bool = True) -> str:
        return git(self.path, *args, input=input, check=check)

    def write(self, rel: str, content: str | bytes, mode: int | None = None) -> None:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
        if mode is not None:
            p.chmod(mode)

    def delete(self, rel: str) -> None:
        self.git("rm", "-q", "--", rel)

    def commit(self, message: str = "change", files: dict[str, str | bytes] | None = None) -> str:
        for rel, content in (files or {}).items():
            self.write(rel, content)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.rev("HEAD")

    def rev(self, rev: str) -> str:
        return self.git("rev-parse", "--verify", rev + "^{commit}").strip()

    def branch(self, name: str, start: str = "main") -> None:
        self.git("checkout", "-q", "-B", name, start)

    def checkout(self, name: str) -> None:
        self.git("checkout", "-q", name)


def seeded_repo(path: Path, policy: str = POLICY) -> Repo:
    """A repository whose main has the sample policy and a few owned files."""
    r = Repo.init(path)
    r.commit(
        "initial",
        {
            ".agentgate.toml": policy,
            "src/billing/invoice.py": "def total(items):\n    return sum(items)\n",
            "src/ui/app.py": "def render():\n    return 'ui'\n",
            "src/common/util.py": "def helper():\n    return 1\n",
            "README.md": "sample\n",
        },
    )
    return r


# -- running agentgate ------------------------------------------------------------------


def agentgate(cwd: Path, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    """Run the command line in this process, from ``cwd``: (exit code, stdout, stderr)."""
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(cli, list(args), input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    return result.exit_code, result.stdout, result.stderr


def check_json(cwd: Path, *args: str, stdin: bytes | None = None) -> tuple[int, dict[str, Any]]:
    """``agentgate check ARGS --format json``: (exit code, the parsed report)."""
    code, out, err = agentgate(cwd, "check", *args, "--format", "json", stdin=stdin)
    assert out, err
    return code, json.loads(out)


def findings(report: dict[str, Any], *keys: str) -> list[tuple[Any, ...]]:
    """The findings of the only branch, as (rule, action, path, other) or ``keys``."""
    (branch,) = report["branches"]
    keys = keys or ("rule", "action", "path", "other")
    return [tuple(f[k] for k in keys) for f in branch["findings"]]


def on_branch(repo: Repo, name: str, message: str = "work", files: dict[str, str | bytes] | None = None,
              rm: tuple[str, ...] = (), mv: tuple[tuple[str, str], ...] = ()) -> str:
    """Commit a change on a new branch off main and go back to main."""
    repo.branch(name)
    for path in rm:
        repo.git("rm", "-q", "--", path)
    for src, dst in mv:
        (repo.path / dst).parent.mkdir(parents=True, exist_ok=True)
        repo.git("mv", src, dst)
    head = repo.commit(message, files)
    repo.checkout("main")
    return head
