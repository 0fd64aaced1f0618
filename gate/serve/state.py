"""``<common dir>/agentgate/serve.json``: where ``agentgate serve`` listens, for
``spawn --isolated`` (the clone's remote) and for ``serve`` itself (it takes the
same port again on restart, so the clones' remotes keep working).

The file stays when ``serve`` stops, with no pid: the port is remembered.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from gate.atomic import write_atomic

FILE = "serve.json"


@dataclass(frozen=True)
class Served:
    host: str
    port: int
    path: str  # the URL path of the repository, e.g. /project.git
    pid: int | None  # None once it stopped

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.path}"

    def url_for(self, user: str) -> str:
        """The URL with a user name (never a token) in it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{quote(user, safe='')}@{host}:{self.port}{self.path}"

    @property
    def origin(self) -> str:
        """scheme://host:port, as git's credential store matches it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def file_of(common_dir: Path) -> Path:
    return common_dir / "agentgate" / FILE


def read(common_dir: Path) -> Served | None:
    try:
        data = json.loads(file_of(common_dir).read_text(encoding="utf-8"))
        pid = data.get("pid")
        return Served(str(data["host"]), int(data["port"]), str(data["path"]),
                      int(pid) if isinstance(pid, int) else None)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def write(common_dir: Path, served: Served) -> None:
    write_atomic(file_of(common_dir), json.dumps(
        {"version": 1, "host": served.host, "port": served.port, "path": served.path,
         "pid": served.pid, "url": served.url}, indent=1) + "\n")


def running(common_dir: Path) -> Served | None:
    """The ``serve`` listening for this repository now, or None: its process lives and
    its port takes a connection."""
    s = read(common_dir)
    if s is None or s.pid is None:
        return None
    try:
        os.kill(s.pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    try:
        with socket.create_connection((s.host, s.port), timeout=2):
            pass
    except OSError:
        return None
    return s
