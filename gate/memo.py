"""Verdicts remembered under everything they depend on, looked up before pygit2 loads.

A warm gate is asked the same question again and again: an agent re-pushes a
refused commit, a CI job is re-run, a board is refreshed. Importing pygit2 alone
costs more than half of a hook's budget (DESIGN §9), so the answer to a question
already asked is found without it.

A run's result is a function of: every ref (the target, the pushed branch, the
other agent branches, approvals; the policy is in the target's tree), the pushed
lines, the command line, the working directory, the environment, git's
configuration files, the cached test results, and agentgate's own code and the
installed packages. ``probe`` hashes all of them with nothing but ``os`` and
``hashlib``; ``keep`` stores a completed run's result under that hash, and only
when the hash is unchanged at the end of the run (a ref that moved meanwhile
makes the result a mix of two states, so it is not kept).

Anything this module cannot read the way libgit2 does (reftable refs,
``GIT_COMMON_DIR``) means no memo, never a guess. A variable of the environment
is left out of the hash only when agentgate never reads it or when it names a
place whose content is fixed by object ids (git's quarantine directories).
``AGENTGATE_NO_MEMO=1`` turns the memo off.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Mapping, Sequence

# Only for type checkers: typing, dataclasses and tempfile cost a replay about 30 ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

VERSION = 1
KEEP = 256  # entries kept when the folder is pruned
_PRUNE_AT = 2 * KEEP

# Per-invocation values agentgate never reads (or, for the quarantine, that only
# say where objects with fixed ids are): they would make every run a miss.
_VOLATILE = frozenset({
    "GIT_QUARANTINE_PATH", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_PUSH_CERT", "GIT_PUSH_CERT_KEY", "GIT_PUSH_CERT_NONCE", "GIT_PUSH_CERT_NONCE_SLOP",
    "GIT_PUSH_CERT_NONCE_STATUS", "GIT_PUSH_CERT_SIGNER", "GIT_PUSH_CERT_STATUS",
    "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "SSH_AUTH_SOCK",
    "_", "OLDPWD", "SHLVL", "TERM_SESSION_ID", "WINDOWID",
})
_TRACE = ("AGENTGATE_DEBUG", "AGENTGATE_NO_MEMO")


class Probe:
    """One question: its key and the repository it was asked in."""

    __slots__ = ("kind", "key", "git_dir", "common_dir", "inputs")

    def __init__(self, kind: str, key: str, git_dir: str, common_dir: str, inputs: tuple[Any, ...]) -> None:
        self.kind = kind
        self.key = key
        self.git_dir = git_dir
        self.common_dir = common_dir
        self.inputs = inputs

    @property
    def path(self) -> str:
        return os.path.join(self.common_dir, "agentgate", "memo", f"{self.key}.json")


_armed: Probe | None = None


def arm(probe: Probe | None) -> None:
    """Let the command that runs next keep its result under ``probe``."""
    global _armed
    _armed = probe


def armed(kind: str) -> Probe | None:
    return _armed if _armed is not None and _armed.kind == kind else None


def probe(kind: str, args: Sequence[str], stdin: str | None = None,
          env: Mapping[str, str] | None = None, cwd: str | None = None) -> Probe | None:
    """The key of this run, or None when no memo may be used."""
    env = os.environ if env is None else env
    if any(env.get(k) for k in _TRACE):
        return None
    try:
        cwd = cwd or os.getcwd()
        found = locate(env, cwd)
        if found is None:
            return None
        git_dir, common_dir = found
        inputs = (kind, tuple(args), stdin, cwd,
                  tuple(sorted((k, v) for k, v in env.items() if k not in _VOLATILE)))
        return Probe(kind, _key(inputs, git_dir, common_dir), git_dir, common_dir, inputs)
    except (OSError, UnicodeError, ValueError):
        return None


def _key(inputs: tuple[Any, ...], git_dir: str, common_dir: str) -> str:
    state = snapshot(git_dir, common_dir)
    blob = json.dumps([VERSION, inputs, git_dir, common_dir, state, code_stamp()],
                      ensure_ascii=False).encode("utf-8", "surrogateescape")
    return hashlib.sha256(blob).hexdigest()


def recall(p: Probe | None) -> dict[str, Any] | None:
    """The kept result of this exact question, if any."""
    if p is None:
        return None
    try:
        with open(p.path, encoding="utf-8") as fh:
            value = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(value, dict) or value.get("version") != VERSION or value.get("kind") != p.kind:
        return None
    return value


def keep(p: Probe | None, value: Mapping[str, Any], git_dir_used: os.PathLike[str] | str) -> bool:
    """Keep ``value`` as the answer to ``p`` when nothing it depends on moved
    during the run and the run used the repository the probe located. Never
    raises: a memo that cannot be written is only a slower next run."""
    if p is None:
        return False
    try:
        if os.path.realpath(git_dir_used) != p.git_dir or _key(p.inputs, p.git_dir, p.common_dir) != p.key:
            return False
        text = json.dumps({"version": VERSION, "kind": p.kind, **value}, ensure_ascii=False,
                          allow_nan=False)
        folder = os.path.dirname(p.path)
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".tmp-{os.getpid()}-{os.urandom(6).hex()}.json")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(text)
            os.replace(tmp, p.path)
        except BaseException:
            _unlink(tmp)
            raise
        _prune(folder)
        return True
    except (OSError, TypeError, ValueError):
        return False


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _prune(folder: str) -> None:
    """At most ``_PRUNE_AT`` entries: past that, the oldest go down to ``KEEP``."""
    with os.scandir(folder) as it:
        entries = [e for e in it if e.name.endswith(".json") and not e.name.startswith(".")]
    if len(entries) <= _PRUNE_AT:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns)
    for e in entries[: len(entries) - KEEP]:
        _unlink(e.path)


# -- locating the repository and reading its state, without pygit2 ---------------


def _is_git_dir(d: str) -> bool:
    return (os.path.isfile(os.path.join(d, "HEAD")) and os.path.isdir(os.path.join(d, "objects"))
            and os.path.isdir(os.path.join(d, "refs")))


def locate(env: Mapping[str, str], cwd: str) -> tuple[str, str] | None:
    """(git dir, common dir), found the way git does from ``cwd``; None when in doubt."""
    if env.get("GIT_COMMON_DIR"):
        return None
    git_dir: str | None = None
    if env.get("GIT_DIR"):
        git_dir = os.path.join(cwd, env["GIT_DIR"])
    else:
        d = cwd
        while True:
            dot = os.path.join(d, ".git")
            if os.path.isdir(dot):
                git_dir = dot
            elif os.path.isfile(dot):
                with open(dot, encoding="utf-8") as fh:
                    line = fh.readline().strip()
                if not line.startswith("gitdir: "):
                    return None
                git_dir = os.path.join(d, line[len("gitdir: "):])
            elif _is_git_dir(d):
                git_dir = d
            parent = os.path.dirname(d)
            if git_dir is not None or parent == d:
                break
            d = parent
    if git_dir is None or not _is_git_dir(git_dir) and not os.path.isfile(os.path.join(git_dir, "commondir")):
        return None
    common = git_dir
    commondir = os.path.join(git_dir, "commondir")
    if os.path.isfile(commondir):
        with open(commondir, encoding="utf-8") as fh:
            common = os.path.join(git_dir, fh.read().strip())
    if os.path.exists(os.path.join(common, "reftable")):
        return None  # refs we cannot read without libgit2
    return os.path.realpath(git_dir), os.path.realpath(common)


_READ_UP_TO = 8 << 20


def _fingerprint(path: str) -> str | tuple[int, int, int] | None:
    """A file's content hash; for a huge one, its inode, mtime and size (git
    replaces such files by renaming a new one over them)."""
    try:
        st = os.stat(path)
        if st.st_size > _READ_UP_TO:
            return st.st_ino, st.st_mtime_ns, st.st_size
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _loose_refs(root: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    stack = [root]
    while stack:
        d = stack.pop()
        try:
            it = os.scandir(d)
        except OSError:
            continue
        with it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                elif not e.name.endswith(".lock"):
                    try:
                        with open(e.path, "rb") as fh:
                            out.append((e.path[len(root):], fh.read().decode("utf-8", "surrogateescape")))
                    except OSError:
                        continue  # deleted meanwhile: the end-of-run check sees the change
    return sorted(out)


def _config_files(git_dir: str, common_dir: str) -> list[str]:
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    files = [os.path.join(common_dir, "config"), os.path.join(git_dir, "config.worktree"),
             os.path.join(home, ".gitconfig"), os.path.join(xdg, "git", "config"), "/etc/gitconfig"]
    for var in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"):
        if os.environ.get(var):
            files.append(os.environ[var])
    return files


def snapshot(git_dir: str, common_dir: str) -> list[Any]:
    """What in the repository a verdict depends on: every ref, HEAD, packed refs,
    configuration, grafts and shallow files, and the cached test results."""
    state: list[Any] = [_loose_refs(os.path.join(common_dir, "refs"))]
    for d in {git_dir, common_dir}:
        for name in ("HEAD", "packed-refs", "shallow", "info/grafts", "info/attributes"):
            path = os.path.join(d, name)
            if name == "HEAD":
                try:
                    with open(path, "rb") as fh:
                        state.append((d, name, fh.read().decode("utf-8", "surrogateescape")))
                except OSError:
                    state.append((d, name, None))
            else:
                state.append((d, name, _fingerprint(path)))
    if git_dir != common_dir:
        state.append(_loose_refs(os.path.join(git_dir, "refs")))
    state.append([(f, _fingerprint(f)) for f in _config_files(git_dir, common_dir)])
    tests = os.path.join(common_dir, "agentgate", "tests")
    try:
        with os.scandir(tests) as it:
            state.append(sorted((e.name, e.inode(), e.stat().st_mtime_ns, e.stat().st_size) for e in it))
    except OSError:
        state.append(None)
    return state


_stamp: list[Any] | None = None


def code_stamp() -> list[Any]:
    """agentgate's own files and the installed packages (their dist-info names
    carry versions): an upgrade or an edit of agentgate is a different question."""
    global _stamp
    if _stamp is not None:
        return _stamp
    pkg = os.path.dirname(os.path.abspath(__file__))
    files: list[tuple[str, int, int]] = []
    stack = [pkg]
    while stack:
        d = stack.pop()
        with os.scandir(d) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    if e.name != "__pycache__":
                        stack.append(e.path)
                elif e.name.endswith((".py", ".json", ".toml")):
                    st = e.stat()
                    files.append((e.path[len(pkg):], st.st_mtime_ns, st.st_size))
    sites = []
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")) and os.path.isdir(entry):
            sites.append((entry, sorted(os.listdir(entry))))
    _stamp = [sys.version, sorted(files), sites]
    return _stamp


# -- the results kept: a hook's lines, a command's report -------------------------


def report_value(report: Any, fmt: str, output: str | None) -> dict[str, Any]:
    """What ``check`` and ``status`` keep: the report as data (rendered afresh on
    replay, so its elapsed time is the replay's) and where it went."""
    import dataclasses

    return {"fmt": fmt, "output": output, "report": dataclasses.asdict(report)}


def report_from(data: Mapping[str, Any], elapsed_ms: int) -> Any:
    from gate.model import BranchResult, Finding, Report

    branches = tuple(
        BranchResult(**{**b, "findings": tuple(Finding(**f) for f in b["findings"])})
        for b in data["branches"]
    )
    return Report(**{**data, "branches": branches, "elapsed_ms": elapsed_ms})


def replay(value: Mapping[str, Any], elapsed_ms: int) -> int:
    """Show a kept ``check`` or ``status`` result as the run that made it did; the exit code."""
    from gate import verdict

    rep = report_from(value["report"], elapsed_ms)
    if value["kind"] == "status":
        from gate.report import board

        board.emit(rep, value["fmt"], value["output"])
    else:
        from gate import report

        report.emit(rep, value["fmt"], value["output"])
    return verdict.exit_code(rep.verdict)
