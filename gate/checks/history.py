"""``gate.secret`` and ``gate.large-file`` on every commit the work adds (DESIGN §3,
"history"), not only on its net change: a secret added and removed again, a large
blob added and deleted, still land in the server's history.

The commits: a branch's commits not on the target (``agentgate check``, CI, a push
to an agent branch, the branches a target push brings in); a merge commit judged
for its own changes, that commit; an agent's runs on the target's first-parent
line, the commits of those runs (``Subject.commits``); and a push of any other
ref (a human's branch, a tag), the commits new to the server (``check_push``).
Each commit's scan is kept by its id (``gate.scan.history``): a re-push or a
re-check reads it. A finding names the commit that added the content (its short
id in the message, the full id in ``other``); the first commit to add a change
names it.
"""

from __future__ import annotations

from collections.abc import Sequence

from gate.approvals import APPROVALS_REF
from gate.checks import Found, PushedRef, Subject
from gate.context import Context
from gate.model import Finding, Oid, RefName
from gate.scan import history

_SECRET_HINT = ("remove it from every commit that holds it (rewrite the history), rotate the credential, "
                "and load it from the environment or a vault")


def check(ctx: Context, subject: Subject) -> Found:
    """The history rules over the subject's commits."""
    commits: Sequence[Oid]
    if subject.commits is not None:
        commits = subject.commits
    elif subject.kind == "branch":
        commits = ctx.repo.new_commits(subject.branch.head, [ctx.target_oid])[::-1]  # oldest first
    else:
        commits = (subject.branch.head,)  # a merge commit's own changes
    return Found.of(findings(ctx, commits))


def check_push(ctx: Context, pushed: PushedRef) -> Found:
    """The commits a push of a ref that is neither the target nor an agent branch
    brings to the server (those two are judged with their history as work)."""
    ref = pushed.update.ref
    if pushed.new is None or pushed.target or ref == APPROVALS_REF:
        return Found()
    if ref.startswith("refs/heads/"):
        info = ctx.branch(RefName(ref), pushed.new)
        if info.agent is not None or info.unknown_agent is not None:
            return Found()
    hide: list[str] = [oid for _, oid in ctx.repo.iter_refs("refs/")]
    return Found.of(findings(ctx, ctx.repo.new_commits(pushed.new, hide)[::-1]))


def findings(ctx: Context, commits: Sequence[Oid]) -> list[Finding | None]:
    """The findings for what each of ``commits`` (oldest first) adds."""
    limit = ctx.policy.max_file_bytes
    out: list[Finding | None] = []
    scanned = history.commit_hits(ctx.repo, commits, limit, use_cache=ctx.use_cache, changes=ctx.pair_changes)
    for c, hits in scanned.items():
        short = c[:9]
        for hit in hits:
            fc, path = hit.change, hit.change.path
            if hit.where == history.LARGE:
                out.append(ctx.finding(
                    "gate.large-file",
                    f"{path} is {fc.new_size:,} bytes, over limits.max_file_bytes ({limit:,}); added in commit {short}",
                    path=path, change=fc, other={"commit": c},
                    hint="keep large files out of git (Git LFS, an artifact store); removing it in a later "
                         "commit leaves it in the history: rewrite the commits that add it"))
                continue
            if hit.where == history.CONTENT:
                message = f"{hit.kind} added at {path}:{hit.line} in commit {short}"
            elif hit.where == history.NAME:
                message = f"{hit.kind} in the name of {path}, added in commit {short}"
            else:
                message = f"{hit.kind} in the target of symlink {path}, added in commit {short}"
            out.append(ctx.finding("gate.secret", message, path=path, line=hit.line, end_line=hit.line,
                                   change=fc, key=(hit.line, hit.kind) if hit.where == history.CONTENT
                                   else (hit.where, hit.kind), other={"commit": c}, hint=_SECRET_HINT))
    return out
