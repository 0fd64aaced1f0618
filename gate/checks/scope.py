"""Scope rules: is every changed path the agent's own, or shared?"""

from __future__ import annotations

from gate.checks import Found, Subject
from gate.context import Context
from gate.model import RENAMED, Finding


def check(ctx: Context, subject: Subject) -> Found:
    branch = subject.branch
    out: list[Finding | None] = []
    if branch.unknown_agent is not None:
        out.append(ctx.finding(
            "scope.unknown-agent",
            f"{branch.short} looks like a branch of agent '{branch.unknown_agent}', "
            "but the policy has no such agent",
            hint="add the agent to .agentgate.toml on the target ([agents.NAME] with branches "
                 "and owns), or rename the branch to match an agent's pattern",
            other={"agent": branch.unknown_agent},
            key=(branch.short,),
        ))
    if branch.agent is None:
        return Found.of(out)
    pol = ctx.policy
    for fc, why in subject.judged(ctx):
        said = f"{why}: " if why else ""
        shared_done = False
        for path in fc.paths:
            owner = pol.owner_of(path)
            if owner is not None and owner[0] == branch.agent:
                continue
            shared = pol.shared_pattern(path)
            if shared is not None and (owner is None or owner[0] == branch.agent):
                if not shared_done:
                    out.append(ctx.finding(
                        "scope.shared",
                        f"{said}{path} is shared (pattern {shared}); other agents depend on it",
                        path=path, change=fc, other={"pattern": shared},
                        hint="keep the change small and tell the other agents",
                    ))
                    shared_done = True
                continue
            side = ""
            if fc.status == RENAMED:
                side = " (renamed from here)" if path == fc.old_path else " (renamed to here)"
            if owner is not None:
                msg = f"{said}{path}{side} is owned by {owner[0]} (pattern {owner[1]}), not by {branch.agent}"
                other = {"agent": owner[0], "pattern": owner[1]}
                hint = f"leave this file to {owner[0]}, or move the change to a branch of {owner[0]}"
            else:
                msg = f"{said}{path}{side} is owned by no agent and is not shared"
                other = None
                hint = f"add a pattern for it to agents.{branch.agent}.owns or [shared] paths on the target"
            out.append(ctx.finding("scope.outside", msg, path=path, change=fc, other=other,
                                   hint=hint, key=(path,)))
    return Found.of(out)
