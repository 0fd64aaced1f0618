"""``agentgate merge BRANCH``: run the whole gate, then merge as ``git merge --no-ff`` would.

allow -> a merge commit (target first, branch second) and a compare-and-swap update
of the target; its worktree follows when it is checked out and clean. ask -> in a
terminal, the gated findings and a y/N question (yes records the approvals, then
merges); elsewhere exit 3 and the approve command. block -> nothing changes, exit 1.
The merged commit is the one the gate judged, even if the branch moves meanwhile.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from gate import approvals, context, gating
from gate.context import BranchInfo, Context
from gate.errors import EXIT_ALLOW, EXIT_ASK, EXIT_BLOCK, GateError, UsageError
from gate.git import landing, lifecycle
from gate.git.opening import open_repo
from gate.git.repo import GitRepo
from gate.land.message import merge_message, subject
from gate.model import Report, short_name
from gate.policy import require_policy
from gate.report import lifecycle as lifecycle_report
from gate.report import text


def _who(repo: GitRepo) -> str:
    # The same identity the local hooks use (gate.hooks.local).
    return (
        os.environ.get("AGENTGATE_USER", "").strip()
        or repo.config_get("user.email")
        or repo.config_get("user.name")
        or ""
    )


def _may_approve(ctx: Context, who: str) -> str | None:
    """Why ``who`` may not record approvals here (None: they may). The branch then
    still needs an approval (exit 3), from someone else. GateError when git does
    not know who is asking: that is a setup to fix, not a refusal."""
    here = ctx.repo.config_get("agentgate.agent")
    if here:
        return (f"this worktree belongs to agent '{here}', and agents never approve. "
                "A human approver merges from their own checkout.")
    key = who.casefold()
    if not key:
        raise GateError("git does not know who you are: set 'git config user.email you@example.com'.")
    if ctx.policy.agent_for_identity(who) is not None:
        return f"{who} is an agent identity, and agents never approve."
    approvers = ctx.policy.approvers
    if approvers and key not in {a.casefold() for a in approvers}:
        return (f"{who} is not among the approvers ({', '.join(approvers)}). Ask one of them to review and "
                "run the approve command.")
    return None


def _ask_yes(question: str) -> bool:
    sys.stdout.write(question)
    sys.stdout.flush()
    answer = sys.stdin.readline()
    if not sys.stdout.isatty():
        sys.stdout.write("\n")  # the terminal echoed the answer and its newline, not our stdout
    return answer.strip().lower() in ("y", "yes")


def main(
    branch: str,
    no_tests: bool = False,
    yes: bool = False,
    target: str | None = None,
    repo_path: str | None = None,
    confirm: Callable[[str], bool] | None = None,
) -> int:
    started = time.monotonic()
    repo = open_repo(repo_path)
    ctx = context.build(repo, target)
    require_policy(ctx.policy, ctx.target_ref)
    tref, told = ctx.target_ref, ctx.target_oid
    tname = short_name(tref)
    ref, head = repo.resolve_branch(branch)
    if ref == tref:
        raise UsageError(f"{tname} is the target branch: name the agent branch to merge into it.")
    if not tref.startswith("refs/heads/"):
        raise GateError(
            f"the target {tname} is a remote-tracking branch here. Create it locally "
            f"('git branch {tname.split('/', 1)[-1]} {tname}') and merge into that."
        )
    if repo.descends(told, head):
        print(f"{short_name(ref)} has nothing that {tname} does not have already: nothing to merge.")
        return EXIT_ALLOW
    b = ctx.branch(ref, head)
    landing.ready_worktree(repo, tref)  # refuse a dirty target checkout before any work
    own = lifecycle.worktree_of(repo, b.ref)
    if own is not None and not own.missing and landing.dirty_reason(own.path):
        print(f"note: {own.path} has uncommitted changes; only the commits of {b.short} are merged.")

    tests = not no_tests and ctx.policy.tests is not None
    if not no_tests and not tests:
        print("note: the policy has no [tests] command, so no tests ran. Add one under [tests] in .agentgate.toml.")
    results = gating.run(ctx, [b], tests=tests)
    rep = gating.make_report(ctx, results, started)
    sys.stdout.write(text.render(rep))
    if rep.verdict == "block":
        print(f"not merged: the gate blocks {b.short}; {tname} was not changed.")
        return EXIT_BLOCK
    if rep.verdict == "ask":
        asks = [f for r in results for f in r.findings if f.action == "ask" and not f.approved]
        if not yes and confirm is None and not sys.stdin.isatty():
            sys.stdout.write(lifecycle_report.needs_approval(b.short, len(asks)))
            return EXIT_ASK
        who = _who(repo)
        refused = _may_approve(ctx, who)
        if refused is not None:  # the findings still need an approval: exit 3, not "could not run"
            sys.stderr.write(f"agentgate: {refused}\n")
            sys.stdout.write(lifecycle_report.needs_approval(b.short, len(asks)))
            return EXIT_ASK
        question = f"Approve these {len(asks)} finding(s) as {who} and merge {b.short} into {tname}? [y/N] "
        if not yes and not (confirm or _ask_yes)(question):
            print(f"not merged; {tname} was not changed.")
            return EXIT_ASK
        approvals.record(repo, asks, who, b.short, agent=b.agent or b.unknown_agent, target=ctx.target_oid,
                         changes=ctx.changes(b.head), valid=ctx.approved)
        print(f"recorded {len(asks)} approval(s) as {who}")
    return _merge(repo, ctx, b, rep)


def _merge(repo: GitRepo, ctx: Context, b: BranchInfo, rep: Report) -> int:
    tref, told, tname = ctx.target_ref, ctx.target_oid, short_name(ctx.target_ref)
    tree, conflicts = landing.merge_tree(repo, told, b.head)
    if tree is None:
        print(
            f"not merged: {b.short} conflicts with {tname} in {', '.join(conflicts)}; {tname} was not changed. "
            f"Rebase {b.short} onto {tname} and try again."
        )
        return EXIT_BLOCK
    merge = lifecycle.commit(repo, tree, [told, b.head], merge_message(b, rep))
    where = landing.land(repo, tref, told, merge, f"agentgate merge {b.short}")
    sys.stdout.write(lifecycle_report.merged(b.short, tname, told, merge, subject(b), where))
    return EXIT_ALLOW
