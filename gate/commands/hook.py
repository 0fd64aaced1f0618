"""``agentgate hook NAME [ARGS]...``: the entry point the shims in ``githooks/`` call.

Each hook imports only what it needs: ``commit-msg`` runs on every commit and needs
no pygit2 at all; the others need pygit2 and the gate, never the renderers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from gate.errors import UsageError

HOOKS = ("pre-receive", "update", "pre-push", "pre-merge-commit", "commit-msg")


def _stdin() -> str:
    # Ref names are bytes to git: keep any non-UTF-8 byte through the round trip.
    return sys.stdin.buffer.read().decode("utf-8", "surrogateescape")


def _prereceive_is_ours() -> bool:
    """Whether git runs agentgate's pre-receive here too. Checked without pygit2:
    the update hook runs once per pushed ref, so its no-op must be cheap."""
    from pathlib import Path

    from gate.git.run import GitUnavailable, git
    from gate.hookinstall import is_ours

    try:
        ran = git("rev-parse", "--git-path", "hooks", check=False)
    except GitUnavailable:
        return False
    hooks = ran.text.strip()
    return ran.code == 0 and bool(hooks) and is_ours(Path(hooks) / "pre-receive")


def main(name: str, args: Sequence[str] = (), stdin_text: str | None = None,
         env: Mapping[str, str] | None = None) -> int:
    """Run hook ``name``; the exit code is what git acts on (non-zero refuses).

    ``stdin_text`` is read from stdin when None, for the hooks that take input.
    """
    env = os.environ if env is None else env
    from gate.hooks import deadline  # each hook runs in a worker the deadline can stop

    if name == "commit-msg":
        from gate.hooks import local

        return deadline.local(lambda: local.commit_msg(args, env), env, "commit")
    if name == "pre-merge-commit":
        from gate.hooks import local

        return deadline.local(lambda: local.pre_merge_commit(env), env, "merge")
    if name == "pre-push":
        from gate.hooks import local

        return deadline.local(
            lambda: local.pre_push(args, _stdin() if stdin_text is None else stdin_text, env), env, "push")
    if name == "pre-receive":
        return deadline.server(lambda: _pre_receive(_stdin() if stdin_text is None else stdin_text, env), env)
    if name == "update":
        if _prereceive_is_ours():
            return 0  # agentgate's pre-receive has judged the whole push already
        from gate.hooks import prereceive

        return deadline.server(lambda: prereceive.update(args, env), env)
    raise UsageError(f"agentgate has no '{name}' hook. Hooks: {', '.join(HOOKS)}.")


def _pre_receive(text: str, env: Mapping[str, str]) -> int:
    """The push judged, or its kept verdict replayed when the same lines were
    pushed into the same refs before (``gate.memo``: no pygit2 on that path)."""
    from gate import memo

    probe = memo.probe("pre-receive", (), stdin=text, env=env)
    kept = memo.recall(probe) or {}
    said, code = kept.get("text"), kept.get("code")
    if isinstance(said, str) and code in (0, 1):
        sys.stderr.write(said)  # exactly what the judging run wrote (GL_ID is in the key)
        sys.stderr.flush()
        return int(code)
    from gate.hooks import prereceive

    return prereceive.pre_receive(text, env, probe)
