"""The JSON report of DESIGN §6 (``version`` 1). Other renderers build on ``to_dict``.

Paths are bytes in git; one that is not UTF-8 reaches us with each bad byte kept
as a lone surrogate (``os.fsdecode``). ``json.dumps`` would write that as
``"\\udce9"``, which strict JSON parsers reject, so every string of the report
has such bytes written as the text ``\\xNN`` instead (``caf\\xe9.py``), and a
finding whose path is not UTF-8 also carries ``path_bytes``: the exact path, hex.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, cast

from gate.model import BranchResult, Finding, Report
from gate.report.text import escape_char

_SURROGATES = re.compile("[\ud800-\udfff]")


def json_text(s: str) -> str:
    """``s`` as valid Unicode: a non-UTF-8 byte becomes the four characters ``\\xNN``."""
    return _SURROGATES.sub(escape_char, s)


def json_safe(value: Any) -> Any:
    """``value`` with every string in it (keys too) made valid Unicode by ``json_text``.

    Nearly every report is clean: one C-speed dump tells, and only a report that
    holds a non-UTF-8 byte is walked (walking a 1,000-finding report cost ~60 ms).
    """
    if not _SURROGATES.search(json.dumps(value, ensure_ascii=False)):
        return value
    return _walk(value)


def _walk(value: Any) -> Any:
    if isinstance(value, str):
        return json_text(value)
    if isinstance(value, dict):
        return {_walk(k): _walk(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_walk(v) for v in value]
    return value


def path_bytes(path: str | None) -> str | None:
    """The bytes of ``path`` in hex when it is not UTF-8, else None."""
    if path is None or not _SURROGATES.search(path):
        return None
    return os.fsencode(path).hex()


def finding_dict(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {"rule": f.rule, "action": f.action, "path": f.path}
    raw = path_bytes(f.path)
    if raw is not None:
        out["path_bytes"] = raw
    out.update({
        "line": f.line,
        "end_line": f.end_line,
        "message": f.message,
        "hint": f.hint,
        "other": f.other,
        "fingerprint": f.fingerprint,
        "approved": f.approved,
    })
    return out  # made safe once, by the caller's json_safe over the whole report


def branch_dict(b: BranchResult) -> dict[str, Any]:
    return {
        "ref": b.ref,
        "agent": b.agent,
        "head": b.head,
        "base": b.base,
        "verdict": b.verdict,
        "findings": [finding_dict(f) for f in b.findings],
        "facts": b.facts,
    }


def to_dict(report: Report) -> dict[str, Any]:
    out: dict[str, Any] = {
        "version": 1,
        "verdict": report.verdict,
        "target": {"ref": report.target_ref, "oid": report.target_oid},
        "branches": [branch_dict(b) for b in report.branches],
        "elapsed_ms": report.elapsed_ms,
    }
    if report.extra:
        out.update(report.extra)
    return cast(dict[str, Any], json_safe(out))


def render(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=True) + "\n"
