"""What an approval covers (DESIGN §3): one agent's change (rule, path, old -> new
blob), until that change lands on the target; revoking one; records of the old form.

Real repositories, the command line in this process (``run``), and the records read
back with git."""

from __future__ import annotations

import json

from gate.commands import approve
from gate.context import fingerprint
from tests.gitutil import Repo, Run, on_branch
from tests.servers import Server

SHARED = "src/common/util.py"  # any agent may change it; deleting it asks
LEAD = "lead@example.com"


def _approve_as_lead(repo: Repo) -> None:
    repo.git("config", "user.email", LEAD)


def _asks(run: Run, repo: Repo, branch: str) -> tuple[int, list[tuple[str, str, bool]]]:
    rc, out, _ = run("check", branch, "--format", "json", cwd=repo.path)
    [b] = json.loads(out)["branches"]
    return rc, [(f["rule"], f["path"], f["approved"]) for f in b["findings"] if f["action"] == "ask"]


def test_an_approval_for_alices_deletion_does_not_approve_bobs(run: Run, main_repo: Repo) -> None:
    on_branch(main_repo, "agent/alice/tidy", rm=(SHARED,))
    on_branch(main_repo, "agent/bob/tidy", rm=(SHARED,))
    _approve_as_lead(main_repo)
    assert run("approve", "agent/alice/tidy", cwd=main_repo.path)[0] == 0
    assert _asks(run, main_repo, "agent/alice/tidy") == (0, [("gate.deletion", SHARED, True)])
    # The same content change by another agent needs its own approval.
    assert _asks(run, main_repo, "agent/bob/tidy") == (3, [("gate.deletion", SHARED, False)])
    [record] = json.loads(run("approvals", "--format", "json", cwd=main_repo.path)[1])["approvals"]
    assert (record["agent"], record["branch"], record["spent"]) == ("alice", "agent/alice/tidy", None)


def test_an_approval_is_spent_once_its_change_lands_and_a_redo_asks_again(run: Run, main_repo: Repo) -> None:
    on_branch(main_repo, "agent/alice/tidy", rm=(SHARED,))
    _approve_as_lead(main_repo)
    assert run("approve", "agent/alice/tidy", cwd=main_repo.path)[0] == 0
    # It lands with a plain git merge (not agentgate merge), then the lead reverts it.
    main_repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'agent/alice/tidy'", "agent/alice/tidy")
    landed = main_repo.rev("main")
    main_repo.git("revert", "--no-edit", "-m", "1", "HEAD")
    # alice's next branch deletes the same file again (same old blob, same agent):
    on_branch(main_repo, "agent/alice/again", rm=(SHARED,))
    assert _asks(run, main_repo, "agent/alice/again") == (3, [("gate.deletion", SHARED, False)])
    rc, out, _ = run("approvals", cwd=main_repo.path)
    assert rc == 0
    [line] = out.splitlines()
    assert line.endswith(f"  spent: landed in {landed[:9]}")
    [record] = json.loads(run("approvals", "--format", "json", cwd=main_repo.path)[1])["approvals"]
    assert record["spent"] == landed
    # Approving again writes a fresh record over the spent one (the history keeps both).
    assert run("approve", "agent/alice/again", cwd=main_repo.path)[0] == 0
    assert _asks(run, main_repo, "agent/alice/again") == (0, [("gate.deletion", SHARED, True)])
    assert main_repo.git("rev-list", "--count", "refs/agentgate/approvals").strip() == "2"


def test_an_approver_revokes_an_approval_with_a_forward_commit(run: Run, main_repo: Repo) -> None:
    on_branch(main_repo, "agent/alice/tidy", rm=(SHARED,))
    _approve_as_lead(main_repo)
    assert run("approve", "agent/alice/tidy", cwd=main_repo.path)[0] == 0
    first = main_repo.rev("refs/agentgate/approvals")
    [record] = json.loads(run("approvals", "--format", "json", cwd=main_repo.path)[1])["approvals"]
    fp = record["fingerprint"]
    rc, out, err = run("approvals", "revoke", fp[:12], cwd=main_repo.path)
    assert (rc, err) == (0, "")
    assert out.splitlines()[0] == f"revoked gate.deletion {SHARED} of alice on agent/alice/tidy ({fp[:12]})"
    assert main_repo.git("rev-parse", "refs/agentgate/approvals^").strip() == first
    assert main_repo.git("ls-tree", "refs/agentgate/approvals").strip() == ""
    assert main_repo.git("reflog", "--format=%gs", "-n", "1", "refs/agentgate/approvals").strip() == (
        f"agentgate approvals revoke {fp[:12]}")
    assert _asks(run, main_repo, "agent/alice/tidy") == (3, [("gate.deletion", SHARED, False)])


def test_revoking_an_unknown_id_or_as_a_non_approver_is_refused(run: Run, main_repo: Repo) -> None:
    on_branch(main_repo, "agent/alice/tidy", rm=(SHARED,))
    _approve_as_lead(main_repo)
    assert run("approve", "agent/alice/tidy", cwd=main_repo.path)[0] == 0
    before = main_repo.rev("refs/agentgate/approvals")
    rc, out, err = run("approvals", "revoke", "deadbeef00", cwd=main_repo.path)
    assert (rc, out) == (4, "")
    assert err.startswith("agentgate: no approval with id deadbeef00 on refs/agentgate/approvals")
    main_repo.git("config", "user.email", "someone@example.com")
    fp = json.loads(run("approvals", "--format", "json", cwd=main_repo.path)[1])["approvals"][0]["fingerprint"]
    rc, out, err = run("approvals", "revoke", fp, cwd=main_repo.path)
    assert (rc, out) == (4, "")
    assert err.startswith("agentgate: someone@example.com is not an approver")
    assert main_repo.rev("refs/agentgate/approvals") == before


def _old_form_record(repo: Repo, content_fp: str, branch: str) -> None:
    """An approval as agentgate wrote them before the agent was part of the
    fingerprint: named by the content fingerprint, no agent, no blobs."""
    body = json.dumps({"rule": "gate.deletion", "path": SHARED, "who": "lead", "when": "2025-12-01T00:00:00Z",
                       "branch": branch}) + "\n"
    blob = repo.git("hash-object", "-w", "--stdin", input=body).strip()
    tree = repo.git("mktree", input=f"100644 blob {blob}\t{content_fp}.json\n").strip()
    commit = repo.git("commit-tree", "-m", "approve 1 finding(s) on " + branch, tree).strip()
    repo.git("update-ref", "refs/agentgate/approvals", commit)


def test_an_old_form_record_counts_for_the_agent_of_its_branch(run: Run, main_repo: Repo) -> None:
    old_blob = main_repo.git("rev-parse", f"main:{SHARED}").strip()
    content = fingerprint("gate.deletion", SHARED, None, old_blob, None)
    _old_form_record(main_repo, content, "agent/alice/tidy")
    on_branch(main_repo, "agent/alice/tidy", rm=(SHARED,))
    on_branch(main_repo, "agent/bob/tidy", rm=(SHARED,))
    assert _asks(run, main_repo, "agent/alice/tidy") == (0, [("gate.deletion", SHARED, True)])
    assert _asks(run, main_repo, "agent/bob/tidy") == (3, [("gate.deletion", SHARED, False)])
    rc, out, _ = run("approvals", cwd=main_repo.path)
    assert out == (f"{content[:12]}  gate.deletion  {SHARED}  alice  agent/alice/tidy  lead  2025-12-01T00:00:00Z"
                   "  old form: counts for alice, the agent of its branch\n")


def test_on_the_server_an_approval_counts_until_its_change_has_landed(server: Server) -> None:
    work = server.work
    on_branch(work, "agent/alice/tidy", rm=(SHARED,))
    assert server.push("agent/alice/tidy", user="alice-bot").rc == 0
    assert approve.main("agent/alice/tidy", repo_path=str(work.path), env={"AGENTGATE_USER": "lead"}) == 0
    assert server.push("refs/agentgate/approvals", user="lead").rc == 0
    work.git("merge", "-q", "--no-ff", "-m", "Merge branch 'agent/alice/tidy'", "agent/alice/tidy")
    landed = work.rev("main")
    # Judged against main before this push: the approval still counts.
    pushed = server.push("main", user="dev")
    assert (pushed.rc, pushed.remote[-1]) == (0, "agentgate: main: allow")
    assert pushed.remote[0].startswith("agentgate: main <- agent/alice/tidy: APPROVED gate.deletion ")
    work.git("revert", "--no-edit", "-m", "1", "HEAD")
    assert server.push("main", user="dev").rc == 0
    # alice deletes the file again: the same change, by the same agent, asks again.
    on_branch(work, "agent/alice/again", rm=(SHARED,))
    assert server.push("agent/alice/again", user="alice-bot").rc == 0
    work.git("merge", "-q", "--no-ff", "-m", "Merge branch 'agent/alice/again'", "agent/alice/again")
    before = server.ref("main")
    pushed = server.push("main", user="dev")
    assert pushed.remote[0] == f"agentgate: main <- agent/alice/again: ASK gate.deletion {SHARED}  {SHARED} is deleted"
    assert "agentgate: main: ask: refused until an approver approves" in pushed.remote
    assert (pushed.rc, server.ref("main")) == (1, before)
    assert landed != before
