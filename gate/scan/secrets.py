"""Credential patterns for ``gate.secret``: a small set, each tested.

Only added lines are scanned, and the secret itself never reaches a report.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    ("AWS secret access key", re.compile(
        r"(?i)aws_?secret_?(?:access_?)?key\s*[=:]\s*[\"']?[A-Za-z0-9/+=]{40}\b")),
    ("GCP API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("GCP service account key", re.compile(r"\"private_key_id\"\s*:\s*\"[0-9a-f]{40}\"")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}\b")),
    ("Slack webhook", re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}")),
    # A quoted value of 8+ characters assigned to a name with a secret-ish word as
    # one of its parts: password, DB_PASSWORD, client_secret, SECRET_KEY, api-key;
    # not secretary or passwords_page (a part must be the whole word).
    ("password assignment", re.compile(
        r"(?i)\b(?:[a-z0-9]+[_.-])*(?:password|passwd|pwd|secret|api[_-]?key|auth[_-]?token|access[_-]?token)"
        r"(?:[_.-][a-z0-9]+)*\b[\"']?\s*[:=]\s*[\"']([^\"'\s]{8,})[\"']")),
)

# Values that are plainly not secrets: placeholders, templates, references.
_PLACEHOLDER = re.compile(
    r"(?i)^(?:x+|\*+|\.+|changeme|change[_-]me|example[\w-]*|dummy[\w-]*|placeholder|your[\w-]*|"
    r"<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%\([^)]*\)s|redacted|none|null|password|secret)$"
)


# Names what ``scan`` finds: results cached under another fingerprint are not used.
FINGERPRINT = hashlib.sha256("\n".join(
    [f"{kind}\t{pattern.pattern}" for kind, pattern in PATTERNS] + [_PLACEHOLDER.pattern]).encode()).hexdigest()[:16]


def scan(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """(line number, kind) for each added line that carries a credential."""
    for number, text in lines:
        for kind, pattern in PATTERNS:
            m = pattern.search(text)
            if m is None:
                continue
            if kind == "password assignment" and _PLACEHOLDER.match(m.group(1)):
                continue
            yield number, kind
            break
