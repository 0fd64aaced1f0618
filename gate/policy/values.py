"""The policy (``.agentgate.toml``): its values, and the answers to ownership questions.

The policy is read from the *target branch's* tree (DESIGN §2); callers hand us
its text. ``load`` validates it with ``gate.policy.validate``, whose errors name the
file, the line and the fix.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from gate.errors import GateError
from gate.model import Action, short_name
from gate.policy.patterns import PatternSet, first_match
from gate.rules import DEFAULTS

POLICY_FILE = ".agentgate.toml"

DEFAULT_PATHS: dict[str, tuple[str, ...]] = {
    "migrations": ("**/migrations/**", "*.sql"),
    "ci": (".github/workflows/", ".gitlab-ci.yml", ".ci/"),
    "lockfiles": ("*.lock", "package-lock.json", "uv.lock", "poetry.lock", "Cargo.lock"),
}

# The path sets of ``[paths]`` and the rule each one gates (gate.checks.content).
PATH_RULES: dict[str, str] = {"migrations": "gate.migration", "ci": "gate.ci", "lockfiles": "gate.lockfile"}


@dataclass(frozen=True)
class Agent:
    name: str
    branches: tuple[str, ...]
    owns: tuple[str, ...]
    identities: tuple[str, ...] = ()

    def matches_branch(self, short: str) -> bool:
        return any(fnmatch.fnmatchcase(short, pat) for pat in self.branches)


@dataclass(frozen=True)
class TestsConfig:
    command: str
    timeout: float = 900.0
    merge: bool = True


@dataclass(frozen=True)
class Policy:
    agents: dict[str, Agent] = field(default_factory=dict)
    target: str = "main"
    protected: tuple[str, ...] = ("main",)
    approvers: tuple[str, ...] = ()
    on_error: str = "block"
    unattributed: str = "gates"
    shared: tuple[str, ...] = ()
    paths: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_PATHS))
    max_file_bytes: int = 5_000_000
    max_behind: int = 100
    hook_seconds: float = 4.0  # a hook run past this refuses (server) or lets go (local)
    rules: dict[str, Action] = field(default_factory=dict)
    tests: TestsConfig | None = None
    worktree_root: str | None = None
    source: str = POLICY_FILE
    present: bool = True

    # -- lookups ---------------------------------------------------------------------

    def action(self, rule: str) -> Action:
        return self.rules.get(rule, DEFAULTS.get(rule, "warn"))

    def agent_for_branch(self, short: str) -> Agent | None:
        for agent in self.agents.values():
            if agent.matches_branch(short):
                return agent
        return None

    def agent_for_identity(self, who: str) -> Agent | None:
        for agent in self.agents.values():
            if who in agent.identities:
                return agent
        return None

    def owner_of(self, path: str) -> tuple[str, str] | None:
        """(agent, pattern) owning ``path``: the last matching pattern in the file wins."""
        # Each pattern on its own, the last match wins. Not GitIgnoreSpec.check_file:
        # as git does for .gitignore, it lets a pattern that matches the file itself
        # (src/ui/**) beat a later one that matches its folder (src/ui/legacy/),
        # where CODEOWNERS gives the path to the later one.
        owners, index = self._ownership
        i = index.last(path)
        return None if i is None else owners[i]

    def owners_matching(self, path: str) -> list[tuple[str, str]]:
        """Every (agent, pattern) that matches, in file order (for ``who``)."""
        owners, index = self._ownership
        return [owners[i] for i in index.matching(path)]

    @cached_property
    def _ownership(self) -> tuple[list[tuple[str, str]], PatternSet]:
        # Kept on the policy (cached_property writes to the instance dict, which a
        # frozen dataclass allows): a cache keyed by id() once handed a new policy
        # the patterns of a freed one that had the same id.
        owners = [(a.name, pat) for a in self.agents.values() for pat in a.owns]
        return owners, PatternSet([p for _, p in owners])

    def shared_pattern(self, path: str) -> str | None:
        return _first_match(self.shared, path)

    def path_set(self, name: str, path: str) -> str | None:
        """The pattern of ``paths.<name>`` matching ``path``, if any."""
        return _first_match(self.paths.get(name, ()), path)

    def gates(self, path: str) -> list[tuple[str, Action, str | None]]:
        """(rule, action, pattern) of every path gate a change of ``path`` meets,
        rules turned off left out (``who``)."""
        found: list[tuple[str, str | None]] = [
            (rule, hit) for name, rule in PATH_RULES.items() if (hit := self.path_set(name, path)) is not None]
        if path == POLICY_FILE:
            found.append(("gate.policy", None))
        return [(rule, self.action(rule), hit) for rule, hit in found if self.action(rule) != "off"]

    def is_protected(self, ref_short: str) -> bool:
        return any(fnmatch.fnmatchcase(ref_short, p) for p in self.protected)


def _first_match(patterns: tuple[str, ...], path: str) -> str | None:
    return first_match(patterns, path)


# -- loading ---------------------------------------------------------------------------


def empty_policy() -> Policy:
    """What a repository without a policy has: no agents."""
    return Policy(present=False)


def require_policy(policy: Policy, target_ref: str) -> None:
    """Refuse (GateError, exit 4) when the target has no policy: without one there
    are no agents, so no command that judges, owns or spawns has anything to do.
    Every command asks here, so the refusal reads the same everywhere."""
    if not policy.present:
        raise GateError(
            f"no {POLICY_FILE} on {short_name(target_ref)}, so there are no agents. "
            "Start one with 'agentgate init', review it, and commit it to the target branch."
        )


def load(text: str, source: str = POLICY_FILE, data: dict[str, Any] | None = None) -> Policy:
    """Parse and validate policy text (``data``: its parse, when cached). Raises
    PolicyError naming file, line and fix."""
    # Imported here, not at the top: the validator builds this module's values, so
    # it imports this module.
    from gate.policy.validate import validate

    return validate(text, source, data)
