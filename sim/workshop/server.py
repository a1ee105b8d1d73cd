"""The workshop's web server: the explorer and a small JSON API, on 127.0.0.1 only.

``GET /`` the explorer with its workshop form; ``GET /api/status`` the runs' progress;
``POST /api/run`` {base, name, title, title_sv, edits} starts an edited scenario's runs;
``POST /api/save`` {name} writes it to the user's scenario folder. A request whose Host is not
this machine's loopback address is refused (a page elsewhere cannot reach the server through a
name that resolves here).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sim.workshop.session import Workshop, WorkshopError

HOST = "127.0.0.1"
MAX_BODY = 1_000_000  # bytes of a request's JSON
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def make_handler(workshop: Workshop) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "sim-explore"

        def log_message(self, format, *args):  # noqa: A002 - the base class's name
            pass

        def _local(self) -> bool:
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            if host in LOCAL_HOSTS:
                return True
            self._send(HTTPStatus.FORBIDDEN, {"error": "only requests to 127.0.0.1 are served"})
            return False

        def _send(self, status: HTTPStatus, body: dict | str, kind: str = "application/json"):
            data = (json.dumps(body) if isinstance(body, dict) else body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 - http.server's name
            if not self._local():
                return
            if self.path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, workshop.html, "text/html")
            elif self.path == "/api/status":
                self._send(HTTPStatus.OK, workshop.status())
            else:
                self._send(HTTPStatus.NOT_FOUND, {"error": f"{self.path}: not found"})

        def do_POST(self):  # noqa: N802
            if not self._local():
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "request too large"})
                return
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._send(HTTPStatus.BAD_REQUEST, {"error": "the request is not JSON"})
                return
            try:
                if self.path == "/api/run":
                    workshop.start(body)
                    self._send(HTTPStatus.ACCEPTED, workshop.status())
                elif self.path == "/api/save":
                    path = workshop.save(
                        str(body.get("name", "")) if isinstance(body, dict) else ""
                    )
                    self._send(HTTPStatus.OK, {"path": str(path)})
                else:
                    self._send(HTTPStatus.NOT_FOUND, {"error": f"{self.path}: not found"})
            except WorkshopError as err:
                self._send(HTTPStatus.BAD_REQUEST, {"error": str(err)})

    return Handler


def make_server(workshop: Workshop, port: int = 8765) -> ThreadingHTTPServer:
    """A server for ``workshop`` on 127.0.0.1:``port`` (0: any free port), not yet serving."""
    server = ThreadingHTTPServer((HOST, port), make_handler(workshop))
    server.daemon_threads = True
    return server
