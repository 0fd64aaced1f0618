"""The policy file: defaults, every key of DESIGN §4, and validation errors that
name the file, the right line and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate import policy
from gate.errors import PolicyError
from gate.policy import DEFAULT_PATHS, POLICY_FILE, load
from gate.policy import tree as policy_load
from gate.policy.validate import key_lines
from gate.rules import DEFAULTS

FULL = """\
version = 1

[gate]
target = "trunk"
protected = ["trunk", "release/*"]
approvers = ["lead@example.com", "lead"]
on_error = "allow"
unattributed = "block"

[agents.alice]
branches = ["agent/alice/*"]
owns = ["src/billing/", "tests/billing/"]
identities = ["alice-bot"]

[agents.bob]
branches = ["agent/bob/*", "bob-*"]
owns = ["src/ui/**"]

[shared]
paths = ["src/common/", "pyproject.toml"]

[paths]
migrations = ["db/migrations/"]

[limits]
max_file_bytes = 1_000
max_behind = 7
hook_seconds = 2.5

[rules]
"overlap.file" = "block"
"gate.migration" = "warn"

[tests]
command = "make test"
timeout = 60
merge = false
"""


def test_an_empty_policy_has_every_default() -> None:
    pol = load("")
    assert (pol.target, pol.protected, pol.approvers, pol.on_error, pol.unattributed) == (
        "main", ("main",), (), "block", "gates")
    assert pol.agents == {} and pol.shared == ()
    assert pol.paths == DEFAULT_PATHS
    assert (pol.max_file_bytes, pol.max_behind, pol.hook_seconds, pol.tests, pol.present) == (
        5_000_000, 100, 4, None, True)
    assert all(pol.action(rule) == action for rule, action in DEFAULTS.items())


def test_every_key_of_the_design_is_read() -> None:
    pol = load(FULL)
    assert (pol.target, pol.protected, pol.approvers, pol.on_error, pol.unattributed) == (
        "trunk", ("trunk", "release/*"), ("lead@example.com", "lead"), "allow", "block")
    assert [(a.name, a.branches, a.owns, a.identities) for a in pol.agents.values()] == [
        ("alice", ("agent/alice/*",), ("src/billing/", "tests/billing/"), ("alice-bot",)),
        ("bob", ("agent/bob/*", "bob-*"), ("src/ui/**",), ()),
    ]
    assert pol.shared == ("src/common/", "pyproject.toml")
    # A [paths] key replaces that default; the others keep theirs.
    assert pol.paths == {**DEFAULT_PATHS, "migrations": ("db/migrations/",)}
    assert (pol.max_file_bytes, pol.max_behind, pol.hook_seconds) == (1000, 7, 2.5)
    assert (pol.action("overlap.file"), pol.action("gate.migration"), pol.action("gate.deletion")) == (
        "block", "warn", "ask")
    assert pol.tests == policy.TestsConfig("make test", 60.0, False)


def test_protected_defaults_to_the_target() -> None:
    assert load('[gate]\ntarget = "trunk"\n').protected == ("trunk",)


def test_lookups() -> None:
    pol = load(FULL)
    assert pol.agent_for_branch("agent/alice/fix-1").name == "alice"  # type: ignore[union-attr]
    assert pol.agent_for_branch("bob-2").name == "bob"  # type: ignore[union-attr]
    assert pol.agent_for_branch("agent/carol/x") is None
    assert pol.agent_for_identity("alice-bot").name == "alice"  # type: ignore[union-attr]
    assert pol.agent_for_identity("lead") is None
    assert pol.shared_pattern("src/common/util.py") == "src/common/"
    assert pol.shared_pattern("pyproject.toml") == "pyproject.toml"
    assert pol.shared_pattern("src/ui/app.py") is None
    assert pol.path_set("migrations", "db/migrations/0001_init.py") == "db/migrations/"
    assert pol.path_set("ci", ".github/workflows/ci.yml") == ".github/workflows/"
    assert pol.path_set("lockfiles", "frontend/package-lock.json") == "package-lock.json"
    assert pol.is_protected("release/1.2") and pol.is_protected("trunk") and not pol.is_protected("main")


AGENTS = '[agents.alice]\nbranches = ["agent/alice/*"]\nowns = ["src/billing/"]\n'

# (policy text, the exact message). Each names the line the mistake is on.
ERRORS = [
    pytest.param(
        'version = 1\n[gate]\ntarget = "main\n',
        ":3: invalid TOML: Illegal character '\\n' (column 15). Fix the syntax and commit it to the target branch.",
        id="malformed-toml",
    ),
    pytest.param(
        "version = 1\n\n[gate]\ntarget = 'main'\n\n[gates]\nx = 1\n",
        ":6: unknown key 'gates'. Allowed here: agents, gate, limits, paths, rules, shared, tests, version, "
        "worktrees",
        id="unknown-table",
    ),
    pytest.param(
        '[gate]\ntarget = "main"\napprover = ["lead"]\n',
        ":3: unknown key 'approver' in [gate]. Allowed here: approvers, on_error, protected, target, unattributed",
        id="unknown-key",
    ),
    pytest.param(
        AGENTS + 'identity = ["x"]\n',
        ":4: unknown key 'identity' in [agents.alice]. Allowed here: branches, identities, owns",
        id="unknown-agent-key",
    ),
    pytest.param(
        AGENTS + '\n[agents.bob]\n# bob has no branches\nowns = ["src/ui/"]\n',
        ':5: agent \'bob\' has no \'branches\'. Add branches = ["agent/bob/*"] under [agents.bob]',
        id="agent-without-branches",
    ),
    pytest.param(
        AGENTS + '\n[agents.bob]\nbranches = []\n',
        ':6: agent \'bob\' has an empty \'branches\'. Write branches = ["agent/bob/*"]',
        id="agent-with-empty-branches",
    ),
    pytest.param(
        AGENTS + '\n[agents.bob]\nbranches = ["agent/bob/*"]\nowns = [\n  "src/ui/",\n  "src/billing/",\n]\n',
        ":7: pattern 'src/billing/' is owned by both 'alice' and 'bob'. Give each pattern to one agent; "
        "shared paths go under [shared] paths",
        id="two-agents-same-pattern",
    ),
    pytest.param(
        '[gate]\ntarget = "main"\napprovers = [\n  "lead",\n  "alice-bot",\n]\n\n'
        + AGENTS + 'identities = ["alice-bot"]\n',
        ":3: 'alice-bot' is an identity of agent 'alice' and an approver. Agents can never approve: remove it "
        "from approvers or from the agent's identities",
        id="agent-identity-among-approvers",
    ),
    pytest.param(
        '[rules]\n"gate.deletion" = "off"\n\'gate.nope\' = "warn"\n',
        ":3: unknown rule id 'gate.nope'. See the rules table in the README for valid ids",
        id="unknown-rule",
    ),
    pytest.param(
        '[rules]\n"overlap.file" = "deny"\n',
        ':2: unknown action \'deny\' for overlap.file. Use "off", "warn", "ask" or "block"',
        id="unknown-action",
    ),
    pytest.param(
        '\n[rules]\ngate.deletion = "off"\n',
        ":3: rule id 'gate.…' is not quoted. Rule ids hold a dot: quote them, as in \"gate.deletion\" = \"off\"",
        id="unquoted-rule-id",
    ),
    pytest.param(
        AGENTS.replace('"src/billing/"', '"src/", "!src/ui/"'),
        ":3: bad pattern '!src/ui/'. Patterns are gitignore-style paths; negation (!) and comments are not "
        "allowed",
        id="negated-pattern",
    ),
    pytest.param(
        '[agents]\nalice = { branches = ["a/*"], owns = ["src/"] }\nbob = { owns = ["x/"] }\n',
        ':3: agent \'bob\' has no \'branches\'. Add branches = ["agent/bob/*"] under [agents.bob]',
        id="inline-table-agent",
    ),
    pytest.param(
        'agents.alice.branches = ["a/*"]\nagents.alice.colour = "red"\n',
        ":2: unknown key 'colour' in [agents.alice]. Allowed here: branches, identities, owns",
        id="dotted-keys",
    ),
    pytest.param(
        '[agents."my bot"]\nbranches = ["x/*"]\n',
        ":1: agent name 'my bot' is not allowed. Use letters, digits, '.', '_' or '-'",
        id="bad-agent-name",
    ),
    pytest.param("[gate]\n\non_error = 'maybe'\n", ":3: on_error = 'maybe' is not allowed. Use \"block\" or \"allow\"",
                 id="bad-on-error"),
    pytest.param("[gate]\nunattributed = 1\n",
                 ":2: unattributed = 1 is not allowed. Use \"allow\", \"gates\" or \"block\"", id="bad-unattributed"),
    pytest.param("[limits]\nmax_behind = 5\nmax_file_bytes = -1\n",
                 ":3: 'max_file_bytes' must be a non-negative integer. Write max_file_bytes = 100", id="bad-limit"),
    pytest.param("[limits]\nhook_seconds = 0\n",
                 ":2: 'hook_seconds' must be a positive number of seconds. Write hook_seconds = 4",
                 id="hook-seconds-zero"),
    pytest.param("[limits]\n\nhook_seconds = \"4\"\n",
                 ":3: 'hook_seconds' must be a positive number of seconds. Write hook_seconds = 4",
                 id="hook-seconds-text"),
    pytest.param("version = 2\n", ":1: unsupported policy version. Write version = 1", id="bad-version"),
    pytest.param("gate = 1\n", ":1: 'gate' must be a table. Write it as [gate]", id="gate-not-a-table"),
    pytest.param('[agents.alice]\nbranches = ["a/*"]\nowns = 3\n',
                 ":3: 'owns' must be a list of strings. Write owns = [\"…\"]", id="owns-not-a-list"),
    pytest.param("[tests]\ntimeout = 5\n", ":1: [tests] needs a command. Write command = \"python -m pytest -q\"",
                 id="tests-without-command"),
    pytest.param('[tests]\ncommand = "make test"\ntimeout = 0\n',
                 ":3: timeout must be a positive number of seconds. Write timeout = 900", id="bad-timeout"),
    pytest.param("[paths]\nmigration = ['x/']\n",
                 ":2: unknown key 'migration' in [paths]. Allowed here: ci, lockfiles, migrations",
                 id="unknown-path-set"),
    pytest.param('[gate]\ntarget = "main"\n[shared]\npaths = []\n[gate.extra]\nfoo = 1\n',
                 ":5: unknown key 'extra' in [gate]. Allowed here: approvers, on_error, protected, target, "
                 "unattributed", id="subtable-of-gate"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_validation_errors_name_the_file_the_line_and_a_fix(text: str, message: str) -> None:
    with pytest.raises(PolicyError) as err:
        load(text)
    assert str(err.value) == POLICY_FILE + message


def test_the_source_name_is_the_one_given() -> None:
    with pytest.raises(PolicyError, match=r"^main:\.agentgate\.toml:1: unsupported"):
        load("version = 3\n", source="main:.agentgate.toml")


def test_on_error_survives_a_policy_that_fails_validation() -> None:
    # Hooks read on_error from a broken policy when they can (DESIGN §8).
    with pytest.raises(PolicyError) as err:
        load('[gate]\non_error = "allow"\nbogus = 1\n')
    assert err.value.on_error == "allow"
    with pytest.raises(PolicyError) as err:
        load('[gate]\non_error = "allow"\nbogus = 1')  # still valid TOML: no newline at the end
    assert err.value.on_error == "allow"
    with pytest.raises(PolicyError) as err:
        load('[gate]\non_error = "allow"\nbogus = \n')  # not TOML: nothing can be read
    assert err.value.on_error is None


def test_key_lines_locates_tables_keys_dotted_and_inline_keys() -> None:
    text = (
        "# comment\n"  # 1
        "version = 1\n"  # 2
        "[agents.alice]\n"  # 3
        "owns = [\n"  # 4
        '  "[not.a.header]",\n'  # 5
        "]\n"  # 6
        'branches = ["a"]  # [x]\n'  # 7
        '[agents."my.bot"]\n'  # 8
        "x.y = 1\n"  # 9
        "[rules]\n"  # 10
        '"gate.ci" = { a = 1, b = 2 }\n'  # 11
    )
    lines = key_lines(text)
    assert lines[("version",)] == 2
    assert lines[("agents",)] == 3
    assert lines[("agents", "alice", "owns")] == 4
    assert ("not", "a", "header") not in lines
    assert lines[("agents", "alice", "branches")] == 7
    assert lines[("agents", "my.bot")] == 8
    assert lines[("agents", "my.bot", "x", "y")] == 9
    assert lines[("rules", "gate.ci", "b")] == 11


def test_the_policy_parse_is_cached_by_blob_id_and_gives_the_same_policy(tmp_path: Path) -> None:
    from gate.git.opening import open_repo
    from tests.gitutil import seeded_repo

    r = seeded_repo(tmp_path / "repo")
    repo = open_repo(r.path)
    first = policy_load.load_policy_at(repo, r.rev("main"))
    blob = r.git("rev-parse", "main:.agentgate.toml").strip()
    cached = r.path / ".git" / "agentgate" / "policy" / f"{blob}.json"
    assert cached.is_file()
    assert policy_load.load_policy_at(open_repo(r.path), r.rev("main")) == first
    # A syntax error is never cached: the validator reports it with its line each time.
    r.commit("break it", {".agentgate.toml": "version = 1\n[gate\n"})
    bad_blob = r.git("rev-parse", "main:.agentgate.toml").strip()
    with pytest.raises(PolicyError, match=r"\.agentgate\.toml:2: invalid TOML"):
        policy_load.load_policy_at(open_repo(r.path), r.rev("main"))
    assert not (r.path / ".git" / "agentgate" / "policy" / f"{bad_blob}.json").exists()
