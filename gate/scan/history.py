"""What one commit adds that ``gate.secret`` and ``gate.large-file`` judge, scanned
once and kept by the commit's id (DESIGN §3, "history").

A secret added in one commit and removed in the next is still in the history a
push lands, so every commit is scanned, not only a branch's net change. What a
commit adds is its change against its first parent (the empty tree for a root
commit); for a merge of two parents, only what it adds of its own beyond them
(``gate.git.resolution``: lines in neither parent, a version git's merge would not
give): what its second parent brings is scanned as that parent's own commits. An
octopus merge is scanned against its first parent.

In each file change: the new name (every component of a path that is new), the
target of a new or changed symlink, a blob over ``limits.max_file_bytes`` (not
read), the added lines of a text file, and a binary file's whole blob (UTF-16
decoded, else byte for byte), less what its old side already held.

Entries live in ``agentgate/history/<xx>/<commit>.json`` as ``{"v": VERSION, "max":
max_file_bytes, "files": change set JSON, "commits": {commit: [[file, line, kind,
where], ...]}}``, written whole (``atomic``); a torn entry, or one of other patterns
or another limit, is scanned again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from gate.atomic import read_json, store
from gate.git.changes import changeset, from_json, to_json
from gate.git.repo import GitRepo
from gate.model import MODE_GITLINK, MODE_LINK, ChangeSet, FileChange, Oid
from gate.scan import secrets

# What a hit is: a credential in added content, a file name or a link target; a
# blob over the limit.
CONTENT, NAME, LINK, LARGE = "content", "name", "link target", "large"
_SCHEMA = 1


@dataclass(frozen=True)
class Hit:
    """One thing a commit adds that a rule judges, in the file change ``change``."""

    change: FileChange
    where: str  # CONTENT, NAME, LINK or LARGE
    kind: str = ""  # the kind of credential ("" for LARGE)
    line: int | None = None


Changes = Callable[[str | None, str], ChangeSet]  # (base, head) -> the change set


def commit_hits(repo: GitRepo, commits: Sequence[Oid], max_bytes: int, use_cache: bool = True,
                changes: Changes | None = None) -> dict[Oid, list[Hit]]:
    """Commit -> what it adds that ``gate.secret`` and ``gate.large-file`` judge, for
    each of ``commits`` (oldest first); from the cache for the commits it holds.
    ``changes`` gives a change set the caller may hold already (a branch of one
    commit, an agent's runs); default: computed.

    The commits scanned in one call are kept in one entry, named by the newest of
    them (1,000 files for a push of 1,000 commits cost seconds on a busy disk).
    Looking a commit up reads the entry named by it, which answers for every commit
    scanned with it: a re-push or re-check asks for its newest commit first, and a
    branch grown by a commit finds its older ones under its parent."""
    version = f"{_SCHEMA}:{secrets.FINGERPRINT}"
    found: dict[Oid, list[Hit]] = {}
    missing: list[Oid] = []
    for c in reversed(commits):
        if c in found:
            continue
        if use_cache:
            found.update(_read(read_json(_entry(repo, c)), version, max_bytes))
            if c in found:
                continue
        missing.append(c)
    scanned = {c: scan_commit(repo, c, max_bytes, changes) for c in missing}
    if use_cache and scanned:
        files = list(dict.fromkeys(h.change for hits in scanned.values() for h in hits))
        index = {fc: i for i, fc in enumerate(files)}
        store(_entry(repo, missing[0]), {
            "v": version, "max": max_bytes, "files": to_json(ChangeSet(Oid(""), missing[0], tuple(files))),
            "commits": {c: [[index[h.change], h.line, h.kind, h.where] for h in hits] for c, hits in scanned.items()}})
    found.update(scanned)
    return {c: found[c] for c in commits}


def _entry(repo: GitRepo, commit: str) -> str:
    return repo.cache_dir("history", commit[:2], f"{commit}.json")


def _read(data: object, version: str, max_bytes: int) -> dict[Oid, list[Hit]]:
    if not isinstance(data, dict) or data.get("v") != version or data.get("max") != max_bytes:
        return {}
    try:
        files = from_json(data["files"]).files
        return {Oid(str(c)): [Hit(files[i], str(where), str(kind), None if line is None else int(line))
                              for i, line, kind, where in hits]
                for c, hits in data["commits"].items()}
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        return {}  # torn: scanned again


def scan_commit(repo: GitRepo, commit: Oid, max_bytes: int, changes: Changes | None = None) -> list[Hit]:
    """``commit_hits`` without the cache."""
    parents = repo.parents(commit)
    cs: ChangeSet | None = None
    if len(parents) == 2:
        from gate.git.resolution import merge_resolution  # merges only: not on every hook's path

        cs = merge_resolution(repo, commit)
    if cs is None:
        # Not kept on disk on its own: this scan's entry is what a second run reads.
        base = parents[0] if parents else None
        cs = changes(base, commit) if changes is not None else changeset(repo, base, commit, use_cache=False)
    out: list[Hit] = []
    for fc in cs.files:
        out.extend(_file(repo, fc, max_bytes, parents))
    return out


def _file(repo: GitRepo, fc: FileChange, max_bytes: int, parents: list[Oid]) -> Iterable[Hit]:
    if fc.new_path is None or fc.new_oid is None:
        return
    if fc.old_path != fc.new_path and not any(repo.entry_at(p, fc.new_path) for p in parents[1:]):
        # A name the commit adds (a merge: one no parent has).
        for kind in secrets.in_name(fc.new_path):
            yield Hit(fc, NAME, kind)
    if fc.new_mode == MODE_GITLINK:
        return
    if fc.new_size > max_bytes:
        yield Hit(fc, LARGE)
        return  # not read: gate.large-file refuses it
    if fc.new_mode == MODE_LINK:
        if fc.old_mode != MODE_LINK or fc.old_oid != fc.new_oid:
            found = secrets.first(repo.read_blob(fc.new_oid).decode("utf-8", "surrogateescape"))
            if found is not None:
                yield Hit(fc, LINK, found[2])
        return
    if fc.old_oid == fc.new_oid:
        return  # moved or made executable: no content is added
    data = repo.read_blob(fc.new_oid)
    if not fc.binary:
        yield from (Hit(fc, CONTENT, kind, n) for n, kind in secrets.scan(_added_lines(data, fc)))
        return
    # A binary file: its whole blob, less the credentials its old side held already.
    old: set[tuple[str, str]] = set()
    if fc.old_oid is not None and fc.old_mode not in (MODE_LINK, MODE_GITLINK) and fc.old_size <= max_bytes:
        old = set(secrets.in_blob(repo.read_blob(fc.old_oid)))
    for (kind, text), n in secrets.in_blob(data).items():
        if (kind, text) not in old:
            yield Hit(fc, CONTENT, kind, n)


def _added_lines(data: bytes, fc: FileChange) -> list[tuple[int, str]]:
    # git counts lines by "\n" alone (str.splitlines would also split on \r, \f…).
    lines = data.decode("utf-8", "replace").split("\n")
    return [(n, lines[n - 1]) for a, b in fc.new_ranges() for n in range(a, b + 1) if n <= len(lines)]
