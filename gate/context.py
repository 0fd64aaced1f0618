"""The immutable-ish context every check reads: repository, target, policy, branches.

refs -> context (repo, target, policy from the target's tree, agent branches) ->
change sets (cached by commit ids) -> checks -> findings.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import re
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from gate import approvals, verdict
from gate.errors import GateError, NotFound, UnreadableError, UsageError, closest
from gate.git.changes import changeset
from gate.git.repo import GitRepo
from gate.model import Action, ChangeSet, FileChange, Finding, Oid, RefName, short_name
from gate.policy import POLICY_FILE, Agent, Policy
from gate.policy.tree import load_policy_at
from gate.scan import secrets

if TYPE_CHECKING:
    from gate.git.attrs import MergeAttributes
    from gate.git.effect import Effect

_TRAILER = re.compile(r"^Agent:\s*(\S+)\s*$", re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True)
class BranchInfo:
    """A branch under review or an open agent branch."""

    ref: RefName
    head: Oid
    agent: str | None
    # Set when the branch names an agent the policy does not know (pattern prefix
    # or trailer): scope.unknown-agent.
    unknown_agent: str | None = None

    @property
    def short(self) -> str:
        return short_name(self.ref)

    @property
    def remote(self) -> bool:
        return self.ref.startswith("refs/remotes/")


def fingerprint(*parts: object) -> str:
    h = hashlib.sha256("\0".join("" if p is None else str(p) for p in parts).encode("utf-8", "surrogateescape"))
    return h.hexdigest()[:32]


@dataclass
class Context:
    repo: GitRepo
    target_ref: RefName
    target_oid: Oid
    policy: Policy
    # Approvals that count against this target (gate.approvals.Approved: not spent, not revoked).
    approved: Set[str] = frozenset()
    use_cache: bool = True
    _bases: dict[str, Oid | None] = field(default_factory=dict)
    _changes: dict[str, ChangeSet] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)  # head -> branch, for messages
    # (base, head) -> change set, for this run: ids name immutable objects, so ``at``
    # shares it.
    _pairs: dict[tuple[str | None, str], ChangeSet] = field(default_factory=dict)

    def at(self, target_oid: Oid) -> Context:
        """This context with the target at ``target_oid`` (the target as it was when
        some work landed on it): merge-bases and change sets are asked again."""
        return dataclasses.replace(self, target_oid=target_oid, _bases={}, _changes={})

    # -- findings ----------------------------------------------------------------------

    def finding(
        self,
        rule: str,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        end_line: int | None = None,
        hint: str = "",
        other: dict[str, Any] | None = None,
        change: FileChange | None = None,
        key: tuple[object, ...] = (),
        action: Action | None = None,
    ) -> Finding | None:
        """A finding with the policy's action for ``rule``; None when the rule is off.

        The fingerprint binds the finding to content: rule, path, old and new blob
        (DESIGN §3), so a rebase keeping the content keeps an approval. ``action``
        overrides the policy's (a symlink out of the repository always blocks)
        unless the policy turned the rule off.

        A credential in what the finding shows (a file name, a link target) is
        redacted here, where findings are made, so no output can show it (DESIGN
        §8); the fingerprint keeps the real path.
        """
        action = verdict.action(self.policy.action(rule), action)
        if action == "off":
            return None
        if change is not None:
            fp = fingerprint(rule, change.old_path, change.new_path, change.old_oid, change.new_oid, *key)
        else:
            fp = fingerprint(rule, path, *key)
        if other is not None:
            other = {k: secrets.redact(v) if isinstance(v, str) else v for k, v in other.items()}
        return Finding(rule=rule, action=action, message=secrets.redact(message),
                       path=None if path is None else secrets.redact(path), line=line,
                       end_line=end_line, hint=secrets.redact(hint), other=other, fingerprint=fp)

    # -- branches ----------------------------------------------------------------------

    def branch(self, ref: RefName, head: Oid) -> BranchInfo:
        """Attribute a branch to an agent: its name first, else an ``Agent:`` trailer."""
        short = short_name(ref)
        self._names.setdefault(head, short)
        agent = self.policy.agent_for_branch(short)
        if agent is not None:
            return BranchInfo(ref, head, agent.name)
        trailer = self.trailer_agent(head)
        if trailer is not None:
            if trailer in self.policy.agents:
                return BranchInfo(ref, head, trailer)
            return BranchInfo(ref, head, None, unknown_agent=trailer)
        for template in self.agent_templates:
            m = template.fullmatch(short)
            if m:
                return BranchInfo(ref, head, None, unknown_agent=m.group(1))
        for prefix in self.agent_prefixes:
            if short.startswith(prefix):
                return BranchInfo(ref, head, None, unknown_agent=short)
        return BranchInfo(ref, head, None)

    def trailer_agent(self, head: str) -> str | None:
        found = _TRAILER.findall(self.repo.message(head))
        return found[-1] if found else None

    @cached_property
    def agent_templates(self) -> tuple[re.Pattern[str], ...]:
        """Branch patterns with the agent's name as a slot: 'agent/alice/*' gives
        agent/([^/]+)/.*, so 'agent/zed/x' names the unknown agent 'zed'."""
        out: dict[str, re.Pattern[str]] = {}
        for agent in self.policy.agents.values():
            for pat in agent.branches:
                parts = pat.split("/")
                if agent.name not in parts:
                    continue
                i = parts.index(agent.name)
                rx = "/".join(
                    "([^/]+)" if j == i else fnmatch.translate(part).removeprefix("(?s:").removesuffix(r")\Z")
                    for j, part in enumerate(parts)
                )
                out.setdefault(rx, re.compile(rx, re.DOTALL))
        return tuple(out.values())

    @cached_property
    def agent_prefixes(self) -> tuple[str, ...]:
        """Literal prefixes of agent branch patterns ('agent/' of 'agent/alice/*'):
        a branch under them that matches no agent looks like an unknown agent."""
        out = set()
        for agent in self.policy.agents.values():
            for pat in agent.branches:
                lit = re.split(r"[*?\[]", pat, maxsplit=1)[0]
                first = lit.split("/", 1)[0]
                if "/" in lit and first:
                    out.add(first + "/")
        return tuple(sorted(out))

    def base(self, head: str) -> Oid | None:
        if head not in self._bases:
            self._bases[head] = self.repo.merge_base(head, self.target_oid)
        return self._bases[head]

    def changes(self, head: str) -> ChangeSet:
        """The change set of ``head`` against its merge-base with the target."""
        cs = self._changes.get(head)
        if cs is None:
            base = self.base(head)
            if base is None:
                if self.repo.is_shallow:
                    raise GateError(
                        "the clone is shallow, so the branch's merge-base with the target is "
                        "missing. Fetch the history: 'git fetch --unshallow' (in GitHub Actions: "
                        "actions/checkout with fetch-depth: 0)."
                    )
                name = self._names.get(head, head[:12])
                raise GateError(
                    f"{name} has no common history with {short_name(self.target_ref)} (no merge-base: "
                    "an orphan branch, or another repository's history). Rebase it onto "
                    f"{short_name(self.target_ref)}, or check it against another --target."
                )
            cs = changeset(self.repo, base, head, use_cache=self.use_cache)
            self._changes[head] = cs
        return cs

    def pair_changes(self, base: str | None, head: str) -> ChangeSet:
        """``head`` against ``base`` (None: the empty tree), computed once per run and
        not kept on disk: an agent's runs on the target and each commit's own change
        ask the same pairs (a branch of one commit: its change set)."""
        known = self._changes.get(head)
        if known is not None and known.base == (base or ""):
            return known
        cs = self._pairs.get((base, head))
        if cs is None:
            cs = self._pairs[(base, head)] = changeset(self.repo, base, head, use_cache=False)
        return cs

    @cached_property
    def agent_branches(self) -> tuple[BranchInfo, ...]:
        """Every local and remote-tracking branch matching an agent pattern and not
        yet merged into the target. A local branch hides its remote twin."""
        seen: dict[str, BranchInfo] = {}
        if not self.policy.agents:
            return ()
        for prefix in ("refs/heads/", "refs/remotes/"):
            for ref, oid in self.repo.iter_refs(prefix):
                short = short_name(ref)
                if short in seen or ref == self.target_ref:
                    continue
                agent = self.policy.agent_for_branch(short)
                if agent is None:
                    continue
                if self.repo.descends(self.target_oid, oid):
                    continue  # merged already
                seen[short] = BranchInfo(ref, oid, agent.name)
        return tuple(sorted(seen.values(), key=lambda b: b.short))

    def others(self, branch: BranchInfo) -> list[BranchInfo]:
        """Open agent branches other than ``branch`` (by name and by tip)."""
        return [b for b in self.agent_branches if b.short != branch.short and b.head != branch.head]

    @cached_property
    def merge_attrs(self) -> MergeAttributes:
        """Merge attributes as git reads them with the target checked out (DESIGN §3):
        from the target's tree, never the branch's or a working directory."""
        from gate.git.attrs import MergeAttributes

        return MergeAttributes(self.repo, self.target_oid)

    def effect(self, head: str) -> Effect:
        """The merge effect of ``head``: what merging it into the target changes that
        its change set does not show (``gate.git.effect``)."""
        from gate.git.effect import merge_effect

        return merge_effect(self.repo, self.target_oid, Oid(head), self.changes(head), self.merge_attrs,
                            self.use_cache)

    def agent(self, name: str | None) -> Agent | None:
        return self.policy.agents.get(name) if name else None


def no_such_agent(ctx: Context, name: str, advice: str = "") -> NotFound:
    """The refusal for an agent name the policy on the target does not know (exit 4),
    with the closest names; ``advice`` (a sentence or more) follows."""
    known = sorted(ctx.policy.agents)
    return NotFound(f"no agent '{name}' in {POLICY_FILE} on {short_name(ctx.target_ref)}.{closest(name, known)} "
                    f"Known agents: {', '.join(known) or 'none yet'}.{advice}")


def resolve_target(repo: GitRepo, target: str | None) -> tuple[RefName, Oid, Policy]:
    """Find the target branch and load the policy from its tree.

    The target comes from ``--target``, else ``agentgate.target`` in git config,
    else ``main`` (``master`` when there is no main); when the policy found there
    names another target, that one is used. A ``--target`` that names no branch
    is unknown (``NotFound``, exit 4, with the closest names); a missing configured
    target cannot run (exit 4).
    """
    if repo.is_empty:
        raise GateError("the repository has no commits yet. Commit something to the target branch "
                        "(main), add .agentgate.toml there ('agentgate init'), then run agentgate again.")
    explicit = target or repo.config_get("agentgate.target")
    try:
        if explicit:
            ref, oid = repo.resolve_branch(explicit)
        else:
            try:
                ref, oid = repo.resolve_branch("main")
            except UnreadableError:
                raise
            except GateError:
                ref, oid = repo.resolve_branch("master")
    except UnreadableError:
        raise  # a target that cannot be read is never "no target": DESIGN §2
    except GateError:
        if target:
            raise NotFound(
                f"--target {target}: there is no branch of that name here.{closest(target, repo.branch_names())} "
                "Pass an existing branch ('git branch -a' lists them), or fetch it ('git fetch origin')."
            ) from None
        if explicit:
            raise GateError(
                f"the target branch '{explicit}' (git config agentgate.target) does not exist here. "
                "Fix the setting, or fetch the branch ('git fetch origin')."
            ) from None
        raise GateError(
            "there is no target branch: neither 'main' nor 'master' exists here. Pass --target BRANCH, "
            "or fetch the target ('git fetch origin')."
        ) from None
    pol = load_policy_at(repo, oid)
    if not explicit and pol.present and pol.target != short_name(ref):
        try:
            ref, oid = repo.resolve_branch(pol.target)
        except GateError:
            raise GateError(
                f"{POLICY_FILE} on {short_name(ref)} names target = \"{pol.target}\", and there is no "
                "such branch here. Fetch it ('git fetch origin'), pass --target, or fix [gate] target."
            ) from None
        pol = load_policy_at(repo, oid)
    return ref, oid, pol


def build(repo: GitRepo, target: str | None = None, use_cache: bool = True) -> Context:
    ref, oid, pol = resolve_target(repo, target)
    def agent_of(short: str) -> str | None:
        agent = pol.agent_for_branch(short)
        return agent.name if agent is not None else None

    # Spent is judged against the target as it is now (on the server: before the
    # push), also when a piece of a push is judged against an older target (``at``).
    return Context(repo=repo, target_ref=ref, target_oid=oid, policy=pol,
                   approved=approvals.Approved(repo, oid, agent_of), use_cache=use_cache)


def select(ctx: Context, names: Sequence[str], all_branches: bool) -> list[BranchInfo]:
    """The branches a command names (check, approve), resolved against the context:
    the ones named, every open agent branch, or HEAD. An unknown name is ``NotFound``
    (exit 4, with the closest names)."""
    if all_branches:
        return list(ctx.agent_branches)
    if not names:
        head = ctx.repo.head_ref()
        if head is None:
            raise UsageError("HEAD is detached: name the branch to check (agentgate check BRANCH) or use --all.")
        if ctx.repo.ref_oid(head) is None:
            raise GateError(f"{short_name(head)} has no commits yet: commit something first.")
        names = [head]
    out = []
    for name in names:
        ref, oid = ctx.repo.resolve_branch(name)
        if short_name(ref) == short_name(ctx.target_ref):
            # main, or origin/main when the target is main. A branch that merely sits
            # at the target's commit (an agent's fresh branch) is checked: it changes nothing.
            raise UsageError(f"{short_name(ref)} is the target branch; check an agent branch against it.")
        out.append(ctx.branch(ref, oid))
    return out
