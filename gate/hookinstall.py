"""Install and remove agentgate's git hook shims (``agentgate hooks install|uninstall``).

The shims are short POSIX sh scripts shipped in ``gate/resources/hooks/`` (the same
bytes as the top-level ``githooks/``) that run ``agentgate hook NAME``. A hook that
was already in place and is not ours is kept as ``NAME.legacy``; the shim runs it
first and stops when it fails, so installing agentgate never silently drops a
check someone relied on. ``uninstall`` puts it back.

The hooks directory is found with the git command line rather than pygit2: git
itself decides where hooks run (``core.hooksPath``, linked worktrees sharing the
common directory), and asking git is the only way to agree with it exactly.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from gate.errors import GateError
from gate.git import receivefsck
from gate.git.run import GitUnavailable, git

HOOK_ID = "1e146348d0e0efdbb557b7f4c968cd10"
# Markers of earlier shim versions: still ours, so re-installing upgrades them.
PRIOR_IDS: tuple[str, ...] = ()
SERVER_HOOKS = ("pre-receive", "update")
LOCAL_HOOKS = ("pre-push", "pre-merge-commit", "commit-msg")
ALL_HOOKS = SERVER_HOOKS + LOCAL_HOOKS
LEGACY_SUFFIX = ".legacy"
# A hook this large is not one of our shims; do not read it all to find out.
_MAX_SHIM_BYTES = 64 * 1024


@dataclass(frozen=True)
class HookDir:
    """Where git runs this repository's hooks from."""

    path: Path
    bare: bool
    hooks_path: str | None  # the core.hooksPath value when set


def shim(name: str) -> bytes:
    """The shim for hook ``name`` as shipped in the package."""
    if name not in ALL_HOOKS:
        raise GateError(f"agentgate has no '{name}' hook. Hooks: {', '.join(ALL_HOOKS)}.")
    return (resources.files("gate") / "resources" / "hooks" / name).read_bytes()


def is_ours(path: Path) -> bool:
    """True when ``path`` is an agentgate shim (this version or an earlier one)."""
    try:
        if path.stat().st_size > _MAX_SHIM_BYTES:
            return False
        data = path.read_bytes()
    except OSError:
        return False
    return any(f"# agentgate-hook-id: {hid}".encode() in data for hid in (HOOK_ID, *PRIOR_IDS))


def locate(repo: Path) -> HookDir:
    """Ask git where ``repo`` runs its hooks from, and whether it is bare."""
    out = _git(repo, "rev-parse", "--is-bare-repository", "--git-path", "hooks").splitlines()
    if len(out) != 2:
        raise GateError(f"git gave an unexpected answer about {repo}'s hooks directory: {out!r}")
    hooks_path = _git(repo, "config", "--get", "core.hooksPath", allow_missing=True).strip() or None
    # --git-path answers relative to the directory git ran in and already applies
    # core.hooksPath and the common directory of linked worktrees.
    return HookDir(path=Path(repo, out[1]), bare=out[0] == "true", hooks_path=hooks_path)


def install(repo: Path, server: bool | None = None, hooks_path_ok: bool = False) -> list[str]:
    """Install the server set (bare repository, or ``server=True``) or the local set.

    Returns one line per hook saying what was done. Raises ``GateError`` before
    touching anything when ``core.hooksPath`` is set (unless ``hooks_path_ok``) or
    when a foreign hook cannot be kept because ``NAME.legacy`` already exists.
    """
    where = locate(repo)
    if where.hooks_path is not None:
        if where.hooks_path in ("/dev/null", os.devnull):
            raise GateError(
                f"core.hooksPath is {where.hooks_path}: git runs no hooks in {repo}. Unset it "
                "(git config --unset core.hooksPath) to use agentgate's hooks."
            )
        if not hooks_path_ok:
            raise GateError(
                f"core.hooksPath is set to '{where.hooks_path}', so git runs hooks from {where.path}, "
                f"a directory other tools may manage. Install there anyway with --hooks-path-ok, or "
                "unset it (git config --unset core.hooksPath) and run this again."
            )
    names = SERVER_HOOKS if (where.bare if server is None else server) else LOCAL_HOOKS
    for name in names:  # check everything first: refuse without a half-done install
        dest, legacy = where.path / name, where.path / (name + LEGACY_SUFFIX)
        if _exists(dest) and not is_ours(dest) and _exists(legacy):
            raise GateError(
                f"{dest} is not agentgate's and {legacy.name} already exists beside it, so the "
                "hook cannot be kept as legacy. Move one of them aside, then run this again."
            )
    where.path.mkdir(parents=True, exist_ok=True)
    lines = [_install_one(where.path, name) for name in names]
    if names == SERVER_HOOKS:
        lines.append(receivefsck.turn_on(repo))
    return lines


def _install_one(directory: Path, name: str) -> str:
    dest, legacy = directory / name, directory / (name + LEGACY_SUFFIX)
    data = shim(name)
    note = "installed"
    if _exists(dest):
        if not is_ours(dest):
            # Renaming keeps a symlink a symlink and keeps the mode: a hook git did not
            # run (not executable) stays one the shim does not run either.
            os.rename(dest, legacy)
            note = f"installed; the previous hook is kept as {legacy.name} and runs first"
        elif not dest.is_symlink() and dest.read_bytes() == data and _executable(dest):
            return f"{dest}: already installed"
        else:
            note = "updated"
    if note == "installed" and _exists(legacy):
        note = f"installed; {legacy.name} runs first"
    _write_executable(dest, data)
    return f"{dest}: {note}"


def uninstall(repo: Path) -> list[str]:
    """Remove agentgate's shims (both sets) and put any ``NAME.legacy`` hook back."""
    where = locate(repo)
    lines: list[str] = []
    for name in ALL_HOOKS:
        dest, legacy = where.path / name, where.path / (name + LEGACY_SUFFIX)
        if _exists(dest) and not is_ours(dest):
            if _exists(legacy):
                lines.append(f"{dest}: not agentgate's, left alone (and {legacy.name} with it)")
            continue
        if not _exists(dest) and not _exists(legacy):
            continue
        if _exists(dest):
            dest.unlink()
        if _exists(legacy):
            os.rename(legacy, dest)
            lines.append(f"{dest}: removed; the previous hook is back")
        else:
            lines.append(f"{dest}: removed")
    restored = receivefsck.restore(repo)
    if restored is not None:
        lines.append(restored)
    if not lines:
        lines.append(f"{where.path}: no agentgate hooks to remove")
    return lines


def _exists(path: Path) -> bool:
    return path.is_symlink() or path.exists()


def _executable(path: Path) -> bool:
    return bool(path.stat().st_mode & stat.S_IXUSR)


def _write_executable(dest: Path, data: bytes) -> None:
    """Write atomically: git may run the hook at any moment (a concurrent push)."""
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o755)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _git(repo: Path, *args: str, allow_missing: bool = False) -> str:
    if not repo.is_dir():
        raise GateError(f"{repo} is not a directory. Pass --repo with a git repository.")
    try:
        ran = git(*args, cwd=repo, check=False)
    except GitUnavailable as e:
        raise GateError(f"cannot run git ({e.reason}). Install git and put it on PATH.") from None
    # `git config --get` exits 1 when the key is not set: an answer, not a failure.
    if ran.code == 1 and allow_missing:
        return ""
    if ran.code != 0:
        raise GateError(f"{repo} is not a git repository ({ran.error}). Pass --repo with one.")
    return ran.text
