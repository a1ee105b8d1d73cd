"""The workshop's server answers only its own page: JSON from its own origin on 127.0.0.1; a
malformed request gets one JSON message, never a traceback, and changes nothing."""

from __future__ import annotations

import http.client
import json
import threading

import pytest

from sim.workshop.server import make_server
from sim.workshop.session import Workshop


@pytest.fixture(scope="module")
def server(marked_up_study, tmp_path_factory):
    workshop = Workshop(marked_up_study, lang="en", scenario_dir=tmp_path_factory.mktemp("mine"))
    server = make_server(workshop, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield workshop, server.server_address[1]
    server.shutdown()
    server.server_close()


def ask(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    answer = response.status, json.loads(response.read() or b"{}")
    connection.close()
    return answer


JSON = {"Content-Type": "application/json"}
RUN = json.dumps({"base": "housing_even", "name": "x", "title": "X", "title_sv": "X"}).encode()


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({"Content-Type": "text/plain"}, RUN, 403),  # a cross-site form or fetch without preflight
        (JSON | {"Origin": "http://evil.example"}, RUN, 403),
        (JSON | {"Sec-Fetch-Site": "cross-site"}, RUN, 403),
        (JSON | {"Host": "evil.example"}, RUN, 403),  # DNS rebinding
        (JSON | {"Content-Length": "abc"}, RUN, 400),
        (JSON, b"{not json", 400),
        (JSON, json.dumps({"base": "nothing"}).encode(), 400),
    ],
)
def test_only_its_own_page_may_change_anything(server, headers, body, status):
    workshop, port = server
    code, answer = ask(port, "POST", "/api/run", body, headers)
    assert code == status and answer["error"]
    assert workshop.status()["state"] == "idle"


def test_status_and_page(server):
    _, port = server
    code, answer = ask(port, "GET", "/api/status")
    assert code == 200 and answer["state"] == "idle"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/")
    response = connection.getresponse()
    assert response.status == 200 and b'id="workshop"' in response.read()
