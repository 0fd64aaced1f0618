"""Validation of the policy text: every error names the file, the line and the fix.

TOML parsers do not report where a key was written, so ``key_lines`` locates
tables and keys in the text itself (a locator for messages, not a parser) and the
validator points each error at the line of the key it is about.
"""

from __future__ import annotations

import re
from typing import Any

from gate.errors import PolicyError
from gate.model import ACTIONS, Action
from gate.policy import DEFAULT_PATHS, POLICY_FILE, Agent, Policy, TestsConfig
from gate.policy.patterns import compile_pattern
from gate.rules import DEFAULTS

_KEYS: dict[str, set[str]] = {
    "": {"version", "gate", "agents", "shared", "paths", "limits", "rules", "tests", "worktrees"},
    "gate": {"target", "protected", "approvers", "on_error", "unattributed"},
    "agent": {"branches", "owns", "identities"},
    "shared": {"paths"},
    "paths": set(DEFAULT_PATHS),
    "limits": {"max_file_bytes", "max_behind", "hook_seconds"},
    "tests": {"command", "timeout", "merge"},
    "worktrees": {"root"},
}


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)|\s*\(at end of document\)")


def parse(text: str, source: str = POLICY_FILE) -> dict[str, Any]:
    """The TOML of the policy as plain data. Raises PolicyError naming file and line."""
    import tomllib  # 14 ms to import: a hook with a cached parse never pays it

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = _TOML_AT.search(msg)
        line = (m.group(1) if m and m.group(1) else str(text.count("\n") + 1)) if m else "1"
        col = f" (column {m.group(2)})" if m and m.group(2) else ""
        raise PolicyError(
            f"{source}:{line}: invalid TOML: {_TOML_AT.sub('', msg)}{col}. "
            "Fix the syntax and commit it to the target branch."
        ) from None


def validate(text: str, source: str = POLICY_FILE, data: dict[str, Any] | None = None) -> Policy:
    """Parse (unless ``data`` is the parse, cached) and validate policy text. Raises
    PolicyError naming file, line and fix."""
    if data is None:
        data = parse(text, source)
    gate = data.get("gate")
    on_error = gate.get("on_error") if isinstance(gate, dict) else None
    v = _Validator(text, source, on_error if on_error in ("allow", "block") else None)
    return v.policy(data)


_BARE = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = _BARE + r"(?:\s*\.\s*" + _BARE + r")*"
_HEADER_RE = re.compile(r"^\s*\[\[?\s*(" + _DOTTED + r")\s*\]\]?\s*(?:#.*)?$")
_KEY_RE = re.compile(r"^\s*(" + _DOTTED + r")\s*=")
_INLINE_KEY_RE = re.compile(r"[{,]\s*(" + _DOTTED + r")\s*=")


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = re.findall(_BARE, dotted)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def _bracket_depth(line: str) -> int:
    """Net [ minus ] outside strings and comments (multi-line arrays)."""
    depth, quote = 0, ""
    for ch in line:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
    return depth


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line (1-based) where each table and key of a TOML text is first written,
    keyed by its full path: ``[agents.bob]`` and ``owns = …`` under it give
    ``("agents", "bob")`` and ``("agents", "bob", "owns")``. Dotted keys and keys of
    one-line inline tables are found too. A locator for messages, not a parser."""
    out: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        if depth > 0:  # inside a multi-line array
            depth += _bracket_depth(line)
            continue
        m = _HEADER_RE.match(line)
        if m:
            table = _split_key(m.group(1))
            for k in range(1, len(table) + 1):
                out.setdefault(table[:k], number)
            continue
        m = _KEY_RE.match(line)
        if not m:
            continue
        path = table + _split_key(m.group(1))
        for k in range(len(table) + 1, len(path) + 1):
            out.setdefault(path[:k], number)
        rest = line[m.end():]
        for im in _INLINE_KEY_RE.finditer(rest):
            out.setdefault(path + _split_key(im.group(1)), number)
        depth = max(_bracket_depth(rest), 0)
    return out


Where = tuple[str, ...]


class _Validator:
    def __init__(self, text: str, source: str, on_error: str | None) -> None:
        self.lines = key_lines(text)
        self.source = source
        self.on_error = on_error

    def line_of(self, where: Where) -> int:
        """The line of ``where``, else of its nearest written parent, else 1."""
        for k in range(len(where), 0, -1):
            if where[:k] in self.lines:
                return self.lines[where[:k]]
        return 1

    def fail(self, where: Where, msg: str, fix: str) -> PolicyError:
        return PolicyError(f"{self.source}:{self.line_of(where)}: {msg}. {fix}", on_error=self.on_error)

    def strs(self, where: Where, value: Any) -> tuple[str, ...]:
        key = where[-1]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise self.fail(where, f"'{key}' must be a list of strings", f'Write {key} = ["…"]')
        return tuple(value)

    def table(self, data: dict[str, Any], where: Where) -> dict[str, Any]:
        value = data.get(where[-1], {})
        if not isinstance(value, dict):
            name = ".".join(where)
            raise self.fail(where, f"'{name}' must be a table", f"Write it as [{name}]")
        return value

    def known(self, where: Where, kind: str, value: dict[str, Any]) -> None:
        for key in value:
            if key not in _KEYS[kind]:
                allowed = ", ".join(sorted(_KEYS[kind]))
                place = f" in [{'.'.join(where)}]" if where else ""
                raise self.fail((*where, key), f"unknown key '{key}'{place}", f"Allowed here: {allowed}")

    def policy(self, data: dict[str, Any]) -> Policy:
        self.known((), "", data)
        if data.get("version", 1) != 1:
            raise self.fail(("version",), "unsupported policy version", "Write version = 1")
        gate = self.table(data, ("gate",))
        self.known(("gate",), "gate", gate)
        agents = self.agents(self.table(data, ("agents",)))
        shared_t = self.table(data, ("shared",))
        self.known(("shared",), "shared", shared_t)
        paths_t = self.table(data, ("paths",))
        self.known(("paths",), "paths", paths_t)
        limits = self.table(data, ("limits",))
        self.known(("limits",), "limits", limits)
        approvers = self.strs(("gate", "approvers"), gate.get("approvers", []))
        for a in agents.values():
            for ident in a.identities:
                if ident in approvers:
                    raise self.fail(
                        ("gate", "approvers"), f"'{ident}' is an identity of agent '{a.name}' and an approver",
                        "Agents can never approve: remove it from approvers or from the agent's identities",
                    )
        on_error = gate.get("on_error", "block")
        if on_error not in ("block", "allow"):
            raise self.fail(("gate", "on_error"), f"on_error = {on_error!r} is not allowed", 'Use "block" or "allow"')
        unattributed = gate.get("unattributed", "gates")
        if unattributed not in ("allow", "gates", "block"):
            raise self.fail(("gate", "unattributed"), f"unattributed = {unattributed!r} is not allowed",
                            'Use "allow", "gates" or "block"')
        target = gate.get("target", "main")
        if not isinstance(target, str) or not target.strip():
            raise self.fail(("gate", "target"), "target must be a branch name", 'Write target = "main"')
        paths = dict(DEFAULT_PATHS)
        for key, value in paths_t.items():
            paths[key] = self.patterns(("paths", key), value)
        return Policy(
            agents=agents,
            target=target,
            protected=self.strs(("gate", "protected"), gate.get("protected", [target])),
            approvers=approvers,
            on_error=on_error,
            unattributed=unattributed,
            shared=self.patterns(("shared", "paths"), shared_t.get("paths", [])),
            paths=paths,
            max_file_bytes=self.integer(("limits", "max_file_bytes"), limits.get("max_file_bytes", 5_000_000)),
            max_behind=self.integer(("limits", "max_behind"), limits.get("max_behind", 100)),
            hook_seconds=self.seconds(("limits", "hook_seconds"), limits.get("hook_seconds", 4)),
            rules=self.rules(self.table(data, ("rules",))),
            tests=self.tests(data),
            worktree_root=self.worktrees(data),
            source=self.source,
        )

    def integer(self, where: Where, value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(where, f"'{where[-1]}' must be a non-negative integer", f"Write {where[-1]} = 100")
        return value

    def seconds(self, where: Where, value: Any) -> float:
        # Zero would refuse every push; a hook has no reason to run for a day.
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 86400:
            raise self.fail(where, f"'{where[-1]}' must be a positive number of seconds",
                            f"Write {where[-1]} = 4")
        return float(value)

    def patterns(self, where: Where, value: Any) -> tuple[str, ...]:
        pats = self.strs(where, value)
        for pat in pats:
            if not pat.strip() or pat.startswith("!") or pat.startswith("#"):
                raise self.fail(where, f"bad pattern {pat!r}",
                                "Patterns are gitignore-style paths; negation (!) and comments are not allowed")
            try:
                compile_pattern(pat).validate()
            except (ValueError, TypeError, re.error) as e:
                raise self.fail(where, f"bad pattern {pat!r} ({e})", "Fix the pattern") from None
        return pats

    def agents(self, table: dict[str, Any]) -> dict[str, Agent]:
        out: dict[str, Agent] = {}
        seen: dict[str, str] = {}
        for name, body in table.items():
            where = ("agents", name)
            if not isinstance(body, dict):
                raise self.fail(where, f"agents.{name} must be a table", f"Write it as [agents.{name}]")
            self.known(where, "agent", body)
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
                raise self.fail(where, f"agent name {name!r} is not allowed",
                                "Use letters, digits, '.', '_' or '-'")
            if "branches" not in body:
                raise self.fail(where, f"agent '{name}' has no 'branches'",
                                f'Add branches = ["agent/{name}/*"] under [agents.{name}]')
            branches = self.strs((*where, "branches"), body["branches"])
            if not branches:
                raise self.fail((*where, "branches"), f"agent '{name}' has an empty 'branches'",
                                f'Write branches = ["agent/{name}/*"]')
            owns = self.patterns((*where, "owns"), body.get("owns", []))
            for pat in owns:
                if pat in seen:
                    raise self.fail((*where, "owns"), f"pattern {pat!r} is owned by both '{seen[pat]}' and '{name}'",
                                    "Give each pattern to one agent; shared paths go under [shared] paths")
                seen[pat] = name
            out[name] = Agent(name, branches, owns, self.strs((*where, "identities"), body.get("identities", [])))
        return out

    def rules(self, table: dict[str, Any]) -> dict[str, Action]:
        out: dict[str, Action] = {}
        for rule, action in table.items():
            if isinstance(action, dict):
                # [rules] gate.deletion = "off" (unquoted) is a nested table in TOML.
                raise self.fail(("rules", rule), f"rule id '{rule}.…' is not quoted",
                                'Rule ids hold a dot: quote them, as in "gate.deletion" = "off"')
            if rule not in DEFAULTS:
                raise self.fail(("rules", rule), f"unknown rule id {rule!r}",
                                "See the rules table in the README for valid ids")
            if action not in ACTIONS:
                raise self.fail(("rules", rule), f"unknown action {action!r} for {rule}",
                                'Use "off", "warn", "ask" or "block"')
            out[rule] = action
        return out

    def tests(self, data: dict[str, Any]) -> TestsConfig | None:
        if "tests" not in data:
            return None
        t = self.table(data, ("tests",))
        self.known(("tests",), "tests", t)
        cmd = t.get("command")
        if not isinstance(cmd, str) or not cmd.strip():
            raise self.fail(("tests", "command"), "[tests] needs a command", 'Write command = "python -m pytest -q"')
        timeout = t.get("timeout", 900)
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
            raise self.fail(("tests", "timeout"), "timeout must be a positive number of seconds",
                            "Write timeout = 900")
        merge = t.get("merge", True)
        if not isinstance(merge, bool):
            raise self.fail(("tests", "merge"), "merge must be true or false", "Write merge = true")
        return TestsConfig(cmd, float(timeout), merge)

    def worktrees(self, data: dict[str, Any]) -> str | None:
        t = self.table(data, ("worktrees",))
        self.known(("worktrees",), "worktrees", t)
        root = t.get("root")
        if root is not None and not isinstance(root, str):
            raise self.fail(("worktrees", "root"), "root must be a path", 'Write root = "../repo.agents"')
        return root
