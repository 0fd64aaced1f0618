"""The rule catalogue: every rule id of DESIGN §5, its default action and its help.

Rule ids are stable (they appear in JSON, SARIF, JUnit and suppressions). The
policy loader takes its defaults from ``DEFAULTS``; SARIF and the summaries take
their descriptions from ``SUMMARY`` and ``HELP``.
"""

from __future__ import annotations

from dataclasses import dataclass

from gate.model import Action


@dataclass(frozen=True)
class Rule:
    """One rule: its id, its default action, what it means and what to do about it."""

    id: str
    default: Action
    summary: str
    help: str

    @property
    def family(self) -> str:
        """The part before the dot: ``scope``, ``overlap``, ``gate``, ``ref``…"""
        return self.id.split(".", 1)[0]


RULES: tuple[Rule, ...] = (
    Rule(
        "scope.outside",
        "block",
        "A changed path is neither owned by the agent nor shared.",
        "Move the change to the branch of the agent that owns the path (`agentgate who PATH` "
        "names it), or widen this agent's `owns` patterns on the target branch, or list the "
        "path under `[shared] paths`.",
    ),
    Rule(
        "scope.shared",
        "warn",
        "A shared path is changed.",
        "Shared paths may be changed by any agent; check that the change suits every agent "
        "that depends on it before merging.",
    ),
    Rule(
        "scope.unknown-agent",
        "block",
        "The branch looks like an agent branch but matches no agent in the policy.",
        "Rename the branch to match an agent's `branches` pattern, or add the agent to "
        "`.agentgate.toml` on the target branch.",
    ),
    Rule(
        "overlap.file",
        "warn",
        "Another open agent branch changes the same file.",
        "Agree an order: merge one branch first and rebase the other on the target "
        "(`agentgate plan` suggests an order).",
    ),
    Rule(
        "overlap.hunk",
        "warn",
        "Another open agent branch changes the same or touching lines of a file.",
        "The branches edit the same lines: merge one first and rebase the other, resolving "
        "the overlap by hand (`agentgate plan` suggests an order).",
    ),
    Rule(
        "overlap.conflict",
        "warn",
        "Merging this branch with another open agent branch conflicts.",
        "The two branches cannot both merge as they are: merge one, then rebase the other on "
        "the target and resolve the conflicting paths named in the finding.",
    ),
    Rule(
        "target.conflict",
        "block",
        "The branch does not merge cleanly into the current target.",
        "Rebase the branch on the target (or merge the target into it), resolve the conflicts and push again.",
    ),
    Rule(
        "target.stale",
        "warn",
        "The branch is far behind the target, or the target changed files the branch also changes.",
        "Rebase the branch on the target and rerun its tests before merging.",
    ),
    Rule(
        "symbol.shared",
        "warn",
        "The branch changes or removes a symbol that another agent's code or branch uses.",
        "Tell the agents that use the symbol (named in the finding), or keep the old form "
        "working until their branches are updated.",
    ),
    Rule(
        "symbol.signature",
        "ask",
        "The branch changes the signature of a symbol that another agent's code or branch uses.",
        "Callers elsewhere will break: update them in the same change or keep the old "
        "signature; an approver records consent with `agentgate approve BRANCH`.",
    ),
    Rule(
        "gate.deletion",
        "ask",
        "A file is deleted.",
        "Check that the deletion is intended; an approver records consent with "
        "`agentgate approve BRANCH` (bound to this exact content).",
    ),
    Rule(
        "gate.migration",
        "ask",
        "A database migration is added, changed or deleted.",
        "Review the migration; an approver records consent with `agentgate approve BRANCH` "
        "(bound to this exact content).",
    ),
    Rule(
        "gate.ci",
        "ask",
        "A CI configuration file is changed.",
        "Review the CI change (it can change what every check runs); an approver records "
        "consent with `agentgate approve BRANCH`.",
    ),
    Rule(
        "gate.policy",
        "block",
        "`.agentgate.toml` is changed by an agent branch or by someone who is not an approver.",
        "Agents cannot change the policy that judges them: drop the change from the branch; "
        "an approver changes the policy on the target branch.",
    ),
    Rule(
        "gate.lockfile",
        "warn",
        "A dependency lockfile is changed.",
        "Check that the dependency change is intended and that other agents' branches still build with it.",
    ),
    Rule(
        "gate.large-file",
        "block",
        "A blob larger than `limits.max_file_bytes` is added.",
        "Remove the file from the branch's history (or store it elsewhere, e.g. Git LFS), or "
        "raise `[limits] max_file_bytes` on the target branch.",
    ),
    Rule(
        "gate.secret",
        "block",
        "An added line looks like a credential (private key, cloud key, token).",
        "Remove the secret from the branch's history and revoke it: it must be treated as leaked.",
    ),
    Rule(
        "gate.symlink",
        "ask",
        "A symlink is added or changed.",
        "Check where the link points; an approver records consent with "
        "`agentgate approve BRANCH`. A link is followed as the OS follows it on a "
        "checkout; one that does not end inside the agent's own scope or the shared "
        "paths (out of the repository, the root, another agent's files, a loop) is "
        "always blocked.",
    ),
    Rule(
        "gate.submodule",
        "ask",
        "A submodule is added, removed or moved.",
        "Review the submodule change; an approver records consent with `agentgate approve BRANCH`.",
    ),
    Rule(
        "gate.mode",
        "warn",
        "A file becomes executable.",
        "Check that the file is meant to be executable; otherwise `git update-index --chmod=-x PATH` and commit.",
    ),
    Rule(
        "ref.force-push",
        "block",
        "A protected ref is moved to a commit that does not descend from its old value.",
        "Push a commit that builds on the current tip (merge or rebase onto it) instead of "
        "rewriting a protected branch.",
    ),
    Rule(
        "ref.delete",
        "block",
        "A protected ref is deleted.",
        "Protected branches cannot be deleted through a push; change `[gate] protected` on "
        "the target branch if this is intended.",
    ),
    Rule(
        "ref.namespace",
        "block",
        "A known agent identity pushes a ref outside its own branches.",
        "Push to a branch that matches the agent's `branches` patterns.",
    ),
    Rule(
        "ref.unattributed",
        "block",
        'A commit that belongs to no agent reaches the target under `unattributed = "block"`.',
        "Land the commit through an agent branch, or have an approver push it.",
    ),
    Rule(
        "ref.misattributed",
        "warn",
        "A merge title or `Agent:` trailer names another agent than the server's facts give for the commit "
        "(block when an agent identity pushed it).",
        "Write merge titles and trailers that name the agent whose branch holds the work; agentgate judges "
        "the work as the agent the facts give whatever the message says.",
    ),
    Rule(
        "tests.failed",
        "block",
        "The test command fails on the merge result.",
        "Run the test command on the branch merged with the target, fix the failures and push again.",
    ),
    Rule(
        "tests.error",
        "block",
        "The test command cannot run.",
        "Check `[tests] command` in the policy and that the runner has what it needs.",
    ),
    Rule(
        "tests.timeout",
        "block",
        "The test command runs past its timeout.",
        "Make the tests faster or raise `[tests] timeout` on the target branch.",
    ),
)

BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
RULE_IDS: tuple[str, ...] = tuple(r.id for r in RULES)
DEFAULTS: dict[str, Action] = {r.id: r.default for r in RULES}
SUMMARY: dict[str, str] = {r.id: r.summary for r in RULES}
HELP: dict[str, str] = {r.id: r.help for r in RULES}



@dataclass(frozen=True)
class Family:
    """A rule family: its module ``gate.checks.<module>``, what it runs on (a
    ``gate.checks.Kind``, for which the module has ``check(ctx, subject)``; "push":
    a pushed ref update, ``check_push(ctx, pushed)``), and whether only on an agent's
    work (DESIGN §5: ``unattributed = "gates"`` applies no scope, overlap or symbol rule).

    A new family is its module plus a row here: the engine reads this table.
    """

    module: str
    runs_on: frozenset[str]
    agents_only: bool = False


_ALL = frozenset({"branch", "merge", "patch"})
FAMILIES: tuple[Family, ...] = (
    Family("tests", frozenset({"branch"})),
    Family("refs", frozenset({"branch", "merge", "push"})),
    Family("attribution", frozenset({"push"})),
    Family("scope", _ALL, agents_only=True),
    # A merge commit's own changes: overlaps and symbols belong to the branches it merges.
    Family("overlap", frozenset({"branch", "patch"}), agents_only=True),
    Family("symbols", frozenset({"branch"}), agents_only=True),
    Family("content", _ALL),
    # gate.secret and gate.large-file on every commit (a patch has none: content judges it).
    Family("history", frozenset({"branch", "merge", "push"})),
    Family("target", frozenset({"branch"})),
)

# Rules a branch check runs: ``ref.*`` rules judge a push (pre-receive), not a branch.
CHECK_RULES: tuple[str, ...] = tuple(r.id for r in RULES if r.family != "ref")


def get(rule_id: str) -> Rule:
    """The catalogue entry for ``rule_id``; an unknown id gets a neutral entry.

    Renderers must not fail on a rule they do not know (a newer core, a plugin).
    """
    found = BY_ID.get(rule_id)
    if found is not None:
        return found
    return Rule(rule_id, "warn", f"agentgate rule {rule_id}.", "See the finding's message.")
