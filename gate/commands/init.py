"""``agentgate init``: write a commented starter policy, from what the tree shows."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from gate.atomic import write_atomic
from gate.errors import GateError
from gate.git.opening import open_repo
from gate.git.repo import GitRepo
from gate.policy import POLICY_FILE, load

_SKIP = {".git", "node_modules", ".venv", "venv", "__pycache__", "dist", "build", "target"}


def detect_tests(root: Path) -> str | None:
    """The project's test command, from the files that name one, most specific first.

    A tests/ folder alone means pytest only when it holds Python files: JavaScript
    projects have tests/ folders too."""
    if any((root / f).is_file() for f in ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "conftest.py")):
        return "python -m pytest -q"
    pkg = root / "package.json"
    if pkg.is_file():
        try:
            script = json.loads(pkg.read_text()).get("scripts", {}).get("test", "")
        except (ValueError, OSError, AttributeError, UnicodeDecodeError):
            script = ""
        # npm init writes a test script that only fails: not a test command.
        if isinstance(script, str) and script and "no test specified" not in script:
            return "npm test"
    for marker, cmd in (("go.mod", "go test ./..."), ("Cargo.toml", "cargo test"), ("pom.xml", "mvn -q test")):
        if (root / marker).is_file():
            return cmd
    makefile = root / "Makefile"
    if makefile.is_file() and re.search(r"^test\s*:", makefile.read_text(errors="replace"), re.MULTILINE):
        return "make test"
    tests = root / "tests"
    if tests.is_dir() and any(tests.rglob("*.py")):
        return "python -m pytest -q"
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


# Every CI configuration path init knows. The policy lists them all, found or not:
# an agent that adds a pipeline (which runs with the project's secrets) is gated too.
CI_PATHS = [".github/workflows/", ".gitlab-ci.yml", ".ci/", ".circleci/", "Jenkinsfile",
            "azure-pipelines.yml", ".azure-pipelines/", ".buildkite/"]
# Lock files by name; "*.lock" covers most, and naming them shows the reader which.
LOCKFILES = ["*.lock", "package-lock.json", "uv.lock", "poetry.lock", "Cargo.lock", "go.sum", "yarn.lock",
             "pnpm-lock.yaml", "Gemfile.lock", "composer.lock", "Pipfile.lock"]


def detect_ci(root: Path) -> list[str]:
    return [c for c in CI_PATHS if (root / c.rstrip("/")).exists()]


def _list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def render(root: Path, target: str = "main") -> str:
    """The starter policy for the tree at ``root`` (valid: ``main`` loads it back)."""
    tests = detect_tests(root)
    found = detect_migrations(root)
    # **/migrations/** covers folders named migrations; others found are listed.
    migrations = ["**/migrations/**", "*.sql"] + [m for m in found if not m.endswith("migrations/")]
    seen = f"   # found here: {', '.join(found)}" if found else ""
    found_ci = detect_ci(root)
    ci_seen = f"   # found here: {', '.join(found_ci)}" if found_ci else ""
    test_block = (
        f'[tests]\ncommand = {json.dumps(tests)}   # run on the merge result: agentgate check --tests\n'
        "timeout = 900\nmerge = true\n"
        if tests else
        '# [tests]\n# command = "make test"   # no test command was detected; set one\n'
    )
    return f"""\
# agentgate policy. It is read from the target branch ({target}), never from an agent's
# branch: commit changes to it on the target, as an approver.
version = 1

[gate]
target = {json.dumps(target)}                    # the branch agents merge into
protected = [{json.dumps(target)}, "release/*"]  # force-push and deletion refused here
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
migrations = {_list(migrations)}{seen}
ci = {_list(CI_PATHS)}{ci_seen}
lockfiles = {_list(LOCKFILES)}

[limits]
max_file_bytes = 5_000_000
max_behind = 100
hook_seconds = 4

[rules]                            # override a rule's action: off | warn | ask | block
# "overlap.file" = "warn"

{test_block}"""


def _target(repo: GitRepo) -> str:
    """main, else master, else the current branch: the branch agents will merge into."""
    for name in ("main", "master"):
        if repo.ref_oid(f"refs/heads/{name}") is not None:
            return name
    head = repo.head_ref()
    return head[len("refs/heads/"):] if head and head.startswith("refs/heads/") else "main"


def main(force: bool = False, repo_path: str | None = None) -> int:
    repo = open_repo(repo_path)
    root = repo.workdir
    if root is None:
        raise GateError("this is a bare repository: run 'agentgate init' in a checkout of it.")
    path = root / POLICY_FILE
    if path.exists() and not force:
        raise GateError(f"{POLICY_FILE} exists already. Edit it, or pass --force to replace it.")
    text = render(root, _target(repo))
    load(text)  # what we write must be valid
    write_atomic(path, text)
    print(f"wrote {POLICY_FILE}: name your agents and their paths, then commit it to the target branch.")
    return 0
