"""Opening the repository: from a path (discovered as git does) or, in a hook, from
git's environment with the pushed objects still in quarantine."""

from __future__ import annotations

import os

import pygit2
from pygit2.enums import RepositoryOpenFlag

from gate.errors import GateError
from gate.git.repo import GitRepo


def open_repo(path: str | os.PathLike[str] | None = None, from_env: bool = False) -> GitRepo:
    """Open the repository at or above ``path`` (default: the current directory).

    ``from_env`` is for hooks: see ``_open_for_hook``.
    """
    try:
        if from_env:
            return _open_for_hook(path)
        start = os.fspath(path or os.getcwd())
        found = pygit2.discover_repository(start)
        if found is None:
            raise GateError(
                f"{start} is not inside a git repository. Run agentgate from a "
                "checkout, or pass --repo PATH."
            )
        return GitRepo(pygit2.Repository(found))
    except pygit2.GitError as e:
        raise GateError(f"cannot open the repository: {e}. Is this a git repository?") from None


def _unquote(item: str) -> str:
    # git C-quotes an alternate path that holds the list separator ':'.
    if len(item) >= 2 and item[0] == item[-1] == '"':
        body = item[1:-1]
        return body.encode("latin-1", "backslashreplace").decode("unicode_escape")
    return item


def _split_alternates(value: str) -> list[str]:
    out, cur, quoted = [], "", False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == ":" and not quoted:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [_unquote(x) for x in out if x]


def _open_for_hook(path: str | os.PathLike[str] | None) -> GitRepo:
    """Open the repository a hook runs in, quarantined objects included.

    git runs pre-receive with the pushed objects in a quarantine directory named
    by ``GIT_OBJECT_DIRECTORY`` and lists the real object store in
    ``GIT_ALTERNATE_OBJECT_DIRECTORIES``; ``RepositoryOpenFlag.FROM_ENV`` makes
    libgit2 honour both. But git C-quotes a path holding ':' there, and libgit2
    splits on ':' without unquoting, so for such paths we open the repository
    plainly and add the quarantine as a disk alternate ourselves.
    Delete-only pushes come without any quarantine variables.
    """
    git_dir = os.path.abspath(os.environ.get("GIT_DIR") or os.fspath(path or "."))
    alternates = os.environ.get("GIT_ALTERNATE_OBJECT_DIRECTORIES", "")
    objects = os.environ.get("GIT_OBJECT_DIRECTORY", "")
    if '"' not in alternates and ":" not in objects:
        return GitRepo(pygit2.Repository(git_dir, RepositoryOpenFlag.FROM_ENV))
    saved = {k: os.environ.pop(k) for k in ("GIT_OBJECT_DIRECTORY",
                                               "GIT_ALTERNATE_OBJECT_DIRECTORIES")
             if k in os.environ}
    try:
        repo = pygit2.Repository(git_dir)
    finally:
        os.environ.update(saved)
    for extra in [objects, *_split_alternates(alternates)]:
        if extra and os.path.isdir(extra):
            repo.odb.add_disk_alternate(os.path.abspath(extra))
    return GitRepo(repo)
