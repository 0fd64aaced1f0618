"""The first step of ``pre-receive``: refuse what git's fsck refuses in the objects
a push adds (``gate.git.fsck``), whatever the policy says (DESIGN §2, §8).

The ref rules are still decided for a refused ref when the policy loads, so a
force-push of the target is named as one even when its new tip cannot be read.
"""

from __future__ import annotations

from collections.abc import Sequence

from gate import context
from gate.checks import refs
from gate.errors import GateError
from gate.git import fsck
from gate.git.repo import GitRepo
from gate.hooks.input import make_pusher
from gate.model import RefUpdate, short_name
from gate.report import remote


def problems(repo: GitRepo, updates: Sequence[RefUpdate]) -> list[tuple[str, fsck.Problem]]:
    """(short ref name, problem) for each object the push adds that git's fsck or
    libgit2 refuses; empty when every new object reads as git reads it."""
    tips = [(short_name(u.ref), u.new) for u in updates if u.new is not None]
    if not tips:
        return []
    return fsck.check_push(repo, tips, fsck.existing_tips(repo))


def lines(repo: GitRepo, updates: Sequence[RefUpdate], refused: Sequence[tuple[str, fsck.Problem]],
          login: str | None, served: str | None = None) -> list[str]:
    out = remote.object_lines(refused)
    labels = {label for label, _ in refused}
    try:
        ctx = context.build(repo)
    except GateError:
        ctx = None  # no target or a broken policy: the objects refuse the push already
    if ctx is not None and ctx.policy.present:
        pusher = make_pusher(ctx.policy, login, served)
        for u in updates:
            label = short_name(u.ref)
            if label in labels:
                out.extend(remote.finding_line(label, f) for f in refs.rules(ctx, u, pusher))
    out.append("push refused: git's fsck refuses these objects or agentgate cannot read them "
               "(a checkout would not write them as they are); rewrite the commits and push again")
    return out
