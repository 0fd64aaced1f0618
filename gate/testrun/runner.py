"""Run the test command on candidate commits, each in a test checkout of its own.

The main thread only waits: workers run the commands, so a SIGTERM or Ctrl-C, which
Python delivers to the main thread, never lands in the middle of a cleanup. It
sets the cancel event instead, the workers kill their process groups and remove
clean their checkouts, and the exception goes on once they are done.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from gate.git.run import clean_env
from gate.testrun import cache, output, pool, procs, worktree
from gate.testrun.result import TestJob, TestOutcome

if TYPE_CHECKING:
    from gate.testrun.junit import JUnitReport

Progress = Callable[[str], None]

_TICK = 0.1  # seconds between looks at the cancel flag
_ENV_ASSIGN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)
_PYTHON = re.compile(r"python[0-9.]*")


class _Cancelled(Exception):
    """The run was interrupted (SIGTERM, Ctrl-C) or another job failed."""


def run_tests(
    repo_dir: Path,
    git_dir: Path,
    commit: str,
    command: str,
    timeout: float,
    cache_key: str,
    rerun: bool = False,
    on_progress: Progress | None = None,
    label: str = "",
) -> TestOutcome:
    """Run ``command`` in a test checkout of ``commit`` (detached); see :func:`run_many`."""
    job = TestJob(repo_dir, git_dir, commit, command, timeout, cache_key, rerun, label)
    return run_many(1, [job], on_progress)[0]


def run_many(jobs: int | None, items: Sequence[TestJob], on_progress: Progress | None = None) -> list[TestOutcome]:
    """Test several candidates, ``jobs`` at a time (None: one per core); outcomes in order.

    First removes the worktrees killed runs of earlier versions left behind (a
    killed run's pool slot is repaired when it is next used), then answers from the cache what it
    can (unless a job says ``rerun``). ``on_progress`` gets one line when a job starts
    and one when it ends, from worker threads: it must be thread-safe.
    """
    say = on_progress or (lambda _line: None)
    for git_dir, repo_dir in {(j.git_dir, j.repo_dir): None for j in items}:
        worktree.prune_stale(git_dir, repo_dir)
    results: list[TestOutcome | None] = [None] * len(items)
    todo: list[int] = []
    for i, job in enumerate(items):
        cached = None if job.rerun else cache.load(job.git_dir, job.cache_key, job.timeout)
        if cached is None:
            todo.append(i)
        else:
            results[i] = cached
            say(f"{job.name}: reused the result of an earlier run: {_summary(cached)}")
    if todo:
        procs.become_subreaper()
        cancel = threading.Event()
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        with _sigterm_raises():
            pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="agentgate-tests")
            try:
                futures = {pool.submit(_run_job, items[i], cancel, say): i for i in todo}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
            finally:
                cancel.set()  # a no-op when all are done; else stops the others
                pool.shutdown(wait=True, cancel_futures=True)
    return [r for r in results if r is not None]


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While running, SIGTERM raises ``SystemExit(143)`` in the main thread, once.

    The default action would end the process on the spot, leaving the test
    processes behind and the checkout dirty. Later SIGTERMs are ignored while cleanup runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = False

    def handler(signum: int, _frame: FrameType | None) -> None:
        nonlocal fired
        if not fired:
            fired = True
            raise SystemExit(128 + signum)

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old if old is not None else signal.SIG_DFL)


def _run_job(job: TestJob, cancel: threading.Event, say: Progress) -> TestOutcome:
    if cancel.is_set():
        raise _Cancelled
    say(f"{job.name}: testing {job.commit[:12]}: {job.command}")
    try:
        with pool.checkout(job.git_dir, job.commit) as checkout:
            outcome = _execute(job, checkout, cancel)
    except worktree.WorktreeError as exc:
        outcome = TestOutcome(kind="error", commit=job.commit, command=job.command, message=str(exc))
    say(f"{job.name}: {_summary(outcome)}")
    cache.store(job.git_dir, job.cache_key, job.timeout, outcome)
    return outcome


def _execute(job: TestJob, checkout: pool.Checkout, cancel: threading.Event) -> TestOutcome:
    env = clean_env()
    env["AGENTGATE_JUNIT"] = str(checkout.junit)
    started = time.monotonic()
    try:
        proc = procs.start(with_junit(job.command, checkout.junit), checkout.path, env, checkout.log)
    except OSError as exc:
        return TestOutcome(
            kind="error", commit=job.commit, command=job.command, message=f"the command could not start: {exc}"
        )
    timed_out = False
    try:
        timed_out = _wait(proc, started + job.timeout, cancel)
    finally:
        procs.kill_group(proc)
    ran = TestOutcome(
        kind="error",
        commit=job.commit,
        command=job.command,
        exit_code=proc.returncode,
        duration=round(time.monotonic() - started, 3),
        output_tail=output.tail(checkout.log),
        pgid=proc.pid,
    )
    if timed_out:
        message = f"ran past its {job.timeout:g} s timeout; its process group was killed"
        return replace(ran, kind="timeout", message=message)
    report, unreadable = _read_junit(checkout)
    tests = report.tests if report is not None else None
    if report is not None and report.failures:
        return replace(ran, kind="failed", failures=report.failures, tests=tests)
    if proc.returncode == 0:
        return replace(ran, kind="passed", tests=tests, message=unreadable)
    if proc.returncode == 127:
        program = output.missing_program(ran.output_tail, job.command, checkout.path, env.get("PATH"))
        if program is not None:
            return replace(ran, tests=tests, message=f"the command could not start: {program} was not found (exit 127)")
    return replace(ran, tests=tests, message=_error_message(proc.returncode, report, unreadable))


def _read_junit(checkout: pool.Checkout) -> tuple[JUnitReport | None, str]:
    """The run's JUnit report (None when it wrote none), or why it could not be read."""
    if not checkout.junit.exists():
        return None, ""  # no report: junitparser (~50 ms to import) is not needed
    from gate.testrun.junit import JUnitUnreadable, read_report

    try:
        return read_report(checkout.junit, checkout.path), ""
    except JUnitUnreadable as exc:
        return None, str(exc)


def _wait(proc: subprocess.Popen[bytes], deadline: float, cancel: threading.Event) -> bool:
    """Wait for the command; True when it ran past ``deadline``."""
    while True:
        if cancel.is_set():
            raise _Cancelled
        now = time.monotonic()
        if now >= deadline:
            return proc.poll() is None
        try:
            proc.wait(timeout=min(_TICK, deadline - now))
            return False
        except subprocess.TimeoutExpired:
            pass


def _error_message(code: int, report: JUnitReport | None, unreadable: str) -> str:
    if code == 127:
        return "the command could not start: not found (exit 127)"
    if code == 126:
        return "the command could not start: not executable (exit 126)"
    if code < 0:
        return f"the command was killed by signal {-code}"
    if unreadable:
        return f"the command exited {code}, and {unreadable}"
    if report is None:
        return f"the command exited {code} and wrote no JUnit report naming a failing test"
    return f"the command exited {code} but its JUnit report names no failing test"


def _summary(outcome: TestOutcome) -> str:
    if outcome.kind == "passed":
        count = f"{outcome.tests} tests, " if outcome.tests is not None else ""
        return f"passed ({count}{outcome.duration:.1f} s)"
    if outcome.kind == "failed":
        n = len(outcome.failures)
        return f"failed: {n} failing test{'s' if n != 1 else ''}"
    return f"{outcome.kind}: {outcome.message}"


def with_junit(command: str, junit: Path) -> str:
    """``command`` with ``--junitxml=<junit>`` added when it is a plain pytest call.

    Plain: ``pytest …``, ``py.test …``, ``python[3] -m pytest …`` after optional
    ``VAR=value`` words, and no ``;``, ``&&``, ``|`` or parentheses, where an option at
    the end would reach another program. Anything else may use ``$AGENTGATE_JUNIT``.
    """
    if _is_plain_pytest(command):
        return f"{command} --junitxml={shlex.quote(str(junit))}"
    return command


def _is_plain_pytest(command: str) -> bool:
    if "\n" in command or "#" in command:
        return False
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:
        return False
    for word in words:
        if word and set(word) <= set("();<>|&") and not ("<" in word or ">" in word):
            return False  # a control operator: another command follows
    while words and _ENV_ASSIGN.fullmatch(words[0]):
        words.pop(0)
    if not words:
        return False
    program = os.path.basename(words[0])
    if program in ("pytest", "py.test"):
        return True
    return bool(_PYTHON.fullmatch(program)) and words[1:3] == ["-m", "pytest"]
