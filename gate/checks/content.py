"""Content gates (``gate.*``): deletions, migrations, CI, the policy, lockfiles,
large files, secrets, symlinks, submodules and modes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from gate.atomic import read_json, store
from gate.checks import secrets, symlinks
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

_PATH_GATES = (
    ("migrations", "gate.migration", "a migration", "migrations change data; a human must approve"),
    ("ci", "gate.ci", "CI configuration", "CI config decides what runs with the project's secrets"),
    ("lockfiles", "gate.lockfile", "a lockfile", "check that the dependency change was intended"),
)


class NewText(Protocol):
    """Where the gates read a file's new side: blobs of a commit, or a diff's text."""

    def added_lines(self, fc: FileChange) -> Iterable[tuple[int, str]]:
        """(line number, text) of each added or changed line on the new side."""
        ...

    def link_target(self, fc: FileChange) -> str | None:
        """What a symlink's new side points to; None when it cannot be read."""
        ...

    def links(self) -> Mapping[str, links.Change]:
        """What the new side changes on top of the branch head's tree (or, with no
        head, the target's) where links resolve: a diff's links, files, deletions."""
        ...


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


class Scanned:
    """The secret scan of one change set's added lines, cached by its two commit ids
    (and the patterns' fingerprint): a warm run reads one file instead of every blob."""

    def __init__(self, ctx: Context, cs: ChangeSet) -> None:
        self.path = ctx.repo.cache_dir("secrets", cs.head[:2], f"{cs.base}-{cs.head}.json")
        data = read_json(self.path)
        ok = isinstance(data, dict) and data.get("v") == secrets.FINGERPRINT and isinstance(data.get("files"), dict)
        self.files: dict[str, list[list[Any]]] = data["files"] if ok else {}
        self.dirty = False

    def hits(self, fc: FileChange, text: NewText) -> list[tuple[int, str]]:
        found = self.files.get(fc.path)
        if isinstance(found, list):
            try:
                return [(int(n), str(kind)) for n, kind in found]
            except (TypeError, ValueError):
                pass  # torn: scanned again
        hits = list(secrets.scan(text.added_lines(fc)))
        self.files[fc.path] = [[n, kind] for n, kind in hits]
        self.dirty = True
        return hits

    def save(self) -> None:
        if self.dirty:
            store(self.path, {"v": secrets.FINGERPRINT, "files": self.files})


def check(ctx: Context, branch: BranchInfo, cs: ChangeSet, text: NewText | None = None) -> list[Finding]:
    """The content gates for ``cs``; ``text`` reads new content (default: the blobs)."""
    src = text if text is not None else BlobText(ctx.repo)
    scanned = Scanned(ctx, cs) if text is None and ctx.use_cache else None
    out: list[Finding | None] = []
    for fc in cs.files:
        out.extend(_file(ctx, branch, fc, src, scanned))
    if scanned is not None:
        scanned.save()
    return [f for f in out if f]


def _file(ctx: Context, branch: BranchInfo, fc: FileChange, text: NewText,
          scanned: Scanned | None = None) -> list[Finding | None]:
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
    if fc.new_path is not None and not fc.binary and fc.new_mode not in (MODE_LINK, MODE_GITLINK) \
            and fc.new_size <= pol.max_file_bytes:
        out.extend(_secrets(ctx, fc, text, scanned))
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


def _secrets(ctx: Context, fc: FileChange, text: NewText, scanned: Scanned | None) -> list[Finding | None]:
    hits = scanned.hits(fc, text) if scanned is not None else secrets.scan(text.added_lines(fc))
    return [
        ctx.finding("gate.secret", f"{kind} added at {fc.path}:{n}", path=fc.path, line=n, end_line=n,
                    change=fc, key=(n, kind),
                    hint="remove it, rotate the credential, and load it from the environment or a vault")
        for n, kind in hits
    ]
