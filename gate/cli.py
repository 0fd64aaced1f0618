"""Command line: the only importer of click. Parses, forwards, maps errors to exit codes.

Command modules are imported inside each command so that a hook pays only for
what it runs (DESIGN §9: start-up time is most of a warm hook's budget).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from gate import __version__
from gate.entry import run as _run  # errors -> exit codes, shared with the hook fast path
from gate.report import FORMATS

EXIT_CODES_HELP = "Exit codes: 0 allow, 1 block, 2 usage error, 3 needs approval, 4 could not run."


ENVIRONMENT_HELP = """\b
Environment:
  AGENTGATE_USER     who you are: the approver (else user.email), the pusher in hooks
  AGENTGATE_NO_MEMO  1: work the verdict out again instead of replaying a kept one
  AGENTGATE_DEBUG    1: print the traceback of an internal error"""


@click.group(context_settings={"help_option_names": ["-h", "--help"]},
             epilog=f"{EXIT_CODES_HELP}\n\n{ENVIRONMENT_HELP}")
@click.version_option(__version__, prog_name="agentgate")
def cli() -> None:
    """agentgate: a git-native merge gate for parallel coding agents.

    Every agent branch is held against the policy (.agentgate.toml) on the
    target branch: scope, overlaps with other agents, destructive changes and
    tests on the merge result. Start with 'agentgate demo'.
    """


_format = click.option("--format", "fmt", type=click.Choice(FORMATS), default="text",
                       show_default=True, help="Output format.")
_output = click.option("--output", "-o", metavar="FILE", help="Write the report to FILE instead of stdout.")
_target = click.option("--target", metavar="REF", help="Branch agents merge into (default: the policy's, else main).")
_repo = click.option("--repo", "repo_path", metavar="PATH", help="Repository to work on (default: the current one).")


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("branches", nargs=-1, metavar="[BRANCH]...")
@click.option("--all", "all_branches", is_flag=True, help="Check every open agent branch.")
@_target
@_format
@_output
@_repo
@click.option("--tests/--no-tests", default=False, show_default=True,
              help="Run [tests] command on each branch's merge result in a reusable test checkout.")
@click.option("--rerun", is_flag=True, help="With --tests: run again even when a result is cached.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="With --tests: branches tested at once (default: the number of cores).")
@click.option("--diff", "diff_file", metavar="FILE",
              help="Check a unified diff instead of a branch (git diff, gh pr diff; - reads stdin). Needs --agent.")
@click.option("--agent", metavar="NAME", help="With --diff: the agent whose patch it is.")
def check(branches: tuple[str, ...], all_branches: bool, target: str | None, fmt: str,
          output: str | None, repo_path: str | None, tests: bool, rerun: bool, jobs: int | None,
          diff_file: str | None, agent: str | None) -> None:
    """Gate BRANCH (default: the current branch) against the target, or a patch with --diff."""
    if diff_file is not None:
        from gate.commands import checkdiff

        if branches or all_branches or tests:
            raise click.UsageError("--diff checks a patch, not branches: drop BRANCH, --all and --tests")
        if not agent:
            raise click.UsageError("--diff needs --agent NAME: the agent whose patch it is")
        _run(lambda: checkdiff.main(diff_file, agent, target, fmt, output, repo_path))
        return
    if agent is not None:
        raise click.UsageError("--agent goes with --diff; a branch's agent comes from its name")
    from gate.commands import check as cmd

    if branches and all_branches:
        raise click.UsageError("give branch names or --all, not both")
    _run(lambda: cmd.main(branches, all_branches, target, fmt, output, repo_path,
                          tests=tests, rerun=rerun, jobs=jobs))


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@_target
@_repo
def who(paths: tuple[str, ...], target: str | None, repo_path: str | None) -> None:
    """Say which agent owns each PATH, and by which pattern."""
    from gate.commands import who as cmd

    _run(lambda: cmd.main(paths, target, repo_path))


@cli.command()
@click.option("--force", is_flag=True, help="Overwrite an existing .agentgate.toml.")
@_repo
def init(force: bool, repo_path: str | None) -> None:
    """Write a commented starter .agentgate.toml for this repository."""
    from gate.commands import init as cmd

    _run(lambda: cmd.main(force, repo_path))


@cli.group("policy")
def policy_group() -> None:
    """Work on the policy file (.agentgate.toml) before it is committed."""


@policy_group.command("check", epilog="Exit codes: 0 valid, 2 usage error, 4 invalid or could not run.")
@click.argument("file", required=False, metavar="[FILE]")
@_target
@_repo
def policy_check(file: str | None, target: str | None, repo_path: str | None) -> None:
    """Validate FILE (default: the worktree's .agentgate.toml) and show what it changes against the target's."""
    from gate.commands import policy as cmd

    _run(lambda: cmd.check_main(file, target, repo_path))


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def demo(directory: str | None) -> None:
    """Build a sample repository with agent branches and run the gate on it."""
    from gate.commands import demo as cmd

    _run(lambda: cmd.main(directory))


@cli.command(hidden=True, context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def hook(name: str, args: tuple[str, ...]) -> None:
    """Hook entry point the githooks/ shims call (pre-receive, update, pre-push, ...)."""
    from gate.commands import hook as cmd

    _run(lambda: cmd.main(name, args))


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("branch")
@click.option("--rule", "rules", multiple=True, metavar="RULE", help="Approve only findings of this rule id.")
@_target
@_repo
def approve(branch: str, rules: tuple[str, ...], target: str | None, repo_path: str | None) -> None:
    """Record approvals for BRANCH's current 'ask' findings on refs/agentgate/approvals."""
    from gate.commands import approve as cmd

    _run(lambda: cmd.main(branch, rules, target, repo_path))


@cli.group(invoke_without_command=True, epilog=EXIT_CODES_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@_target
@_repo
@click.pass_context
def approvals(cctx: click.Context, fmt: str, target: str | None, repo_path: str | None) -> None:
    """List the approvals recorded on refs/agentgate/approvals: the agent each counts
    for, and where its change landed on the target (spent)."""
    from gate.commands import approve as cmd

    if cctx.invoked_subcommand is None:
        _run(lambda: cmd.list_main(fmt, repo_path, target))
    cctx.obj = (target, repo_path)


@approvals.command("revoke", epilog=EXIT_CODES_HELP)
@click.argument("ids", nargs=-1, metavar="ID...")
@click.pass_context
def approvals_revoke(cctx: click.Context, ids: tuple[str, ...]) -> None:
    """Revoke approvals by id (approvers only): a new commit on refs/agentgate/approvals."""
    from gate.commands import approve as cmd

    target, repo_path = cctx.obj
    _run(lambda: cmd.revoke_main(ids, repo_path, target))


@cli.group()
def hooks() -> None:
    """Install or remove agentgate's git hook shims."""


@hooks.command("install")
@click.option("--server/--local", "server", default=None,
              help="Server set (pre-receive, update) or local set (pre-push, pre-merge-commit, commit-msg); "
                   "default: server in a bare repository, local otherwise.")
@click.option("--repo", "repo_path", metavar="PATH", type=click.Path(file_okay=False, path_type=Path),
              help="Repository to install into (default: the current one).")
@click.option("--hooks-path-ok", is_flag=True, help="Install into core.hooksPath when it is set.")
def hooks_install(server: bool | None, repo_path: Path | None, hooks_path_ok: bool) -> None:
    """Install the hook shims; a foreign hook is kept as NAME.legacy and runs first."""
    from gate.commands import hooks as cmd

    _run(lambda: cmd.install(repo_path, server=server, hooks_path_ok=hooks_path_ok))


@hooks.command("uninstall")
@click.option("--repo", "repo_path", metavar="PATH", type=click.Path(file_okay=False, path_type=Path),
              help="Repository to remove them from (default: the current one).")
def hooks_uninstall(repo_path: Path | None) -> None:
    """Remove the hook shims and put back any NAME.legacy hook."""
    from gate.commands import hooks as cmd

    _run(lambda: cmd.uninstall(repo_path))


@cli.group(invoke_without_command=True)
@click.pass_context
def guard(ctx: click.Context) -> None:
    """Claude Code hook: reads the hook's JSON on stdin, prints a decision (always exits 0)."""
    if ctx.invoked_subcommand is None:
        from gate.commands import guard as cmd

        _run(lambda: cmd.main(sys.stdin.read(), os.environ))


@guard.command("install")
@click.option("--worktree", metavar="PATH", type=click.Path(file_okay=False, path_type=Path),
              help="Agent worktree to set up (default: the current one).")
def guard_install(worktree: Path | None) -> None:
    """Merge the guard's hooks and permissions into .claude/settings.local.json."""
    from gate.commands import guard_install as cmd

    _run(lambda: cmd.install_main(worktree))


@cli.group(invoke_without_command=True, epilog="Exit codes: 0 stopped cleanly, 2 usage error, 4 could not run.")
@click.option("--repo", "repo_path", metavar="PATH", help="Repository to serve (default: the current one).")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port to listen on (default: the last one used, else a free one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--allow-remote", is_flag=True, help="Allow a --host that is not a loopback address.")
@click.pass_context
def serve(ctx: click.Context, repo_path: str | None, port: int | None, host: str, allow_remote: bool) -> None:
    """Serve the repository to agents over git's smart HTTP; every push runs pre-receive as its agent."""
    if ctx.invoked_subcommand is None:
        from gate.commands import serve as cmd

        _run(lambda: cmd.main(repo_path, host, port, allow_remote))


@serve.command("token")
@click.argument("agent")
@_repo
def serve_token(agent: str, repo_path: str | None) -> None:
    """Create or replace AGENT's token for serve; print it as the last word (only a hash is kept)."""
    from gate.commands import serve as cmd

    _run(lambda: cmd.token_main(agent, repo_path))


@cli.command()
@click.argument("agent")
@click.argument("task", required=False)
@click.option("--from", "start", metavar="REF", help="Start the branch here (default: the target's tip).")
@click.option("--isolated", is_flag=True,
              help="A clone with its own .git whose only remote is 'agentgate serve', instead of a worktree.")
@_target
@_repo
def spawn(agent: str, task: str | None, start: str | None, isolated: bool, target: str | None,
          repo_path: str | None) -> None:
    """Create AGENT's branch for TASK and a worktree (or an isolated clone) for it; print where and its scope."""
    from gate.commands import spawn as cmd

    _run(lambda: cmd.main(agent, task, start, target, repo_path, isolated=isolated))


@cli.command()
@click.argument("name", metavar="BRANCH|AGENT")
@click.option("--all", "all_branches", is_flag=True, help="Discard every branch and worktree of AGENT.")
@_repo
def discard(name: str, all_branches: bool, repo_path: str | None) -> None:
    """Save uncommitted work, keep a backup ref, remove the worktree and the branch."""
    from gate.commands import discard as cmd

    _run(lambda: cmd.main(name, all_branches, repo_path))


@cli.command()
@click.argument("name", required=False)
@_repo
def restore(name: str | None, repo_path: str | None) -> None:
    """Bring back a discarded branch, its worktree and its uncommitted work (default: the latest)."""
    from gate.commands import discard as cmd

    _run(lambda: cmd.restore(name, repo_path))


@cli.command()
@click.option("--purge", is_flag=True, help="Delete old entries.")
@click.option("--older-than", metavar="AGE", help="With --purge: entries older than AGE (30d, 12h, 2w; default 30d).")
@_repo
def trash(purge: bool, older_than: str | None, repo_path: str | None) -> None:
    """List discarded branches (or purge old ones)."""
    from gate.commands import discard as cmd

    _run(lambda: cmd.trash(purge, older_than, repo_path))


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("branch")
@click.option("--no-tests", is_flag=True, help="Do not run the test command on the merge result.")
@click.option("--yes", "-y", is_flag=True, help="Approve the gated findings without asking (you must be an approver).")
@_target
@_repo
def merge(branch: str, no_tests: bool, yes: bool, target: str | None, repo_path: str | None) -> None:
    """Gate BRANCH, then merge it into the target with a merge commit."""
    from gate.commands import merge as cmd

    _run(lambda: cmd.main(branch, no_tests, yes, target, repo_path))


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("branches", nargs=-1, metavar="[BRANCH]...")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Candidates tested at once (default: the number of cores).")
@click.option("--no-tests", is_flag=True, help="Land without running the test command on the candidates.")
@click.option("--dry-run", is_flag=True, help="Print the queue and the candidates; test and land nothing.")
@click.option("--push", "remote", metavar="REMOTE",
              help="Then push the target (and the approvals it relies on) to REMOTE.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="Output format (json: one document on stdout, progress on stderr).")
@_target
@_repo
def land(branches: tuple[str, ...], jobs: int | None, no_tests: bool, dry_run: bool, remote: str | None,
         fmt: str, target: str | None, repo_path: str | None) -> None:
    """Merge queue: test the open agent branches merged in plan order, land the passing ones at once."""
    from gate.commands import land as cmd

    _run(lambda: cmd.main(branches, jobs, no_tests, dry_run, remote, fmt, target, repo_path))


@cli.command()
@click.argument("name", metavar="BRANCH|AGENT")
@_target
@_repo
def revert(name: str, target: str | None, repo_path: str | None) -> None:
    """Revert the merge commit(s) that brought BRANCH (or AGENT's branches) into the target."""
    from gate.commands import revert as cmd

    _run(lambda: cmd.main(name, target, repo_path))


@cli.command(epilog=EXIT_CODES_HELP)
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="Output format (text: a table at a terminal, plain when piped).")
@_output
@_target
@_repo
def status(fmt: str, output: str | None, target: str | None, repo_path: str | None) -> None:
    """The board: every open agent branch, its overlaps and conflicts, the agents matrix."""
    from gate.commands import status as cmd

    _run(lambda: cmd.main(fmt, target, output, repo_path))


@cli.command(epilog=EXIT_CODES_HELP)
@click.option("--format", "fmt", type=click.Choice(("text", "json", "github-matrix")), default="text",
              show_default=True, help="Output format (github-matrix: one line for a workflow's strategy.matrix).")
@_output
@_target
@_repo
def plan(fmt: str, output: str | None, target: str | None, repo_path: str | None) -> None:
    """A merge order for the open agent branches that leaves the fewest conflicts."""
    from gate.commands import plan as cmd

    _run(lambda: cmd.main(fmt, target, output, repo_path))


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="agentgate")


