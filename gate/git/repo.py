"""Opening a repository and reading refs, commits and blobs.

The only place (with its sibling modules) that imports pygit2. Everything handed
out is a plain value: full hex ids, full ref names, bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pygit2

from gate.errors import GateError, NotFound, UnreadableError, closest
from gate.git.modes import canonical_mode
from gate.git.rawtree import Trees
from gate.model import MODE_GITLINK, MODE_TREE, Oid, RefName, is_zero

__all__ = ["GitRepo", "is_zero"]


class GitRepo:
    """A thin, typed view of one repository."""

    def __init__(self, repo: pygit2.Repository) -> None:
        self._r = repo
        self._common: Path | None = None
        self._cache_root: str | None = None
        self._trees: Trees | None = None

    @property
    def raw(self) -> pygit2.Repository:
        """The pygit2 object, for sibling modules inside ``gate.git`` only."""
        return self._r

    # -- locations -----------------------------------------------------------------

    @property
    def git_dir(self) -> Path:
        return Path(self._r.path)

    @property
    def common_dir(self) -> Path:
        """The directory shared by all worktrees (where refs and caches live)."""
        if self._common is None:
            gd = self.git_dir
            common = gd / "commondir"
            self._common = (gd / common.read_text().strip()).resolve() if common.is_file() else gd
        return self._common

    @property
    def workdir(self) -> Path | None:
        wd = self._r.workdir
        return Path(wd) if wd else None

    @property
    def is_bare(self) -> bool:
        return bool(self._r.is_bare)

    @property
    def is_shallow(self) -> bool:
        return bool(self._r.is_shallow)

    @property
    def is_empty(self) -> bool:
        """No commit at all: HEAD is unborn and no ref exists. (libgit2's is_empty
        also wants HEAD on the default branch name, which ``git init -b trunk``
        or another init.defaultBranch breaks.)"""
        if self._r.is_empty:
            return True
        try:
            unborn = bool(self._r.head_is_unborn)
        except pygit2.GitError:
            return False
        return unborn and not any(name.startswith("refs/") for name in self._r.references)

    def cache_dir(self, *parts: str) -> str:
        """A path under ``<common dir>/agentgate``, as a string: a warm board asks for
        thousands of cache files, and building ``Path`` objects was a third of it."""
        if self._cache_root is None:
            self._cache_root = os.path.join(self.common_dir, "agentgate")
        return os.path.join(self._cache_root, *parts)

    def config_get(self, key: str) -> str | None:
        try:
            return str(self._r.config[key])
        except (KeyError, pygit2.GitError):
            return None

    # -- refs ----------------------------------------------------------------------

    def head_ref(self) -> RefName | None:
        """The checked-out branch, or None when HEAD is detached or unborn."""
        try:
            if self._r.head_is_detached:
                return None
            return RefName(self._r.head.name)
        except pygit2.GitError:
            try:
                target = self._r.lookup_reference("HEAD").target
                return RefName(str(target))
            except (KeyError, pygit2.GitError):
                return None

    def ref_oid(self, name: str) -> Oid | None:
        """The commit a full ref name points at (tags peeled), or None when there is
        no such ref or it names no commit. ``UnreadableError`` when an object on the
        way exists but cannot be read."""
        try:
            ref = self._r.lookup_reference(name).resolve()
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            return None
        target = ref.target
        return self.peel_commit(str(target)) if isinstance(target, pygit2.Oid) else None

    def resolve_branch(self, name: str) -> tuple[RefName, Oid]:
        """A branch given as a short or full name, local first, then remote-tracking.

        ``main`` finds ``refs/heads/main``, else ``refs/remotes/origin/main``, else
        any other remote's ``main`` (CI checkouts often have only remote refs).
        """
        candidates = [name] if name.startswith("refs/") else [
            f"refs/heads/{name}",
            f"refs/remotes/{name}",
            f"refs/remotes/origin/{name}",
        ]
        for cand in candidates:
            oid = self.ref_oid(cand)
            if oid is not None:
                return RefName(cand), oid
        if not name.startswith("refs/"):
            for ref, oid in self.iter_refs("refs/remotes/"):
                if ref.split("/", 3)[-1] == name:
                    return ref, oid
        raise NotFound(
            f"no branch named '{name}' here.{closest(name, self.branch_names())} List branches with "
            "'git branch -a'; fetch remote ones with 'git fetch origin'."
        )

    def branch_names(self) -> list[str]:
        """The short names of the local and remote-tracking branches (``x``, ``origin/x``)."""
        out = []
        for ref in self._r.references:
            for prefix in ("refs/heads/", "refs/remotes/"):
                if ref.startswith(prefix) and not ref.endswith("/HEAD"):
                    out.append(ref[len(prefix):])
        return out

    def resolve_commit(self, rev: str) -> Oid:
        try:
            obj = self._r.revparse_single(rev)
            commit = obj.peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            raise NotFound(f"'{rev}' does not name a commit here.{closest(rev, self.branch_names())}") from None
        return Oid(str(commit.id))

    def peel_commit(self, oid: str) -> Oid | None:
        """Peel any object id (annotated tag…) to a commit id and check that the
        commit can be read. None when the object is missing here or peels to no
        commit (a tag of a blob); ``UnreadableError`` when an object on the way
        exists but libgit2 cannot parse it."""
        found = self.commit_id(oid)
        if found is not None:
            self._parsed(found, "commit")
        return found

    def commit_id(self, oid: str) -> Oid | None:
        """The commit ``oid`` names, tags peeled, without parsing the commit itself
        (``ref.force-push`` must be decided even for a commit that cannot be read).
        None when missing or not a commit; tags that cannot be read raise."""
        for _ in range(64):
            try:
                kind = self._r.odb.read_header(oid)[0]
            except (KeyError, ValueError, pygit2.GitError):
                return None
            if kind == pygit2.enums.ObjectType.COMMIT:
                return Oid(str(oid))
            if kind != pygit2.enums.ObjectType.TAG:
                return None
            tag = self._parsed(oid, "tag")
            oid = str(tag.target)  # type: ignore[attr-defined]
        raise UnreadableError(f"tag {oid} starts a chain of tags too long to follow; push refused.")

    def _parsed(self, oid: str, what: str) -> pygit2.Object:
        try:
            return self._r[oid]
        except KeyError:
            raise UnreadableError(f"{what} {oid} is missing from this repository.") from None
        except (ValueError, pygit2.GitError) as e:
            raise UnreadableError(f"{what} {oid} cannot be read ({e}); push refused.") from None

    def iter_refs(self, prefix: str) -> Iterator[tuple[RefName, Oid]]:
        """(name, commit id) for every ref under ``prefix``; symbolic refs and
        refs to non-commits are skipped."""
        for name in self._r.references:
            if not name.startswith(prefix) or name.endswith("/HEAD"):
                continue
            oid = self.ref_oid(name)
            if oid is not None:
                yield RefName(name), oid

    # -- commits and history -------------------------------------------------------

    def merge_base(self, a: str, b: str) -> Oid | None:
        try:
            mb = self._r.merge_base(a, b)
        except pygit2.GitError:
            return None
        return Oid(str(mb)) if mb else None

    def ahead_behind(self, local: str, upstream: str) -> tuple[int, int]:
        ahead, behind = self._r.ahead_behind(local, upstream)
        return int(ahead), int(behind)

    def descends(self, commit: str, ancestor: str) -> bool:
        """True when ``commit`` equals or descends from ``ancestor``. A commit
        libgit2 cannot parse is followed through the parent lines of its raw bytes,
        so a force-push is told apart from a fast-forward even then."""
        todo, seen = [commit], set()
        while todo:
            c = todo.pop()
            if c == ancestor:
                return True
            if c in seen:
                continue
            seen.add(c)
            try:
                if self._r.descendant_of(c, ancestor):
                    return True
                continue  # libgit2 walked the whole ancestry: not there
            except (ValueError, pygit2.GitError):
                todo.extend(self._raw_parents(c))
        return False

    def _raw_parents(self, oid: str) -> list[str]:
        try:
            kind, data = self._r.odb.read(oid)
        except (KeyError, ValueError, pygit2.GitError):
            return []
        if kind != pygit2.enums.ObjectType.COMMIT:
            return []
        head = bytes(data).partition(b"\n\n")[0].split(b"\n")
        return [ln[7:].decode("ascii", "replace").lower() for ln in head if ln.startswith(b"parent ")]

    def _commit(self, oid: str) -> pygit2.Commit:
        commit = self._parsed(oid, "commit").peel(pygit2.Commit)
        assert isinstance(commit, pygit2.Commit)
        return commit

    def message(self, oid: str) -> str:
        return str(self._commit(oid).message)

    def author_email(self, oid: str) -> str:
        return str(self._commit(oid).author.email)

    def parents(self, oid: str) -> list[Oid]:
        return [Oid(str(p)) for p in self._commit(oid).parent_ids]

    def tree_id(self, oid: str) -> Oid:
        return Oid(str(self._commit(oid).tree_id))

    def new_commits(self, tip: str, hide: list[str]) -> list[Oid]:
        """Commits reachable from ``tip`` but from none of ``hide``, newest first."""
        walker = self._r.walk(tip, pygit2.enums.SortMode.TOPOLOGICAL)
        for h in hide:
            try:
                walker.hide(h)
            except (KeyError, ValueError, pygit2.GitError):
                pass
        return [Oid(str(c.id)) for c in walker]

    # -- blobs -----------------------------------------------------------------------

    def read_blob(self, oid: str) -> bytes:
        blob = self._r[oid]
        if not isinstance(blob, pygit2.Blob):
            raise GateError(f"{oid} is not a file's content (blob) in this repository.")
        return bytes(blob.data)

    def entry_at(self, commit: str, path: str) -> tuple[Oid, int] | None:
        """(object id, canonical mode) of ``path`` in ``commit``'s tree as git checks
        it out (``gate.git.rawtree``: the last of duplicate entries), or None."""
        return self.trees.lookup(str(self._commit(commit).tree_id), os.fsencode(path))

    @property
    def trees(self) -> Trees:
        """Raw tree reads (``gate.git.rawtree``), for sibling modules inside ``gate.git``."""
        if self._trees is None:
            self._trees = Trees(self._r)
        return self._trees

    def tree_names(self, commit: str) -> list[str]:
        """Names of the entries at the top of ``commit``'s tree."""
        return [str(e.name) for e in self._commit(commit).tree]

    def folder_names(self, commit: str, folder: str) -> list[str]:
        """Names of the sub-folders of ``folder`` (``.``: the top) in ``commit``'s tree,
        sorted; empty when it is no folder there."""
        if folder in (".", ""):
            tree = str(self._commit(commit).tree_id)
        else:
            hit = self.entry_at(commit, folder)
            if hit is None or hit[1] != MODE_TREE:
                return []
            tree = hit[0]
        names = (os.fsdecode(n) for m, n, _ in self.trees.read(tree) if canonical_mode(m) == MODE_TREE)
        return sorted(set(names))

    def file_at(self, commit: str, path: str) -> bytes | None:
        hit = self.entry_at(commit, path)
        if hit is None or hit[1] in (MODE_TREE, MODE_GITLINK):
            return None
        return self.read_blob(hit[0])
