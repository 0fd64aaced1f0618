"""``git push`` of refs to a remote, with what the server said.

Run as the git command line (the remote's transport, credentials and hooks are
git's business); the server's own lines (``remote: …``) are handed back, since a
refusal by the remote gate says why there.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from gate.git.run import clean_env, git


class PushResult(NamedTuple):
    ok: bool
    said: tuple[str, ...]  # the server's lines, else git's own error lines


def push(cwd: Path, remote: str, refspecs: Sequence[str]) -> PushResult:
    """Push ``refspecs`` to ``remote`` (a name or URL); never forced."""
    ran = git("push", "--porcelain", remote, *refspecs, cwd=cwd, env=clean_env(), check=False)
    err = ran.err.decode("utf-8", "replace").splitlines()
    said = tuple(ln[len("remote: "):].rstrip() for ln in err if ln.startswith("remote: "))
    if ran.code == 0:
        return PushResult(True, said)
    if not said:
        out = ran.out.decode("utf-8", "replace").splitlines()
        said = tuple(ln.strip() for ln in [*err, *out] if ln.strip() and ln.strip() != "Done")
    return PushResult(False, said)
