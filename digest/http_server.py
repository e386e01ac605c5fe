"""The production HTTP server under `digest serve`: waitress, with timeouts and size limits.

waitress reads requests without tying up a worker thread, so idle or slow clients cost a socket,
not a worker; `timeout` closes a connection idle (or stuck mid-request) that long, `max_body`
answers a larger request body with 413, and the listen backlog holds bursts of new connections.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Self

from waitress import wasyncore
from waitress.server import create_server

log = logging.getLogger(__name__)

# The proxy headers trusted from `trusted_proxy`: the client's address and the original scheme/host.
_PROXY_HEADERS = {"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"}


@dataclass(frozen=True)
class ServerLimits:
    """How much one server accepts: worker threads, idle timeout, body size, backlog, connections."""

    threads: int = 8
    timeout: int = 30
    max_body: int = 1024 * 1024
    backlog: int = 1024
    connection_limit: int = 200
    trusted_proxy: str = ""


class HttpServer:
    """A bound waitress server with the familiar serve_forever / shutdown / server_close trio."""

    def __init__(self, app: Any, host: str, port: int, limits: ServerLimits):
        self.app = app
        self._map: dict = {}
        options: dict[str, Any] = {
            "host": host,
            "port": port,
            "threads": limits.threads,
            "channel_timeout": limits.timeout,
            # Idle connections are checked this often, so the timeout holds to within a second or two.
            "cleanup_interval": max(1, min(limits.timeout, 5)),
            "backlog": limits.backlog,
            "connection_limit": limits.connection_limit,
            "max_request_body_size": limits.max_body,
            "max_request_header_size": 64 * 1024,
            "ident": "digest",
            "expose_tracebacks": False,
            "asyncore_use_poll": True,
        }
        if limits.trusted_proxy:
            options.update(
                trusted_proxy=limits.trusted_proxy,
                trusted_proxy_count=1,
                trusted_proxy_headers=_PROXY_HEADERS,
                clear_untrusted_proxy_headers=True,
            )
        self._server = create_server(app, map=self._map, **options)
        listen = getattr(self._server, "effective_listen", None)
        # A single listener is a BaseWSGIServer, which sets effective_port itself; waitress's stubs omit it.
        self.server_port = int(listen[0][1] if listen else self._server.effective_port)  # type: ignore[union-attr]
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()

    def serve_forever(self) -> None:
        """Answer requests until shutdown() is called (from another thread) or Ctrl-C."""
        self._stopped.clear()
        try:
            while not self._stop.is_set() and self._map:
                wasyncore.loop(timeout=0.2, map=self._map, use_poll=True, count=1)
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop serve_forever and wait for it to return."""
        self._stop.set()
        self._stopped.wait(5)

    def server_close(self) -> None:
        """Close the listening socket and every open connection; stop the worker threads."""
        self._server.task_dispatcher.shutdown(timeout=2)
        wasyncore.close_all(self._map)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.server_close()
