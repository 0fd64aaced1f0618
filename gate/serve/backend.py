"""``git http-backend`` as ``serve`` runs it: the CGI environment of one request,
and the hook directory that makes every push run agentgate's ``pre-receive``.

The CGI contract (git-http-backend(1)): the repository is ``GIT_PROJECT_ROOT`` +
``PATH_INFO``; ``REQUEST_METHOD``, ``QUERY_STRING``, ``CONTENT_TYPE`` describe the
request; the body arrives on stdin (without ``CONTENT_LENGTH``, until end of file:
how a chunked request is passed on once decoded); ``HTTP_CONTENT_ENCODING`` says
a body is gzipped and ``HTTP_GIT_PROTOCOL`` carries the protocol version header.
``receive-pack`` is served only when ``REMOTE_USER`` is set, and every variable
reaches the hooks ``receive-pack`` runs. ``GIT_HTTP_EXPORT_ALL`` spares the
``git-daemon-export-ok`` file.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import gate
from gate.git.run import clean_env, start
from gate.hooks.input import SERVE_AGENT

# Who pushed, as the hooks read it (gate.hooks.input.IDENTITY_VARS), plus the
# variable that says serve authenticated the agent. Never inherited from the
# environment serve itself was started in: only serve sets them, per request.
IDENTITY_VARS = ("AGENTGATE_USER", "GITHUB_USER_LOGIN", "GL_USERNAME", "REMOTE_USER", "GL_ID")
# CGI variables of the request: only serve sets them.
_CGI = ("GIT_PROJECT_ROOT", "GIT_HTTP_EXPORT_ALL", "PATH_INFO", "PATH_TRANSLATED", "REQUEST_METHOD",
        "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH", "REMOTE_ADDR", "REMOTE_PORT", "GIT_PROTOCOL",
        "SERVER_PROTOCOL", "GATEWAY_INTERFACE", "AUTH_TYPE", "SCRIPT_NAME", "SERVER_NAME", "SERVER_PORT",
        "GIT_HTTP_MAX_REQUEST_BUFFER", SERVE_AGENT)

_SHIM = """\
#!/bin/sh
# Written by 'agentgate serve' each time it starts: every push through serve runs
# agentgate's pre-receive, as the agent serve authenticated, whatever hooks the
# repository itself has. It runs the agentgate that serve runs.
PYTHONPATH={path}"${{PYTHONPATH:+:$PYTHONPATH}}"
export PYTHONPATH
exec env PYTHONSAFEPATH=1 {python} -m gate hook pre-receive "$@"
"""


def write_hooks(folder: Path) -> Path:
    """Write the hook directory serve points ``core.hooksPath`` at; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    where = Path(gate.__file__).resolve().parent.parent
    text = _SHIM.format(path=shlex.quote(str(where)), python=shlex.quote(sys.executable))
    hook = folder / "pre-receive"
    tmp = folder / ".pre-receive.tmp"
    tmp.write_text(text)
    tmp.chmod(0o755)
    os.replace(tmp, hook)
    return folder


def environment(project_root: Path, hooks: Path, agent: str, request: Mapping[str, str]) -> dict[str, str]:
    """The whole environment of ``git http-backend`` for one authenticated request.

    ``request`` holds the request's CGI variables (PATH_INFO, REQUEST_METHOD, ...).
    serve's own identity and repository variables are dropped (clean_env), and so is
    any HTTP_ header but the two http-backend reads: a pusher controls headers.
    """
    env = {k: v for k, v in clean_env().items()
           if k not in IDENTITY_VARS and k not in _CGI and not k.startswith("HTTP_")}
    env.update(request)
    env.update({
        "GIT_PROJECT_ROOT": str(project_root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "GATEWAY_INTERFACE": "CGI/1.1",
        "REMOTE_USER": agent,
        SERVE_AGENT: agent,
        # One entry of config, on the command line's level: it outranks the
        # repository's own core.hooksPath and hooks directory.
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "core.hooksPath",
        "GIT_CONFIG_VALUE_0": str(hooks),
    })
    return env


def run(env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Start ``git http-backend`` with ``env``; stdin, stdout and stderr are pipes."""
    return start("http-backend", env=env)
