"""Command line: the only importer of click. Parses, forwards, maps errors to exit codes.

Command modules are imported inside each command so that a hook pays only for
what it runs (DESIGN §9: start-up time is most of a warm hook's budget).
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable

import click

from gate import __version__
from gate.errors import EXIT_ERROR, GateError
from gate.report import FORMATS

EXIT_CODES_HELP = "Exit codes: 0 allow, 1 block, 2 usage error, 3 needs approval, 4 could not run."


def _run(fn: Callable[[], int]) -> None:
    """Call a command function and turn its result or error into the exit status."""
    try:
        rc = fn()
    except GateError as e:
        click.echo(f"agentgate: {e}", err=True)
        rc = e.exit_code
    except KeyboardInterrupt:
        click.echo("agentgate: interrupted", err=True)
        rc = 130
    except Exception as e:  # noqa: BLE001 - the last line of defence: never a bare traceback
        if os.environ.get("AGENTGATE_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"agentgate: internal error: {type(e).__name__}: {e}. This is a bug in agentgate; "
            "rerun with AGENTGATE_DEBUG=1 for the traceback and report it.",
            err=True,
        )
        rc = EXIT_ERROR
    raise SystemExit(rc)


@click.group(context_settings={"help_option_names": ["-h", "--help"]},
             epilog=EXIT_CODES_HELP)
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
def check(branches: tuple[str, ...], all_branches: bool, target: str | None, fmt: str,
          output: str | None, repo_path: str | None) -> None:
    """Gate BRANCH (default: the current branch) against the target."""
    from gate.commands import check as cmd

    if branches and all_branches:
        raise click.UsageError("give branch names or --all, not both")
    _run(lambda: cmd.main(branches, all_branches, target, fmt, output, repo_path))


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


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def demo(directory: str | None) -> None:
    """Build a sample repository with agent branches and run the gate on it."""
    from gate.commands import demo as cmd

    _run(lambda: cmd.main(directory))


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="agentgate")


