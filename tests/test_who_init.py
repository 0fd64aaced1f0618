"""``agentgate who`` (the owner, the pattern, and the patterns it overrides) and
``agentgate init`` (a valid starter policy from what the tree shows)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gate.policy import DEFAULT_PATHS, POLICY_FILE, load
from tests.gitutil import POLICY, Repo, agentgate, seeded_repo

LAYERED = POLICY + """
[agents.carol]
branches = ["agent/carol/*"]
owns = ["src/ui/legacy/", "*.css"]
"""


def test_who_names_the_owner_and_the_pattern(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    code, out, err = agentgate(repo.path, "who", "src/ui/app.py", "src/billing/invoice.py", "src/common/util.py",
                               "README.md", "tests/billing/test_x.py")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "src/ui/app.py: bob (pattern src/ui/**)",
        "src/billing/invoice.py: alice (pattern src/billing/)",
        "src/common/util.py: shared (pattern src/common/)",
        "README.md: no owner",
        "tests/billing/test_x.py: alice (pattern tests/billing/)",
    ]


def test_who_shows_the_winner_and_the_patterns_it_overrides(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r", LAYERED)
    code, out, _ = agentgate(repo.path, "who", "src/ui/legacy/old.css", "src/ui/legacy/old.js", "src/ui/app.css",
                             "site.css")
    assert code == 0
    assert out.splitlines() == [
        "src/ui/legacy/old.css: carol (pattern *.css); overrides bob (src/ui/**), carol (src/ui/legacy/)",
        "src/ui/legacy/old.js: carol (pattern src/ui/legacy/); overrides bob (src/ui/**)",
        "src/ui/app.css: carol (pattern *.css); overrides bob (src/ui/**)",
        "site.css: carol (pattern *.css)",
    ]


def test_who_takes_paths_relative_to_the_current_folder(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    code, out, _ = agentgate(repo.path / "src" / "ui", "who", "app.py", "../billing/invoice.py", "../../README.md")
    assert code == 0
    assert out.splitlines() == [
        "src/ui/app.py: bob (pattern src/ui/**)",
        "src/billing/invoice.py: alice (pattern src/billing/)",
        "README.md: no owner",
    ]


def test_who_works_through_a_symlinked_checkout_and_from_a_worktree(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    os.symlink(repo.path, tmp_path / "alias")
    assert agentgate(tmp_path / "alias" / "src", "who", "ui/app.py")[1] == "src/ui/app.py: bob (pattern src/ui/**)\n"
    repo.git("worktree", "add", "-q", "-b", "agent/bob/x", str(tmp_path / "wt"))
    assert agentgate(tmp_path / "wt" / "src", "who", "billing/a.py")[1] == (
        "src/billing/a.py: alice (pattern src/billing/)\n")


def test_who_reads_the_policy_of_the_target_not_of_the_checkout(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    repo.branch("agent/alice/x")
    repo.commit("grab", {POLICY_FILE: POLICY.replace('"src/ui/**"', '"src/nothing/"')})
    assert agentgate(repo.path, "who", "src/ui/app.py")[1] == "src/ui/app.py: bob (pattern src/ui/**)\n"


def test_who_says_when_a_path_is_gated_and_by_which_rule(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r", POLICY + '\n[rules]\n"gate.lockfile" = "off"\n')
    code, out, err = agentgate(repo.path, "who", "src/billing/migrations/001.sql", ".github/workflows/ci.yml",
                               "uv.lock", ".agentgate.toml", "db/schema.sql")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "src/billing/migrations/001.sql: alice (pattern src/billing/); gated: gate.migration (ask, pattern "
        "**/migrations/**)",
        ".github/workflows/ci.yml: no owner; gated: gate.ci (ask, pattern .github/workflows/)",
        "uv.lock: no owner",  # gate.lockfile is off in this policy
        ".agentgate.toml: no owner; gated: gate.policy (block)",
        "db/schema.sql: no owner; gated: gate.migration (ask, pattern *.sql)",
    ]
    repo = seeded_repo(tmp_path / "r2")
    assert agentgate(repo.path, "who", "web/yarn.lock")[1] == (
        "web/yarn.lock: no owner; gated: gate.lockfile (warn, pattern *.lock)\n")


def test_who_without_a_policy_says_how_to_start(tmp_path: Path) -> None:
    repo = Repo.init(tmp_path / "r")
    repo.commit("initial", {"a.txt": "a\n"})
    assert agentgate(repo.path, "who", "a.txt") == (4, "", (
        "agentgate: no .agentgate.toml on main, so there are no agents. Start one with 'agentgate init', "
        "review it, and commit it to the target branch.\n"))


# -- init -----------------------------------------------------------------------------------------


def _init(tmp_path: Path, files: dict[str, str], *args: str) -> str:
    repo = Repo.init(tmp_path / "r")
    for rel, text in files.items():
        repo.write(rel, text)
    code, out, err = agentgate(repo.path, "init", *args)
    assert (code, err) == (0, ""), err
    assert out == "wrote .agentgate.toml: name your agents and their paths, then commit it to the target branch.\n"
    return (repo.path / POLICY_FILE).read_text()


@pytest.mark.parametrize(("files", "command"), [
    ({"pyproject.toml": "[project]\nname = 'x'\n"}, "python -m pytest -q"),
    ({"tests/test_a.py": "def test(): pass\n"}, "python -m pytest -q"),
    ({"package.json": '{"scripts": {"test": "vitest run"}}', "tests/a.test.js": ""}, "npm test"),
    ({"go.mod": "module example.com/x\n"}, "go test ./..."),
    ({"Makefile": "build:\n\tcc x.c\n\ntest: build\n\t./run-tests\n"}, "make test"),
])
def test_init_detects_the_test_command(tmp_path: Path, files: dict[str, str], command: str) -> None:
    pol = load(_init(tmp_path, files))
    assert pol.tests is not None and pol.tests.command == command


def test_init_without_a_test_command_leaves_it_commented(tmp_path: Path) -> None:
    text = _init(tmp_path, {"package.json": '{"scripts": {"test": "echo \\"Error: no test specified\\" && exit 1"}}'})
    assert load(text).tests is None
    assert '# command = "make test"   # no test command was detected; set one' in text


def test_init_lists_migration_folders_and_ci_files_it_finds(tmp_path: Path) -> None:
    text = _init(tmp_path, {
        "app/migrations/0001_initial.py": "", "db/alembic/env.py": "", "node_modules/x/migrations/1.js": "",
        ".github/workflows/ci.yml": "on: push\n", ".gitlab-ci.yml": "test:\n",
    })
    pol = load(text)
    assert pol.paths["migrations"] == ("**/migrations/**", "*.sql", "db/alembic/")
    # Every CI system init knows, found or not: an agent adding a pipeline is gated too.
    assert pol.paths["ci"] == (".github/workflows/", ".gitlab-ci.yml", ".ci/", ".circleci/", "Jenkinsfile",
                               "azure-pipelines.yml", ".azure-pipelines/", ".buildkite/")
    assert "# found here: .github/workflows/, .gitlab-ci.yml" in text
    assert "# found here: app/migrations/, db/alembic/" in text
    assert pol.path_set("migrations", "app/migrations/0002_more.py") == "**/migrations/**"


def test_init_knows_the_usual_lock_files_and_ci_paths(tmp_path: Path) -> None:
    pol = load(_init(tmp_path, {".azure-pipelines/ci.yml": "", "Jenkinsfile": ""}))
    assert set(DEFAULT_PATHS["lockfiles"]) < set(pol.paths["lockfiles"])
    for path in ("go.sum", "yarn.lock", "pnpm-lock.yaml", "Gemfile.lock", "composer.lock", "Pipfile.lock",
                 "web/package-lock.json", "Cargo.lock"):
        assert pol.path_set("lockfiles", path), path
    for path in (".azure-pipelines/ci.yml", "azure-pipelines.yml", ".circleci/config.yml", "Jenkinsfile",
                 ".buildkite/pipeline.yml", ".github/workflows/ci.yml", ".gitlab-ci.yml"):
        assert pol.path_set("ci", path), path
    assert not pol.path_set("ci", "docs/azure-pipelines.md")


def test_init_writes_a_policy_agentgate_then_uses(tmp_path: Path) -> None:
    repo = Repo.init(tmp_path / "r")
    repo.commit("initial", {"src/example/a.py": "a = 1\n"})
    assert agentgate(repo.path, "init")[0] == 0
    repo.commit("policy")
    pol = load((repo.path / POLICY_FILE).read_text())
    assert (pol.target, pol.protected, pol.on_error, list(pol.agents)) == (
        "main", ("main", "release/*"), "block", ["example"])
    repo.branch("agent/example/x")
    repo.commit("work", {"src/example/a.py": "a = 2\n"})
    assert agentgate(repo.path, "check", "--format", "json")[0] == 0
    assert agentgate(repo.path, "who", "src/example/a.py")[1] == "src/example/a.py: example (pattern src/example/)\n"


def test_init_targets_the_branch_the_repository_has(tmp_path: Path) -> None:
    (tmp_path / "r").mkdir()
    repo = Repo(tmp_path / "r")
    repo.git("init", "-q", "-b", "trunk")
    repo.commit("initial", {"a.txt": "a\n"})
    assert agentgate(repo.path, "init")[0] == 0
    assert load((repo.path / POLICY_FILE).read_text()).target == "trunk"


def test_init_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    repo = Repo.init(tmp_path / "r")
    repo.write(POLICY_FILE, "# mine\n")
    assert agentgate(repo.path, "init") == (
        4, "", "agentgate: .agentgate.toml exists already. Edit it, or pass --force to replace it.\n")
    assert (repo.path / POLICY_FILE).read_text() == "# mine\n"
    assert agentgate(repo.path / ".", "init", "--force")[0] == 0
    assert load((repo.path / POLICY_FILE).read_text()).agents


def test_init_from_a_subfolder_writes_at_the_root(tmp_path: Path) -> None:
    repo = Repo.init(tmp_path / "r")
    repo.write("src/a.py", "")
    assert agentgate(repo.path / "src", "init")[0] == 0
    assert (repo.path / POLICY_FILE).is_file() and not (repo.path / "src" / POLICY_FILE).exists()


def test_init_in_a_bare_repository(tmp_path: Path) -> None:
    bare = Repo.init(tmp_path / "r.git", bare=True)
    assert agentgate(bare.path, "init") == (
        4, "", "agentgate: this is a bare repository: run 'agentgate init' in a checkout of it.\n")
