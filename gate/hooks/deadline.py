"""The hook deadline (DESIGN §2, ``[limits] hook_seconds``): a parent waits on a worker.

A Python signal handler cannot interrupt ``re`` or libgit2 (it runs between
bytecodes), so a hook that must stop on time cannot stop itself. The hook forks:
the worker (in a process group of its own) does all of the hook's work, with
``sys.stdout`` and ``sys.stderr`` captured, and sends the result up a pipe; the
parent waits for it with a deadline and, past it, kills the worker's process
group (git subprocesses included). The server hooks then refuse the push, never
accept it, whatever ``on_error`` says; the local hooks warn and let go.

The pipe protocol, worker to parent, one message at a time:

- ``limit SECONDS\\n``: the policy's ``hook_seconds``, sent once the worker has read
  it (``limit``). Until then the parent allows ``DEFAULT_SECONDS``. The limit
  counts from the start of the run, less any paused time.
- ``pause\\n`` / ``resume\\n``: the clock stops and starts again (``pause``,
  ``resume``). A worker that has to wait for a push lock pauses before it waits
  and resumes once it holds the lock, so the wait does not count. Nothing takes
  such a lock today; the messages are there for the first thing that does.
- ``done CODE OUT ERR\\n`` and then OUT + ERR bytes: the exit code and what the hook
  wrote to stdout and stderr (UTF-8 with surrogates passed through, so the parent
  writes exactly the text the hook wrote). The last message.

A worker that exits without ``done`` (killed, crashed in C) is a failure: the
server hooks refuse, the local ones warn.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from collections.abc import Callable, Mapping
from typing import NamedTuple, NoReturn

DEFAULT_SECONDS = 4.0
RAN_OUT = "agentgate ran out of time on this push"

_channel: int | None = None  # the pipe to the parent, in a worker


# -- the worker's side ------------------------------------------------------------------


def _send(message: str) -> None:
    if _channel is not None:
        os.write(_channel, message.encode())  # shorter than PIPE_BUF: one atomic write


def limit(seconds: float) -> None:
    """Tell the parent the policy's ``hook_seconds`` (a no-op outside a worker)."""
    _send(f"limit {seconds!r}\n")


def pause() -> None:
    """Stop the clock: what follows (waiting for a push lock) does not count."""
    _send("pause\n")


def resume() -> None:
    """Start the clock again."""
    _send("resume\n")


def _worker(work: Callable[[], int], w: int) -> NoReturn:
    global _channel
    code = 1
    try:
        os.setpgid(0, 0)  # the parent kills the group: git subprocesses go too
    except OSError:
        pass
    import io

    from gate.entry import outcome

    out, err = io.StringIO(), io.StringIO()
    try:
        _channel = w
        sys.stdout, sys.stderr = out, err
        code = outcome(work)
    except BaseException:  # noqa: BLE001 - whatever happens, the parent gets an answer or EOF
        code = 1
    try:
        data = [s.getvalue().encode("utf-8", "surrogatepass") for s in (out, err)]
        message = f"done {code} {len(data[0])} {len(data[1])}\n".encode() + b"".join(data)
        while message:
            message = message[os.write(w, message):]
    finally:
        os._exit(0)


# -- the parent's side ------------------------------------------------------------------


class Result(NamedTuple):
    """How the worker ended: ``code`` with its output, or ``timed_out``, or neither
    (it died without an answer: ``how`` says how). Not a dataclass: the local hooks
    start without importing dataclasses."""

    code: int | None = None
    out: str = ""
    err: str = ""
    timed_out: bool = False
    seconds: float = DEFAULT_SECONDS
    how: str = ""


class _Clock:
    def __init__(self, seconds: float) -> None:
        self.limit = seconds
        self.spent = 0.0
        self.since: float | None = time.monotonic()

    def left(self) -> float | None:
        """Seconds left, or None while paused."""
        if self.since is None:
            return None
        return self.limit - self.spent - (time.monotonic() - self.since)

    def message(self, line: bytes) -> None:
        word, _, arg = line.decode("ascii", "replace").partition(" ")
        if word == "limit":
            try:
                self.limit = float(arg)
            except ValueError:
                pass
        elif word == "pause" and self.since is not None:
            self.spent += time.monotonic() - self.since
            self.since = None
        elif word == "resume" and self.since is None:
            self.since = time.monotonic()


def run(work: Callable[[], int], seconds: float = DEFAULT_SECONDS) -> Result:
    """``work()`` in a worker process, waited for at most ``seconds`` (or what the
    worker says with ``limit``). Without ``os.fork`` (Windows), inline and unbounded."""
    if not hasattr(os, "fork") or _channel is not None:
        return Result(code=work())  # no fork here, or already inside a worker
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # else the worker writes the parent's buffered text again
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _worker(work, w)
    os.close(w)
    try:
        os.setpgid(pid, pid)  # also here: a kill may come before the worker runs
    except OSError:
        pass
    old = _on_term()
    try:
        return _wait(pid, r, _Clock(seconds))
    finally:
        os.close(r)
        if old is not None:
            signal.signal(signal.SIGTERM, old)


def _on_term() -> signal.Handlers | Callable[..., object] | int | None:
    """A parent told to stop stops its worker too (``KeyboardInterrupt`` unwinds
    through ``_wait``, which kills the group)."""
    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, stop)
    except ValueError:
        return None  # not the main thread: leave signals alone


def _wait(pid: int, r: int, clock: _Clock) -> Result:
    buf = b""
    done: tuple[int, int, int] | None = None
    reaped = False
    try:
        while True:
            left = clock.left()
            if left is not None and left <= 0:
                _kill(pid)
                reaped = True
                return Result(timed_out=True, seconds=clock.limit)
            ready, _, _ = select.select([r], [], [], left)
            if not ready:
                continue
            chunk = os.read(r, 1 << 16)
            buf += chunk
            while done is None and b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.startswith(b"done "):
                    code, n_out, n_err = (int(x) for x in line.split()[1:4])
                    done = code, n_out, n_err
                else:
                    clock.message(line)
            if done is not None and len(buf) >= done[1] + done[2]:
                os.waitpid(pid, 0)
                reaped = True
                out, err = buf[:done[1]], buf[done[1]:done[1] + done[2]]
                return Result(code=done[0], out=out.decode("utf-8", "surrogatepass"),
                              err=err.decode("utf-8", "surrogatepass"), seconds=clock.limit)
            if not chunk:  # the worker is gone without its answer
                _, status = os.waitpid(pid, 0)
                reaped = True
                return Result(seconds=clock.limit, how=_how(status))
    finally:
        if not reaped:
            _kill(pid)


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"it was killed by {name}"
    return f"it exited with status {os.waitstatus_to_exitcode(status)} without an answer"


# -- the hooks ---------------------------------------------------------------------------


def _show(res: Result) -> int:
    sys.stdout.write(res.out)
    sys.stdout.flush()
    sys.stderr.write(res.err)
    sys.stderr.flush()
    return res.code or 0


def server(work: Callable[[], int], env: Mapping[str, str]) -> int:
    """A server hook (``pre-receive``, ``update``) under the deadline: past it, or if
    the worker dies, the push is refused (never accepted, whatever ``on_error`` says)."""
    res = run(work)
    if res.code is not None:
        return _show(res)
    from gate.report import remote

    gl = "GL-HOOK-ERR: " if env.get("GL_ID") else ""
    if res.timed_out:
        sys.stderr.write(f"{gl}{RAN_OUT}: it was not judged within {res.seconds:g} s "
                         "([limits] hook_seconds), and a push that cannot be judged is never accepted\n")
        remote.emit(["push fewer commits or files at once, or have an approver raise [limits] hook_seconds "
                     "in .agentgate.toml on the target branch", "push refused"], env)
    else:
        remote.emit([f"cannot check this push: the check stopped ({res.how})",
                     "push refused (agentgate fails closed, whatever on_error says)"], env)
    return 1


def local(work: Callable[[], int], env: Mapping[str, str], what: str) -> int:
    """A local hook under the deadline: past it, or if the worker dies, a warning and
    exit 0 (local hooks are early warnings; the server's pre-receive decides)."""
    res = run(work)
    if res.code is not None:
        return _show(res)
    from gate.report import remote

    why = (f"ran out of time after {res.seconds:g} s ([limits] hook_seconds)" if res.timed_out
           else f"stopped ({res.how})")
    remote.emit([f"warning: agentgate {why}: this {what} was not checked and goes ahead; "
                 "the server's pre-receive still judges it"], env)
    return 0
