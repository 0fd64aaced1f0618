"""``agentgate serve`` and ``agentgate serve token AGENT``: the desktop boundary.

``serve`` serves the human's own repository (non-bare: agent branches appear in it
as local branches) over git's smart HTTP on 127.0.0.1, one token per agent. Every
push runs agentgate's ``pre-receive`` as the authenticated agent; see
``gate.serve`` for the pieces. It stops on Ctrl-C or SIGTERM after the requests in
flight finish.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from urllib.parse import quote

from gate import context
from gate.errors import GateError, PolicyError, UsageError
from gate.git.lifecycle import main_root
from gate.git.opening import open_repo
from gate.git.repo import GitRepo
from gate.model import short_name
from gate.policy import POLICY_FILE, require_policy
from gate.serve import backend, state, tokens
from gate.serve.server import Config, Server


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_path(repo: GitRepo) -> str:
    name = main_root(repo).name.removesuffix(".git") or "repo"
    return "/" + quote(name, safe="") + ".git"


def _admit(repo_path: Path) -> Callable[[str], str | None]:
    """The check serve makes before a push reaches http-backend: the target has a
    policy (without one pre-receive enforces nothing) and the agent is in it (a token
    outlives an agent removed from it). A policy that does not load is the hook's to
    judge (it fails closed)."""

    def admit(agent: str) -> str | None:
        try:
            ctx = context.build(open_repo(str(repo_path)))
        except PolicyError:
            return None
        except GateError:
            return None  # no target yet: pre-receive says what it says
        if not ctx.policy.present:
            # pre-receive enforces nothing without a policy; serve hands out no such push.
            return f"there is no {POLICY_FILE} on {short_name(ctx.target_ref)}: no agent can push until there is one"
        if agent not in ctx.policy.agents:
            return (f"'{agent}' is not an agent in {POLICY_FILE} on {short_name(ctx.target_ref)}; "
                    "pushes from its token are refused")
        return None

    return admit


def _bind(host: str, port: int | None, last: state.Served | None, config: Config) -> Server:
    if port is not None:
        try:
            return Server((host, port), config)
        except OSError as e:
            raise GateError(f"cannot listen on {host}:{port} ({e.strerror}). Pick another --port, "
                            "or stop what listens there.") from None
    if last is not None and last.host == host:
        try:
            return Server((host, last.port), config)  # the clones' remotes name this port
        except OSError:
            pass
    try:
        return Server((host, 0), config)
    except OSError as e:
        raise GateError(f"cannot listen on {host} ({e.strerror}). Pass another --host.") from None


def main(repo_path: str | None = None, host: str = "127.0.0.1", port: int | None = None,
         allow_remote: bool = False) -> int:
    if not allow_remote and not _loopback(host):
        raise UsageError(f"--host {host} is not a loopback address: anyone who can reach it could try "
                         "tokens. Pass --allow-remote as well if that is what you want.")
    repo = open_repo(repo_path)
    common = repo.common_dir
    root = main_root(repo)
    other = state.running(common)
    if other is not None:
        raise GateError(f"agentgate serve already serves {root} at {other.url} (pid {other.pid}). "
                        f"Use that one, or stop it first ('kill {other.pid}').")
    hooks = backend.write_hooks(common / "agentgate" / "serve" / "hooks")
    config = Config(common, _url_path(repo), hooks, _admit(root), sys.stderr)
    last = state.read(common)
    server = _bind(host, port, last, config)
    bound = server.server_address
    served = state.Served(host, int(bound[1]), config.url_path, os.getpid())
    state.write(common, served)

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever's loop, so it cannot run in the main
        # thread; raising here instead could land inside the server's own
        # bookkeeping (a thread counted but never started).
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    print(f"agentgate serve: {root} at {served.url} (pid {served.pid}); stop with Ctrl-C or 'kill {served.pid}'",
          flush=True)
    if not tokens.agents(common):
        print("  no agent has a token yet: 'agentgate spawn AGENT --isolated' or 'agentgate serve token AGENT'",
              flush=True)
    try:
        server.serve_forever(poll_interval=0.25)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.server_close()  # waits for requests in flight
        now = state.read(common)
        if now is not None and now.pid == served.pid:
            state.write(common, state.Served(served.host, served.port, served.path, None))
    print("agentgate serve: stopped", flush=True)
    return 0


# -- serve token --------------------------------------------------------------------------


def token_main(agent: str, repo_path: str | None = None) -> int:
    repo = open_repo(repo_path)
    ctx = context.build(repo)
    require_policy(ctx.policy, ctx.target_ref)
    if agent not in ctx.policy.agents:
        raise context.no_such_agent(ctx, agent)
    token, updated = tokens.hand_out(repo, agent)
    print(f"a new token for {agent}; its old one no longer works. Only a hash is kept "
          f"({tokens.path(repo.common_dir)}), so this is the one time it is shown.")
    for p in updated:
        print(f"  written into the clone {p}")
    print(token)
    return 0
