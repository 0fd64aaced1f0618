"""The credential patterns of ``gate.secret``: each kind found, look-alikes not.

Credentials are assembled from pieces so that this file holds none a scanner
would flag.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gate.scan import secrets
from gate.scan.secrets import scan
from tests.gitutil import agentgate, on_branch, seeded_repo

GH = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "q8Zp3Rk2Ht"

FOUND = [
    ("private key", "-----BEGIN RSA " + "PRIVATE KEY-----"),
    ("private key", "-----BEGIN " + "PRIVATE KEY-----"),
    ("private key", "-----BEGIN OPENSSH " + "PRIVATE KEY-----"),
    ("private key", "-----BEGIN EC " + "PRIVATE KEY-----"),
    ("private key", "-----BEGIN PGP " + "PRIVATE KEY BLOCK-----"),
    ("AWS access key id", "AKIA" + "QZ7XW4ENB2KD5MTR"),
    ("AWS access key id", "id: ASIA" + "QZ7XW4ENB2KD5MTR,"),
    ("AWS secret access key", "aws_secret_access_key = " + AWS_SECRET),
    ("AWS secret access key", "AWS_SECRET_KEY: '" + AWS_SECRET + "'"),
    ("GCP API key", "AIza" + "SyD3-k9Qz7Xw4Enb2Kd5MtR8vYp1Lc6Hj0q"),
    ("GCP service account key", '  "private_key_id": "' + "ab" * 20 + '",'),
    ("GitHub token", GH),
    ("GitHub token", "gho_" + GH[4:]),
    ("GitHub token", "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"),
    ("Slack token", "xoxb-" + "123456789012-abcdefABCDEF"),
    ("Slack token", "xoxp-" + "1234-5678-90ab"),
    ("Slack webhook", "https://hooks.slack.com/services/" + "T0ABC1234/B0DEF5678/abcdefgh12345678ijkl"),
    ("password assignment", 'password = "' + 'S3cure!Pass-2024"'),
    ("password assignment", "DB_PASSWORD='" + "hunter2hunter2'"),
    ("password assignment", '"client_secret": "' + 'a8f5f167f44f4964e6c998dee827110c"'),
    ("password assignment", "SECRET_KEY = '" + "django-insecure-0123456789'"),
    ("password assignment", 'api-key: "' + '9f8e7d6c5b4a3210"'),
    ("password assignment", 'auth_token="' + 'tok_live_abcdef12"'),
]

NOT_FOUND = [
    'password = "changeme"',
    'password = "<password>"',
    'DB_PASSWORD = "${DB_PASSWORD}"',
    'secret = "{{ secrets.API }}"',
    'password = "xxxxxxxx"',
    'password = "********"',
    'password = "example-password"',
    'password = "your_password_here"',
    'password = "short"',  # under 8 characters
    "password = os.environ['DB_PASSWORD']",  # a reference, not a value
    'secretary = "JaneDoe1234"',  # a different word
    'passwords_page = "/account/pw"',
    'message = "enter your password here"',  # spaces: prose
    "AKIA" + "SHORT",
    "the AKIA" + "QZ7XW4ENB2KD5MTRX suffix",  # longer than a key id
    "-----BEGIN PUBLIC KEY-----",
    "xoxb-short",
    "ghp_" + "tooShort",
]


@pytest.mark.parametrize(("kind", "line"), FOUND)
def test_each_credential_kind_is_found(kind: str, line: str) -> None:
    assert list(scan([(7, line)])) == [(7, kind)]


@pytest.mark.parametrize("line", NOT_FOUND)
def test_look_alikes_are_not_credentials(line: str) -> None:
    assert list(scan([(1, line)])) == []


def test_one_finding_per_line_and_line_numbers_kept() -> None:
    lines = [(3, "x = 1"), (4, GH + " " + "AKIA" + "QZ7XW4ENB2KD5MTR"), (9, 'password = "' + 'S3cure!Pass-2024"')]
    # The first kind found on a line names it (patterns in PATTERNS order).
    assert list(scan(lines)) == [(4, "AWS access key id"), (9, "password assignment")]


def test_the_secret_itself_never_reaches_the_report(tmp_path: Path) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"src/billing/keys.py": f"TOKEN = '{GH}'\nAWS = '{AWS_SECRET}'\n"})
    for fmt in ("json", "text"):
        code, out, err = agentgate(repo.path, "check", "agent/alice/x", "--format", fmt)
        assert code == 1 and "GitHub token added at src/billing/keys.py:1" in out
        assert GH not in out + err and GH[4:20] not in out + err


def test_each_commits_scan_is_kept_by_its_id_and_the_patterns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = seeded_repo(tmp_path / "r")
    head = on_branch(repo, "agent/alice/x", files={"src/billing/keys.py": f"x = 1\nTOKEN = '{GH}'\n",
                                                   "src/billing/clean.py": "y = 2\n"})
    code, out, _ = agentgate(repo.path, "check", "agent/alice/x")
    assert code == 1 and f"GitHub token added at src/billing/keys.py:2 in commit {head[:9]}" in out
    entry = repo.path / ".git" / "agentgate" / "history" / head[:2] / f"{head}.json"
    data = json.loads(entry.read_text())
    assert (data["max"], data["commits"]) == (5_000_000, {head: [[0, 2, "GitHub token", "content"]]})
    # The second run reads the entry (edited here to prove it), not the blobs...
    data["commits"][head][0][2] = "Slack token"
    entry.write_text(json.dumps(data))
    _, out, _ = agentgate(repo.path, "check", "agent/alice/x")
    assert "Slack token added at src/billing/keys.py:2" in out
    # ...until the patterns change, or the entry is damaged: then it scans again.
    monkeypatch.setattr(secrets, "FINGERPRINT", "other")
    _, out, _ = agentgate(repo.path, "check", "agent/alice/x")
    assert "Slack token" not in out and "GitHub token added at src/billing/keys.py:2" in out
    entry.write_text(json.dumps({"v": "1:other", "max": 5_000_000, "files": {}, "commits": {head: [["x"]]}}))
    _, out, _ = agentgate(repo.path, "check", "agent/alice/x")
    assert "GitHub token added at src/billing/keys.py:2" in out


# -- bounded time: linear patterns, long lines in overlapping windows ------------------------

AWS_ID = "AKIA" + "QZ7XW4ENB2KD5MTR"


def test_a_token_after_a_megabyte_of_padding_on_one_line_is_found() -> None:
    line = "x" * 1_000_000 + " " + AWS_ID + " " + "y" * 1_000_000
    assert list(scan([(1, line)])) == [(1, "AWS access key id")]
    assert secrets.redact(line) == "x" * 1_000_000 + " [redacted: AWS access key id] " + "y" * 1_000_000


@pytest.mark.parametrize("offset", range(secrets.WINDOW - secrets.OVERLAP - 40, secrets.WINDOW + 4, 7))
def test_a_token_across_a_window_edge_is_found_once_and_a_cut_one_is_not_taken(offset: int) -> None:
    # Around the first window's end: the token whole, split by the edge, or just past it.
    line = "-" * offset + GH + "-" * 10_000
    assert list(scan([(1, line)])) == [(1, "GitHub token")]
    # A key id followed by more letters is not one, even where a window cuts it to 20.
    longer = "-" * offset + AWS_ID + "X" + "-" * 10_000
    assert list(scan([(1, longer)])) == []


def test_a_password_assignment_after_padding_and_a_long_name_is_found() -> None:
    line = "password_" * 120_000 + " = '" + "S3cure!Pass-2024'"
    assert list(scan([(1, line)])) == [(1, "password assignment")]
    assert secrets.redact(line).endswith(" = '[redacted: password assignment]'")


@pytest.mark.parametrize("text", [
    "password_" * 60_000,  # the 540 KB line that took 10 minutes of backtracking
    "=" * 500_000, "='" * 250_000, "ghp_" * 125_000, ":'aaaaaaaaaa'" * 40_000, "a" * 500_000,
    "-----BEGIN " * 50_000, "aws_secret_key" * 40_000,
], ids=["password_", "equals", "quote-equals", "ghp_", "short-values", "letters", "begin", "aws-names"])
def test_hostile_lines_hold_no_credential(text: str) -> None:
    # No timing: a pattern that backtracked would make this test run for minutes.
    assert list(scan([(1, text)])) == []


# -- names, link targets, binary and UTF-16 blobs, redaction ------------------------------------


def test_credentials_in_path_components_are_found() -> None:
    assert secrets.in_name(f"src/{AWS_ID}/keys/{GH}.txt") == ["AWS access key id", "GitHub token"]
    assert secrets.in_name("src/ui/password.txt") == []


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_blob_is_decoded_and_scanned(codec: str) -> None:
    data = f"# deploy\r\n$env:AWS_ACCESS_KEY_ID = '{AWS_ID}'\r\n".encode(codec)
    assert secrets.utf16(data) is not None
    assert secrets.in_blob(data) == {("AWS access key id", AWS_ID): 2}


def test_a_binary_blob_is_scanned_byte_for_byte() -> None:
    data = b"\x89PNG\r\n\x1a\n\0\0\xe9" + AWS_ID.encode() + b"\0\xffrest\n" + GH.encode() + b"\0"
    assert secrets.utf16(data) is None
    assert secrets.in_blob(data) == {("AWS access key id", AWS_ID): 3, ("GitHub token", GH): 4}


def test_redaction_replaces_each_credential_and_keeps_the_rest() -> None:
    assert secrets.redact(f"symlink src/ui/aws -> ../{AWS_ID}/{GH}") == (
        "symlink src/ui/aws -> ../[redacted: AWS access key id]/[redacted: GitHub token]")
    assert secrets.redact('password = "' + 'S3cure!Pass-2024"') == 'password = "[redacted: password assignment]"'
    assert secrets.redact("nothing to hide: password = 'changeme'") == "nothing to hide: password = 'changeme'"
