"""How ``agentgate guard`` reads a Bash command line before Claude Code runs it.

The line is split into simple commands with ``shlex`` (never executed); wrappers
such as ``sudo``, ``env``, ``npx`` or ``uv run`` are peeled off, ``sh -c`` and
``eval`` are read recursively, and the program with its arguments is held against
lists of destructive git operations, migrations and deploys. A guard rail against
mistakes, not a sandbox (DESIGN §2).
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Verdict:
    """A decision the guard has an opinion on, and the reason shown with it."""

    decision: Literal["deny", "ask"]
    reason: str



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
_GIT_VALUE_OPTS = {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env"}
_PUSH_VALUE_OPTS = {"-o", "--push-option", "--receive-pack", "--exec", "--repo"}

_Seqs = tuple[tuple[str, ...], ...]
_TF: _Seqs = (("apply",), ("destroy",), ("import",), ("taint",), ("state", "rm"), ("state", "mv"))
# Word sequences (fnmatch patterns) that, found anywhere in a program's arguments,
# make the command a migration or a deploy. () matches any invocation.
_MIGRATIONS: dict[str, _Seqs] = {
    "alembic": (("upgrade",), ("downgrade",), ("stamp",)),
    "manage.py": (("migrate",), ("flush",)), "django-admin": (("migrate",), ("flush",)),
    "prisma": (("migrate",), ("db", "push")),
    "rails": (("db:*",),), "rake": (("db:*",),), "sequelize": (("db:*",),), "sequelize-cli": (("db:*",),),
    "flyway": (("migrate",), ("clean",), ("repair",), ("undo",), ("baseline",)),
    "liquibase": (("update*",), ("rollback*",), ("drop-all",), ("dropAll",)),
    "knex": (("migrate:*",),), "typeorm": (("migration:run",), ("migration:revert",), ("schema:*",)),
    "diesel": (("migration", "run"), ("migration", "revert"), ("migration", "redo"), ("database", "reset")),
    "sqlx": (("migrate", "run"), ("migrate", "revert"), ("database", "reset"), ("database", "drop")),
    "goose": (("up*",), ("down*",), ("reset",), ("redo",)),
    "dbmate": (("up",), ("down",), ("migrate",), ("rollback",), ("drop",)),
    "migrate": (("up",), ("down",), ("drop",), ("force",), ("goto",)),
    "artisan": (("migrate*",), ("db:wipe",)),
    "mix": (("ecto.migrate",), ("ecto.rollback",), ("ecto.drop",), ("ecto.reset",)),
    "drizzle-kit": (("push",), ("migrate",)), "supabase": (("db", "push"), ("db", "reset")),
    "atlas": (("migrate", "apply"), ("schema", "apply")),
}
_DEPLOYS: dict[str, _Seqs] = {
    "kubectl": (("apply",), ("create",), ("delete",), ("replace",), ("patch",), ("scale",), ("rollout",),
                ("drain",), ("set",)),
    "terraform": _TF, "tofu": _TF, "terragrunt": _TF,
    "helm": (("install",), ("upgrade",), ("uninstall",), ("delete",), ("rollback",)),
    "pulumi": (("up",), ("update",), ("destroy",)), "cdk": (("deploy",), ("destroy",)),
    "serverless": (("deploy",), ("remove",)), "sls": (("deploy",), ("remove",)),
    "fly": (("deploy",),), "flyctl": (("deploy",),), "vercel": (("deploy",), ("--prod",)),
    "netlify": (("deploy",),), "firebase": (("deploy",),), "wrangler": (("deploy",), ("publish",)),
    "gcloud": (("deploy",),), "aws": (("deploy",),), "eb": (("deploy",), ("terminate",)),
    "kamal": (("deploy",), ("rollback",)), "cap": (("deploy",),), "ansible-playbook": ((),),
    "docker": (("push",),), "npm": (("publish",),), "pnpm": (("publish",),), "yarn": (("publish",),),
    "twine": (("upload",),), "cargo": (("publish",),), "gh": (("release", "create"), ("pr", "merge")),
}


def judge_command(command: str, target: str, branch: str | None, depth: int = 0) -> Verdict | None:
    """``deny`` for a push to ``target``; ``ask`` before destructive commands; else None."""
    denies: list[str] = []
    asks: list[str] = []
    for seg in _segments(command):
        argv = _unwrap(seg)
        if not argv:
            continue
        prog, args = os.path.basename(argv[0]), argv[1:]
        script = _shell_script(args) if prog in _SHELLS else None
        if script is not None and depth < 3:
            inner = judge_command(script, target, branch, depth + 1)
        elif prog == "eval" and depth < 3:
            inner = judge_command(" ".join(args), target, branch, depth + 1)
        else:
            inner = _judge_argv(prog, args, _quote(seg), target, branch)
        if inner is not None:
            (denies if inner.decision == "deny" else asks).append(inner.reason)
    if denies:
        return Verdict("deny", " ".join(denies))
    return Verdict("ask", " ".join(dict.fromkeys(asks))) if asks else None


def _judge_argv(prog: str, args: list[str], shown: str, target: str, branch: str | None) -> Verdict | None:
    if prog == "git":
        return _judge_git(args, shown, target, branch)
    if prog == "rm" and _recursive_rm(args):
        return Verdict("ask", f"agentgate: `{shown}` deletes recursively; confirm the paths are right.")
    if _matches(_MIGRATIONS.get(prog, ()), args):
        return Verdict("ask", f"agentgate: `{shown}` runs a database migration; confirm only if a human wants it now.")
    if _matches(_DEPLOYS.get(prog, ()), args):
        return Verdict("ask", f"agentgate: `{shown}` deploys or publishes beyond this worktree; confirm only if "
                       "a human wants it.")
    return None


def _judge_git(args: list[str], shown: str, target: str, branch: str | None) -> Verdict | None:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in _GIT_VALUE_OPTS else 1
    if i >= len(args):
        return None
    sub = args[i]
    opts, pos, after_dd = _split(args[i + 1:], _PUSH_VALUE_OPTS if sub == "push" else set())
    longs = {o.split("=", 1)[0] for o in opts if o.startswith("--")}
    letters = {c for o in opts if not o.startswith("--") for c in o[1:]}

    def ask(what: str) -> Verdict:
        return Verdict("ask", f"agentgate: `{shown}` {what}; confirm only if a human wants it.")

    if sub == "push":
        to_target = Verdict("deny", f"agentgate: `{shown}` pushes to {target}, the target branch; agents never "
                            "push there. Push your own branch; a human merges it with 'agentgate merge'.")
        if longs & {"--all", "--branches", "--mirror"}:
            return to_target
        specs = pos[1:] + after_dd
        for spec in specs or [""]:
            bare = spec.lstrip("+")
            dst = bare.partition(":")[2] if ":" in bare else bare
            if dst in ("", "HEAD", "@") and ":" not in bare:
                dst = branch or ""
            if dst.removeprefix("refs/heads/") == target:
                return to_target
        if longs & {"--force", "--force-with-lease"} or "f" in letters or any(s.startswith("+") for s in specs):
            return ask("force-pushes, rewriting the remote branch's history")
        if "--delete" in longs or "d" in letters or any(s.startswith(":") for s in specs):
            return ask("deletes a remote branch")
        return None
    if sub == "reset" and "--hard" in longs:
        return ask("throws away uncommitted changes (reset --hard)")
    if sub == "clean" and ("f" in letters or "--force" in longs) and not ("n" in letters or "--dry-run" in longs):
        return ask("deletes untracked files")
    if sub == "checkout" and (after_dd or "." in pos or "f" in letters or "--force" in longs):
        return ask("overwrites uncommitted changes")
    staged_only = ("S" in letters or "--staged" in longs) and not ("W" in letters or "--worktree" in longs)
    if sub == "restore" and not staged_only:
        return ask("discards uncommitted changes")
    if sub == "switch" and (longs & {"--discard-changes", "--force"} or letters & {"f", "C"}):
        return ask("discards uncommitted changes or resets a branch")
    if sub == "branch" and (letters & {"D", "M", "C", "f"} or "--force" in longs):
        return ask("deletes or overwrites a branch")
    if sub == "stash" and pos[:1] in (["drop"], ["clear"]):
        return ask("drops stashed work")
    if sub in ("filter-branch", "filter-repo") or (sub == "update-ref" and "-d" in opts):
        return ask("rewrites or deletes refs")
    return None


def _segments(command: str) -> list[list[str]]:
    """Simple commands of a shell line, split at ``&& || ; | & ( ) ` newline``."""
    try:
        lex = shlex.shlex(command, posix=True, punctuation_chars=_PUNCT)
        lex.whitespace = " \t\r"  # newline separates commands: keep it as a token
        lex.whitespace_split = True
        tokens = list(lex)
    except ValueError:  # unbalanced quotes: judge the words anyway
        tokens = re.findall(r"[^\s;&|()`<>]+|[;&|()`<>\n]+", command)
    segments: list[list[str]] = [[]]
    skip = False
    for tok in tokens:
        if skip:
            skip = False
        elif tok and all(c in _PUNCT for c in tok):
            if set(tok) <= set("<>&") and set(tok) & set("<>"):
                skip = True  # a redirection: its target is not an argument
            else:
                segments.append([])
        else:
            segments[-1].append(tok)
    return [s for s in segments if s]


def _unwrap(argv: list[str]) -> list[str]:
    """The command a wrapper line runs: ``FOO=1 sudo npx prisma …`` → ``prisma …``."""
    for _ in range(8):
        while argv and _ASSIGNMENT.match(argv[0]):
            argv = argv[1:]
        if not argv:
            return argv
        prog = os.path.basename(argv[0])
        if prog in _WRAPPERS:
            argv = _skip_options(argv[1:], _WRAPPER_VALUE_OPTS)
            if prog == "timeout" and argv:
                argv = argv[1:]  # the duration
        elif prog in _RUN_WORDS and len(argv) > 1 and argv[1] in _RUN_WORDS[prog]:
            argv = _skip_options(argv[2:], set())
        elif re.fullmatch(r"python[0-9.]*|php", prog):
            rest = _skip_options(argv[1:], {"-W", "-X"})
            if rest[:1] == ["-m"]:
                rest = rest[1:]
            elif rest[:1] == ["-c"]:
                return []  # inline code: nothing to read here
            argv = rest
        else:
            return argv
    return argv


def _shell_script(args: list[str]) -> str | None:
    """The command string of ``sh -c STRING`` (also ``bash -lc STRING``)."""
    for i, a in enumerate(args[:-1]):
        if not a.startswith("-") or a.startswith("--"):
            return None
        if "c" in a[1:]:
            return args[i + 1]
    return None


def _skip_options(argv: list[str], value_opts: set[str]) -> list[str]:
    i = 0
    while i < len(argv) and (argv[i].startswith("-") or _ASSIGNMENT.match(argv[i])):
        if argv[i] == "--":
            return argv[i + 1:]
        i += 2 if argv[i] in value_opts else 1
    return argv[i:]


def _split(args: list[str], value_opts: set[str]) -> tuple[list[str], list[str], list[str]]:
    """(options, positionals, arguments after ``--``)."""
    opts: list[str] = []
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return opts, pos, args[i + 1:]
        if a.startswith("-") and a != "-":
            opts.append(a)
            i += 2 if a in value_opts else 1
            continue
        pos.append(a)
        i += 1
    return opts, pos, []


def _recursive_rm(args: list[str]) -> bool:
    for a in args:
        if a == "--":
            return False
        if a == "--recursive" or (a.startswith("-") and not a.startswith("--") and ("r" in a or "R" in a)):
            return True
    return False


def _matches(seqs: _Seqs, args: list[str]) -> bool:
    for seq in seqs:
        n = len(seq)
        for i in range(len(args) - n + 1):
            if all(fnmatch.fnmatchcase(args[i + k], seq[k]) for k in range(n)):
                return True
    return False


def _quote(argv: Sequence[str]) -> str:
    # shlex.join quotes '~' and '*' too; quote only what would change the command's meaning.
    text = " ".join(a if a and not _NEEDS_QUOTES.search(a) else shlex.quote(a) for a in argv)
    return text if len(text) <= 100 else text[:97] + "..."
