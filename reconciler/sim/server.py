"""Serving the emulator on a socket: werkzeug's threaded server, with keep-alive connections.

werkzeug's development server closes the connection after every response (``Connection:
close``), so each request of a client costs a TCP handshake and a new server thread; a
``fota plan`` over 1,000 campaigns opened ~2,000 connections. This handler keeps HTTP/1.1
connections open instead. It can do so safely because it reads each request body completely
(by ``Content-Length``) before the application runs, so the next request line is always where
the stream stands; requests it cannot frame that way (chunked bodies, ``Expect``) fall back to
werkzeug's own handling, which closes the connection. Each response goes out in a single write
(status line, headers and body together), which also keeps Nagle's algorithm out of the way.

Loopback only, a handful of concurrent clients, and the raw socket stays reachable so the
``drop`` fault can really close a connection. Closing the server also closes the connections
that are still open, so a client never keeps talking to an emulator that was stopped.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer, WSGIRequestHandler

from reconciler.sim.app import Emulator

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

IDLE_TIMEOUT_SECONDS = 60
"""How long a kept-alive connection may sit idle before the server closes it."""


class _SimServer(ThreadedWSGIServer):
    """Tracks open connections so that closing the server closes them too."""

    def __init__(
        self, host: str, port: int, app: WSGIApplication, handler: type[WSGIRequestHandler]
    ) -> None:
        super().__init__(host, port, app, handler=handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def track(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(connection)

    def server_close(self) -> None:
        super().server_close()
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


def _unused_write(data: bytes) -> object:  # pragma: no cover - the emulator never calls it
    raise NotImplementedError("the emulator returns its body; write() is not supported")


class _SimHandler(WSGIRequestHandler):
    """Keep-alive WSGI dispatch. Leaves the ``Date`` header to the app (the simulated time),
    instead of the real time ``http.server`` would add."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_SECONDS
    server: _SimServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def send_response(self, code: int, message: str | None = None) -> None:
        # Used by http.server's own error replies (a malformed request line, say).
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())

    def run_wsgi(self) -> None:
        length = self.headers.get("Content-Length")
        framed = length is None or length.isdigit()
        if not framed or "Transfer-Encoding" in self.headers or "Expect" in self.headers:
            self.close_connection = True
            super().run_wsgi()
            return
        size = int(length or 0)
        body = self.rfile.read(size) if size else b""
        if len(body) != size:  # the client went away mid-body
            self.close_connection = True
            return
        environ = self.environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(body)
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            started[:] = [(status, headers)]
            return _unused_write

        try:
            chunks = self.server.app(environ, start_response)
            try:
                payload = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        except ConnectionError:  # the drop fault: the app has shut the socket down
            self.close_connection = True
            return
        status, headers = started[0]
        self.log_request(status.split(" ", 1)[0], len(payload))
        lines = [f"{self.protocol_version} {status}", f"Server: {self.version_string()}"]
        lines.extend(f"{name}: {value}" for name, value in headers)
        if not any(name.lower() == "content-length" for name, _ in headers):
            lines.append(f"Content-Length: {len(payload)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + payload)


class _QuietHandler(_SimHandler):
    """No per-request log lines (tests and CI logs stay readable)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class _LoggingHandler(_SimHandler):
    pass


def make_sim_server(
    emulator: Emulator, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True
) -> BaseWSGIServer:
    """A threaded server bound to ``host:port`` (0 = a free port; see ``.server_port``)."""
    handler = _QuietHandler if quiet else _LoggingHandler
    return _SimServer(host, port, emulator, handler)
