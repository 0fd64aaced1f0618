"""An unknown branch, agent or ref is exit 4 in every command, with the closest
names (DESIGN §6, issue 18): a typo costs one look at the message, not a hunt."""

from __future__ import annotations

import pytest

from tests.gitutil import Repo, Run, on_branch

TARGET_HINT = ("agentgate: --target mian: there is no branch of that name here. Did you mean main? Pass an existing "
               "branch ('git branch -a' lists them), or fetch it ('git fetch origin').\n")
BRANCH_HINT = ("agentgate: no branch named 'agent/alice/fxi' here. Did you mean agent/alice/fix? List branches "
               "with 'git branch -a'; fetch remote ones with 'git fetch origin'.\n")


@pytest.fixture
def lead(main_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> Repo:
    """The seeded repository with one agent branch, as the approver sees it."""
    monkeypatch.setenv("AGENTGATE_USER", "lead")
    on_branch(main_repo, "agent/alice/fix", files={"src/billing/invoice.py": "def total(items):\n    return 0\n"})
    return main_repo


@pytest.mark.parametrize("args", [
    ("check", "agent/alice/fxi"),
    ("approve", "agent/alice/fxi"),
    ("merge", "agent/alice/fxi"),
])
def test_an_unknown_branch_names_the_closest_one(run: Run, lead: Repo, args: tuple[str, ...]) -> None:
    before = lead.git("for-each-ref")
    assert run(*args, cwd=lead.path) == (4, "", BRANCH_HINT)
    assert lead.git("for-each-ref") == before


@pytest.mark.parametrize("args", [
    ("check", "agent/alice/fix", "--target", "mian"),
    ("approve", "agent/alice/fix", "--target", "mian"),
    ("merge", "agent/alice/fix", "--target", "mian"),
    ("revert", "agent/alice/fix", "--target", "mian"),
    ("status", "--target", "mian"),
    ("plan", "--target", "mian"),
    ("who", "src/x.py", "--target", "mian"),
    ("spawn", "alice", "t", "--target", "mian"),
])
def test_an_unknown_target_names_the_closest_branch(run: Run, lead: Repo, args: tuple[str, ...]) -> None:
    assert run(*args, cwd=lead.path) == (4, "", TARGET_HINT)


@pytest.mark.parametrize(("args", "message"), [
    (("spawn", "alcie", "t"), "agentgate: no agent 'alcie' in .agentgate.toml on main. Did you mean alice? Known "
                              "agents: alice, bob. Add it to .agentgate.toml, commit that to main, and run spawn "
                              "again:\n\n[agents.alcie]\nbranches = [\"agent/alcie/*\"]\nowns = [\"src/alcie/\"]   "
                              "# the paths alcie may change\n"),
    (("serve", "token", "alcie"), "agentgate: no agent 'alcie' in .agentgate.toml on main. Did you mean alice? "
                                  "Known agents: alice, bob.\n"),
    (("check", "--diff", "../empty.diff", "--agent", "alcie"),
     "agentgate: no agent 'alcie' in .agentgate.toml on main. Did you mean alice? Known agents: alice, bob. Name "
     "the agent whose patch this is (--agent), or add [agents.alcie] to .agentgate.toml on the target.\n"),
    (("discard", "alcie", "--all"), "agentgate: no local branch or agent named 'alcie'. Did you mean alice? List "
                                    "branches with 'git branch', agents with 'agentgate status'.\n"),
    (("discard", "agent/alice/fxi"), "agentgate: no local branch or agent named 'agent/alice/fxi'. Did you mean "
                                     "agent/alice/fix? List branches with 'git branch', agents with "
                                     "'agentgate status'.\n"),
    (("revert", "alcie"), "agentgate: no merge of alcie on main's first-parent history. Did you mean alice? Work "
                          "that was fast-forwarded or squashed has no merge commit: revert its commits with "
                          "'git revert'.\n"),
    (("spawn", "alice", "t", "--from", "agent/alice/fxi"),
     "agentgate: 'agent/alice/fxi' does not name a commit here. Did you mean agent/alice/fix?\n"),
])
def test_an_unknown_agent_or_ref_names_the_closest(run: Run, lead: Repo, args: tuple[str, ...], message: str) -> None:
    (lead.path.parent / "empty.diff").write_text("")
    before = lead.git("for-each-ref")
    assert run(*args, cwd=lead.path) == (4, "", message)
    assert lead.git("for-each-ref") == before


def test_restore_of_an_unknown_trash_entry_names_the_closest(run: Run, lead: Repo) -> None:
    assert run("discard", "agent/alice/fix", cwd=lead.path)[0] == 0
    rc, out, err = run("restore", "agent/alice/fxi", cwd=lead.path)
    assert (rc, out) == (4, "")
    assert err.startswith("agentgate: no trash entry 'agent/alice/fxi'. Did you mean agent/alice/fix")
