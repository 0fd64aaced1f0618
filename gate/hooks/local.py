"""Local hooks: ``pre-push``, ``pre-merge-commit`` and ``commit-msg``.

They are early warnings, not enforcement (DESIGN §2): ``--no-verify`` skips
``pre-push`` and ``commit-msg``; git skips ``pre-merge-commit`` on fast-forward,
``--squash`` and conflicted merges; some agent orchestrators set
``core.hooksPath=/dev/null``. The server's ``pre-receive`` is what holds.

A merge that ``pre-merge-commit`` refuses is left half done (``MERGE_HEAD``), and
git itself suggests ``git commit`` to finish it; ``commit-msg`` judges that commit
again, so the refusal stands until ``git merge --abort``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gate.git.run import GitUnavailable, git

if TYPE_CHECKING:
    from gate.context import Context
    from gate.git.repo import GitRepo
    from gate.model import Oid, Outcome

ADVISORY = ("local hooks are advisory (--no-verify and fast-forward merges skip them); "
            "the server's pre-receive enforces")
ABORT = "the merge is not committed: back out with 'git merge --abort' ('git commit' is refused too)"
# A human resolving a conflict must be able to finish the merge: the conflict is
# what they are resolving, not a reason to refuse the result.
_NOT_AT_COMMIT = frozenset({"target.conflict"})
_TRAILER = re.compile(r"^Agent:\s*\S", re.MULTILINE | re.IGNORECASE)


def _git_config(key: str) -> str | None:
    # The environment git gave the hook, as it is: it names the repository.
    try:
        ran = git("config", "--get", key, check=False)
    except GitUnavailable:
        return None
    value = ran.text.strip()
    return value or None if ran.code == 0 else None


# -- commit-msg ------------------------------------------------------------------------


def commit_msg(args: Sequence[str], env: Mapping[str, str]) -> int:
    """Refuse a commit that concludes a refused merge into the target; else add
    ``Agent: NAME`` when the worktree's ``agentgate.agent`` is set (a convenience
    that never fails the commit)."""
    # 'git merge' runs commit-msg too, right after pre-merge-commit judged the same
    # merge (GIT_REFLOG_ACTION "merge NAME"); 'git commit' and 'git merge --continue'
    # set none.
    concluding = not env.get("GIT_REFLOG_ACTION", "").startswith("merge")
    if concluding and _merge_in_progress() and _conclude_merge(env) != 0:
        return 1
    if not args:
        return 0
    agent = _git_config("agentgate.agent")
    if not agent:
        return 0
    path = Path(args[0])
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return 0
    body = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if not body or _TRAILER.search("\n".join(body)):
        return 0  # an empty message aborts the commit; keep it empty. Never a second trailer.
    git("interpret-trailers", "--in-place", "--trailer", f"Agent: {agent}", str(path), check=False)
    return 0


def _merge_in_progress() -> bool:
    # One git call on every commit; the gate is loaded only while a merge is open.
    try:
        ran = git("rev-parse", "--git-path", "MERGE_HEAD", check=False)
    except GitUnavailable:
        return False
    return ran.code == 0 and Path(ran.text.strip()).is_file()


def _conclude_merge(env: Mapping[str, str]) -> int:
    """Judge the agent branches in ``MERGE_HEAD`` as ``pre-merge-commit`` would,
    leaving out ``target.conflict``; 1 refuses the commit. Other heads (a human's
    pull of the server's target) are not this hook's to judge."""
    from gate import context
    from gate.errors import GateError, PolicyError
    from gate.git.opening import open_repo
    from gate.hooks.target import merged_name
    from gate.model import Oid
    from gate.report import remote

    try:
        repo = open_repo()
        ctx = context.build(repo)
        if not ctx.policy.present or repo.head_ref() != ctx.target_ref:
            return 0
        gitdir = Path(git("rev-parse", "--git-dir").text.strip())
        oids = [Oid(w) for w in (gitdir / "MERGE_HEAD").read_text().split()]
        msg = gitdir / "MERGE_MSG"
        title = merged_name(msg.read_text(errors="replace")) if msg.is_file() and len(oids) == 1 else None
    except (PolicyError, GateError, OSError) as e:
        remote.emit([f"warning: the merge being committed was not checked: {e}"], env)
        return 0
    tips = {b.head: b.short for b in ctx.agent_branches}

    def agent_branch(name: str | None) -> bool:
        # 'origin/agent/alice/x' names agent/alice/x, as target.side reads it.
        tail = name.split("/", 1)[-1] if name else None
        return any(n is not None and ctx.policy.agent_for_branch(n) is not None for n in (name, tail))

    heads = [(o, tips.get(o, title)) for o in oids]
    heads = [(o, name) for o, name in heads if agent_branch(name)]
    if not heads:
        return 0
    return _judge_merge(repo, ctx, heads, env, "commit", _NOT_AT_COMMIT)


# -- pre-push ----------------------------------------------------------------------------


def _from_pre_commit(env: Mapping[str, str]) -> str:
    """git's pre-push stdin line, rebuilt from the pre-commit framework's variables."""
    local_ref = env.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD"
    remote_ref = env.get("PRE_COMMIT_REMOTE_BRANCH") or local_ref
    remote_oid = env.get("PRE_COMMIT_FROM_REF") or "0" * len(env["PRE_COMMIT_TO_REF"])
    return f"{local_ref} {env['PRE_COMMIT_TO_REF']} {remote_ref} {remote_oid}\n"


def pre_push(args: Sequence[str], stdin_text: str, env: Mapping[str, str]) -> int:
    """Judge what is about to be pushed as the server would; 1 stops the push."""
    from gate import context
    from gate.errors import GateError, PolicyError
    from gate.git.opening import open_repo
    from gate.hooks import deadline, judge
    from gate.hooks.input import make_pusher, parse_prepush
    from gate.model import short_name
    from gate.report import remote

    if not stdin_text.strip() and env.get("PRE_COMMIT_TO_REF"):
        # The pre-commit framework gives its pre-push hooks no stdin, only variables.
        stdin_text, args = _from_pre_commit(env), [env.get("PRE_COMMIT_REMOTE_NAME", "")]
    updates = parse_prepush(stdin_text)
    if not updates:
        return 0
    try:
        repo = open_repo()
        ctx = context.build(repo)
        if not ctx.policy.present:
            return 0
        deadline.limit(ctx.policy.hook_seconds)
        pushed_to = args[0] if args else ""
        tracked = f"refs/remotes/{pushed_to}/{short_name(ctx.target_ref)}"
        tref = ctx.target_ref
        if pushed_to and repo.ref_oid(tracked) is not None:
            # Judge against the server's target as last fetched, as pre-receive will.
            ctx = context.build(repo, tracked)
    except PolicyError as e:
        remote.emit([f"warning: the policy on the target is invalid, so nothing was checked: {e}",
                     "the server refuses pushes until an approver fixes it"], env)
        return 0
    except GateError as e:
        remote.emit([f"warning: nothing was checked: {e}"], env)
        return 0
    pusher = make_pusher(ctx.policy, _login(env), _git_config("agentgate.agent"))
    try:
        outcomes = judge.judge_updates(ctx, updates, pusher, target_ref=tref)
    except GateError as e:
        remote.emit([f"warning: nothing was checked: {e}"], env)
        return 0  # advisory: the server decides
    lines = remote.outcome_lines(outcomes, short_name(tref))
    refused = any(o.refused for o in outcomes)
    if _noteworthy(outcomes):
        lines.append(ADVISORY)
    remote.emit(lines, env)
    return 1 if refused else 0


def _noteworthy(outcomes: Sequence[Outcome]) -> bool:
    return any(o.refused or any(p.result.findings for p in o.parts) for o in outcomes)


def _login(env: Mapping[str, str]) -> str | None:
    return env.get("AGENTGATE_USER", "").strip() or _git_config("user.email")


# -- pre-merge-commit --------------------------------------------------------------------


def pre_merge_commit(env: Mapping[str, str]) -> int:
    """Judge the branch being merged into the target; 1 stops the merge commit.

    git gives the merged branch's name only in ``GIT_REFLOG_ACTION`` ("merge
    agent/alice/x").
    """
    from gate import context
    from gate.errors import GateError, PolicyError
    from gate.git.opening import open_repo
    from gate.report import remote

    try:
        repo = open_repo()
        ctx = context.build(repo)
    except (PolicyError, GateError) as e:
        remote.emit([f"warning: nothing was checked: {e}"], env)
        return 0
    if not ctx.policy.present or repo.head_ref() != ctx.target_ref:
        return 0  # only merges into the target are gated
    return _judge_merge(repo, ctx, _merged(repo, env.get("GIT_REFLOG_ACTION", "")), env, "merge")


def _judge_merge(repo: GitRepo, ctx: Context, heads: Sequence[tuple[Oid, str | None]], env: Mapping[str, str],
                 action: str, leave_out: frozenset[str] = frozenset()) -> int:
    """Judge ``heads`` merged into the target as ``pre-receive`` judges a target move,
    without the rules in ``leave_out``; print the lines; 1 when refused."""
    from gate import verdict
    from gate.errors import GateError
    from gate.hooks import deadline, target
    from gate.hooks.input import make_pusher
    from gate.model import Outcome, Part, RefUpdate, short_name
    from gate.report import remote

    deadline.limit(ctx.policy.hook_seconds)
    pusher = make_pusher(ctx.policy, _login(env), _git_config("agentgate.agent"))
    outcomes = []
    for head, name in heads:
        piece = target.side(ctx, head, name)
        try:
            res = target.judge(ctx, piece, pusher)
        except GateError as e:
            remote.emit([f"warning: {piece.label} was not checked: {e}"], env)
            continue
        if res is None:
            continue
        if leave_out:
            res = verdict.without(res, leave_out)
        part = Part(piece.label, res, piece.more)
        v = part.result.verdict
        upd = RefUpdate(ctx.target_ref, ctx.target_oid, head)
        outcomes.append(Outcome(upd, piece.label, "target", (part,), v, verdict.refuses("target", v)))
    refused = any(o.refused for o in outcomes)
    lines = remote.outcome_lines(outcomes, short_name(ctx.target_ref), action=action)
    if refused:
        lines.append(ABORT)
    if _noteworthy(outcomes):
        lines.append(ADVISORY)
    remote.emit(lines, env)
    return 1 if refused else 0


def _merged(repo: GitRepo, action: str) -> list[tuple[Oid, str | None]]:
    """(commit, branch name) for each head being merged. git writes MERGE_HEAD only
    after pre-merge-commit has run, so the names in GIT_REFLOG_ACTION are all there is."""
    from gate.errors import GateError
    from gate.model import short_name

    out: list[tuple[Oid, str | None]] = []
    words = action.split()
    if len(words) < 2 or words[0] != "merge":
        return out  # 'pull …' and the like: nothing reliable to judge
    for word in words[1:]:
        if word.startswith("-"):
            continue
        try:
            ref, oid = repo.resolve_branch(word)
            out.append((oid, short_name(ref)))
        except GateError:
            try:
                out.append((repo.resolve_commit(word), None))
            except GateError:
                continue
    return out
