"""Ownership patterns against ``git check-ignore``: the README says they are
gitignore-style, so git's own matcher is the reference.

For every pattern form the README documents, a one-agent policy owning just that
pattern must own exactly the paths that ``git check-ignore --no-index`` reports
as ignored by a ``.gitignore`` holding the same pattern. With several agents, the
owner must be the agent of the last pattern (in file order) that git matches.

Known divergence, left out: ``x/**/`` (a directory anywhere under x) owns the
file ``x/foo`` here; git matches only directories under x.

Paths here are files (change sets hold blobs); git treats a path that does not
exist as a file too, so no file is created.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.policy import Policy, load
from tests.gitutil import Repo

# One entry per form the README documents, and a few neighbours of each.
PATTERNS = [
    "foo.py",  # a plain name: anywhere in the tree
    "/foo.py",  # leading / anchors at the root
    "*.py",
    "*.min.js",
    "src/billing/",  # trailing /: a directory and everything under it
    "/docs/",
    "docs/",  # a trailing / with no other slash: a docs folder at any depth
    "migrations/",
    "src",  # no slash: a file or directory of that name anywhere
    "src/**",  # trailing /**: everything inside
    "build/**",
    "**/migrations/**",
    "**/foo",
    "**/*.sql",
    "a/**/b",  # zero or more directories
    "src/**/test_*.py",
    "a/*/b",
    "docs/*.md",  # a slash in the middle anchors too
    "src/*/",
    "src/?.py",  # ? is one character, never /
    "lib/[abc]*.py",  # a character class
    "[!a]*.txt",
    "a\\ b",  # an escaped space
    "\\#hash",  # an escaped #
    "services/foo:bar/**/*",  # a colon is a plain character (issue 18)
    "services/foo:bar/",
    "foo:bar",
    "**/a:b/*.json",
]

PATHS = [
    "foo.py", "src/foo.py", "x/y/foo.py", "foo.pyc", "foo",
    "src/billing/x.py", "src/billing/sub/y.py", "src/billing", "billing/x.py",
    "src/billingx/a.py", "x/src/billing/z.py",
    "docs/a.md", "docs/sub/b.md", "src/docs/a.md", "docs", "x/y/docs/z/w.md", "docsx/a.md",
    "src", "src/x", "src/a/b/c", "x/src", "x/src/y",
    "a/b", "a/x/b", "a/x/y/b", "a/b/c", "a/bb", "ab", "x/a/b",
    "migrations/001.sql", "app/migrations/0001.py", "migrations", "app/migrations",
    "lib/a1.py", "lib/d1.py", "lib/b.py", "lib/sub/a.py",
    "build/out", "build", "x/build/out", "build/x/y",
    "src/a.py", "src/ab.py", "x/foo", "x/foo/bar",
    "a.min.js", "x/a.min.js", "db/1.sql",
    "src/t/test_a.py", "src/test_b.py", "src/t/u/test_c.py", "src/t/best_a.py",
    "b.txt", "a.txt", "x/c.txt",
    "#hash", "x/#hash", "a b", "with space/f.py", ".hidden/x.py", "ünïcode/f.py",
    "services/foo:bar/baz.json", "services/foo:bar/x/y.json", "services/foo:barx/baz.json", "services/foo:bar",
    "foo:bar", "x/foo:bar/z", "a:b/c.json", "x/a:b/c.json", "a:b/c.py",
]


def _git_last_match(tmp: Path, gitignore: str, paths: list[str]) -> dict[str, int | None]:
    """For each path, the line of the last .gitignore pattern matching it (git's
    answer), or None. ``-n -v`` lists non-matching paths too."""
    repo = Repo.init(tmp)
    (tmp / ".gitignore").write_text(gitignore)
    out = repo.git("-c", "core.quotePath=false", "check-ignore", "--no-index", "-v", "-n", "-z", "--stdin",
                   input="\0".join(paths) + "\0").split("\0")
    result: dict[str, int | None] = {}
    for i in range(0, len(out) - 1, 4):
        source, line, _pattern, path = out[i : i + 4]
        result[path] = int(line) if source else None
    assert set(result) == set(paths)
    return result


def _policy(owners: list[tuple[str, str]]) -> Policy:
    """A policy whose agents own ``(agent, pattern)`` in this order (TOML via
    json.dumps: a JSON string is a valid TOML basic string)."""
    lines = []
    for agent in dict.fromkeys(a for a, _ in owners):
        pats = [p for a, p in owners if a == agent]
        lines += [f"[agents.{agent}]", f'branches = ["agent/{agent}/*"]', f"owns = {json.dumps(pats)}", ""]
    return load("\n".join(lines))


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_single_pattern_owns_what_git_check_ignore_matches(tmp_path: Path, pattern: str) -> None:
    git_says = _git_last_match(tmp_path / "r", pattern + "\n", PATHS)
    pol = _policy([("alice", pattern)])
    ours = {p: pol.owner_of(p) for p in PATHS}
    assert {p for p, o in ours.items() if o is not None} == {p for p, line in git_says.items() if line}
    assert all(o == ("alice", pattern) for o in ours.values() if o is not None)


def test_the_last_matching_pattern_wins_across_agents(tmp_path: Path) -> None:
    # As in CODEOWNERS, not as in one .gitignore: there, a path under an excluded
    # directory is decided by the directory's pattern, since git never looks
    # inside; here "src/" followed by "*.py" gives src/x.py to "*.py". So git
    # judges each pattern alone and the expected owner is the last one matching.
    # In file order (TOML tables group an agent's patterns): broad first, then
    # narrower ones that win, then broad ones again that take paths back.
    owners = [
        ("alice", "src/"),
        ("alice", "src/ui/legacy/*.js"),
        ("bob", "src/ui/**"),
        ("bob", "/docs/"),
        ("carol", "*.py"),
        ("carol", "docs/*.md"),
        ("carol", "src/ui/legacy/"),  # a folder pattern after bob's src/ui/** wins inside it
        ("dave", "**/migrations/**"),
        ("dave", "src/?.py"),
        ("erin", "a/**/b"),
        ("erin", "lib/[abc]*.py"),
    ]
    paths = PATHS + ["src/ui/app.py", "src/ui/app.js", "src/ui/legacy/old.js", "src/ui/legacy/old.py",
                     "src/ui/migrations/1.py", "docs/x.md", "docs/x.txt", "src/a.js", "src/b.py"]
    pol = _policy(owners)
    order = owners
    matched = {
        (agent, pat): {path for path, line in _git_last_match(tmp_path / str(i), pat + "\n", paths).items() if line}
        for i, (agent, pat) in enumerate(order)
    }
    expected = {path: next((o for o in reversed(order) if path in matched[o]), None) for path in paths}
    assert {p: pol.owner_of(p) for p in paths} == expected
    # A few spelled out, so the rule is readable here.
    assert pol.owner_of("src/ui/app.py") == ("carol", "*.py")
    assert pol.owner_of("src/ui/legacy/old.js") == ("carol", "src/ui/legacy/")
    assert pol.owner_of("src/x.js") == ("alice", "src/")
    assert pol.owner_of("src/b.py") == ("dave", "src/?.py")
    assert pol.owner_of("docs/x.md") == ("carol", "docs/*.md")
    assert pol.owner_of("docs/x.txt") == ("bob", "/docs/")


def test_owners_matching_lists_every_match_in_file_order() -> None:
    pol = _policy([("alice", "src/"), ("bob", "src/ui/**"), ("carol", "*.js")])
    assert pol.owners_matching("src/ui/app.js") == [("alice", "src/"), ("bob", "src/ui/**"), ("carol", "*.js")]
    assert pol.owner_of("src/ui/app.js") == ("carol", "*.js")
    assert pol.owners_matching("README.md") == []


def test_two_policies_alive_at_once_keep_their_own_ownership() -> None:
    # Regression: compiled patterns were cached by id(policy.agents), so a policy
    # built after another was freed could answer with the freed one's patterns.
    answers = []
    for pat in ("src/", "docs/", "lib/"):
        answers.append(_policy([("alice", pat)]).owner_of("docs/x.md"))
    assert answers == [None, ("alice", "docs/"), None]


def test_a_colon_in_an_ownership_pattern_matches_literally_in_check_and_who(tmp_path: Path) -> None:
    from tests.gitutil import POLICY, agentgate, check_json, findings, on_branch

    repo = Repo.init(tmp_path / "r")
    policy = POLICY.replace('owns = ["src/billing/", "tests/billing/"]', 'owns = ["services/foo:bar/**/*"]')
    repo.commit("init", {".agentgate.toml": policy, "services/foo:bar/a.json": "{}\n"})
    on_branch(repo, "agent/alice/x", files={"services/foo:bar/baz.json": "{}\n"})
    assert check_json(repo.path, "agent/alice/x")[0] == 0
    assert findings(check_json(repo.path, "agent/alice/x")[1]) == []
    assert agentgate(repo.path, "who", "services/foo:bar/baz.json") == (
        0, "services/foo:bar/baz.json: alice (pattern services/foo:bar/**/*)\n", "")
