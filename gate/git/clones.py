"""Isolated agent clones (``spawn --isolated``): made, saved, found and removed.

An isolated clone is a normal clone with its own ``.git``, made with ``git clone
--shared`` (its ``objects/info/alternates`` names the human's object store, so
nothing is copied and the agent's sandbox needs only to read it). Its only remote
is ``agentgate serve``; its credential sits in the clone's own store
(``.git/agentgate-credentials``, mode 0600) rather than in the remote URL, which
git puts on the command line of ``git-remote-http`` (visible in ``ps``), in
``git remote -v`` and in error messages.

The human's repository keeps a registry of its clones (``<common
dir>/agentgate/clones.json``: branch -> path, agent), the way git keeps
``.git/worktrees`` for linked worktrees, so ``discard`` finds them.

Saving a clone's uncommitted work writes the ``lifecycle.Snapshot`` commits in the
clone (its files are hashed by its own git) and fetches them into the human's
repository: there the trash record keeps them reachable once the clone is gone.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gate.atomic import write_atomic
from gate.errors import GateError
from gate.git.lifecycle import Snapshot, ignored_paths, main_root, work_trees
from gate.git.repo import GitRepo
from gate.git.run import clean_env, git
from gate.git.wtlock import worktrees_locked
from gate.model import Oid, RefName

REGISTRY = "clones.json"
CREDENTIALS = "agentgate-credentials"  # in the clone's .git
_SAVE_REF = "refs/agentgate/discard"  # in the clone, only while its work is fetched


@dataclass(frozen=True)
class Clone:
    branch: RefName  # the branch in the human's repository
    path: Path
    agent: str

    @property
    def missing(self) -> bool:
        return not (self.path / ".git").is_dir()


# -- the registry ------------------------------------------------------------------------


def _registry(repo: GitRepo) -> Path:
    return repo.common_dir / "agentgate" / REGISTRY


def _read(repo: GitRepo) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(_registry(repo).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found = data.get("clones") if isinstance(data, dict) else None
    return {k: v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}


def clones(repo: GitRepo) -> list[Clone]:
    """Every registered isolated clone."""
    out = []
    for ref, v in sorted(_read(repo).items()):
        if isinstance(v.get("path"), str):
            out.append(Clone(RefName(ref), Path(v["path"]), str(v.get("agent") or "")))
    return out


def clone_of(repo: GitRepo, ref: str) -> Clone | None:
    return next((c for c in clones(repo) if c.branch == ref), None)


def _update(repo: GitRepo, ref: str, entry: dict[str, str] | None) -> None:
    with worktrees_locked(repo.common_dir):
        found = _read(repo)
        if entry is None:
            found.pop(ref, None)
        else:
            found[ref] = entry
        write_atomic(_registry(repo), json.dumps({"version": 1, "clones": found}, indent=1, sort_keys=True) + "\n")


def register(repo: GitRepo, clone: Clone) -> None:
    _update(repo, clone.branch, {"path": str(clone.path), "agent": clone.agent})


def unregister(repo: GitRepo, ref: str) -> None:
    _update(repo, ref, None)


# -- making one --------------------------------------------------------------------------


def make(repo: GitRepo, path: Path, ref: str, url: str, agent: str) -> None:
    """Clone the human's repository to ``path`` with ``ref`` checked out, objects
    shared; then the serve URL as its only remote, ``agentgate.agent``,
    ``agentgate.isolated`` and its own
    credential store (empty until ``set_credential``)."""
    short = ref.removeprefix("refs/heads/")
    env = clean_env()
    git("clone", "--quiet", "--shared", "--branch", short, "--", str(main_root(repo)), str(path), env=env)
    store = path / ".git" / CREDENTIALS
    fd = os.open(store, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    for args in (
        ("remote", "set-url", "origin", url),
        ("config", "agentgate.agent", agent),
        # What 'guard install' recognises an isolated clone by (with origin the serve
        # URL and alternates naming the human's objects): it then writes the sandbox.
        ("config", "agentgate.isolated", "true"),
        # An empty helper first: the user's own helpers (a keychain) never see, nor
        # keep, the agent's token.
        ("config", "credential.helper", ""),
        ("config", "--add", "credential.helper", f"store --file={shlex.quote(str(store))}"),
    ):
        git(*args, cwd=path, env=env)


def set_credential(path: Path, origin: str, user: str, token: str) -> None:
    """Replace the clone's stored credential with ``user``/``token`` for ``origin``
    (``http://host:port``), in git's credential-store format, mode 0600."""
    from urllib.parse import quote

    scheme, _, host = origin.partition("://")
    line = f"{scheme}://{quote(user, safe='')}:{quote(token, safe='')}@{host}\n"
    store = path / ".git" / CREDENTIALS
    fd, tmp = tempfile.mkstemp(dir=store.parent, prefix=".tmp-credentials-")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(line)
        os.replace(tmp, store)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- saving and removing ---------------------------------------------------------------


def head(path: Path) -> Oid:
    """The commit checked out in the clone (its branch may be ahead of what it pushed)."""
    try:
        return Oid(git("rev-parse", "--verify", "HEAD^{commit}", cwd=path, env=clean_env()).text.strip())
    except GateError:
        raise GateError(f"the clone {path} has no commit checked out; check out its branch there first. "
                        "Nothing was changed.") from None


State = tuple[Oid, Oid, Oid]  # (HEAD, index tree, working tree) of a clone


def state(path: Path) -> State:
    """(HEAD, index tree, working tree) now: compared again before the clone is
    removed, so work written after it was saved is never deleted."""
    return (head(path), *work_trees(path))


def save(repo: GitRepo, path: Path, tip: str, label: str, who: tuple[str, str]) -> tuple[Snapshot | None, State]:
    """Save the clone's state into the human's repository as a Snapshot: ``index``
    (parent: the clone's HEAD, so commits it never pushed are kept too) and
    ``work``; None when the clone is exactly at ``tip`` with nothing uncommitted.
    Only objects arrive in the human's repository: no ref moves there."""
    now = state(path)
    at, index_tree, tree = now
    env = clean_env()
    if at == tip and tree == index_tree == git("rev-parse", f"{at}^{{tree}}", cwd=path, env=env).text.strip():
        return None, now
    who_env = clean_env({"GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1],
                         "GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1]})
    index = git("commit-tree", index_tree, "-p", at, "-m", f"agentgate: index of {label}",
                cwd=path, env=who_env).text.strip()
    work = git("commit-tree", tree, "-p", index, "-m", f"agentgate: working tree of {label}",
               cwd=path, env=who_env).text.strip()
    git("update-ref", _SAVE_REF, work, cwd=path, env=env)
    try:
        # From the human's side: the clone's commits (unpushed ones too) and the
        # snapshot come over; nothing is written but objects.
        git("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", str(path), _SAVE_REF,
            cwd=repo.common_dir, env=env)
    finally:
        git("update-ref", "-d", _SAVE_REF, cwd=path, env=env, check=False)
    return Snapshot(Oid(index), Oid(work), ignored_paths(path)), now


def remove(path: Path) -> None:
    shutil.rmtree(path)


def restore_state(path: Path, head_oid: str, short: str) -> None:
    """Move the fresh clone's branch to the saved HEAD (unpushed commits included)."""
    git("update-ref", f"refs/heads/{short}", head_oid, cwd=path, env=clean_env())
