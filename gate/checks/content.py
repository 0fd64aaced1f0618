"""Content gates (``gate.*``): deletions, migrations, CI, the policy, lockfiles,
large files, secrets, symlinks, submodules and modes."""

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
    FileChange,
    Finding,
)
from gate.policy import POLICY_FILE
from gate.scan import secrets
from gate.scan.cache import secret_hits

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

    def links(self) -> Mapping[str, links.Change]:
        return {}  # the head's own tree holds them


def check(ctx: Context, subject: Subject) -> Found:
    """The content gates for the subject's change set; a patch's new side is its text."""
    branch, cs = subject.branch, subject.changes
    src = subject.text if subject.text is not None else BlobText(ctx.repo)
    pol = ctx.policy
    scanned = [fc for fc in cs.files if fc.new_path is not None and not fc.binary
               and fc.new_mode not in (MODE_LINK, MODE_GITLINK) and fc.new_size <= pol.max_file_bytes]
    if subject.text is None:
        # A branch's scan is kept by its commit ids (``gate.scan.cache``); a patch has none.
        hits = secret_hits(ctx.repo, cs, scanned, src.added_lines, use_cache=ctx.use_cache)
    else:
        hits = {fc.path: list(secrets.scan(src.added_lines(fc))) for fc in scanned}
    eligible = {id(fc) for fc in scanned}
    out: list[Finding | None] = []
    for fc in cs.files:
        out.extend(_file(ctx, branch, fc, src, hits.get(fc.path, ()) if id(fc) in eligible else ()))
    for u in subject.effect:
        # What merging the branch changes beyond its own diff (a revert of the
        # target's work, an edit carried into a file the target moved): judged alike.
        fc, why = u.change, effect_reason(ctx, u)
        scan = fc.new_path is not None and not fc.binary and fc.new_mode not in (MODE_LINK, MODE_GITLINK) \
            and fc.new_size <= pol.max_file_bytes
        found = _file(ctx, branch, fc, src, secrets.scan(src.added_lines(fc)) if scan else ())
        out.extend(None if f is None else dataclasses.replace(f, message=f"{why}: {f.message}") for f in found)
    return Found.of(out)


def _file(ctx: Context, branch: BranchInfo, fc: FileChange, text: NewText,
          hits: Iterable[tuple[int, str]]) -> list[Finding | None]:
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
    # ``new_path``, not ``new_oid``: a diff knows the new side without its blob id.
    if fc.new_path is not None and fc.new_size > pol.max_file_bytes and fc.new_mode != MODE_GITLINK:
        out.append(ctx.finding(
            "gate.large-file",
            f"{path} is {fc.new_size:,} bytes, over limits.max_file_bytes ({pol.max_file_bytes:,})",
            path=path, change=fc, hint="keep large files out of git (Git LFS, an artifact store)"))
    if fc.new_mode == MODE_EXEC and fc.old_mode != MODE_EXEC:
        out.append(ctx.finding("gate.mode", f"{path} becomes executable", path=path, change=fc,
                               hint="check that the file is meant to be run"))
    if MODE_GITLINK in (fc.old_mode, fc.new_mode) and fc.status in (ADDED, DELETED, RENAMED, TYPECHANGE):
        verb = {ADDED: "added", DELETED: "removed", RENAMED: "moved", TYPECHANGE: "replaced"}[fc.status]
        out.append(ctx.finding("gate.submodule", f"submodule {path} is {verb}", path=path, change=fc,
                               hint=f"submodules change what gets checked out; approve with '{approve}'"))
    if fc.new_mode == MODE_LINK and fc.new_path is not None \
            and (fc.old_mode != MODE_LINK or fc.old_oid != fc.new_oid or fc.hunks):
        out.append(_symlink(ctx, branch, fc, text))
    out.extend(_secrets(ctx, fc, hits))
    return out


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


def _secrets(ctx: Context, fc: FileChange, hits: Iterable[tuple[int, str]]) -> list[Finding | None]:
    return [
        ctx.finding("gate.secret", f"{kind} added at {fc.path}:{n}", path=fc.path, line=n, end_line=n,
                    change=fc, key=(n, kind),
                    hint="remove it, rotate the credential, and load it from the environment or a vault")
        for n, kind in hits
    ]
