"""What a test command printed: the last lines of its output, with credentials
hidden, and the program a command that could not start was missing.

The tail goes into reports (``facts.tests.output_tail``, shown under the
``tests.*`` findings) and into the result cache, so it is redacted as it is read:
a test that prints an environment variable holding a token must not put that
token into a CI log or a pull-request comment.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

from gate.scan import secrets

TAIL_LINES = 60
_TAIL_BYTES = 65536
_LINE_CHARS = 1000  # one line of a tail at most (a minified bundle in a traceback)

# The shells' words for a program they could not find (exit 127):
#   dash, busybox: "/bin/sh: 1: go: not found"     bash: "sh: line 1: go: command not found"
#   bash, a path:  "bash: ./run.sh: No such file or directory"
_NOT_FOUND = re.compile(
    r"^[^:\n]*sh(?:: line \d+|: \d+)?: (?P<prog>[^\n]+?): (?:command not found|not found|No such file or directory)$",
    re.MULTILINE)
# zsh: "zsh:1: command not found: go"
_ZSH_NOT_FOUND = re.compile(r"^[^:\n]*sh:\d+: command not found: (?P<prog>[^\n]+)$", re.MULTILINE)
_ENV_ASSIGN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)
_KEY_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY")


def tail(log: Path) -> str:
    """The last :data:`TAIL_LINES` lines of the output in ``log``, redacted ("" when unreadable)."""
    try:
        with open(log, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - _TAIL_BYTES))
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return ""
    if size > _TAIL_BYTES:
        lines = lines[1:]  # cut mid-line
    lines = [ln if len(ln) <= _LINE_CHARS else ln[: _LINE_CHARS - 1] + "…" for ln in lines[-TAIL_LINES:]]
    return redact("\n".join(lines))


def redact(text: str) -> str:
    """``text`` with every line the secret scanner flags replaced by ``[redacted: KIND]``.

    Whole lines go, not just the match: the scanner finds where a credential starts,
    not always where it ends. A private key's body carries no marker of its own, so
    every line from its ``BEGIN`` line to its ``END`` line goes (to the end of the
    text when the tail cut the ``END`` off).
    """
    lines = text.split("\n")
    hits = dict(secrets.scan(enumerate(lines)))
    if not hits:
        return text
    out: list[str] = []
    in_key = False
    for i, line in enumerate(lines):
        kind = hits.get(i)
        if in_key:
            if _KEY_END.search(line):
                in_key = False
            continue  # folded into the key's one redacted line
        if kind is None:
            out.append(line)
            continue
        out.append(f"[redacted: {kind}]")
        in_key = kind == "private key" and not _KEY_END.search(line)
    return "\n".join(out)


def missing_program(output: str, command: str, cwd: Path, path: str | None) -> str | None:
    """The program a command that exited 127 could not find: the last one the shell
    named in ``output``, else the command's first word when it is neither on
    ``path`` nor (a word with a slash) a file under ``cwd``."""
    found = [m["prog"] for rx in (_NOT_FOUND, _ZSH_NOT_FOUND) for m in rx.finditer(output)]
    if found:
        return found[-1]
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    while words and _ENV_ASSIGN.fullmatch(words[0]):
        words.pop(0)
    if not words:
        return None
    program = words[0]
    exists = (cwd / program).is_file() if "/" in program else shutil.which(program, path=path) is not None
    return None if exists else program
