"""One-line notes on stderr about what a command judged against: a local target
that differs from its upstream (what the server judges against), and a policy in
the worktree that is not the one in force. On stderr, so that JSON, SARIF and
JUnit on stdout stay parseable."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterable, Sequence
from typing import Protocol, TextIO

from gate.model import short_name
from gate.report.text import printable

POLICY_FILE = ".agentgate.toml"  # gate.policy's name; the report layer does not import the policy


class Divergence(Protocol):
    """``gate.git.upstream.Divergence``: the local target against its upstream."""

    @property
    def local(self) -> str: ...
    @property
    def upstream(self) -> str: ...
    @property
    def ahead(self) -> int: ...
    @property
    def behind(self) -> int: ...


def _name(ref: str) -> str:
    """``main``, ``origin/main``: the name git's own commands take (``short_name``
    drops the remote, which would make the two sides read alike)."""
    for prefix in ("refs/heads/", "refs/remotes/"):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


def _commits(n: int) -> str:
    return f"{n} commit{'s' if n != 1 else ''}"


def where(d: Divergence) -> str:
    """``main is 1 commit ahead of origin/main`` (or behind, or diverged)."""
    local, up = printable(_name(d.local)), printable(_name(d.upstream))
    if d.ahead and d.behind:
        return f"{local} and {up} have diverged ({_commits(d.ahead)} here, {_commits(d.behind)} there)"
    if d.ahead:
        return f"{local} is {_commits(d.ahead)} ahead of {up}"
    return f"{local} is {_commits(d.behind)} behind {up}"


def command(words: Sequence[str]) -> str:
    return " ".join(shlex.quote(printable(w)) for w in words)


def upstream(d: Divergence, words: Sequence[str]) -> str:
    """The note for a command that judged against the local target; ``words`` is the
    command to run instead, without its ``--target``."""
    local, up = _name(d.local), _name(d.upstream)
    return (f"note: {where(d)}; this judged against {printable(local)}, the server judges against "
            f"{printable(up)}: {command([*words, '--target', up])}")


def judged_upstream(d: Divergence, branch: str) -> str:
    """``approve``'s note when it judged ``branch`` against the upstream instead."""
    local, up = printable(_name(d.local)), printable(_name(d.upstream))
    return (f"note: {local} already contains {printable(branch)} ({where(d)}): judged against {up}, "
            "as the server does")


def worktree_policy(target: str, committed: bool) -> str:
    """The note for an uncommitted policy in the worktree that is not the one in force."""
    t = printable(short_name(target))
    if committed:
        return (f"note: the {POLICY_FILE} in this worktree differs from the one on {t}, which is the one "
                f"in force until the change is committed there. Check it: agentgate policy check")
    return (f"note: the {POLICY_FILE} in this worktree is not on {t}, so it is not in force until it is "
            f"committed there. Check it: agentgate policy check")


def emit(lines: Iterable[str], stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    for line in lines:
        out.write(line + "\n")
    out.flush()
