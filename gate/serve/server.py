"""The HTTP side of ``agentgate serve``: basic auth, then one ``git http-backend`` per
request, bodies streamed both ways.

The standard library's ``ThreadingHTTPServer``: fetches run side by side; pushes
(``POST …/git-receive-pack``) one at a time per repository, under a lock taken
before http-backend starts, so the time a push waits for another is not spent
inside its ``pre-receive`` (nor counted toward ``[limits] hook_seconds``).
Request bodies arrive with a length or chunked (git sends a push over
``http.postBuffer``, 1 MiB, chunked); chunks are decoded here and http-backend
reads to end of file.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import parse_qs, unquote

from gate.serve import backend, tokens

_CHUNK = 64 * 1024
REALM = 'Basic realm="agentgate serve", charset="UTF-8"'


class _Reader(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...
    def readline(self, size: int = ..., /) -> bytes: ...


class Config:
    """What every request needs: the repository, the URL path it is served at, and
    ``admit``, which says whether an authenticated agent may push now (None) or why not."""

    def __init__(self, common_dir: Path, url_path: str, hooks: Path,
                 admit: Callable[[str], str | None], log: IO[str]) -> None:
        self.common_dir = common_dir
        self.url_path = url_path
        self.hooks = hooks
        self.admit = admit
        self.log = log
        self.push_lock = common_dir / "agentgate" / "serve" / "push.lock"


class Server(ThreadingHTTPServer):
    # Requests in flight finish before serve exits (server_close joins them); a
    # stalled client cannot hold that up past the handler's socket timeout.
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], config: Config) -> None:
        self.config = config
        super().__init__(address, Handler)


@contextmanager
def push_locked(path: Path) -> Iterator[None]:
    """One push at a time into this repository, across serve processes too (flock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # for 'Expect: 100-continue'; every response closes the connection
    server_version = "agentgate-serve"
    timeout = 60  # a stalled client holds a thread (and serve's exit) this long at most
    server: Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        cfg = self.server.config
        cfg.log.write(f"{self.address_string()} - {format % args}\n")
        cfg.log.flush()

    # -- one request ---------------------------------------------------------------------

    def _serve(self) -> None:
        self.close_connection = True
        cfg = self.server.config
        path, _, query = self.path.partition("?")
        path = unquote(path)
        if path != cfg.url_path and not path.startswith(cfg.url_path + "/"):
            self._plain(404, f"not found: this server serves {cfg.url_path} only\n")
            return
        agent = self._agent()
        if agent is None:
            self._plain(401, "a valid agent token is needed (HTTP basic auth: agent name, token)\n",
                        {"WWW-Authenticate": REALM})
            return
        # As http-backend reads them: the path's last component, the query url-decoded.
        pushing = path.endswith("/git-receive-pack") or "git-receive-pack" in parse_qs(query).get("service", [])
        if pushing:
            why = cfg.admit(agent)
            if why is not None:
                self._plain(403, f"agentgate serve: {why}\n")
                return
        request = {
            "PATH_INFO": path[len(cfg.url_path):] or "/",
            "REQUEST_METHOD": self.command,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "REMOTE_ADDR": self.client_address[0],
            "SERVER_PROTOCOL": self.request_version,
        }
        for header, var in (("Content-Encoding", "HTTP_CONTENT_ENCODING"), ("Git-Protocol", "HTTP_GIT_PROTOCOL")):
            if self.headers.get(header):
                request[var] = self.headers[header]
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length = 0 if chunked else int(self.headers.get("Content-Length") or 0)
        if not chunked:
            request["CONTENT_LENGTH"] = str(length)
        env = backend.environment(cfg.common_dir, cfg.hooks, agent, request)
        if self.command == "POST" and path.endswith("/git-receive-pack"):
            with push_locked(cfg.push_lock):
                self._relay(env, chunked, length)
        else:
            self._relay(env, chunked, length)

    def _agent(self) -> str | None:
        """The agent the Authorization header proves, or None."""
        auth = self.headers.get("Authorization", "")
        scheme, _, blob = auth.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, token = base64.b64decode(blob.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        if not sep or not user or not token:
            return None
        return user if tokens.verify(self.server.config.common_dir, user, token) else None

    def _plain(self, code: int, text: str, headers: dict[str, str] | None = None) -> None:
        body = text.encode()
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    # -- the CGI ---------------------------------------------------------------------------

    def _relay(self, env: dict[str, str], chunked: bool, length: int) -> None:
        proc = backend.run(env)
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        errors: list[bytes] = []
        feeder = threading.Thread(target=self._feed, args=(proc.stdin, chunked, length), daemon=True)
        drain = threading.Thread(target=lambda: errors.append(proc.stderr.read() if proc.stderr else b""),
                                 daemon=True)
        feeder.start()
        drain.start()
        try:
            status, headers = _cgi_headers(proc.stdout)
            self.send_response(status[0], status[1])
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Connection", "close")
            self.end_headers()
            shutil.copyfileobj(proc.stdout, self.wfile, _CHUNK)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away; http-backend finishes or fails on its own
        finally:
            proc.stdout.close()
            proc.wait()
            feeder.join(timeout=5)
            drain.join(timeout=5)
        said = b"".join(errors).decode("utf-8", "replace").strip()
        if said:
            self.server.config.log.write(f"git http-backend: {said}\n")

    def _feed(self, sink: IO[bytes], chunked: bool, length: int) -> None:
        try:
            for piece in (_chunks(self.rfile) if chunked else _exactly(self.rfile, length)):
                sink.write(piece)
        except (BrokenPipeError, ConnectionResetError, ValueError, OSError):
            pass  # http-backend stopped reading (it refused the request) or the client went away
        finally:
            try:
                sink.close()
            except OSError:
                pass


def _exactly(src: _Reader, length: int) -> Iterator[bytes]:
    left = length
    while left > 0:
        piece = src.read(min(left, _CHUNK))
        if not piece:
            return
        left -= len(piece)
        yield piece


def _chunks(src: _Reader) -> Iterator[bytes]:
    """The body of a chunked request (RFC 9112 §7.1): size lines in hex, optional
    extensions after ';', trailers after the last chunk."""
    while True:
        line = src.readline(1024)
        if not line:
            return
        size = int(line.split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while src.readline(1024) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return
        yield from _exactly(src, size)
        src.readline(8)  # the CRLF after the chunk


def _cgi_headers(out: _Reader) -> tuple[tuple[int, str], list[tuple[str, str]]]:
    """The CGI response's header lines up to the blank line: (status, headers)."""
    status = (200, "OK")
    headers = []
    while True:
        line = out.readline(8192)
        if not line or line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").rstrip("\r\n").partition(":")
        if name.lower() == "status":
            code, _, reason = value.strip().partition(" ")
            status = (int(code), reason)
        else:
            headers.append((name.strip(), value.strip()))
    return status, headers


def stderr_log() -> IO[str]:
    return sys.stderr
