"""The policy (``.agentgate.toml``): load and validate it, answer ownership questions.

The policy is read from the *target branch's* tree (DESIGN §2); callers hand us
its text. Validation errors name the file, the line and the fix.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import pathspec

from gate.errors import PolicyError
from gate.model import ACTIONS, Action
from gate.rules import DEFAULTS

POLICY_FILE = ".agentgate.toml"

DEFAULT_PATHS: dict[str, tuple[str, ...]] = {
    "migrations": ("**/migrations/**", "*.sql"),
    "ci": (".github/workflows/", ".gitlab-ci.yml", ".ci/"),
    "lockfiles": ("*.lock", "package-lock.json", "uv.lock", "poetry.lock", "Cargo.lock"),
}

_KEYS: dict[str, set[str]] = {
    "": {"version", "gate", "agents", "shared", "paths", "limits", "rules", "tests", "worktrees"},
    "gate": {"target", "protected", "approvers", "on_error", "unattributed"},
    "agent": {"branches", "owns", "identities"},
    "shared": {"paths"},
    "paths": set(DEFAULT_PATHS),
    "limits": {"max_file_bytes", "max_behind"},
    "tests": {"command", "timeout", "merge"},
    "worktrees": {"root"},
}


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
        spec, owners = _ownership(self)
        res = spec.check_file(path)
        if res.include and res.index is not None:
            return owners[res.index]
        return None

    def owners_matching(self, path: str) -> list[tuple[str, str]]:
        """Every (agent, pattern) that matches, in file order (for ``who``)."""
        _, owners = _ownership(self)
        return [o for o, pat in zip(owners, _compiled(self)) if pat.match_file(path) is not None]

    def shared_pattern(self, path: str) -> str | None:
        return _first_match(self.shared, path)

    def path_set(self, name: str, path: str) -> str | None:
        """The pattern of ``paths.<name>`` matching ``path``, if any."""
        return _first_match(self.paths.get(name, ()), path)

    def is_protected(self, ref_short: str) -> bool:
        return any(fnmatch.fnmatchcase(ref_short, p) for p in self.protected)


_SPEC_CACHE: dict[int, tuple[pathspec.PathSpec, list[tuple[str, str]]]] = {}
_PAT_CACHE: dict[tuple[str, ...], pathspec.PathSpec] = {}


def _ownership(policy: Policy) -> tuple[pathspec.PathSpec, list[tuple[str, str]]]:
    key = id(policy.agents)
    hit = _SPEC_CACHE.get(key)
    if hit is None:
        owners = [(a.name, pat) for a in policy.agents.values() for pat in a.owns]
        hit = (pathspec.GitIgnoreSpec.from_lines([p for _, p in owners]), owners)
        _SPEC_CACHE[key] = hit
    return hit


def _compiled(policy: Policy) -> list[Any]:
    return list(_ownership(policy)[0].patterns)


def _first_match(patterns: tuple[str, ...], path: str) -> str | None:
    for pat in patterns:
        spec = _PAT_CACHE.get((pat,))
        if spec is None:
            spec = _PAT_CACHE[(pat,)] = pathspec.GitIgnoreSpec.from_lines([pat])
        if spec.match_file(path):
            return pat
    return None


# -- loading ---------------------------------------------------------------------------


def empty_policy() -> Policy:
    """What a repository without a policy has: no agents."""
    return Policy(present=False)


def load(text: str, source: str = POLICY_FILE) -> Policy:
    """Parse and validate policy text. Raises PolicyError naming file, line and fix."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"{source}: invalid TOML: {e}. Fix the syntax and commit it to the target branch.") from None
    on_error = data.get("gate", {}).get("on_error") if isinstance(data.get("gate"), dict) else None
    v = _Validator(text, source, on_error if on_error in ("allow", "block") else None)
    return v.policy(data)


class _Validator:
    def __init__(self, text: str, source: str, on_error: str | None) -> None:
        self.lines = text.splitlines()
        self.source = source
        self.on_error = on_error

    def line_of(self, table: str, key: str | None = None) -> int:
        """Best-effort line number of ``[table]`` or of ``key`` inside it."""
        header = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
        start = 0
        if table:
            for i, line in enumerate(self.lines):
                if header.match(line):
                    start = i
                    break
        if key is None:
            return start + 1
        keyre = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*=')
        for i in range(start, len(self.lines)):
            if i > start and table and self.lines[i].lstrip().startswith("["):
                break
            if keyre.match(self.lines[i]):
                return i + 1
        return start + 1

    def fail(self, table: str, key: str | None, msg: str, fix: str) -> PolicyError:
        line = self.line_of(table, key)
        return PolicyError(f"{self.source}:{line}: {msg}. {fix}", on_error=self.on_error)

    def strs(self, table: str, key: str, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise self.fail(table, key, f"'{key}' must be a list of strings", f'Write {key} = ["…"]')
        return tuple(value)

    def table(self, data: dict[str, Any], name: str) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail("", name, f"'{name}' must be a table", f"Write it as [{name}]")
        return value

    def known(self, table: str, kind: str, value: dict[str, Any]) -> None:
        for key in value:
            if key not in _KEYS[kind]:
                allowed = ", ".join(sorted(_KEYS[kind]))
                raise self.fail(table, key, f"unknown key '{key}'", f"Allowed here: {allowed}")

    def policy(self, data: dict[str, Any]) -> Policy:
        self.known("", "", data)
        if data.get("version", 1) != 1:
            raise self.fail("", "version", "unsupported policy version", "Write version = 1")
        gate = self.table(data, "gate")
        self.known("gate", "gate", gate)
        agents = self.agents(self.table(data, "agents"))
        shared_t = self.table(data, "shared")
        self.known("shared", "shared", shared_t)
        paths_t = self.table(data, "paths")
        self.known("paths", "paths", paths_t)
        limits = self.table(data, "limits")
        self.known("limits", "limits", limits)
        approvers = self.strs("gate", "approvers", gate.get("approvers", []))
        for a in agents.values():
            for ident in a.identities:
                if ident in approvers:
                    raise self.fail(
                        "gate", "approvers", f"'{ident}' is an identity of agent '{a.name}' and an approver",
                        "Agents can never approve: remove it from approvers or from the agent's identities",
                    )
        on_error = gate.get("on_error", "block")
        if on_error not in ("block", "allow"):
            raise self.fail("gate", "on_error", f"on_error = {on_error!r} is not allowed", 'Use "block" or "allow"')
        unattributed = gate.get("unattributed", "gates")
        if unattributed not in ("allow", "gates", "block"):
            raise self.fail("gate", "unattributed", f"unattributed = {unattributed!r} is not allowed",
                            'Use "allow", "gates" or "block"')
        target = gate.get("target", "main")
        if not isinstance(target, str) or not target:
            raise self.fail("gate", "target", "target must be a branch name", 'Write target = "main"')
        paths = dict(DEFAULT_PATHS)
        for key, value in paths_t.items():
            paths[key] = self.patterns("paths", key, value)
        return Policy(
            agents=agents,
            target=target,
            protected=self.strs("gate", "protected", gate.get("protected", [target])),
            approvers=approvers,
            on_error=on_error,
            unattributed=unattributed,
            shared=self.patterns("shared", "paths", shared_t.get("paths", [])),
            paths=paths,
            max_file_bytes=self.integer("limits", "max_file_bytes", limits.get("max_file_bytes", 5_000_000)),
            max_behind=self.integer("limits", "max_behind", limits.get("max_behind", 100)),
            rules=self.rules(self.table(data, "rules")),
            tests=self.tests(data),
            worktree_root=self.worktrees(data),
            source=self.source,
        )

    def integer(self, table: str, key: str, value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(table, key, f"'{key}' must be a non-negative integer", f"Write {key} = 100")
        return value

    def patterns(self, table: str, key: str, value: Any) -> tuple[str, ...]:
        pats = self.strs(table, key, value)
        for pat in pats:
            if not pat.strip() or pat.startswith("!") or pat.startswith("#"):
                raise self.fail(table, key, f"bad pattern {pat!r}",
                                "Patterns are gitignore-style paths; negation (!) and comments are not allowed")
            try:
                pathspec.GitIgnoreSpec.from_lines([pat])
            except (ValueError, TypeError) as e:
                raise self.fail(table, key, f"bad pattern {pat!r} ({e})", "Fix the pattern") from None
        return pats

    def agents(self, table: dict[str, Any]) -> dict[str, Agent]:
        out: dict[str, Agent] = {}
        seen: dict[str, str] = {}
        for name, body in table.items():
            tname = f"agents.{name}"
            if not isinstance(body, dict):
                raise self.fail("agents", name, f"agents.{name} must be a table", f"Write it as [agents.{name}]")
            self.known(tname, "agent", body)
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
                raise self.fail(tname, None, f"agent name {name!r} is not allowed", "Use letters, digits, '.', '_' or '-'")
            if "branches" not in body:
                raise self.fail(tname, None, f"agent '{name}' has no 'branches'",
                                f'Add branches = ["agent/{name}/*"] under [agents.{name}]')
            branches = self.strs(tname, "branches", body["branches"])
            owns = self.patterns(tname, "owns", body.get("owns", []))
            for pat in owns:
                if pat in seen:
                    raise self.fail(tname, "owns", f"pattern {pat!r} is owned by both '{seen[pat]}' and '{name}'",
                                    "Give each pattern to one agent; shared paths go under [shared] paths")
                seen[pat] = name
            out[name] = Agent(name, branches, owns, self.strs(tname, "identities", body.get("identities", [])))
        return out

    def rules(self, table: dict[str, Any]) -> dict[str, Action]:
        out: dict[str, Action] = {}
        for rule, action in table.items():
            if rule not in DEFAULTS:
                raise self.fail("rules", rule, f"unknown rule id {rule!r}",
                                "See the rules table in the README for valid ids")
            if action not in ACTIONS:
                raise self.fail("rules", rule, f"unknown action {action!r} for {rule}",
                                'Use "off", "warn", "ask" or "block"')
            out[rule] = action
        return out

    def tests(self, data: dict[str, Any]) -> TestsConfig | None:
        if "tests" not in data:
            return None
        t = self.table(data, "tests")
        self.known("tests", "tests", t)
        cmd = t.get("command")
        if not isinstance(cmd, str) or not cmd.strip():
            raise self.fail("tests", "command", "[tests] needs a command", 'Write command = "python -m pytest -q"')
        timeout = t.get("timeout", 900)
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
            raise self.fail("tests", "timeout", "timeout must be a positive number of seconds", "Write timeout = 900")
        merge = t.get("merge", True)
        if not isinstance(merge, bool):
            raise self.fail("tests", "merge", "merge must be true or false", "Write merge = true")
        return TestsConfig(cmd, float(timeout), merge)

    def worktrees(self, data: dict[str, Any]) -> str | None:
        t = self.table(data, "worktrees")
        self.known("worktrees", "worktrees", t)
        root = t.get("root")
        if root is not None and not isinstance(root, str):
            raise self.fail("worktrees", "root", "root must be a path", 'Write root = "../repo.agents"')
        return root
