"""Worktree lifecycle: branches, worktrees and saved uncommitted work.

What touches files in a working tree goes through git's own command line
(``git worktree add/remove/prune``, ``git add -A`` into a scratch index,
``git read-tree -u``): git runs the user's filter drivers (LFS, autocrlf) and
hooks, honours sparse checkouts and ``.gitignore`` exactly as their git does,
writes the worktree admin files under its creation lock, refuses to remove a
locked worktree or one holding submodules, and ``git config --worktree`` writes
per-worktree config. libgit2 runs no external filter drivers and no hooks, so a
worktree it checks out can differ from the one git would make.
Objects and refs (commits, merges, reverts, compare-and-swap updates) go through
pygit2: in memory, no index lock, and nothing changes until one ref moves.
Merges, reverts and moving a branch with its checkout are in ``gate.git.landing``.
Every git here runs with ``clean_env()``: the repository is the one its cwd names,
never one that a hook's or an outer git's variables point at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pygit2

from gate.errors import GateError
from gate.git import write
from gate.git.repo import GitRepo
from gate.git.run import clean_env, git
from gate.git.wtlock import worktrees_locked
from gate.model import Oid, RefName

_FALLBACK_WHO = ("agentgate", "agentgate@localhost")


# -- worktrees -------------------------------------------------------------------------


@dataclass(frozen=True)
class Worktree:
    path: Path
    branch: RefName | None  # None when detached
    main: bool
    locked: bool
    missing: bool  # the directory is gone: only admin data is left (prunable)


def _read_head(head_file: Path) -> RefName | None:
    try:
        text = head_file.read_text().strip()
    except OSError:
        return None
    return RefName(text[5:].strip()) if text.startswith("ref:") else None


def worktrees(repo: GitRepo) -> list[Worktree]:
    """The main worktree (unless bare) and every linked one: read under the worktree
    lock, since libgit2 fails on an admin dir that a concurrent remove is deleting."""
    common = repo.common_dir
    main = pygit2.Repository(str(common))
    out = []
    if main.workdir:
        out.append(Worktree(Path(main.workdir).resolve(), _read_head(common / "HEAD"), True, False, False))
    with worktrees_locked(common):
        for name in main.list_worktrees():
            wt = main.lookup_worktree(name)
            admin = common / "worktrees" / name
            path = Path(wt.path)
            out.append(Worktree(path, _read_head(admin / "HEAD"), False, (admin / "locked").exists(),
                                not path.is_dir()))
    return out


def worktree_of(repo: GitRepo, ref: str) -> Worktree | None:
    """The worktree that has ``ref`` checked out, if any."""
    return next((w for w in worktrees(repo) if w.branch == ref), None)


def main_root(repo: GitRepo) -> Path:
    """The main worktree's top directory (the repository directory when bare)."""
    wd = pygit2.Repository(str(repo.common_dir)).workdir
    return Path(wd).resolve() if wd else repo.common_dir


def enable_worktree_config(repo: GitRepo) -> None:
    """Turn on ``extensions.worktreeConfig`` so ``git config --worktree`` works.

    git (since 2.20) and libgit2 honour this extension in format version 0 as well,
    so the format version is left alone: bumping it would make git refuse a
    repository that carries some other, unknown ``extensions.*`` key. ``core.bare``
    must then live in the main worktree's own config, or linked worktrees read it.
    Under the worktree lock: agents spawned side by side would otherwise race for
    git's lock on the config file (and lose with "could not lock config file").
    """
    common, env = repo.common_dir, clean_env()
    with worktrees_locked(common):
        if git("config", "--bool", "--get", "extensions.worktreeConfig", cwd=common, env=env,
               check=False).text.strip() == "true":
            return
        bare = git("config", "--bool", "--get", "core.bare", cwd=common, env=env, check=False).text.strip()
        git("config", "extensions.worktreeConfig", "true", cwd=common, env=env)
        if bare == "true":
            git("config", "--unset", "core.bare", cwd=common, env=env)
            git("config", "--file", str(common / "config.worktree"), "core.bare", "true", cwd=common, env=env)


def add_worktree(repo: GitRepo, path: Path, ref: str, config: dict[str, str] | None = None) -> None:
    """Check out the existing branch ``ref`` in a new worktree at ``path``, with
    ``config`` set in that worktree's own config (``git config --worktree``). Both
    under the worktree lock: ``git config`` in one worktree reads every other
    worktree's admin dir, which a concurrent add may have half written."""
    prune_worktrees(repo)  # a stale entry for the same path would make git refuse
    short = ref.removeprefix("refs/heads/")
    env = clean_env()
    with worktrees_locked(repo.common_dir):
        git("worktree", "add", "--quiet", str(path), short, cwd=main_root(repo), env=env)
        for key, value in (config or {}).items():
            git("config", "--worktree", key, value, cwd=path, env=env)


def remove_worktree(repo: GitRepo, wt: Worktree) -> None:
    """Delete the worktree's files and admin data (it must not be locked or the main one)."""
    if wt.main:
        raise GateError(f"{wt.path} is the main worktree: check out another branch there first.")
    if wt.locked:
        raise GateError(f"the worktree {wt.path} is locked. Unlock it with 'git worktree unlock {wt.path}'.")
    if wt.missing:
        prune_worktrees(repo)
        return
    with worktrees_locked(repo.common_dir):
        git("worktree", "remove", "--force", str(wt.path), cwd=main_root(repo), env=clean_env())


def prune_worktrees(repo: GitRepo) -> None:
    with worktrees_locked(repo.common_dir):
        git("worktree", "prune", cwd=repo.common_dir, env=clean_env())


# -- uncommitted work ------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """Uncommitted work as two commits: ``index`` (the staged tree, parent: the tip)
    and ``work`` (every tracked and untracked-not-ignored file, parent: ``index``)."""

    index: Oid
    work: Oid
    ignored: tuple[str, ...]  # ignored paths left out (as ``git status --ignored`` shows them)


def work_trees(path: Path) -> tuple[Oid, Oid]:
    """(index tree, working tree tree) of the worktree at ``path``, objects written."""
    plain = clean_env()
    try:
        index_tree = git("write-tree", cwd=path, env=plain).text.strip()
    except GateError:
        raise GateError(
            f"the worktree {path} has unresolved conflicts (a merge or rebase in progress?). "
            "Finish or abort it there first; nothing was changed."
        ) from None
    git_dir = Path(git("rev-parse", "--absolute-git-dir", cwd=path, env=plain).text.strip())
    scratch = git_dir / "agentgate-snapshot.index"
    index_file = Path(git("rev-parse", "--git-path", "index", cwd=path, env=plain).text.strip())
    if not index_file.is_absolute():
        index_file = path / index_file
    env = clean_env({"GIT_INDEX_FILE": str(scratch)})
    try:
        # A copy of the real index keeps its stat data: git add -A then re-reads only
        # what changed, and the worktree's own index is never touched.
        if index_file.exists():
            shutil.copyfile(index_file, scratch)
        else:
            git("read-tree", index_tree, cwd=path, env=env)
        git("add", "-A", "--", ":/", cwd=path, env=env)
        # A submodule or a nested clone is saved as a bare commit id, not its files,
        # and 'git worktree remove' refuses it anyway: stop before anything is done.
        stage = git("ls-files", "-z", "--stage", cwd=path, env=env).text.split("\0")
        links = [e.split("\t", 1)[1] for e in stage if e.startswith("160000 ")]
        if links:
            raise GateError(
                f"the worktree {path} holds a git repository at {', '.join(links[:3])} (a submodule or "
                "a nested clone), which agentgate cannot save. Move it away, then run the command "
                "again; nothing was changed."
            )
        tree = git("write-tree", cwd=path, env=env).text.strip()
    finally:
        scratch.unlink(missing_ok=True)
    return Oid(index_tree), Oid(tree)


def ignored_paths(path: Path) -> tuple[str, ...]:
    out = git("ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory",
              cwd=path, env=clean_env()).text
    return tuple(sorted(p for p in out.split("\0") if p))


def snapshot(repo: GitRepo, path: Path, tip: str, label: str) -> Snapshot | None:
    """Save the uncommitted work of the worktree at ``path`` (branch tip ``tip``);
    None when there is none. Only objects are written: no ref moves."""
    index_tree, tree = work_trees(path)
    if index_tree == repo.tree_id(tip) and tree == index_tree:
        return None
    who = identity(repo)
    index = write.write_commit(repo, index_tree, [tip], f"agentgate: index of {label}\n", who)
    work = write.write_commit(repo, tree, [index], f"agentgate: working tree of {label}\n", who)
    return Snapshot(index, work, ignored_paths(path))


def apply_snapshot(path: Path, index: str, work: str) -> None:
    """Give a fresh worktree back its saved state: files as in ``work``, the index as
    in ``index``; what only ``work`` holds comes back untracked."""
    env = clean_env()
    git("read-tree", "--reset", "-u", work, cwd=path, env=env)
    # '-m' with one tree keeps the stat data of entries that match, so the refresh
    # below re-reads only the changed files, not the whole tree.
    git("read-tree", "-m", index, cwd=path, env=env)
    git("update-index", "-q", "--refresh", cwd=path, env=env, check=False)  # exit 1 lists modified files


# -- commits --------------------------------------------------------------------------


def identity(repo: GitRepo) -> tuple[str, str]:
    """(name, e-mail) from git config, else agentgate's own."""
    try:
        sig = repo.raw.default_signature
        return str(sig.name), str(sig.email)
    except (KeyError, pygit2.GitError):
        return _FALLBACK_WHO


def valid_branch(short: str) -> bool:
    return bool(short) and bool(pygit2.reference_is_valid_name("refs/heads/" + short))


def diff_count(repo: GitRepo, old: str, new: str) -> tuple[int, int]:
    """(files added, files otherwise changed) between two trees or commits."""
    r = repo.raw
    diff = r[old].peel(pygit2.Tree).diff_to_tree(r[new].peel(pygit2.Tree))
    added = sum(1 for d in diff.deltas if d.status == pygit2.enums.DeltaStatus.ADDED)
    return added, len(diff) - added


def commit(repo: GitRepo, tree: str, parents: Sequence[str], message: str) -> Oid:
    return write.write_commit(repo, tree, list(parents), message, identity(repo))


def worktree_root(repo: GitRepo, configured: str | None) -> Path:
    """Where agent worktrees go: ``[worktrees] root`` (relative to the main worktree),
    else ``../<repo>.agents`` beside it."""
    main = main_root(repo)
    if configured:
        root = Path(os.path.expanduser(configured))
    else:
        name = main.name.removesuffix(".git") or "repo"
        root = Path("..") / f"{name}.agents"
    return Path(os.path.normpath(main / root))
