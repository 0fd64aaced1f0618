"""Hand-built reports the renderer tests share, and the rule catalogue's tests.

The sample holds every action, an approved ask, a branch without findings, a
finding without a path, and paths and messages with ``%``, ``:``, ``,``, line
breaks, control characters and a non-UTF-8 byte: everything a renderer must
escape.
"""

from __future__ import annotations

import os
from pathlib import Path

from gate import rules
from gate.model import Action, BranchResult, Finding, Oid, RefName, Report

TARGET = Oid("1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d")


def _oid(c: str) -> Oid:
    return Oid(c * 40)


def sample_report() -> Report:
    alice = BranchResult(
        ref=RefName("refs/heads/agent/alice/billing"),
        agent="alice",
        head=_oid("a"),
        base=_oid("b"),
        verdict="block",
        facts={"ahead": 3, "behind": 1},
        findings=(
            Finding(
                "scope.outside",
                "block",
                "src/ui/app.py is owned by bob (pattern src/ui/**), not by alice",
                path="src/ui/app.py",
                line=12,
                end_line=14,
                hint="leave this file to bob",
                other={"agent": "bob", "pattern": "src/ui/**"},
                fingerprint="f" * 16,
            ),
            Finding(
                "gate.secret",
                "block",
                "an added line looks like an AWS access key",
                path="config/prod,eu:1%.env",
                line=3,
                end_line=3,
                fingerprint="e" * 16,
            ),
            Finding(
                "gate.migration",
                "ask",
                "a migration is added:\nreview it before it runs",
                path="db/migrations/0002_add|total.sql",
                hint="approve it once reviewed",
                fingerprint="d" * 16,
            ),
            Finding(
                "gate.deletion",
                "ask",
                "src/billing/old.py is deleted",
                path="src/billing/old.py",
                fingerprint="c" * 16,
                approved=True,
            ),
            Finding(
                "overlap.file",
                "warn",
                "also changed by agent/bob/ui (bob)",
                path="src/common/util.py",
                other={"agent": "bob", "branch": "refs/heads/agent/bob/ui"},
                fingerprint="b" * 16,
            ),
            Finding(
                "target.conflict",
                "block",
                "the branch does not merge cleanly into main",
                hint="rebase on main and resolve the conflicts",
                fingerprint="a" * 16,
            ),
        ),
    )
    bob = BranchResult(
        ref=RefName("refs/heads/agent/bob/ui"),
        agent="bob",
        head=_oid("c"),
        base=_oid("b"),
        verdict="ask",
        findings=(
            Finding(
                "gate.ci", "ask", "a CI file is changed", path=".github/workflows/ci.yml", line=1, fingerprint="9" * 16
            ),
            Finding(
                "scope.shared",
                "warn",
                "weird\x1b[31m name\u202e is shared",
                path="src/common/we\x1bird\udcff.py",
                line=7,
                fingerprint="8" * 16,
            ),
        ),
    )
    carol = BranchResult(
        ref=RefName("refs/heads/agent/carol/docs"),
        agent="carol",
        head=_oid("d"),
        base=_oid("b"),
        verdict="allow",
        findings=(),
    )
    matrix = {
        "agents": ["alice", "bob", "carol"],
        "cells": {"alice|bob": "conflict", "alice|carol": "same files", "bob|carol": "none"},
    }
    return Report(
        verdict="block",
        target_ref=RefName("refs/heads/main"),
        target_oid=TARGET,
        branches=(alice, bob, carol),
        elapsed_ms=41,
        extra={"matrix": matrix},
    )


def allow_report() -> Report:
    """One clean branch: the happy path."""
    b = BranchResult(RefName("refs/heads/agent/carol/docs"), "carol", _oid("d"), _oid("b"), "allow", ())
    return Report("allow", RefName("refs/heads/main"), TARGET, (b,))


def one_branch(verdict: Action, *found: Finding) -> Report:
    """A report of one branch (agent/a/x of agent a, no target) holding ``found``."""
    b = BranchResult(RefName("refs/heads/agent/a/x"), "a", None, None, verdict, found)
    return Report(verdict, None, None, (b,))


def many_report(blocks: int = 14, asks: int = 13, warns: int = 12, approved: int = 11) -> Report:
    """One branch with more findings of every kind than GitHub shows."""
    findings = []
    kinds: tuple[tuple[Action, int, bool], ...] = (
        ("block", blocks, False),
        ("ask", asks, False),
        ("warn", warns, False),
        ("ask", approved, True),
    )
    for action, n, ok in kinds:
        rule = {"block": "scope.outside", "ask": "gate.deletion", "warn": "scope.shared"}[action]
        for i in range(n):
            tag = "approved" if ok else action
            findings.append(
                Finding(
                    rule,
                    action,
                    f"{tag} finding {i}",
                    path=f"src/{tag}/{i:02d}.py",
                    line=i + 1,
                    fingerprint=f"{tag}{i}",
                    approved=ok,
                )
            )
    b = BranchResult(RefName("refs/heads/agent/alice/big"), "alice", _oid("a"), _oid("b"), "block", tuple(findings))
    return Report("block", RefName("refs/heads/main"), TARGET, (b,))


def diff_report() -> Report:
    """``check --diff``: no ref, the agent given on the command line."""
    b = BranchResult(
        None,
        "alice",
        None,
        None,
        "ask",
        (
            Finding(
                "gate.deletion", "ask", "src/billing/old.py is deleted", path="src/billing/old.py", fingerprint="7" * 16
            ),
        ),
    )
    return Report("ask", RefName("refs/heads/main"), TARGET, (b,))


# DESIGN §5, written out again: the catalogue must keep to it.
DESIGN_RULES = {
    "scope.outside": "block",
    "scope.shared": "warn",
    "scope.unknown-agent": "block",
    "overlap.file": "warn",
    "overlap.hunk": "warn",
    "overlap.conflict": "warn",
    "target.conflict": "block",
    "target.stale": "warn",
    "symbol.shared": "warn",
    "symbol.signature": "ask",
    "gate.deletion": "ask",
    "gate.migration": "ask",
    "gate.ci": "ask",
    "gate.policy": "block",
    "gate.lockfile": "warn",
    "gate.large-file": "block",
    "gate.secret": "block",
    "gate.symlink": "ask",
    "gate.submodule": "ask",
    "gate.mode": "warn",
    "ref.force-push": "block",
    "ref.delete": "block",
    "ref.namespace": "block",
    "ref.unattributed": "block",
    # DESIGN: block when an agent identity pushed it, else warn (the catalogue's default).
    "ref.misattributed": "warn",
    "tests.failed": "block",
    "tests.error": "block",
    "tests.timeout": "block",
}


def test_catalogue_has_every_design_rule_with_its_default() -> None:
    assert rules.DEFAULTS == DESIGN_RULES
    assert list(rules.RULE_IDS) == list(DESIGN_RULES)


def test_every_rule_has_a_one_line_summary_and_help() -> None:
    for r in rules.RULES:
        assert r.summary.endswith(".") and "\n" not in r.summary, r.id
        assert len(r.help) > 20 and "\n" not in r.help, r.id
    assert set(rules.HELP) == set(rules.SUMMARY) == set(DESIGN_RULES)


def test_check_rules_leave_out_push_rules() -> None:
    assert [r for r in DESIGN_RULES if r not in rules.CHECK_RULES] == [
        "ref.force-push",
        "ref.delete",
        "ref.namespace",
        "ref.unattributed",
        "ref.misattributed",
    ]


def test_unknown_rule_gets_a_neutral_entry() -> None:
    r = rules.get("plugin.thing")
    assert (r.id, r.default, r.family) == ("plugin.thing", "warn", "plugin")


DATA = Path(__file__).parent / "data" / "report"


def assert_golden(name: str, actual: str) -> None:
    """``actual`` equals the expected file ``tests/data/report/NAME``.

    ``REGEN_GOLDEN=1 pytest tests/test_report_*.py`` rewrites the files; review
    the diff before committing it.
    """
    path = DATA / name
    if os.environ.get("REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected
