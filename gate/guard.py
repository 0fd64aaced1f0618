"""What ``agentgate guard`` answers to a Claude Code hook call (pure decision logic).

Claude Code runs the guard before a tool call (``PreToolUse``) and after one
(``PostToolUse``), with a JSON payload on stdin: ``session_id``, ``cwd``,
``hook_event_name``, ``tool_name`` and ``tool_input`` (``file_path`` for Edit, Write
and MultiEdit, ``notebook_path`` for NotebookEdit, ``command`` for Bash). A
``PreToolUse`` answer is ``hookSpecificOutput.permissionDecision`` (``deny`` is
shown to the agent, ``ask`` to the human); a ``PostToolUse`` answer of
``decision: block`` puts its ``reason`` in front of the agent. ``None`` means no
opinion: Claude Code's own permission rules decide.

The caller builds a ``GuardScope`` (worktree, agent, ownership lookups from the
target branch's policy); nothing here runs git or reads the policy. Shell commands
are read with ``shlex``, not executed, so this is a guard rail against mistakes,
not a sandbox: the server hook and CI are the enforcement (DESIGN §2).
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

FILE_TOOLS = {"Edit": "file_path", "Write": "file_path", "MultiEdit": "file_path", "NotebookEdit": "notebook_path"}
# The guard's own configuration: an agent that may rewrite it may switch it off.
GUARD_CONFIG = (".claude/settings.json", ".claude/settings.local.json")
_GATE_WHY = {
    "gate.migration": "a migration needs a human's approval before it can merge",
    "gate.ci": "a CI change needs a human's approval before it can merge",
    "gate.policy": "the policy is read from {target}; a branch that changes it is blocked at merge",
}
_MAX_LISTED = 10


@dataclass(frozen=True)
class Verdict:
    """A decision the guard has an opinion on, and the reason shown with it."""

    decision: Literal["deny", "ask"]
    reason: str


@dataclass(frozen=True)
class GuardScope:
    """What the guard knows about the session's worktree and agent."""

    root: Path  # the worktree's top directory
    agent: str | None  # None: no agent here, so no ownership to hold edits against
    owner_of: Callable[[str], str | None]  # repository-relative path -> owning agent
    is_shared: Callable[[str], bool]
    is_gated: Callable[[str], str | None]  # path -> rule id needing approval
    target: str = "main"
    branch: str | None = None  # the checked-out branch's short name, if any


def problem(payload: object) -> str | None:
    """Why ``payload`` is not a hook call the guard can read, or None when it is."""
    if not isinstance(payload, dict):
        return "the hook input is not a JSON object"
    event, tool = payload.get("hook_event_name"), payload.get("tool_name")
    if not isinstance(event, str):
        return "hook_event_name is missing"
    if not isinstance(tool, str):
        return "tool_name is missing" if event in ("PreToolUse", "PostToolUse") else None
    if "cwd" in payload and not isinstance(payload["cwd"], str):
        return "cwd is not a string"
    if tool not in FILE_TOOLS and tool != "Bash":
        return None
    tool_input = payload.get("tool_input")
    if not isinstance(tool_input, dict):
        return f"tool_input of {tool} is not an object"
    key = FILE_TOOLS.get(tool, "command")
    value = tool_input.get(key)
    if not isinstance(value, str) or not value.strip():
        return f"tool_input.{key} of {tool} is missing"
    return None


def decide(payload: dict[str, Any], scope: GuardScope, changed: Sequence[str] = ()) -> dict[str, Any] | None:
    """The hook's JSON answer to ``payload``, or None for no opinion (also on bad input).

    ``changed`` is, for ``PostToolUse`` after Bash, the worktree's changed paths
    (relative to its top) as ``git status`` lists them.
    """
    if problem(payload) is not None:
        return None
    event, tool = payload["hook_event_name"], payload["tool_name"]
    if event == "PreToolUse" and tool in FILE_TOOLS:
        raw = payload["tool_input"][FILE_TOOLS[tool]]
        return _pre(judge_path(raw, payload.get("cwd"), scope))
    if event == "PreToolUse" and tool == "Bash":
        return _pre(judge_command(payload["tool_input"]["command"], scope.target, scope.branch))
    if event == "PostToolUse" and tool == "Bash":
        return _post_bash(changed, scope)
    return None


def resolve(raw: str, cwd: str | None, root: Path) -> Path:
    """The real path ``raw`` names: relative to ``cwd``, ``..`` and symlinks resolved."""
    path = Path(os.path.expanduser(raw))
    if not path.is_absolute():
        path = Path(cwd or root) / path
    # realpath resolves the symlinks in the part that exists and normalises the rest,
    # so a new file under a symlinked directory lands where the write would land.
    return Path(os.path.realpath(path))


def judge_path(raw: str, cwd: str | None, scope: GuardScope) -> Verdict | None:
    """The decision on editing the file ``raw`` names."""
    root = Path(os.path.realpath(scope.root))
    real = resolve(raw, cwd, root)
    shown = raw if str(real) == raw else f"{raw} (that is {real})"
    try:
        rel = real.relative_to(root).as_posix()
    except ValueError:
        who = scope.agent or "this session"
        return Verdict("deny", f"agentgate: {shown} is outside this worktree ({root}); {who} edits only files in it.")
    if rel in ("", "."):
        return None
    if rel == ".git" or rel.startswith(".git/"):
        return Verdict("deny", f"agentgate: {rel} is git's own data, not a file of the project; leave it alone.")
    if rel in GUARD_CONFIG:
        return Verdict("deny", f"agentgate: {rel} configures this guard; only a human changes it.")
    outside = outside_scope(rel, scope)
    if outside is not None:
        return Verdict("deny", f"agentgate: {rel} is {outside}, outside {scope.agent}'s scope. {_leave_it(rel, scope)}")
    rule = scope.is_gated(rel)
    if rule is not None:
        why = _GATE_WHY.get(rule, "it needs a human's approval before it can merge").format(target=scope.target)
        return Verdict("ask", f"agentgate: {rel} is gated ({rule}): {why}. Allow only if a human wants this change.")
    return None


def outside_scope(rel: str, scope: GuardScope) -> str | None:
    """'owned by X' / 'owned by no agent' when ``rel`` is outside the agent's scope."""
    if scope.agent is None:
        return None
    owner = scope.owner_of(rel)
    if owner == scope.agent or scope.is_shared(rel):
        return None
    return f"owned by {owner}" if owner is not None else "owned by no agent and not shared"


def _leave_it(rel: str, scope: GuardScope) -> str:
    owner = scope.owner_of(rel)
    if owner is not None:
        return f"Leave it to {owner}, or ask a human to change the policy on {scope.target}."
    return f"Ask a human to add it to {scope.agent}'s paths in the policy on {scope.target} first."


def _pre(verdict: Verdict | None) -> dict[str, Any] | None:
    if verdict is None:
        return None
    return {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": verdict.decision,
            "permissionDecisionReason": verdict.reason,
        }
    }


def _post_bash(changed: Sequence[str], scope: GuardScope) -> dict[str, Any] | None:
    outside: list[str] = []
    for rel in dict.fromkeys(changed):  # keep git's order, drop repeats
        why = outside_scope(rel, scope)
        if why is not None:
            outside.append(f"{rel} ({why})")
    if not outside:
        return None
    listed = ", ".join(outside[:_MAX_LISTED])
    if len(outside) > _MAX_LISTED:
        listed += f" and {len(outside) - _MAX_LISTED} more"
    return {
        "decision": "block",
        "reason": (
            f"agentgate: files outside {scope.agent}'s scope are changed in this worktree: {listed}. "
            "Undo those changes: 'agentgate check' blocks a branch that touches them (scope.outside)."
        ),
    }


# -- shell commands -----------------------------------------------------------------

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
