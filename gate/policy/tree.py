"""The policy as it stands in a commit's tree: read, parsed (the TOML parse cached
as JSON by blob id) and validated. The policy always comes from the target's
tree, never from the branch under review (DESIGN §2)."""

from __future__ import annotations

from typing import Any

from gate.atomic import read_json, store
from gate.errors import PolicyError
from gate.git.repo import GitRepo
from gate.model import MODE_GITLINK, MODE_TREE
from gate.policy import POLICY_FILE, Policy
from gate.policy import values as policy_mod


def load_policy_at(repo: GitRepo, commit: str) -> Policy:
    entry = repo.entry_at(commit, POLICY_FILE)
    if entry is None or entry[1] in (MODE_TREE, MODE_GITLINK):
        return policy_mod.empty_policy()
    data = repo.read_blob(entry[0])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(f"{POLICY_FILE}: not UTF-8 text. Save it as UTF-8.") from None
    return policy_mod.load(text, POLICY_FILE, _parsed(repo, entry[0], text))


def _parsed(repo: GitRepo, blob: str, text: str) -> dict[str, Any] | None:
    """The policy's TOML parse, cached as JSON by blob id (TOML parsing and its import
    are a tenth of a warm hook). None when not cached and it does not parse: the
    validator then reports the syntax error with its line."""
    path = repo.cache_dir("policy", f"{blob}.json")
    cached = read_json(path)
    if isinstance(cached, dict):
        return cached
    from gate.policy.validate import parse

    try:
        data = parse(text)
    except PolicyError:
        return None
    store(path, data)  # TOML dates have no JSON form: such a policy is parsed each time
    return data


def worktree_policy(repo: GitRepo, commit: str) -> tuple[bool, bytes] | None:
    """The worktree's ``.agentgate.toml`` when it differs from the one in ``commit``
    (the target's, the one in force): (whether ``commit`` has one, its text).
    None when they agree, or in a bare repository or a worktree without one."""
    root = repo.workdir
    if root is None:
        return None
    try:
        text = (root / POLICY_FILE).read_bytes()
    except OSError:  # absent, a folder, unreadable: nothing to compare
        return None
    entry = repo.entry_at(commit, POLICY_FILE)
    committed = entry is not None and entry[1] not in (MODE_TREE, MODE_GITLINK)
    # Line endings aside: a checkout with core.autocrlf writes CRLF for the same blob.
    if committed and entry is not None and _lf(repo.read_blob(entry[0])) == _lf(text):
        return None
    return committed, text


def _lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n")
