"""``agentgate approve`` / ``agentgate approvals`` and the writer under them: records
bound to content fingerprints, one commit per approval run, compare-and-swap."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gate import approvals
from gate.commands import approve
from gate.errors import GateError, UsageError
from gate.git import write as gwrite
from gate.git.opening import open_repo
from tests.gitutil import Repo, seeded_repo

ROOT = Path(__file__).resolve().parent.parent
MIGRATION = "src/billing/migrations/001.sql"
LEAD = {"AGENTGATE_USER": "lead"}
WHEN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def agentgate(repo: Repo | Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    e = dict(os.environ)
    e.update(env or {})
    e["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "gate", *args], cwd=repo.path if isinstance(repo, Repo) else repo,
                          env=e, capture_output=True, text=True, check=False)


def check_json(repo: Repo, branch: str) -> dict[str, object]:
    proc = agentgate(repo, "check", branch, "--format", "json")
    return dict(json.loads(proc.stdout), exit=proc.returncode)


@pytest.fixture
def work(tmp_path: Path) -> Repo:
    """alice's branch adds a migration and deletes a file: two asks."""
    r = seeded_repo(tmp_path / "work")
    r.branch("agent/alice/x")
    r.write(MIGRATION, "create table t (id int);\n")
    r.delete("src/billing/invoice.py")
    r.commit("migration and deletion")
    r.checkout("main")
    return r


def _asks(report: dict[str, object]) -> list[tuple[str, str, str, bool]]:
    branches = report["branches"]
    assert isinstance(branches, list)
    return [(f["rule"], f["path"], f["fingerprint"], f["approved"])
            for f in branches[0]["findings"] if f["action"] == "ask"]


def test_approve_records_one_json_record_per_fingerprint(work: Repo) -> None:
    before = check_json(work, "agent/alice/x")
    assert before["exit"] == 3
    asks = _asks(before)
    assert [(r, p, a) for r, p, _, a in asks] == [
        ("gate.deletion", "src/billing/invoice.py", False),
        ("gate.migration", MIGRATION, False),
    ]
    proc = agentgate(work, "approve", "agent/alice/x", env=LEAD)
    assert proc.returncode == 0, proc.stderr
    fps = {p: fp for _, p, fp, _ in asks}
    assert proc.stdout.splitlines()[:2] == [
        f"approved gate.deletion src/billing/invoice.py on agent/alice/x ({fps['src/billing/invoice.py'][:12]})",
        f"approved gate.migration {MIGRATION} on agent/alice/x ({fps[MIGRATION][:12]})",
    ]
    names = work.git("ls-tree", "--name-only", "refs/agentgate/approvals").split()
    assert sorted(names) == sorted(f"{fp}.json" for fp in fps.values())
    record = json.loads(work.git("show", f"refs/agentgate/approvals:{fps[MIGRATION]}.json"))
    assert WHEN.match(record.pop("when"))
    blob = work.git("rev-parse", f"agent/alice/x:{MIGRATION}").strip()
    # The agent, the change (what says when the approval is spent) and the target's tip then.
    assert record == {"rule": "gate.migration", "path": MIGRATION, "who": "lead", "branch": "agent/alice/x",
                      "agent": "alice", "old_path": None, "new_path": MIGRATION, "old_oid": None,
                      "new_oid": blob, "target": work.rev("main")}
    assert work.git("rev-list", "--count", "refs/agentgate/approvals").strip() == "1"
    after = check_json(work, "agent/alice/x")
    assert (after["exit"], after["verdict"]) == (0, "allow")
    assert all(approved for *_, approved in _asks(after))


def test_approve_only_the_rules_asked_for(work: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert approve.main("agent/alice/x", ["gate.migration"], repo_path=str(work.path), env=LEAD) == 0
    records = approvals.list_all(open_repo(work.path))
    assert [(a.rule, a.path, a.branch, a.who) for a in records] == [
        ("gate.migration", MIGRATION, "agent/alice/x", "lead")]
    report = check_json(work, "agent/alice/x")
    assert [(r, a) for r, _, _, a in _asks(report)] == [("gate.deletion", False), ("gate.migration", True)]
    assert report["exit"] == 3


def test_approving_twice_records_nothing_new(work: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert approve.main("agent/alice/x", repo_path=str(work.path), env=LEAD) == 0
    first = work.rev("refs/agentgate/approvals")
    capsys.readouterr()
    assert approve.main("agent/alice/x", repo_path=str(work.path), env=LEAD) == 0
    assert capsys.readouterr().out == "agent/alice/x: no unapproved ask findings: nothing to approve.\n"
    assert work.rev("refs/agentgate/approvals") == first


def test_a_non_approver_cannot_approve(work: Repo) -> None:
    # Through the CLI: a fresh process reads this test's git config (libgit2 fixes its
    # global config path when it is first loaded).
    proc = agentgate(work, "approve", "agent/alice/x")
    assert (proc.returncode, proc.stdout) == (4, "")
    assert proc.stderr == ("agentgate: test@example.com is not an approver ([gate] approvers on main: "
                           "lead@example.com, lead). Ask an approver to review and approve, or set AGENTGATE_USER "
                           "to your approver login.\n")
    with pytest.raises(GateError, match=r"^alice-bot is not an approver"):
        approve.main("agent/alice/x", repo_path=str(work.path), env={"AGENTGATE_USER": "alice-bot"})
    assert work.git("for-each-ref", "refs/agentgate/").strip() == ""


def test_an_agent_worktree_cannot_approve(work: Repo) -> None:
    work.git("config", "agentgate.agent", "alice")
    with pytest.raises(GateError, match="this worktree belongs to agent 'alice'"):
        approve.main("agent/alice/x", repo_path=str(work.path), env=LEAD)


AGENT_REFUSED = ("agentgate: your current directory belongs to agent 'alice' (git config agentgate.agent); agents "
                 "never approve, whatever --repo names. Run 'agentgate approve' from a human's checkout.\n")


def test_approve_with_repo_from_an_agent_worktree_is_refused(work: Repo, tmp_path: Path) -> None:
    # The trial's hole: the agent names the human's repository with --repo.
    work.git("config", "extensions.worktreeConfig", "true")
    wt = tmp_path / "elsewhere" / "alice-y"
    work.git("worktree", "add", "-q", "-b", "agent/alice/y", str(wt), "main")
    Repo(wt).git("config", "--worktree", "agentgate.agent", "alice")
    proc = agentgate(wt / "src", "approve", "agent/alice/x", "--repo", str(work.path), env=LEAD)
    assert (proc.returncode, proc.stdout, proc.stderr) == (4, "", AGENT_REFUSED)
    assert work.git("for-each-ref", "refs/agentgate/").strip() == ""
    # The human's checkout still approves.
    assert agentgate(work, "approve", "agent/alice/x", env=LEAD).returncode == 0


def test_approve_with_repo_from_an_isolated_agent_clone_is_refused(work: Repo, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--shared", str(work.path), str(clone)], check=True)
    Repo(clone).git("config", "agentgate.agent", "alice")
    Repo(clone).git("config", "agentgate.isolated", "true")
    proc = agentgate(clone, "approve", "agent/alice/x", "--repo", str(work.path), env=LEAD)
    assert (proc.returncode, proc.stderr) == (4, AGENT_REFUSED)
    assert work.git("for-each-ref", "refs/agentgate/").strip() == ""


def test_approve_from_inside_the_agents_folder_is_refused_without_any_config(work: Repo) -> None:
    # A spawned worktree whose agent removed its own agentgate.agent is still where
    # spawn puts agents.
    inside = work.path.parent / "work.agents" / "alice-z"
    inside.mkdir(parents=True)
    proc = agentgate(inside, "approve", "agent/alice/x", "--repo", str(work.path), env=LEAD)
    assert proc.returncode == 4
    assert proc.stderr == (f"agentgate: your current directory is inside {inside.parent}, where agent worktrees and "
                           "clones are spawned; agents never approve. Run 'agentgate approve' from a human's "
                           "checkout.\n")
    assert work.git("for-each-ref", "refs/agentgate/").strip() == ""


def test_revoke_with_repo_from_inside_the_agents_folder_is_refused(work: Repo) -> None:
    # Revoking is an approver's act too: an agent must not undo the human's consent.
    assert agentgate(work, "approve", "agent/alice/x", env=LEAD).returncode == 0
    before = work.git("rev-parse", "refs/agentgate/approvals").strip()
    inside = work.path.parent / "work.agents" / "alice-z"
    inside.mkdir(parents=True)
    proc = agentgate(inside, "approvals", "--repo", str(work.path), "revoke", "0000", env=LEAD)
    assert proc.returncode == 4
    assert proc.stderr == (f"agentgate: your current directory is inside {inside.parent}, where agent worktrees and "
                           "clones are spawned; agents never revoke approvals. Run 'agentgate approvals revoke' "
                           "from a human's checkout.\n")
    assert work.git("rev-parse", "refs/agentgate/approvals").strip() == before


def test_unknown_rule_is_a_usage_error(work: Repo) -> None:
    proc = agentgate(work, "approve", "agent/alice/x", "--rule", "gate.nope", env=LEAD)
    assert (proc.returncode, proc.stderr) == (2, "agentgate: unknown rule id(s): gate.nope. See the rules table "
                                                 "in the README.\n")
    with pytest.raises(UsageError):
        approve.main("agent/alice/x", ["gate.nope"], repo_path=str(work.path), env=LEAD)


def test_changing_the_approved_content_voids_the_approval(work: Repo) -> None:
    assert approve.main("agent/alice/x", ["gate.migration"], repo_path=str(work.path), env=LEAD) == 0
    work.checkout("agent/alice/x")
    work.commit("edit the migration", {MIGRATION: "drop table users;\n"})
    work.checkout("main")
    assert [(r, a) for r, _, _, a in _asks(check_json(work, "agent/alice/x"))] == [
        ("gate.deletion", False), ("gate.migration", False)]


def test_a_rebase_that_keeps_the_content_keeps_the_approval(work: Repo) -> None:
    assert approve.main("agent/alice/x", repo_path=str(work.path), env=LEAD) == 0
    work.commit("unrelated progress on main", {"README.md": "newer\n"})
    work.checkout("agent/alice/x")
    work.git("rebase", "-q", "main")
    work.checkout("main")
    report = check_json(work, "agent/alice/x")
    assert (report["exit"], [a for *_, a in _asks(report)]) == (0, [True, True])


def test_approvals_lists_the_records(work: Repo) -> None:
    empty = agentgate(work, "approvals")
    assert (empty.returncode, empty.stdout) == (0, "no approvals recorded on refs/agentgate/approvals. Fetch the "
                                                   "server's: git fetch origin refs/agentgate/approvals:refs/"
                                                   "agentgate/approvals\n")
    assert approve.main("agent/alice/x", ["gate.migration"], repo_path=str(work.path), env=LEAD) == 0
    [record] = approvals.list_all(open_repo(work.path))
    text = agentgate(work, "approvals")
    assert text.stdout == (f"{record.fingerprint[:12]}  gate.migration  {MIGRATION}  alice  agent/alice/x  lead  "
                           f"{record.when}\n")
    data = json.loads(agentgate(work, "approvals", "--format", "json").stdout)
    assert data == {"version": 1, "approvals": [{
        "fingerprint": record.fingerprint, "rule": "gate.migration", "path": MIGRATION, "who": "lead",
        "when": record.when, "branch": "agent/alice/x", "agent": "alice", "old_form": False, "spent": None}]}


# -- the writer ---------------------------------------------------------------------------------


def test_update_ref_is_compare_and_swap_with_a_reflog_reason(repo: Repo) -> None:
    one = repo.commit("one")
    two = repo.commit("two")
    r = open_repo(repo.path)
    gwrite.update_ref(r, "refs/agentgate/test", one, None, "agentgate: create")
    with pytest.raises(gwrite.RefMoved):
        gwrite.update_ref(r, "refs/agentgate/test", two, None, "agentgate: create again")
    with pytest.raises(gwrite.RefMoved):
        gwrite.update_ref(r, "refs/agentgate/test", two, two, "agentgate: stale")
    assert repo.rev("refs/agentgate/test") == one
    gwrite.update_ref(r, "refs/agentgate/test", two, one, "agentgate: move")
    assert repo.rev("refs/agentgate/test") == two
    assert repo.git("reflog", "--format=%gs", "refs/agentgate/test").splitlines() == [
        "agentgate: move", "agentgate: create"]
    with pytest.raises(gwrite.RefMoved):
        gwrite.delete_ref(r, "refs/agentgate/test", one)
    gwrite.delete_ref(r, "refs/agentgate/test", two)
    assert repo.git("for-each-ref", "refs/agentgate/").strip() == ""


def test_write_tree_adds_replaces_and_removes_nested_paths(repo: Repo) -> None:
    base = repo.commit("base", {"a/b/c.txt": "c\n", "a/d.txt": "d\n", "top.txt": "t\n"})
    r = open_repo(repo.path)
    blob = gwrite.write_blob(r, b"new\n")
    tree = gwrite.write_tree(r, base, {
        "a/b/c.txt": None,  # leaves a/b empty: dropped
        "a/e/f.txt": (blob, 0o100755),
        "top.txt": (blob, 0o100644),
    })
    commit = gwrite.write_commit(r, tree, [base], "edit", who=("Lead", "lead@example.com"))
    assert repo.git("ls-tree", "-r", commit).splitlines() == [
        f"100644 blob {repo.git('rev-parse', base + ':a/d.txt').strip()}\ta/d.txt",
        f"100755 blob {blob}\ta/e/f.txt",
        f"100644 blob {blob}\ttop.txt",
    ]
    assert repo.git("log", "-1", "--format=%an <%ae>|%P|%s", commit).strip() == f"Lead <lead@example.com>|{base}|edit"


def test_record_rebuilds_on_top_of_a_concurrent_approval(work: Repo) -> None:
    r = open_repo(work.path)
    from gate.model import Finding

    a = Finding(rule="gate.migration", action="ask", message="m", path="x.sql", fingerprint="a" * 32)
    b = Finding(rule="gate.deletion", action="ask", message="d", path="y.py", fingerprint="b" * 32)
    first, _ = approvals.record(r, [a], "lead", "agent/alice/x", when="2026-01-01T00:00:00Z")
    # Another approver's record lands between our read and our write: simulate with a
    # stale expected value, which the writer must refuse…
    with pytest.raises(gwrite.RefMoved):
        gwrite.update_ref(r, approvals.APPROVALS_REF, first, None, "stale")
    # …and record() reads again and stacks on top, keeping both.
    second, written = approvals.record(r, [a, b], "lead", "agent/alice/x", when="2026-01-01T00:00:01Z")
    assert [w.fingerprint for w in written] == ["b" * 32]
    assert work.git("rev-parse", f"{second}^").strip() == first
    assert approvals.load(r) == frozenset({"a" * 32, "b" * 32})
