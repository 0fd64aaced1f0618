"""Content gates (``gate.*``): deletions, migrations, CI, the policy, lockfiles,
symlinks, submodules and modes; and for a patch, large files and secrets.

Work with commits has ``gate.secret`` and ``gate.large-file`` judged commit by
commit (``gate.checks.history``); a patch has no commits, so its net change is
what it adds: its added lines, new names and link targets are scanned here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gate.checks import Found, NewText, Subject, effect_reason, symlinks
from gate.context import BranchInfo, Context
from gate.git import links
from gate.git.repo import GitRepo
from gate.model import (
    ADDED,
    DELETED,
    MODE_EXEC,
    MODE_GITLINK,
    MODE_LINK,
    RENAMED,
    TYPECHANGE,
    ChangeSet,
    FileChange,
    Finding,
)
from gate.policy import POLICY_FILE
from gate.scan import secrets

_PATH_GATES = (
    ("migrations", "gate.migration", "a migration", "migrations change data; a human must approve"),
    ("ci", "gate.ci", "CI configuration", "CI config decides what runs with the project's secrets"),
    ("lockfiles", "gate.lockfile", "a lockfile", "check that the dependency change was intended"),
)


@dataclass(frozen=True)
class BlobText:
    """The new side read from blobs in the repository (a branch's change set)."""

    repo: GitRepo

    def added_lines(self, fc: FileChange) -> Iterable[tuple[int, str]]:
        ranges = fc.new_ranges()
        if not ranges or fc.new_oid is None:
            return ()
        # git counts lines by "\n" alone (str.splitlines would also split on \r, \f…).
        lines = self.repo.read_blob(fc.new_oid).decode("utf-8", "replace").split("\n")
        return [(n, lines[n - 1]) for a, b in ranges for n in range(a, b + 1) if n <= len(lines)]

    def link_target(self, fc: FileChange) -> str | None:
        return None if fc.new_oid is None else self.repo.read_blob(fc.new_oid).decode("utf-8", "surrogateescape")

    def hidden(self, fc: FileChange) -> bool:
        return False  # a commit's blobs are all here

    def links(self) -> Mapping[str, links.Change]:
        return {}  # the head's own tree holds them


def check(ctx: Context, subject: Subject) -> Found:
    """The content gates for the subject's change set; a patch's new side is its text."""
    branch, cs = subject.branch, subject.changes
    src = subject.text if subject.text is not None else BlobText(ctx.repo)
    patch = subject.kind == "patch"
    out: list[Finding | None] = []
    for fc in cs.files:
        out.extend(_file(ctx, branch, fc, src))
        if patch:
            out.extend(_added(ctx, branch, fc, src))
    for u in subject.effect:
        # What merging the branch changes beyond its own diff (a revert of the
        # target's work, an edit carried into a file the target moved): judged alike.
        # Its content comes from commits the history rules scan already.
        fc, why = u.change, effect_reason(ctx, u)
        found = _file(ctx, branch, fc, src)
        out.extend(None if f is None else dataclasses.replace(f, message=f"{why}: {f.message}") for f in found)
    out.extend(_rerouted(ctx, branch, cs, src))
    return Found.of(out)


def _rerouted(ctx: Context, branch: BranchInfo, cs: ChangeSet, text: NewText) -> list[Finding | None]:
    """Links the change set does not touch, judged again when it touches a link: a new
    ``d -> .`` sends an unchanged ``lnk -> d/../billing`` into another agent's folder.
    Only a link whose end moved, and moved somewhere this agent may not reach, blocks."""
    if not any(MODE_LINK in (fc.old_mode, fc.new_mode) for fc in cs.files):
        return []
    head = branch.head or ctx.target_oid
    before = links.Tree(ctx.repo, cs.base or ctx.target_oid)
    after = symlinks.tree(ctx, head, text)
    touched = {p for fc in cs.files for p in fc.paths}
    out: list[Finding | None] = []
    for path in links.all_links(ctx.repo, head):
        target = after.link(path)
        if path in touched or target is None:
            continue
        now = links.resolve(after, path, target)
        was = before.link(path)
        if was is not None and links.resolve(before, path, was) == now:
            continue
        refused = symlinks.refusal(ctx.policy, branch.agent, now)
        if refused is not None:
            out.append(ctx.finding(
                "gate.symlink", f"symlink {path} -> {target} {refused.why}: this branch changes a link it goes through",
                path=path, action="block", other=refused.other, hint=refused.hint, key=(head, now.where, now.path)))
    return out


def _file(ctx: Context, branch: BranchInfo, fc: FileChange, text: NewText) -> list[Finding | None]:
    pol = ctx.policy
    path = fc.path
    out: list[Finding | None] = []
    approve = f"agentgate approve {branch.short}"
    if fc.status == DELETED and fc.old_mode != MODE_GITLINK:
        out.append(ctx.finding("gate.deletion", f"{path} is deleted", path=path, change=fc,
                               hint=f"if the deletion is intended, a human runs '{approve}'"))
    for name, rule, what, why in _PATH_GATES:
        hit = next((p for p in (pol.path_set(name, x) for x in fc.paths) if p), None)
        if hit:
            out.append(ctx.finding(rule, f"{path} is {what} (pattern {hit}): {fc.status}",
                                   path=path, change=fc, hint=why + (
                                       f"; approve with '{approve}'" if pol.action(rule) == "ask" else "")))
    if POLICY_FILE in fc.paths:
        out.append(ctx.finding(
            "gate.policy",
            f"{POLICY_FILE} is changed; the policy is read from the target, so this edit "
            "does not change how the branch is judged",
            path=POLICY_FILE, change=fc,
            hint="policy changes come from an approver, on a branch of their own"))
    if fc.new_mode == MODE_EXEC and fc.old_mode != MODE_EXEC:
        out.append(ctx.finding("gate.mode", f"{path} becomes executable", path=path, change=fc,
                               hint="check that the file is meant to be run"))
    if MODE_GITLINK in (fc.old_mode, fc.new_mode) and fc.status in (ADDED, DELETED, RENAMED, TYPECHANGE):
        verb = {ADDED: "added", DELETED: "removed", RENAMED: "moved", TYPECHANGE: "replaced"}[fc.status]
        out.append(ctx.finding("gate.submodule", f"submodule {path} is {verb}", path=path, change=fc,
                               hint=f"submodules change what gets checked out; approve with '{approve}'"))
    if _link_changes(fc):
        out.append(_symlink(ctx, branch, fc, text))
    return out


def _link_changes(fc: FileChange) -> bool:
    return fc.new_mode == MODE_LINK and fc.new_path is not None \
        and (fc.old_mode != MODE_LINK or fc.old_oid != fc.new_oid or bool(fc.hunks))


def _symlink(ctx: Context, branch: BranchInfo, fc: FileChange, text: NewText) -> Finding | None:
    assert fc.new_path is not None
    target = text.link_target(fc)
    if target is None:
        return ctx.finding("gate.symlink", f"symlink {fc.new_path} (its target is not shown)",
                           path=fc.new_path, change=fc,
                           hint=f"check where it points; approve with 'agentgate approve {branch.short}' if intended")
    # Resolved in the tree a checkout writes (a diff: the target's, with the diff's
    # links on top), following the links on the way as the OS does.
    tree = symlinks.tree(ctx, branch.head or ctx.target_oid, text)
    refused = symlinks.refusal(ctx.policy, branch.agent, links.resolve(tree, fc.new_path, target))
    if refused is not None:
        return ctx.finding("gate.symlink", f"symlink {fc.new_path} -> {target} {refused.why}", path=fc.new_path,
                           change=fc, action="block", other=refused.other, hint=refused.hint)
    return ctx.finding("gate.symlink", f"symlink {fc.new_path} -> {target}", path=fc.new_path, change=fc,
                       hint=f"approve with 'agentgate approve {branch.short}' if intended")


def _added(ctx: Context, branch: BranchInfo, fc: FileChange, text: NewText) -> list[Finding | None]:
    """gate.large-file and gate.secret on what a patch adds to one file: its name,
    a link's target, its added lines (a binary hunk decoded; a delta against a blob
    this repository lacks cannot be shown, and asks)."""
    path, limit = fc.new_path, ctx.policy.max_file_bytes
    if path is None:
        return []
    out: list[Finding | None] = []
    if text.hidden(fc):
        out.append(ctx.finding(
            "gate.secret", f"{path}: binary change not shown (a delta against a blob this repository does not "
            "have), so its content cannot be scanned", path=path, change=fc, action="ask", key=("not shown",),
            hint=f"ask for a patch made against a commit this repository has, or approve with "
                 f"'agentgate approve {branch.short}'"))

    def secret(message: str, key: tuple[object, ...], line: int | None = None) -> None:
        out.append(ctx.finding("gate.secret", message, path=path, line=line, end_line=line, change=fc, key=key,
                               hint="remove it, rotate the credential, and load it from the environment or a vault"))

    if fc.old_path != path:
        for kind in secrets.in_name(path):
            secret(f"{kind} in the name of {path}", ("name", kind))
    if fc.new_mode == MODE_GITLINK:
        return out
    # The new size, not ``new_oid``: a diff knows the new side without its blob id.
    if fc.new_size > limit:
        out.append(ctx.finding(
            "gate.large-file", f"{path} is {fc.new_size:,} bytes, over limits.max_file_bytes ({limit:,})",
            path=path, change=fc, hint="keep large files out of git (Git LFS, an artifact store)"))
    elif _link_changes(fc):
        found = secrets.first(text.link_target(fc) or "")
        if found is not None:
            secret(f"{found[2]} in the target of symlink {path}", ("link target", found[2]))
    elif fc.new_mode != MODE_LINK and not fc.binary:
        for n, kind in secrets.scan(text.added_lines(fc)):
            secret(f"{kind} added at {path}:{n}", (n, kind), n)
    return out
