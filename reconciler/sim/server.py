"""Serving the emulator on a socket: werkzeug's threaded development server, quietened.

The development server is enough here: loopback only, a handful of concurrent clients, and it
exposes the raw socket so the ``drop`` fault can really close a connection.
"""

from __future__ import annotations

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from reconciler.sim.app import Emulator


class _SimHandler(WSGIRequestHandler):
    """Leaves the ``Date`` header to the app (the simulated time), instead of the real time
    ``http.server`` would add."""

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())


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
    return make_server(host, port, emulator, threaded=True, request_handler=handler)
