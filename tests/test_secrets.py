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


def test_the_scan_is_cached_by_the_change_set_and_the_patterns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = seeded_repo(tmp_path / "r")
    on_branch(repo, "agent/alice/x", files={"src/billing/keys.py": f"x = 1\nTOKEN = '{GH}'\n",
                                            "src/billing/clean.py": "y = 2\n"})
    code, out, _ = agentgate(repo.path, "check", "agent/alice/x")
    assert code == 1 and "GitHub token added at src/billing/keys.py:2" in out
    (entry,) = (repo.path / ".git" / "agentgate" / "secrets").rglob("*.json")
    data = json.loads(entry.read_text())
    assert data["files"] == {"src/billing/keys.py": [[2, "GitHub token"]], "src/billing/clean.py": []}
    # The second run reads the entry (edited here to prove it), not the blobs...
    data["files"]["src/billing/clean.py"] = [[1, "Slack token"]]
    entry.write_text(json.dumps(data))
    _, out, _ = agentgate(repo.path, "check", "agent/alice/x")
    assert "Slack token added at src/billing/clean.py:1" in out
    # ...until the patterns change, or the entry is damaged: then it scans again.
    monkeypatch.setattr(secrets, "FINGERPRINT", "other")
    _, out, _ = agentgate(repo.path, "check", "agent/alice/x")
    assert "Slack token" not in out and "GitHub token added at src/billing/keys.py:2" in out
    entry.write_text('{"v": "other", "files": {"src/billing/keys.py": [["x"]]}}')
    _, out, _ = agentgate(repo.path, "check", "agent/alice/x")
    assert "GitHub token added at src/billing/keys.py:2" in out
