"""Writing to a repository: blobs, trees, commits, and compare-and-swap ref updates.

Used by ``agentgate approve`` (and later by merge, discard and revert). Never
imported on the ``pre-receive`` path: a hook must not write refs (DESIGN §2).

Every ref write is compare-and-swap: libgit2 checks the value we read against the
one on disk under the ref's lock (``GIT_EMODIFIED`` "old reference value does not
match"), so two writers racing cannot silently drop each other's update.
"""

from __future__ import annotations

from collections.abc import Mapping

import pygit2

from gate.errors import GateError
from gate.git.repo import GitRepo
from gate.model import MODE_TREE, Oid


class RefMoved(GateError):
    """The ref was not at the value the caller expected (someone else wrote it)."""


def write_blob(repo: GitRepo, data: bytes) -> Oid:
    return Oid(str(repo.raw.create_blob(data)))


def write_tree(repo: GitRepo, base: str | None, changes: Mapping[str, tuple[str, int] | None]) -> Oid:
    """A tree: ``base`` (a tree or commit id, or None for empty) with ``changes`` applied.

    ``changes`` maps slash-separated paths to ``(blob id, mode)``, or to None to
    remove the path. Subtrees left empty are dropped, as git does.
    """
    r = repo.raw
    tree = r[base].peel(pygit2.Tree) if base else None
    return Oid(str(_tree(r, tree, dict(changes))))


def _tree(r: pygit2.Repository, tree: pygit2.Tree | None, changes: dict[str, tuple[str, int] | None]) -> pygit2.Oid:
    builder = r.TreeBuilder(tree) if tree is not None else r.TreeBuilder()
    nested: dict[str, dict[str, tuple[str, int] | None]] = {}
    for path, entry in changes.items():
        head, sep, rest = path.partition("/")
        if not head or (sep and not rest):
            raise GateError(f"bad path {path!r} for a tree entry")
        if sep:
            nested.setdefault(head, {})[rest] = entry
        elif entry is None:
            if builder.get(head) is not None:
                builder.remove(head)
        else:
            builder.insert(head, pygit2.Oid(hex=entry[0]), entry[1])
    for name, sub in nested.items():
        existing = builder.get(name)
        subtree = r[existing.id].peel(pygit2.Tree) if existing is not None and existing.filemode == MODE_TREE else None
        oid = _tree(r, subtree, sub)
        if len(r[oid].peel(pygit2.Tree)) == 0:
            if existing is not None:
                builder.remove(name)
        else:
            builder.insert(name, oid, MODE_TREE)
    return builder.write()


def write_commit(
    repo: GitRepo,
    tree: str,
    parents: list[str],
    message: str,
    who: tuple[str, str] | None = None,
) -> Oid:
    """A commit object (no ref moves). ``who`` is (name, e-mail); default: git config."""
    r = repo.raw
    if who is not None:
        sig = pygit2.Signature(who[0], who[1])
    else:
        try:
            sig = r.default_signature
        except (KeyError, pygit2.GitError):
            raise GateError(
                "git does not know who you are. Set it with "
                "'git config user.name \"Your Name\"' and 'git config user.email you@example.com'."
            ) from None
    oid = r.create_commit(None, sig, sig, message, pygit2.Oid(hex=tree), [pygit2.Oid(hex=p) for p in parents])
    return Oid(str(oid))


def update_ref(repo: GitRepo, name: str, new: str, old: str | None, reason: str, create_reflog: bool = True) -> None:
    """Point ``name`` at ``new`` only if it is still at ``old`` (None: must not exist).

    Raises ``RefMoved`` when someone else changed the ref first. ``create_reflog``
    starts a reflog for refs git logs only on request (outside refs/heads), so that
    ``reason`` is kept.
    """
    r = repo.raw
    if create_reflog:
        _ensure_reflog(repo, name)
    target = pygit2.Oid(hex=new)
    try:
        if old is None:
            r.create_reference_direct(name, target, False, message=reason)
            return
        ref = r.lookup_reference(name)
    except pygit2.AlreadyExistsError:
        raise RefMoved(f"{name} was created by someone else meanwhile; run the command again.") from None
    except KeyError:
        raise RefMoved(f"{name} was deleted by someone else meanwhile; run the command again.") from None
    except pygit2.GitError as e:
        raise GateError(f"cannot write {name}: {e}") from None
    if str(ref.target) != old:
        raise RefMoved(f"{name} moved (to {str(ref.target)[:12]}) meanwhile; run the command again.")
    try:
        # set_target hands libgit2 the value read above as the expected old value.
        ref.set_target(target, reason)
    except pygit2.GitError as e:
        if "does not match" in str(e):
            raise RefMoved(f"{name} moved meanwhile; run the command again.") from None
        raise GateError(f"cannot write {name}: {e}") from None


def delete_ref(repo: GitRepo, name: str, old: str) -> None:
    """Delete ``name`` only if it is still at ``old``."""
    try:
        ref = repo.raw.lookup_reference(name)
    except KeyError:
        raise RefMoved(f"{name} was deleted by someone else meanwhile.") from None
    if str(ref.target) != old:
        raise RefMoved(f"{name} moved (to {str(ref.target)[:12]}) meanwhile; nothing was deleted.")
    try:
        ref.delete()
    except pygit2.GitError as e:
        if "does not match" in str(e):
            raise RefMoved(f"{name} moved meanwhile; nothing was deleted.") from None
        raise GateError(f"cannot delete {name}: {e}") from None


def _ensure_reflog(repo: GitRepo, name: str) -> None:
    # git writes a reflog for refs outside heads/remotes/notes only when the log
    # file already exists (what 'git update-ref --create-reflog' makes); libgit2
    # follows the same rule.
    log = repo.common_dir / "logs" / name
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.touch(exist_ok=True)
    except OSError:
        pass  # a reflog is a courtesy; the ref update itself still happens
