"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``).

One ``tool.driver.rules`` entry per rule id that fired, one result per finding.
Only fields code scanning reads are written. Two things it is strict about:

- every result needs a location with an artifact URI: one location-less result
  makes GitHub reject the *whole* upload ("locationFromSarifResult: expected at
  least one location", github/codeql-action#1738). Findings without a path
  (``target.conflict``, ``tests.failed``…) are therefore anchored to the policy
  file, unless the caller passes ``pathless=None``;
- URIs are RFC 3986 references relative to ``%SRCROOT%``: paths are
  percent-encoded byte by byte, so ``:``, ``%``, spaces and non-UTF-8 names
  survive (``originalUriBaseIds`` is not written: code scanning ignores it).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import gate
from gate import rules, verdict
from gate.model import Finding, Report
from gate.report import text

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
POLICY_FILE = ".agentgate.toml"
LEVEL = {"block": "error", "ask": "error", "approved": "note", "warn": "warning", "off": "none"}


def uri(path: str) -> str:
    """A repository path as a relative URI reference (percent-encoded UTF-8 bytes)."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def _rule(rule_id: str) -> dict[str, Any]:
    r = rules.get(rule_id)
    return {
        "id": r.id,
        "name": "".join(part.capitalize() for part in r.id.replace("-", ".").split(".")),
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": f"{r.summary} Default action: {r.default}."},
        "help": {"text": r.help, "markdown": r.help},
        "defaultConfiguration": {"level": LEVEL[r.default]},
        "properties": {"tags": ["agentgate", r.family]},
    }


def _location(f: Finding, pathless: str | None) -> list[dict[str, Any]]:
    if f.path is None:
        if pathless is None:
            return []
        return [
            {
                "physicalLocation": {"artifactLocation": {"uri": uri(pathless), "uriBaseId": "%SRCROOT%"}},
                "message": {"text": "this finding has no file of its own; it is shown on the policy file"},
            }
        ]
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri(f.path), "uriBaseId": "%SRCROOT%"}}
    if f.line is not None and f.line >= 1:
        region = {"startLine": f.line}
        if f.end_line is not None and f.end_line >= f.line:
            region["endLine"] = f.end_line
        physical["region"] = region
    return [{"physicalLocation": physical}]


def _clean(value: Any) -> Any:
    """``value`` with every string made printable (no lone surrogates reach the JSON)."""
    if isinstance(value, str):
        return text.printable(value)
    if isinstance(value, dict):
        return {str(_clean(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def _result(f: Finding, index: int, branch: str | None, agent: str | None, pathless: str | None) -> dict[str, Any]:
    message = "\n".join(text.printable_lines(f.message))
    if f.hint:
        message += "\n→ " + "\n".join(text.printable_lines(f.hint))
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": LEVEL[verdict.kind(f)],
        "message": {"text": message},
    }
    locations = _location(f, pathless)
    if locations:
        out["locations"] = locations
    if f.fingerprint:
        out["partialFingerprints"] = {"agentgate/v1": f.fingerprint}
    props: dict[str, Any] = {"branch": branch, "agent": agent, "action": f.action, "approved": f.approved}
    if f.other:
        props["other"] = f.other
    props = _clean(props)
    out["properties"] = props
    return out


def to_dict(report: Report, pathless: str | None = POLICY_FILE) -> dict[str, Any]:
    """The SARIF log as a dict; ``pathless`` is where path-less findings are shown."""
    present = {f.rule for b in report.branches for f in b.findings}
    order = [r for r in rules.RULE_IDS if r in present] + sorted(present - set(rules.RULE_IDS))
    index = {r: i for i, r in enumerate(order)}
    results = []
    for b in report.branches:
        for f in verdict.ordered(b.findings):
            results.append(_result(f, index[f.rule], b.ref, b.agent, pathless))
    driver: dict[str, Any] = {
        "name": "agentgate",
        "version": gate.__version__,
        "semanticVersion": gate.__version__,
        "rules": [_rule(r) for r in order],
    }
    run: dict[str, Any] = {"tool": {"driver": driver}, "results": results}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    """The SARIF log as JSON text."""
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"
