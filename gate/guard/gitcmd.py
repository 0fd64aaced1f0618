"""The guard's reading of one ``git`` command line.

Deny what moves work past the gate or switches it off: a push to the target, to
another agent's branches or to ``refs/agentgate/``; a merge or pull into the
target; ``update-ref``; any git run in another folder (``-C``, ``--git-dir``,
``GIT_DIR=``, or a ``cd`` before it); ``--no-verify``; ``-c core.hooksPath=…``; a
``git config`` that writes hooks or ``agentgate.*``. Ask before what destroys work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from gate.guard.scope import ShellScope, Verdict, locate
from gate.guard.writes import Write, written

_GLOBAL_VALUE_OPTS = {"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix"}
_SUB_VALUE_OPTS = {
    "push": {"-o", "--push-option", "--receive-pack", "--exec", "--repo"},
    "commit": {"-m", "-F", "-C", "-c", "-t", "--author", "--date", "--fixup", "--squash", "--cleanup", "--file",
               "--message", "--template", "--reuse-message", "--reedit-message"},
    "merge": {"-m", "-F", "-s", "-X", "--strategy", "--strategy-option", "--file"},
    "config": {"-f", "--file", "--blob", "--type", "--default", "--comment"},
}  # fmt: skip
_CONFIG_READS = {"--get", "--get-all", "--get-regexp", "--get-urlmatch", "--list", "--get-color", "--get-colorbool"}
_CONFIG_SUBCOMMANDS = {"set", "unset", "rename-section", "remove-section", "edit", "get", "list"}
_LOCATION_VARS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")


def judge(args: list[str], shown: str, scope: ShellScope, cwd: Path | None, branch: str | None,
          assigns: Mapping[str, str]) -> list[Verdict]:
    """The guard's verdicts on ``git ARGS`` run from ``cwd`` with ``branch`` checked out."""

    def deny(what: str) -> Verdict:
        return Verdict("deny", f"agentgate: `{shown}` {what}")

    def ask(what: str) -> Verdict:
        return Verdict("ask", f"agentgate: `{shown}` {what}; confirm only if a human wants it.")

    out: list[Verdict] = []
    i, where, configs = 0, cwd, []
    places: list[tuple[str, str]] = [(f"{k}={v}", v) for k, v in assigns.items() if k in _LOCATION_VARS]
    while i < len(args) and args[i].startswith("-"):
        name, eq, value = args[i].partition("=")
        if not eq and name in _GLOBAL_VALUE_OPTS:
            value, i = (args[i + 1] if i + 1 < len(args) else ""), i + 1
        i += 1
        if name == "-C" and where is not None:
            where = locate(value, where)
        elif name in ("-c", "--config-env"):
            configs.append(value)
        elif name in ("--git-dir", "--work-tree"):
            places.append((f"{name} {value}", value))
    if where is not None and scope.outside(where):
        out.append(deny(f"runs git in {where}, outside this worktree ({scope.root}); {scope.who()} runs git only "
                        "in its own folder."))
    for label, value in places:
        real = locate(value, where)
        if real is not None and scope.outside(real):
            out.append(deny(f"points git at another repository ({label}); {scope.who()} runs git only in its own "
                            "folder."))
    hooks_off = [c for c in configs if c.partition("=")[0].lower() == "core.hookspath"]
    hooks_off += [v for k, v in assigns.items() if k.startswith("GIT_CONFIG") and "hookspath" in v.lower()]
    if hooks_off:
        out.append(deny("switches git's hooks off (core.hooksPath); the gate's hooks stay on."))
    if i >= len(args):
        return out
    sub, rest = args[i], args[i + 1:]
    opts, pos, after_dd = split(rest, _SUB_VALUE_OPTS.get(sub, set()))
    longs = {o.split("=", 1)[0] for o in opts if o.startswith("--")}
    letters = {c for o in opts if not o.startswith("--") for c in o[1:]}
    if "--no-verify" in longs or (sub == "commit" and "n" in letters):
        out.append(deny("skips git's hooks (--no-verify); the gate's hooks stay on."))
    judged = _SUBCOMMANDS.get(sub)
    if judged is not None:
        v = judged(_Call(sub, opts, pos, after_dd, longs, letters, scope, cwd, branch, deny, ask))
        if v is not None:
            out.append(v)
    return out


class _Call:
    """One git subcommand's parsed arguments and the helpers its judge needs."""

    def __init__(self, sub: str, opts: list[str], pos: list[str], after_dd: list[str], longs: set[str],
                 letters: set[str], scope: ShellScope, cwd: Path | None, branch: str | None,
                 deny: Callable[[str], Verdict], ask: Callable[[str], Verdict]) -> None:
        self.sub, self.opts, self.pos, self.after_dd = sub, opts, pos, after_dd
        self.longs, self.letters, self.scope, self.cwd, self.branch = longs, letters, scope, cwd, branch
        self.deny, self.ask = deny, ask


def _push(c: _Call) -> Verdict | None:
    scope = c.scope
    to_target = c.deny(f"pushes to {scope.target}, the target branch; agents never push there. Push your own "
                       "branch; a human merges it with 'agentgate merge'.")
    if c.longs & {"--all", "--branches", "--mirror"}:
        return to_target
    specs = c.pos[1:] + c.after_dd
    for spec in specs or [""]:
        bare = spec.lstrip("+")
        dst = bare.partition(":")[2] if ":" in bare else bare
        if dst in ("", "HEAD", "@") and ":" not in bare:
            dst = c.branch or ""
        short = dst.removeprefix("refs/heads/")
        if short == scope.target:
            return to_target
        if dst.startswith("refs/agentgate/"):
            return c.deny(f"pushes {dst}; only an approver records and pushes approvals.")
        owner = scope.branch_owner(short) if scope.agent and short else None
        if owner is not None and owner != scope.agent:
            return c.deny(f"pushes to {short}, a branch of agent {owner}; {scope.agent} pushes only its own "
                          "branches.")
    if c.longs & {"--force", "--force-with-lease"} or "f" in c.letters or any(s.startswith("+") for s in specs):
        return c.ask("force-pushes, rewriting the remote branch's history")
    if "--delete" in c.longs or "d" in c.letters or any(s.startswith(":") for s in specs):
        return c.ask("deletes a remote branch")
    return None


def _merge(c: _Call) -> Verdict | None:
    if c.branch != c.scope.target or (c.sub == "merge" and c.longs & {"--abort", "--quit"}):
        return None
    return c.deny(f"merges into {c.scope.target}, the target branch; a human merges agent work with "
                  "'agentgate merge'.")


def _config(c: _Call) -> Verdict | None:
    if c.longs & _CONFIG_READS or "l" in c.letters or (c.pos[:1] and c.pos[0] in ("get", "list")):
        return None
    words = c.pos[1:] if c.pos[:1] and c.pos[0] in _CONFIG_SUBCOMMANDS else c.pos
    editing = "--edit" in c.longs or "e" in c.letters or c.pos[:1] == ["edit"]
    sections = bool(c.longs & {"--rename-section", "--remove-section"}) or c.pos[:1] in (["rename-section"],
                                                                                       ["remove-section"])
    keys = [w.lower() for w in words[:1]]
    guarded = [k for k in keys if k.startswith(("agentgate.", "hook.", "include.", "includeif."))
               or k == "core.hookspath" or (sections and k in ("agentgate", "hook", "core", "include"))]
    if editing or guarded:
        what = "edits git config in an editor" if editing else f"changes {guarded[0]} in git config"
        return c.deny(f"{what}; git's hooks and agentgate's settings are a human's to change.")
    return None


def _rm_or_mv(c: _Call) -> Verdict | None:
    paths = c.pos + c.after_dd
    if c.sub == "mv":
        writes = written("mv", paths)
    else:
        tree = "r" in c.letters or "-r" in c.opts
        writes = [Write(p, tree, deletes=True) for p in paths]
    verdicts = [v for v in (c.scope.write(w, c.cwd) for w in writes) if v is not None]
    worst = next((v for v in verdicts if v.decision == "deny"), verdicts[0] if verdicts else None)
    if worst is not None:
        return Verdict(worst.decision, c.deny(worst.reason).reason)
    if c.sub == "rm" and ("r" in c.letters):
        return c.ask("deletes recursively (git rm -r)")
    return None


def _other(c: _Call) -> Verdict | None:
    sub, longs, letters = c.sub, c.longs, c.letters
    if sub == "update-ref":
        return c.deny("writes a ref directly; agents move refs only by committing to and pushing their own branch.")
    if sub == "reset" and "--hard" in longs:
        return c.ask("throws away uncommitted changes (reset --hard)")
    if sub == "clean" and ("f" in letters or "--force" in longs) and not ("n" in letters or "--dry-run" in longs):
        return c.ask("deletes untracked files")
    if sub == "checkout" and (c.after_dd or "." in c.pos or "f" in letters or "--force" in longs):
        return c.ask("overwrites uncommitted changes")
    staged_only = ("S" in letters or "--staged" in longs) and not ("W" in letters or "--worktree" in longs)
    if sub == "restore" and not staged_only:
        return c.ask("discards uncommitted changes")
    if sub == "switch" and (longs & {"--discard-changes", "--force"} or letters & {"f", "C"}):
        return c.ask("discards uncommitted changes or resets a branch")
    if sub == "branch" and (letters & {"D", "M", "C", "f"} or "--force" in longs):
        return c.ask("deletes or overwrites a branch")
    if sub == "stash" and c.pos[:1] in (["drop"], ["clear"]):
        return c.ask("drops stashed work")
    if sub in ("filter-branch", "filter-repo"):
        return c.ask("rewrites or deletes refs")
    return None


_SUBCOMMANDS: dict[str, Callable[[_Call], Verdict | None]] = {
    "push": _push, "merge": _merge, "pull": _merge, "config": _config, "rm": _rm_or_mv, "mv": _rm_or_mv,
    **{s: _other for s in ("update-ref", "reset", "clean", "checkout", "restore", "switch", "branch", "stash",
                           "filter-branch", "filter-repo")},
}  # fmt: skip


def switched_to(args: list[str]) -> str | None:
    """The branch ``git checkout B`` / ``git switch B`` leaves checked out, if that is all it does."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in _GLOBAL_VALUE_OPTS else 1
    if i >= len(args) or args[i] not in ("checkout", "switch"):
        return None
    opts, pos, after_dd = split(args[i + 1:], set())
    if after_dd or any(o in ("-b", "-B", "-c", "-C", "--orphan", "--detach") for o in opts):
        return None
    return pos[0] if len(pos) == 1 else None


def split(args: list[str], value_opts: set[str]) -> tuple[list[str], list[str], list[str]]:
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
