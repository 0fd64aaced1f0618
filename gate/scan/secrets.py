"""Credential patterns for ``gate.secret``: a small set, each tested, each linear.

Only added content is scanned, and the secret itself never reaches a report:
``redact`` replaces it wherever it could be shown (a file name, a link target).

Hostile input costs bounded time (DESIGN §8). Python's ``re`` backtracks, so no
pattern repeats a group over the characters another repetition also takes (the
old "password assignment" pattern took 10 minutes on a 540 KB line of
``password_password_…``): every repetition is bounded, and a name=value pattern
starts at its ``:``/``=`` and looks back a bounded distance for the name. A line
longer than ``WINDOW`` is scanned in windows that overlap by more than the longest
match, so a token cannot hide behind padding. Patterns run in ASCII mode: a blob
is scanned byte for byte (decoded as latin-1), where ``\\b`` must not take the
bytes of another encoding for letters.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator

_A = re.ASCII
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]{1,24} ){0,4}PRIVATE KEY(?: BLOCK)?-----", _A)),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b", _A)),
    ("AWS secret access key", re.compile(
        r"(?i)aws_?secret_?(?:access_?)?key\s{0,16}[=:]\s{0,16}[\"']?[A-Za-z0-9/+=]{40}\b", _A)),
    ("GCP API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b", _A)),
    ("GCP service account key", re.compile(r"\"private_key_id\"\s{0,16}:\s{0,16}\"[0-9a-f]{40}\"", _A)),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b", _A)),
    ("Slack token", re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,250}\b", _A)),
    ("Slack webhook", re.compile(
        r"https://hooks\.slack\.com/services/T[A-Z0-9]{1,32}/B[A-Z0-9]{1,32}/[A-Za-z0-9]{16,64}", _A)),
)
PASSWORD = "password assignment"
# A quoted value of 8+ characters assigned to a name with a secret-ish word as one
# of its parts: password, DB_PASSWORD, client_secret, SECRET_KEY, api-key; not
# secretary or passwords_page (a part must be the whole word). Found from the
# assignment: the value after it, then the name read backwards from it.
_ASSIGN = re.compile(r"[:=]\s{0,16}[\"']([^\"'\s]{8,200})[\"']", _A)
_NAME_BACKWARDS = re.compile(r"\s{0,16}[\"']?([A-Za-z0-9_.-]{1,100})", _A)
_LOOK_BACK = 120  # > 16 spaces + a quote + a name of 100
_WORDS = frozenset({"password", "passwd", "pwd", "secret", "apikey", "authtoken", "accesstoken"})
_PAIRS = frozenset({("api", "key"), ("auth", "token"), ("access", "token")})
_PARTS = re.compile(r"[_.-]")
# What every pattern above needs somewhere in its text: one search rules out a text
# that holds none (file names, most prose), before the nine.
_NEEDED = re.compile(r"[:=]|AKIA|ASIA|ABIA|ACCA|AIza|gh[pousr]_|github_pat_|xox[abposr]-|-----BEGIN |(?i:aws)", _A)

# Values that are plainly not secrets: placeholders, templates, references.
_PLACEHOLDER = re.compile(
    r"(?i)^(?:x+|\*+|\.+|changeme|change[_-]me|example[\w-]*|dummy[\w-]*|placeholder|your[\w-]*|"
    r"<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%\([^)]*\)s|redacted|none|null|password|secret)$"
)

# A line longer than WINDOW is scanned in windows overlapping by OVERLAP, more than
# the longest match of any pattern (a name of 100, spaces, a value of 200; a
# GitHub token of 266).
WINDOW = 4096
OVERLAP = 512

# Names what ``scan`` finds: results cached under another fingerprint are not used.
FINGERPRINT = hashlib.sha256("\n".join(
    [f"{kind}\t{pattern.pattern}" for kind, pattern in PATTERNS]
    + [_NEEDED.pattern, _ASSIGN.pattern, _NAME_BACKWARDS.pattern, str(sorted(_WORDS)), str(sorted(_PAIRS)),
       _PLACEHOLDER.pattern, f"windows {WINDOW} {OVERLAP}"]).encode()).hexdigest()[:16]

Match = tuple[int, int, str]  # (start, end, kind) in one text


def scan(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """(line number, kind) for each added line that carries a credential: the
    first kind found on it, in ``PATTERNS`` order (the password assignment last)."""
    for number, text in lines:
        found = first(text)
        if found is not None:
            yield number, found[2]


def first(text: str) -> Match | None:
    """The first credential in ``text`` (one line): in ``PATTERNS`` order, then a
    password assignment; windowed when the line is long."""
    n = len(text)
    if _NEEDED.search(text) is None:
        return None
    if n <= WINDOW:  # nearly every line: no windows to build
        for kind, pattern in PATTERNS:
            m = pattern.search(text)
            if m is not None:
                return m.start(), m.end(), kind
        return next(((s, e, PASSWORD) for s, e in _passwords(text, 0, n)), None)
    windows = list(_windows(n))
    for kind, pattern in PATTERNS:
        for pos, endpos in windows:
            m = pattern.search(text, pos, endpos)
            if m is not None and (m.end() < endpos or endpos == n):
                return m.start(), m.end(), kind
    for pos, endpos in windows:
        for start, end in _passwords(text, pos, endpos):
            if end < endpos or endpos == n:
                return start, end, PASSWORD
    return None


def _windows(n: int) -> Iterator[tuple[int, int]]:
    """(pos, endpos) windows covering a text of ``n`` characters. A match that ends
    at a window's end may be cut there (the string seems to end): it is taken
    only from the next window, which holds all of it."""
    if n <= WINDOW:
        yield 0, n
        return
    for pos in range(0, n - OVERLAP, WINDOW - OVERLAP):
        yield pos, min(pos + WINDOW, n)


def _passwords(text: str, pos: int, endpos: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each secret value assigned to a secret-ish name between pos
    and endpos. ``pos`` is not a start of the text: the name may begin before it."""
    for m in _ASSIGN.finditer(text, pos, endpos):
        if _PLACEHOLDER.match(m.group(1)):
            continue
        a = m.start()
        before = text[max(0, a - _LOOK_BACK):a][::-1]
        name = _NAME_BACKWARDS.match(before)
        if name is not None and _secret_name(name.group(1)[::-1]):
            yield m.start(1), m.end(1)


def _secret_name(name: str) -> bool:
    parts = _PARTS.split(name.lower())
    return any(p in _WORDS for p in parts) or any(pair in _PAIRS for pair in zip(parts, parts[1:], strict=False))


def every(text: str) -> list[Match]:
    """Every credential in ``text`` (any length, any number of lines), without
    overlaps: what ``redact`` hides."""
    spans: list[Match] = []
    if _NEEDED.search(text) is None:
        return spans
    for line_start, line in _lines(text):
        for pos, endpos in _windows(len(line)):
            cut = endpos < len(line)
            for kind, pattern in PATTERNS:
                spans.extend((line_start + m.start(), line_start + m.end(), kind)
                             for m in pattern.finditer(line, pos, endpos) if not (cut and m.end() == endpos))
            spans.extend((line_start + s, line_start + e, PASSWORD)
                         for s, e in _passwords(line, pos, endpos) if not (cut and e == endpos))
    out: list[Match] = []
    for s, e, kind in sorted(set(spans)):
        if out and s < out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e, out[-1][2])
            continue
        out.append((s, e, kind))
    return out


def _lines(text: str) -> Iterator[tuple[int, str]]:
    at = 0
    for line in text.split("\n"):
        yield at, line
        at += len(line) + 1


def redact(text: str) -> str:
    """``text`` with every credential in it replaced by ``[redacted: KIND]``."""
    spans = every(text)
    if not spans:
        return text
    out, at = [], 0
    for s, e, kind in spans:
        out.append(text[at:s])
        out.append(f"[redacted: {kind}]")
        at = e
    out.append(text[at:])
    return "".join(out)


def in_name(path: str) -> list[str]:
    """The kinds of credential in the components of ``path`` (a file's name, a
    folder's), one per component that holds one."""
    if _NEEDED.search(path) is None:
        return []  # nearly every path
    return [found[2] for part in path.split("/") if (found := first(part)) is not None]


# -- blobs: binary files, UTF-16 -----------------------------------------------------


def utf16(data: bytes) -> str | None:
    """The codec of a UTF-16 blob: by its byte order mark, else by the NUL in every
    other byte that ASCII text in UTF-16 has (git calls such a file binary)."""
    if data[:2] == b"\xff\xfe":
        return "utf-16-le"
    if data[:2] == b"\xfe\xff":
        return "utf-16-be"
    head = data[:8000]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) * 10 >= len(odd) * 9 and even.count(0) * 10 < len(even):
        return "utf-16-le"
    if even.count(0) * 10 >= len(even) * 9 and odd.count(0) * 10 < len(odd):
        return "utf-16-be"
    return None


def blob_text(data: bytes) -> str:
    """What a binary blob is scanned as: UTF-16 decoded, else its bytes one to one
    (latin-1), so every ASCII token in it is found wherever it sits."""
    codec = utf16(data)
    if codec is not None:
        return data.decode(codec, "replace").removeprefix("\ufeff")
    return data.decode("latin-1")


def in_blob(data: bytes) -> dict[tuple[str, str], int]:
    """(kind, the matched text) -> its line number, for each line of a binary blob
    that carries a credential (line numbers count "\\n" as git does)."""
    out: dict[tuple[str, str], int] = {}
    for n, line in enumerate(blob_text(data).split("\n"), 1):
        found = first(line)
        if found is not None:
            out.setdefault((found[2], line[found[0]:found[1]]), n)
    return out
