"""How ``agentgate guard`` reads a Bash command line before Claude Code runs it.

The line is split into simple commands with ``shlex`` (never executed), keeping
each one's output redirections and following ``cd`` from one command to the next
(``&&``, ``;``, ``|``); wrappers such as ``sudo``, ``env``, ``npx`` or ``uv run``
are peeled off, ``sh -c`` and ``eval`` are read recursively. Each command is then
held against what it writes (``gate.guard.writes``: redirections, ``tee``,
``sed -i``, ``cp``, ``rm``…, judged by the caller's ``ShellScope.write``), what it
does in git (``gate.guard.gitcmd``), the commands only a human runs (``agentgate
approve``/``approvals``/``merge``/``land``), migrations and deploys.

A guard rail against mistakes, not a boundary: a shell has more ways to write a
file than any reader lists (DESIGN §2). The boundary is ``agentgate serve`` plus
Claude Code's sandbox.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gate.guard import gitcmd
from gate.guard.scope import TREE_ASK, ShellScope, Verdict, locate
from gate.guard.tables import DEPLOYS, MIGRATIONS, matches
from gate.guard.writes import Write, written

__all__ = ["ShellScope", "Verdict", "judge_command"]

_PUNCT = "();<>|&\n`"
_NEEDS_QUOTES = re.compile(r"[\s'\"`$;&|<>()\\]")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_SHELLS = {"sh", "bash", "zsh", "dash", "ksh"}
_WRAPPERS = {"sudo", "doas", "env", "command", "builtin", "exec", "nohup", "time", "nice", "ionice",
             "stdbuf", "timeout", "xargs", "watch", "npx", "bunx", "pnpx"}
_WRAPPER_VALUE_OPTS = {"-u", "-g", "-n", "-I", "-P"}
_RUN_WORDS = {"uv": ("run",), "poetry": ("run",), "pipenv": ("run",), "pdm": ("run",), "hatch": ("run",),
              "rye": ("run",), "bundle": ("exec",), "pnpm": ("exec", "dlx"), "npm": ("exec",),
              "yarn": ("exec", "dlx", "run")}
# What an agent never runs: recording consent and landing work are a human's.
_HUMAN_ONLY = {"approve", "approvals", "merge", "land"}
_DEVICES = {"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"}


@dataclass(frozen=True)
class _Segment:
    argv: list[str]
    outputs: list[tuple[str, str]]  # ('>', '>>', '>|', '&>'…, target)


def judge_command(command: str, scope: ShellScope, depth: int = 0) -> Verdict | None:
    """``deny`` for what the agent may not do, ``ask`` before destructive commands, else None."""
    found: list[Verdict] = []
    cwd, branch = scope.cwd, scope.branch
    for seg in _segments(command):
        shown = _quote(seg.argv)
        for op, target in seg.outputs:
            found.extend(_writes([Write(target)], f"{shown} {op} {target}".lstrip(), scope, cwd))
        assigns, argv = _unwrap(seg.argv)
        if not argv:
            continue
        prog, args = os.path.basename(argv[0]), argv[1:]
        if prog in ("cd", "pushd"):
            cwd = _cd(cwd, args)
            continue
        script = _shell_script(args) if prog in _SHELLS else None
        if (script is not None or prog == "eval") and depth < 3:
            inner = judge_command(script if script is not None else " ".join(args),
                                  dataclasses.replace(scope, cwd=cwd, branch=branch), depth + 1)
            found.extend([inner] if inner is not None else [])
            continue
        found.extend(_judge_argv(prog, args, shown, scope, cwd, branch, assigns))
        if prog == "git":
            branch = gitcmd.switched_to(args) or branch
    denies = list(dict.fromkeys(v.reason for v in found if v.decision == "deny"))
    if denies:
        return Verdict("deny", " ".join(denies))
    asks = list(dict.fromkeys(v.reason for v in found))
    return Verdict("ask", " ".join(asks)) if asks else None


def _judge_argv(prog: str, args: list[str], shown: str, scope: ShellScope, cwd: Path | None, branch: str | None,
                assigns: dict[str, str]) -> list[Verdict]:
    if prog == "git":
        return gitcmd.judge(args, shown, scope, cwd, branch, assigns)
    if prog in ("agentgate", "gate"):
        sub = next((a for a in args if not a.startswith("-")), None)
        if sub in _HUMAN_ONLY:
            return [Verdict("deny", f"agentgate: `{shown}` is a human's command: agents never approve, list or "
                            "spend approvals, merge or land. Ask a human.")]
        return []
    found = _writes(written(prog, args), shown, scope, cwd)
    if prog == "rm" and _recursive_rm(args) and not found:
        found.append(Verdict("ask", f"agentgate: `{shown}` {TREE_ASK}"))
    if prog == "find" and "-delete" in args:
        found.append(Verdict("ask", f"agentgate: `{shown}` deletes what it finds (-delete); confirm the paths are "
                                    "right."))
    if matches(MIGRATIONS.get(prog, ()), args):
        found.append(Verdict("ask", f"agentgate: `{shown}` runs a database migration; confirm only if a human "
                                    "wants it now."))
    if matches(DEPLOYS.get(prog, ()), args):
        found.append(Verdict("ask", f"agentgate: `{shown}` deploys or publishes beyond this worktree; confirm only "
                                    "if a human wants it."))
    return found


def _writes(writes: Sequence[Write], shown: str, scope: ShellScope, cwd: Path | None) -> list[Verdict]:
    """The one verdict (the first deny, else the first ask) on what a command writes."""
    found = []
    for w in writes:
        if w.path in _DEVICES or w.path.startswith("/dev/fd/") or w.path == "-":
            continue
        v = scope.write(w, cwd)
        if v is not None:
            found.append(Verdict(v.decision, f"agentgate: `{shown}` {v.reason}"))
    worst = next((v for v in found if v.decision == "deny"), found[0] if found else None)
    return [worst] if worst is not None else []


def _cd(cwd: Path | None, args: list[str]) -> Path | None:
    """Where ``cd ARGS`` leaves the shell; None when that cannot be known."""
    words = [a for a in args if a not in ("-L", "-P", "-e", "--")]
    if not words:
        return Path(os.path.realpath(os.path.expanduser("~")))
    if words[0] == "-":
        return None
    return locate(words[0], cwd)


def _segments(command: str) -> list[_Segment]:
    """Simple commands of a shell line, split at ``&& || ; | & ( ) ` newline``, with
    their output redirections; heredoc bodies are skipped."""
    try:
        lex = shlex.shlex(command, posix=True, punctuation_chars=_PUNCT)
        lex.whitespace = " \t\r"  # newline separates commands: keep it as a token
        lex.whitespace_split = True
        tokens = list(lex)
    except ValueError:  # unbalanced quotes: judge the words anyway
        tokens = re.findall(r"[^\s;&|()`<>]+|[;&|()`<>]+|\n", command)
    segments = [_Segment([], [])]
    heredocs: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if not tok or not all(c in _PUNCT for c in tok):
            segments[-1].argv.append(tok)
            continue
        if "\n" in tok and heredocs:
            i = _skip_heredocs(tokens, i, heredocs)
            heredocs = []
        if set(tok) <= set("<>&|") and set(tok) & set("<>"):
            # A redirection: '2>' arrives as the word '2' then '>'; drop the fd number.
            argv = segments[-1].argv
            if argv and argv[-1].isdigit() and len(argv[-1]) == 1:
                argv.pop()
            target = tokens[i] if i < len(tokens) else ""
            i += 1
            if tok in ("<<", "<<-"):
                heredocs.append(target.lstrip("-"))
            elif ">" in tok and not (tok.endswith("&") and (target.isdigit() or target == "-")):
                segments[-1].outputs.append((tok, target))
            continue
        segments.append(_Segment([], []))
    return [s for s in segments if s.argv or s.outputs]


def _skip_heredocs(tokens: list[str], i: int, delimiters: list[str]) -> int:
    """The index past the heredoc bodies that start at ``tokens[i]``."""
    for delim in delimiters:
        at_line_start = True
        while i < len(tokens):
            tok = tokens[i]
            i += 1
            if at_line_start and tok == delim and (i >= len(tokens) or "\n" in tokens[i]):
                i += 1
                break
            at_line_start = "\n" in tok
    return i


def _unwrap(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """The command a wrapper line runs and the variables set for it:
    ``FOO=1 sudo npx prisma …`` → ``({FOO: 1}, prisma …)``."""
    assigns: dict[str, str] = {}
    for _ in range(8):
        while argv and _ASSIGNMENT.match(argv[0]):
            key, _, value = argv[0].partition("=")
            assigns[key] = value
            argv = argv[1:]
        if not argv:
            return assigns, argv
        prog = os.path.basename(argv[0])
        if prog in _WRAPPERS:
            argv = _skip_options(argv[1:], _WRAPPER_VALUE_OPTS, assigns)
            if prog == "timeout" and argv:
                argv = argv[1:]  # the duration
        elif prog in _RUN_WORDS and len(argv) > 1 and argv[1] in _RUN_WORDS[prog]:
            argv = _skip_options(argv[2:], set())
        elif re.fullmatch(r"python[0-9.]*|php", prog):
            rest = _skip_options(argv[1:], {"-W", "-X"})
            if rest[:1] == ["-m"]:
                rest = rest[1:]
            elif rest[:1] == ["-c"]:
                return assigns, []  # inline code: nothing to read here
            argv = rest
        else:
            return assigns, argv
    return assigns, argv


def _shell_script(args: list[str]) -> str | None:
    """The command string of ``sh -c STRING`` (also ``bash -lc STRING``)."""
    for i, a in enumerate(args[:-1]):
        if not a.startswith("-") or a.startswith("--"):
            return None
        if "c" in a[1:]:
            return args[i + 1]
    return None


def _skip_options(argv: list[str], value_opts: set[str], assigns: dict[str, str] | None = None) -> list[str]:
    i = 0
    while i < len(argv) and (argv[i].startswith("-") or _ASSIGNMENT.match(argv[i])):
        if argv[i] == "--":
            return argv[i + 1:]
        if assigns is not None and _ASSIGNMENT.match(argv[i]):
            key, _, value = argv[i].partition("=")
            assigns[key] = value
        i += 2 if argv[i] in value_opts else 1
    return argv[i:]


def _recursive_rm(args: list[str]) -> bool:
    for a in args:
        if a == "--":
            return False
        if a == "--recursive" or (a.startswith("-") and not a.startswith("--") and ("r" in a or "R" in a)):
            return True
    return False


def _quote(argv: Sequence[str]) -> str:
    # shlex.join quotes '~' and '*' too; quote only what would change the command's meaning.
    text = " ".join(a if a and not _NEEDS_QUOTES.search(a) else shlex.quote(a) for a in argv)
    return text if len(text) <= 100 else text[:97] + "..."
