"""The JSON report stays strict JSON when a path is not UTF-8 (README, JSON report)."""

from __future__ import annotations

import json
from typing import Any

from gate.model import Board, BoardRow, Finding, Matrix
from gate.report import board
from gate.report import json as json_report
from tests.test_report_samples import one_branch

BAD = "src/caf\udce9.py"  # b"src/caf\xe9.py" as os.fsdecode gives it


def _strict(text: str) -> Any:
    # Python's json accepts "\udce9"; strict parsers (and UTF-8 encoding) do not.
    assert "\\ud" not in text
    return json.loads(text)


def test_a_non_utf8_path_is_written_as_escaped_text_with_its_bytes_in_hex() -> None:
    report = one_branch("block", Finding("scope.outside", "block", f"{BAD} is owned by bob", path=BAD,
                                         other={"agent": "bob", "path": BAD}))
    data = _strict(json_report.render(report))
    assert data["branches"][0]["findings"][0] == {
        "rule": "scope.outside", "action": "block", "path": "src/caf\\xe9.py",
        "path_bytes": b"src/caf\xe9.py".hex(), "line": None, "end_line": None,
        "message": "src/caf\\xe9.py is owned by bob", "hint": "", "other": {"agent": "bob", "path": "src/caf\\xe9.py"},
        "fingerprint": "", "approved": False,
    }


def test_utf8_and_missing_paths_carry_no_path_bytes() -> None:
    report = one_branch("warn", Finding("scope.shared", "warn", "m", path="src/café.py"),
                        Finding("gate.policy", "block", "m"))
    found = _strict(json_report.render(report))["branches"][0]["findings"]
    assert [(f["path"], "path_bytes" in f) for f in found] == [("src/café.py", False), (None, False)]


def test_the_status_board_json_escapes_the_same_way() -> None:
    report = one_branch("block", Finding("scope.outside", "block", "m", path=BAD))
    rows = tuple(BoardRow(b) for b in report.branches)
    the_board = Board(report.verdict, report.target_ref, report.target_oid, rows, Matrix((), ()))
    text = json.dumps(board.to_dict(the_board), indent=2, ensure_ascii=True)
    (finding,) = _strict(text)["branches"][0]["findings"]
    assert (finding["path"], finding["path_bytes"]) == ("src/caf\\xe9.py", "7372632f636166e92e7079")
