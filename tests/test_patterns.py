"""The prefix pre-filter never changes an answer: compiled patterns agree with pathspec."""

from __future__ import annotations

import pathspec
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.policy.patterns import PatternSet, compile_pattern, first_match

PATTERNS = ["src/billing/", "/docs/", "docs/", "*.py", "src/**", "**/migrations/**", "a/**/b", "?.txt",
            "[abc].py", "src/ui/**", ".github/workflows/", "*.lock", "src/.ci/x", "foo.py", "src/a-b_c/",
            "web/area_1/sub-2/", "tests/*/unit/", "src/billing", "/x.py", "src/bill*/", "docs/*.md ",
            "**/migrations/**", "*.lock", "Cargo.lock", "pyproject.toml", "billing", "ui/", "/src/", "a*",
            "**/ui/**", "*.*", "x?py", "workflows", ".github/"]
SEGMENTS = ["src", "docs", "a", "b", "billing", "ui", "migrations", ".github", "workflows", "x.py", "foo.py",
            "q.txt", "Cargo.lock", ".ci", "x", "a-b_c", "web", "area_1", "sub-2", "tests", "unit", "z.js",
            "pyproject.toml", "xapy", "a.b.lock"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=5))
def test_compiled_patterns_agree_with_pathspec(parts: list[str]) -> None:
    path = "/".join(parts)
    for pat in PATTERNS:
        assert compile_pattern(pat).match(path) == pathspec.GitIgnoreSpec.from_lines([pat]).match_file(path), (
            pat, path)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=5))
def test_the_directory_index_finds_exactly_what_a_scan_finds(parts: list[str]) -> None:
    path = "/".join(parts)
    index = PatternSet(PATTERNS)
    scan = [i for i, pat in enumerate(PATTERNS) if pathspec.GitIgnoreSpec.from_lines([pat]).match_file(path)]
    assert index.matching(path) == scan
    assert index.last(path) == (scan[-1] if scan else None)
    assert index.first(path) == (scan[0] if scan else None)


def test_anchored_patterns_carry_their_literal_prefix() -> None:
    assert compile_pattern("src/ui/**").prefix == "src/ui/"
    assert compile_pattern("/docs/").prefix == "docs"
    assert compile_pattern("docs/").prefix == ""
    assert compile_pattern("*.py").prefix == ""
    assert compile_pattern("src/.ci/x").prefix == "src/.ci/x"
    assert compile_pattern("a/**/b").prefix == "a/"


def test_first_match_is_in_order() -> None:
    assert first_match(("*.sql", "db/"), "db/x.sql") == "*.sql"
    assert first_match(("*.sql", "db/"), "src/x.py") is None
