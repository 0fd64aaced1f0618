"""Opening a repository and reading refs, commits and blobs.

The only place (with its sibling modules) that imports pygit2. Everything handed
out is a plain value: full hex ids, full ref names, bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pygit2

from gate.errors import GateError
from gate.model import Oid, RefName, is_zero

__all__ = ["GitRepo", "is_zero"]


class GitRepo:
    """A thin, typed view of one repository."""

    def __init__(self, repo: pygit2.Repository) -> None:
        self._r = repo
        self._common: Path | None = None
        self._cache_root: str | None = None

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
        """The commit a full ref name points at (tags peeled), or None."""
        try:
            ref = self._r.lookup_reference(name)
            obj = ref.peel(pygit2.Commit)
        except (KeyError, pygit2.GitError, ValueError, pygit2.InvalidSpecError):
            return None
        return Oid(str(obj.id))

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
        raise GateError(
            f"no branch named '{name}' here. List branches with 'git branch -a'; "
            "fetch remote ones with 'git fetch origin'."
        )

    def resolve_commit(self, rev: str) -> Oid:
        try:
            obj = self._r.revparse_single(rev)
            commit = obj.peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            raise GateError(f"'{rev}' does not name a commit here.") from None
        return Oid(str(commit.id))

    def peel_commit(self, oid: str) -> Oid | None:
        """Peel any object id (annotated tag…) to a commit id; None if not a commit."""
        try:
            obj = self._r[oid]
            return Oid(str(obj.peel(pygit2.Commit).id))
        except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
            return None

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
        """True when ``commit`` equals or descends from ``ancestor``."""
        if commit == ancestor:
            return True
        return bool(self._r.descendant_of(commit, ancestor))

    def _commit(self, oid: str) -> pygit2.Commit:
        commit = self._r[oid].peel(pygit2.Commit)
        assert isinstance(commit, pygit2.Commit)
        return commit

    def message(self, oid: str) -> str:
        return str(self._commit(oid).message)

    def author_email(self, oid: str) -> str:
        return str(self._commit(oid).author.email)

    def parents(self, oid: str) -> list[Oid]:
        return [Oid(str(p)) for p in self._commit(oid).parent_ids]

    def tree_id(self, oid: str) -> Oid:
        return Oid(str(self._r[oid].peel(pygit2.Commit).tree_id))

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
        """(blob id, mode) of ``path`` in ``commit``'s tree, or None."""
        try:
            entry = self._r[commit].peel(pygit2.Commit).tree[path]
        except (KeyError, ValueError):
            return None
        return Oid(str(entry.id)), int(entry.filemode)

    def tree_names(self, commit: str) -> list[str]:
        """Names of the entries at the top of ``commit``'s tree."""
        return [str(e.name) for e in self._r[commit].peel(pygit2.Commit).tree]

    def file_at(self, commit: str, path: str) -> bytes | None:
        hit = self.entry_at(commit, path)
        if hit is None or hit[1] in (0o040000, 0o160000):
            return None
        return self.read_blob(hit[0])
