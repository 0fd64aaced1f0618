"""git operations on a reusable scratch checkout (a test pool slot, ``gate.testrun.pool``).

A slot is a ``git clone --shared --no-checkout`` of the repository: its own ``.git``
directory, whose object store borrows the repository's through
``objects/info/alternates`` (a merge candidate written after the clone is visible at
once). It is not a linked worktree, so ``git worktree list`` in the repository never
shows it, and git inside it sees the candidate as a detached HEAD. Moving it to the
next candidate is a two-way checkout: only the files that differ are written.

Every call runs with the repository-local variables removed (``clean_env``) and hooks
off (``core.hooksPath=/dev/null``): a user's ``post-checkout`` hook has no business in
a scratch tree, and a test command may have planted one in the slot.
"""

from __future__ import annotations

from pathlib import Path

from gate.errors import GateError
from gate.git.run import GitUnavailable, Ran, clean_env, git

_NO_HOOKS = ("-c", "core.hooksPath=/dev/null")


class ScratchError(GateError):
    """A scratch checkout could not be made, moved or cleaned; the message says why."""


def _run(cwd: Path, *args: str) -> Ran:
    try:
        return git(*_NO_HOOKS, *args, cwd=cwd, env=clean_env(), check=False)
    except GitUnavailable as exc:
        raise ScratchError(f"tests need the git command line, which could not run: {exc.reason}") from exc


def _must(cwd: Path, what: str, *args: str) -> None:
    ran = _run(cwd, *args)
    if ran.code != 0:
        raise ScratchError(f"{what}: {ran.error}")


def clone(common_dir: Path, dest: Path) -> None:
    """Make ``dest`` (absent; its parent exists) a checkout-less clone sharing the
    objects of the repository at ``common_dir``.

    ``gc.auto=0``: the slot has next to no objects of its own, and an automatic gc
    there could only slow a test run down. No template: sample hooks are not needed.
    """
    _must(dest.parent, "could not make a test checkout", "clone", "--quiet", "--shared", "--no-checkout",
          "--template=", "-c", "gc.auto=0", "-c", "advice.detachedHead=false", "--", str(common_dir), str(dest))


def move(dest: Path, commit: str, repair: bool) -> None:
    """Check out ``commit`` (detached) in the slot at ``dest``.

    Files equal in the two trees are left as they are. With ``repair`` (a run that
    was killed left the slot), tracked changes are overwritten and every untracked
    and ignored file goes first, so nothing of the earlier run remains.
    """
    if repair:
        (dest / ".git" / "index.lock").unlink(missing_ok=True)  # a git killed mid-write left it
        clean(dest)
    _must(dest, f"could not check out {commit[:12]} in a test checkout",
          "checkout", "--quiet", "--force", "--detach", commit, "--")


def clean(dest: Path) -> None:
    """Put the slot back to its HEAD: tracked changes undone, untracked and ignored
    files removed (``-ffdx``: nested repositories too)."""
    _must(dest, "could not clean the test checkout", "reset", "--quiet", "--hard")
    _must(dest, "could not clean the test checkout", "clean", "-ffdxq")


def has_commit(common_dir: Path, commit: str) -> bool:
    """Whether the repository holds ``commit`` (tells a bad candidate from a broken slot)."""
    return _run(common_dir, f"--git-dir={common_dir}", "cat-file", "-e", f"{commit}^{{commit}}").code == 0
