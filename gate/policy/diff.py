"""What a new policy changes against the one in force: agents added and removed,
owned patterns added and removed per agent, rules whose action changes, approvers
added and removed (``agentgate policy check``). Values only; ``gate.report.policy``
renders them."""

from __future__ import annotations

from dataclasses import dataclass

from gate.model import Action
from gate.policy.values import Policy
from gate.rules import DEFAULTS


@dataclass(frozen=True)
class Owns:
    """An agent's owned patterns that one policy has and the other has not."""

    agent: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class PolicyChanges:
    agents_added: tuple[Owns, ...] = ()  # each with all it owns
    agents_removed: tuple[str, ...] = ()
    owns: tuple[Owns, ...] = ()
    rules: tuple[tuple[str, Action, Action], ...] = ()  # (rule, before, after)
    approvers_added: tuple[str, ...] = ()
    approvers_removed: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.agents_added or self.agents_removed or self.owns or self.rules
                    or self.approvers_added or self.approvers_removed)


def _minus(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    """``a`` without ``b``, in ``a``'s order (the order patterns are written in matters)."""
    drop = set(b)
    return tuple(x for x in a if x not in drop)


def changes(old: Policy, new: Policy) -> PolicyChanges:
    """``new`` against ``old``; an absent ``old`` (``present`` false) has no agents
    and every rule at its default."""
    kept = [name for name in new.agents if name in old.agents]
    owns = tuple(
        Owns(name, _minus(new.agents[name].owns, old.agents[name].owns),
             _minus(old.agents[name].owns, new.agents[name].owns))
        for name in kept
        if set(new.agents[name].owns) != set(old.agents[name].owns)
    )
    ids = sorted(set(DEFAULTS) | set(old.rules) | set(new.rules))
    rules = tuple((r, old.action(r), new.action(r)) for r in ids if old.action(r) != new.action(r))
    return PolicyChanges(
        agents_added=tuple(Owns(n, a.owns, ()) for n, a in new.agents.items() if n not in old.agents),
        agents_removed=tuple(n for n in old.agents if n not in new.agents),
        owns=owns,
        rules=rules,
        approvers_added=_minus(new.approvers, old.approvers),
        approvers_removed=_minus(old.approvers, new.approvers),
    )
