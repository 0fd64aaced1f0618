"""``agentgate policy check [FILE]`` (an uncommitted policy: the same file:line errors,
what it changes against the one in force) and the note ``who`` and ``check`` give
when the worktree's policy is not the one they use."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gate import policy
from gate.errors import PolicyError
from tests.gitutil import POLICY, Repo, Run, on_branch, seeded_repo

EDITED = POLICY.replace(
    'approvers = ["lead@example.com", "lead"]', 'approvers = ["lead@example.com", "ops"]'
).replace(
    'owns = ["src/billing/", "tests/billing/"]', 'owns = ["src/billing/", "docs/billing/"]'
).replace(
    '[agents.bob]\nbranches = ["agent/bob/*"]\nowns = ["src/ui/**"]\nidentities = ["bob-bot"]\n',
    '[agents.carol]\nbranches = ["agent/carol/*"]\nowns = ["src/ui/**", "*.css"]\n',
) + '\n[rules]\n"gate.migration" = "block"\n"overlap.file" = "warn"\n'

DIFFERS = ("note: the .agentgate.toml in this worktree differs from the one on main, which is the one in force "
           "until the change is committed there. Check it: agentgate policy check\n")


def error_of(text: str, source: str) -> str:
    """The policy module's own words for what is wrong with ``text``."""
    with pytest.raises(PolicyError) as caught:
        policy.load(text, source)
    return str(caught.value)


def test_policy_check_shows_what_an_edited_policy_changes(main_repo: Repo, run: Run) -> None:
    main_repo.write(".agentgate.toml", EDITED)
    assert run("policy", "check", cwd=main_repo.path) == (0, (
        ".agentgate.toml: valid\n"
        "against the policy on main:\n"
        "  + agent carol: owns src/ui/**, *.css\n"
        "  - agent bob\n"
        "  alice owns: + docs/billing/, - tests/billing/\n"
        "  rule gate.migration: ask -> block\n"
        "  approvers: + ops, - lead\n"
        "commit it to main (as an approver) to put it in force\n"
    ), "")


def test_policy_check_of_the_committed_policy_changes_nothing(main_repo: Repo, run: Run) -> None:
    assert run("policy", "check", cwd=main_repo.path / "src") == (0, (
        ".agentgate.toml: valid\n"
        "no change to agents, owned paths, rules or approvers against the policy on main\n"), "")


@pytest.mark.parametrize("bad", [
    POLICY.replace('target = "main"\n', 'target = "main"\nbogus = 1\n'),
    POLICY.replace('owns = ["src/ui/**"]', 'owns = ["src/billing/"]'),
    POLICY + '\n[rules]\n"gate.nope" = "ask"\n',
    "this is [not toml\n",
])
def test_an_invalid_policy_gives_the_file_and_line_and_exit_4(main_repo: Repo, run: Run, bad: str) -> None:
    main_repo.write(".agentgate.toml", bad)
    assert run("policy", "check", cwd=main_repo.path) == (4, "", f"agentgate: {error_of(bad, '.agentgate.toml')}\n")
    main_repo.write("proposed.toml", bad)
    assert run("policy", "check", "proposed.toml", cwd=main_repo.path) == (
        4, "", f"agentgate: {error_of(bad, 'proposed.toml')}\n")


def test_policy_check_of_a_first_policy(tmp_path: Path, run: Run) -> None:
    repo = Repo.init(tmp_path / "r")
    repo.commit("initial", {"src/example/a.py": "a = 1\n"})
    assert run("init", cwd=repo.path)[0] == 0
    code, out, err = run("policy", "check", cwd=repo.path)
    assert (code, err) == (0, "")
    assert out.splitlines()[:3] == [
        ".agentgate.toml: valid", "against main, which has no policy in force yet:",
        "  + agent example: owns src/example/"]


def test_policy_check_fixing_an_invalid_policy_in_force(tmp_path: Path, run: Run) -> None:
    broken = POLICY.replace('target = "main"\n', 'target = "main"\nbogus = 1\n')
    repo = seeded_repo(tmp_path / "r", broken)
    repo.write(".agentgate.toml", POLICY)
    code, out, err = run("policy", "check", cwd=repo.path)
    assert (code, err) == (0, "note: the policy in force is invalid, so this is compared with none: "
                              f"{error_of(broken, '.agentgate.toml')}\n")
    assert out.splitlines()[:4] == [
        ".agentgate.toml: valid", "against main, which has no policy in force yet:",
        "  + agent alice: owns src/billing/, tests/billing/", "  + agent bob: owns src/ui/**"]


def test_policy_check_outside_a_repository_only_validates(tmp_path: Path, run: Run) -> None:
    (tmp_path / "p.toml").write_text(POLICY)
    assert run("policy", "check", "p.toml", cwd=tmp_path) == (0, "p.toml: valid\n", "")
    assert run("policy", "check", "missing.toml", cwd=tmp_path) == (
        4, "", "agentgate: missing.toml: no such file. Write one with 'agentgate init', or name the file to "
               "check.\n")


def test_who_and_check_say_the_worktree_policy_is_not_in_force(main_repo: Repo, run: Run) -> None:
    on_branch(main_repo, "agent/alice/x", files={"src/billing/invoice.py": "x = 1\n"})
    main_repo.write(".agentgate.toml", EDITED)
    code, out, err = run("who", "src/ui/app.py", cwd=main_repo.path)
    assert (code, out, err) == (0, "src/ui/app.py: bob (pattern src/ui/**)\n", DIFFERS)
    code, out, err = run("check", "agent/alice/x", "--format", "json", cwd=main_repo.path)
    assert (code, err) == (0, DIFFERS)


def test_who_with_only_an_uncommitted_policy_says_it_is_ignored(tmp_path: Path, run: Run) -> None:
    repo = Repo.init(tmp_path / "r")
    repo.commit("initial", {"a.txt": "a\n"})
    repo.write(".agentgate.toml", POLICY)
    assert run("who", "a.txt", cwd=repo.path) == (4, "", (
        "note: the .agentgate.toml in this worktree is not on main, so it is not in force until it is committed "
        "there. Check it: agentgate policy check\n"
        "agentgate: no .agentgate.toml on main, so there are no agents. Start one with 'agentgate init', "
        "review it, and commit it to the target branch.\n"))


def test_a_remembered_check_tells_the_note_again_and_an_edit_is_a_new_question(
        tmp_path: Path, agentgate: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"src/billing/invoice.py": "x = 1\n"})

    def check() -> tuple[int, str]:
        ran = subprocess.run([str(agentgate), "check", "agent/alice/x"], cwd=repo.path, capture_output=True,
                             text=True, check=False, env=dict(os.environ))
        return ran.returncode, ran.stderr

    assert check() == (0, "") == check()
    repo.write(".agentgate.toml", EDITED)
    assert check() == (0, DIFFERS) == check()
    assert list((repo.path / ".git" / "agentgate" / "memo").glob("*.json"))
