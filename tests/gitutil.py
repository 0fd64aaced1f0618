"""Build real repositories with the git command line (never pygit2: the product is
checked against git's own behaviour, not against itself)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

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
