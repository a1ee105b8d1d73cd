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

        timeout = 30  # seconds a connection may stay silent

        def _local(self) -> bool:
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            if host in LOCAL_HOSTS:
                return True
            self._send(HTTPStatus.FORBIDDEN, {"error": "only requests to 127.0.0.1 are served"})
            return False

        def _same_origin(self) -> bool:
            """A request to change something must come from the explorer's own page: JSON (a
            cross-site page cannot send that without a preflight this server never answers)
            from its own origin."""
            port = self.server.server_address[1]
            origin = self.headers.get("Origin")
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            if (
                kind == "application/json"
                and self.headers.get("Sec-Fetch-Site", "same-origin") == "same-origin"
                and origin in (None, *(f"http://{h}:{port}" for h in LOCAL_HOSTS))
            ):
                return True
            self._send(HTTPStatus.FORBIDDEN, {"error": "only the explorer's own page may ask"})
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
            if not self._local() or not self._same_origin():
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                self._send(
                    HTTPStatus.BAD_REQUEST, {"error": f"Content-Length: 0 to {MAX_BODY} bytes"}
                )
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
                    name = str(body.get("name", "")) if isinstance(body, dict) else ""
                    path = workshop.save(name)
                    answer = {"path": str(path), "command": workshop.command(name)}
                    self._send(HTTPStatus.OK, answer)
                else:
                    self._send(HTTPStatus.NOT_FOUND, {"error": f"{self.path}: not found"})
            except WorkshopError as err:
                self._send(HTTPStatus.BAD_REQUEST, {"error": str(err)})
            except Exception as err:  # noqa: BLE001 - the page shows one line, never a traceback
                self._send(
                    HTTPStatus.INTERNAL_SERVER_ERROR,
                    {"error": f"unexpected {type(err).__name__}: {err}".splitlines()[0][:300]},
                )

    return Handler


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A connection that broke off (the page closed mid-answer) is not worth a traceback."""


def make_server(workshop: Workshop, port: int = 8765) -> ThreadingHTTPServer:
    """A server for ``workshop`` on 127.0.0.1:``port`` (0: any free port), not yet serving."""
    server = QuietServer((HOST, port), make_handler(workshop))
    return server
