"""``agentgate policy check [FILE]``: validate a policy that is not committed yet
(default: the worktree's ``.agentgate.toml``) with the same file:line errors the
committed one would give, and show what it changes against the policy in force on
the target. Exit 0 when valid, 4 when not (DESIGN §6)."""

from __future__ import annotations

import sys
from pathlib import Path

from gate import context
from gate.errors import EXIT_ALLOW, GateError, PolicyError, UsageError
from gate.git.opening import open_repo
from gate.git.repo import GitRepo
from gate.policy import POLICY_FILE, Policy, empty_policy, load
from gate.policy.diff import changes
from gate.report import policy as policy_report


def check_main(file: str | None = None, target: str | None = None, repo_path: str | None = None) -> int:
    repo: GitRepo | None
    try:
        repo = open_repo(repo_path)
    except GateError:
        if file is None or repo_path is not None:
            raise
        repo = None  # a file outside any repository: validate it, compare with nothing
    if file is None:
        assert repo is not None
        root = repo.workdir
        if root is None:
            raise UsageError("this is a bare repository, with no worktree policy: name the file to check "
                             "(agentgate policy check FILE).")
        path, source = root / POLICY_FILE, POLICY_FILE
    else:
        path, source = Path(file), file
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise GateError(f"{source}: no such file. Write one with 'agentgate init', or name the file to check.") \
            from None
    except OSError as e:
        raise GateError(f"{source}: cannot read it ({e.strerror}).") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(f"{source}: not UTF-8 text. Save it as UTF-8.") from None
    new = load(text, source)  # PolicyError (exit 4): FILE:LINE and the fix
    found = _in_force(repo, target) if repo is not None else None
    if found is None:
        sys.stdout.write(policy_report.checked(source, None, False, None))
        return EXIT_ALLOW
    ref, old = found
    sys.stdout.write(policy_report.checked(source, ref, old.present, changes(old, new)))
    return EXIT_ALLOW


def _in_force(repo: GitRepo, target: str | None) -> tuple[str, Policy] | None:
    """The target and the policy in force there; an invalid one counts as none (it
    is told on stderr); None when there is no target to compare with."""
    try:
        ref, _, old = context.resolve_target(repo, target)
    except PolicyError as e:
        print(f"note: the policy in force is invalid, so this is compared with none: {e}", file=sys.stderr)
        broken = _target_ref(repo, target)
        return (broken, empty_policy()) if broken is not None else None
    except UsageError:
        raise  # --target names no branch: exit 2
    except GateError:
        return None  # no commits yet, no main: nothing is in force
    return ref, old


def _target_ref(repo: GitRepo, target: str | None) -> str | None:
    for name in (target, repo.config_get("agentgate.target"), "main", "master"):
        if name:
            try:
                return repo.resolve_branch(name)[0]
            except GateError:
                continue
    return None
