import httpx
import pytest

from sim.region.client import ATTEMPTS, RateLimit, Request, Service, SourceError
from tests.region.fake_services import FakeClock

REQUEST = Request("TAB638", "population", ("0580", "0583"), "GET", "https://x.test/tables/TAB638")


def service(handler, clock):
    return Service("SCB", "https://x.test", 30, 10.0, clock, httpx.MockTransport(handler))


def test_rate_limit_waits_only_when_the_window_is_full():
    clock = FakeClock()
    limit = RateLimit(3, 10.0, clock)
    for _ in range(3):
        limit.wait()
    assert clock.slept == []
    limit.wait()  # the fourth call in the window waits until the first is 10 s old
    assert clock.slept == [10.0]


def test_429_is_retried_after_the_servers_retry_after():
    clock, answers = FakeClock(), [429, 503, 200]

    def handler(request):
        status = answers.pop(0)
        return httpx.Response(status, headers={"Retry-After": "30"} if status == 429 else {})

    response = service(handler, clock).send(REQUEST)
    assert response.status == 200
    assert clock.slept[0] >= 30 and len(clock.slept) == 2  # no real sleep: the clock's


def test_after_the_last_attempt_the_error_names_table_and_municipalities():
    clock, calls = FakeClock(), []

    def handler(request):
        calls.append(request)
        return httpx.Response(429, headers={"Retry-After": "5"})

    with pytest.raises(SourceError) as err:
        service(handler, clock).send(REQUEST)
    assert len(calls) == ATTEMPTS
    message = str(err.value)
    assert "TAB638" in message and "0580, 0583" in message and "attempts" in message


def test_lost_connections_are_retried_and_refusals_are_not():
    clock, state = FakeClock(), {"n": 0}

    def flaky(request):
        state["n"] += 1
        if state["n"] == 1:
            raise httpx.ConnectError("connection reset")
        return httpx.Response(200, json={})

    assert service(flaky, clock).send(REQUEST).status == 200

    def refuse(request):
        state["n"] += 1
        return httpx.Response(400, json={"title": "Too many cells selected", "status": 400})

    state["n"] = 0
    with pytest.raises(SourceError, match="HTTP 400: Too many cells selected") as err:
        service(refuse, clock).send(REQUEST)
    assert state["n"] == 1 and "TAB638" in str(err.value)


def test_retry_after_as_an_http_date_is_read_on_the_clock():
    from email.utils import format_datetime

    clock, answers = FakeClock(), [429, 200]
    when = format_datetime(
        clock.utc().replace(microsecond=0) + __import__("datetime").timedelta(seconds=90),
        usegmt=True,
    )

    def handler(request):
        return httpx.Response(answers.pop(0), headers={"Retry-After": when})

    service(handler, clock).send(REQUEST)
    assert clock.slept == [90.0]
