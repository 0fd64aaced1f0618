"""``agentgate init``: write a commented starter policy, from what the tree shows."""

from __future__ import annotations

import json
import os
from pathlib import Path

from gate.errors import GateError
from gate.git import open_repo
from gate.git.changes import write_atomic
from gate.policy import POLICY_FILE, load

_SKIP = {".git", "node_modules", ".venv", "venv", "__pycache__", "dist", "build", "target"}


def detect_tests(root: Path) -> str | None:
    if (root / "pyproject.toml").is_file() or (root / "pytest.ini").is_file() or (root / "tests").is_dir():
        return "python -m pytest -q"
    pkg = root / "package.json"
    if pkg.is_file():
        try:
            if "test" in json.loads(pkg.read_text()).get("scripts", {}):
                return "npm test"
        except (ValueError, OSError, AttributeError):
            pass
    for marker, cmd in (("go.mod", "go test ./..."), ("Cargo.toml", "cargo test"),
                        ("pom.xml", "mvn -q test"), ("Makefile", "make test")):
        if (root / marker).is_file():
            return cmd
    return None


def detect_migrations(root: Path, limit: int = 5000) -> list[str]:
    """Folders named like migrations, found in a bounded walk of the tree."""
    found: list[str] = []
    seen = 0
    for dirpath, dirnames, _ in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP)
        seen += 1
        if seen > limit:
            break
        for d in dirnames:
            if d in ("migrations", "alembic", "migrate"):
                rel = Path(dirpath, d).relative_to(root).as_posix()
                found.append(rel + "/")
    return found


def detect_ci(root: Path) -> list[str]:
    candidates = [".github/workflows/", ".gitlab-ci.yml", ".ci/", ".circleci/", "Jenkinsfile",
                  "azure-pipelines.yml", ".buildkite/"]
    return [c for c in candidates if (root / c.rstrip("/")).exists()]


def _list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def render(root: Path) -> str:
    tests = detect_tests(root)
    migrations = ["**/migrations/**", "*.sql"] + [m for m in detect_migrations(root) if "migrations" not in m]
    ci = detect_ci(root) or [".github/workflows/", ".gitlab-ci.yml", ".ci/"]
    test_block = (
        f'[tests]\ncommand = {json.dumps(tests)}   # run on the merge result: agentgate check --tests\n'
        "timeout = 900\nmerge = true\n"
        if tests else
        '# [tests]\n# command = "make test"   # no test command was detected; set one\n'
    )
    return f"""\
# agentgate policy. It is read from the target branch (main), never from an agent's
# branch: commit changes to it on the target, as an approver.
version = 1

[gate]
target = "main"                    # the branch agents merge into
protected = ["main", "release/*"]  # force-push and deletion refused here
approvers = []                     # git e-mails or server logins allowed to approve gated changes
on_error = "block"                 # hooks when agentgate cannot run: block | allow
unattributed = "gates"             # commits that belong to no agent: allow | gates | block

# One table per agent: the branches it works on and the paths it owns
# (gitignore-style patterns, as in CODEOWNERS: the last matching pattern wins).
[agents.example]
branches = ["agent/example/*"]
owns = ["src/example/"]
# identities = ["example-bot"]     # pusher logins of this agent (server hooks)

[shared]
paths = []                         # any agent may change these; each change is reported

[paths]
migrations = {_list(migrations)}
ci = {_list(ci)}
lockfiles = ["*.lock", "package-lock.json", "uv.lock", "poetry.lock", "Cargo.lock"]

[limits]
max_file_bytes = 5_000_000
max_behind = 100

[rules]                            # override a rule's action: off | warn | ask | block
# "overlap.file" = "warn"

{test_block}"""


def main(force: bool = False, repo_path: str | None = None) -> int:
    repo = open_repo(repo_path)
    root = repo.workdir
    if root is None:
        raise GateError("this is a bare repository: run 'agentgate init' in a checkout of it.")
    path = root / POLICY_FILE
    if path.exists() and not force:
        raise GateError(f"{POLICY_FILE} exists already. Edit it, or pass --force to replace it.")
    text = render(root)
    load(text)  # what we write must be valid
    write_atomic(path, text)
    print(f"wrote {POLICY_FILE}: name your agents and their paths, then commit it to the target branch.")
    return 0
