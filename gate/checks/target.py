"""Target rules: ``target.conflict`` (the branch does not merge cleanly into the
current target) and ``target.stale`` (its merge-base is too far behind, or the
target has changed since then files the branch changes too).

Both read the pair analysis of branch and target (``gate.git.merge``): the
target's change set since the merge-base against the branch's, three-way merged
file by file where both change a file, cached by the two commit ids.
"""

from __future__ import annotations

from gate.checks import Found, Subject
from gate.context import BranchInfo, Context
from gate.git import merge
from gate.git.changes import changeset
from gate.git.pairs import CONFLICT, PairResult
from gate.model import ChangeSet, FileChange, Finding, TargetConflicts
from gate.scan import secrets


def check(ctx: Context, subject: Subject) -> Found:
    branch, cs = subject.branch, subject.changes
    pair = merge.analyze(ctx.repo, branch.head, ctx.target_oid, use_cache=ctx.use_cache, known=(cs,),
                         attrs=ctx.merge_attrs)
    by_path = cs.by_path()
    name = target_name(ctx)
    hint = rebase_hint(ctx)
    out: list[Finding | None] = []
    conflicted: set[int] = set()
    for e in pair.conflicts + pair.undecided:
        fc = next((by_path[p] for p in e.ours if p in by_path), None)
        path = fc.path if fc is not None else (e.ours or e.theirs)[-1]
        if fc is not None:
            conflicted.add(id(fc))
        lines = e.ours_lines if e.kind == "content" else None
        if e.undecided:
            # DESIGN §5: a custom driver agentgate does not run (gate.git.asgit) warns.
            msg = (f"merge driver {e.driver}: agentgate cannot tell whether {path} merges cleanly "
                   f"into {name} ({name} changed it too since this branch forked)")
            fix = f"{hint}, or merge it with git to see what the driver does"
        else:
            msg = (f"{path} does not merge cleanly into {name} ({e.kind}): {name} changed it too "
                   "since this branch forked")
            fix = hint + f" and resolve {path}"
        out.append(ctx.finding(
            "target.conflict", msg,
            path=path, line=lines[0] if lines else None, end_line=lines[1] if lines else None,
            hint=fix,
            other={"branch": ctx.target_ref, "head": ctx.target_oid, "kind": e.kind,
                   "path": (e.theirs or e.ours)[-1]},
            change=fc, key=(e.kind,), action="warn" if e.undecided else None,
        ))
    behind = ctx.repo.ahead_behind(branch.head, ctx.target_oid)[1]
    limit = ctx.policy.max_behind
    if behind > limit:
        out.append(ctx.finding(
            "target.stale",
            f"{branch.short} is {behind} commits behind {name} (limit {limit}): rebase it",
            hint=hint, other={"branch": ctx.target_ref, "head": ctx.target_oid, "behind": behind},
            key=(branch.short,),
        ))
    for fc in _changed_by_target(ctx, branch, cs, pair):
        if id(fc) in conflicted:
            continue  # target.conflict already says more about this file
        out.append(ctx.finding(
            "target.stale",
            f"{name} has changed {fc.path} since this branch forked from it: rebase onto {name}",
            path=fc.path, hint=hint, other={"branch": ctx.target_ref, "head": ctx.target_oid},
            change=fc, key=("changed",),
        ))
    # The board's CONFLICTS column reads this merge from here, not from a second one.
    facts = (TargetConflicts(tuple(sorted({secrets.redact((e.ours or e.theirs)[-1]) for e in pair.conflicts}))),)
    return Found.of(out, facts=facts)


def _changed_by_target(ctx: Context, branch: BranchInfo, cs: ChangeSet, pair: PairResult) -> list[FileChange]:
    """The branch's changed files that the target also changed since the merge-base."""
    by_path = cs.by_path()
    if pair.method == "files":
        found = [next((by_path[p] for p in e.ours if p in by_path), None)
                 for e in pair.entries if e.relation != CONFLICT]
    elif pair.method == "full" and pair.base is not None:
        tcs = changeset(ctx.repo, cs.base, ctx.target_oid, use_cache=ctx.use_cache)
        tpaths = tcs.by_path()
        found = [fc for fc in cs.files if any(p in tpaths for p in fc.paths)]
    else:
        return []
    seen: dict[int, FileChange] = {}
    for fc in found:
        if fc is not None:
            seen.setdefault(id(fc), fc)
    return sorted(seen.values(), key=lambda fc: fc.path)


def target_name(ctx: Context) -> str:
    """How people call the target: ``main``, or ``origin/main`` for a remote one."""
    ref = ctx.target_ref
    for prefix in ("refs/heads/", "refs/remotes/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def rebase_hint(ctx: Context) -> str:
    name = target_name(ctx)
    if ctx.target_ref.startswith("refs/remotes/"):
        remote = name.split("/", 1)[0]
        return f"rebase onto {name}: git fetch {remote} && git rebase {name}"
    return f"rebase onto {name}: git rebase {name}"
