"""A polite HTTP client for the statistics services: rate limits, retries and clear failures.

SCB's PxWeb API answers at most ``maxCallsPerTimeWindow`` calls per ``timeWindow`` seconds from
one address (30 per 10 s, read from its ``/config`` at run time) and answers 429 with a
``Retry-After`` header beyond that; Kolada documents no limit, so the client keeps to
:data:`KOLADA_CALLS_PER_SECOND` as its own clients do (docs/official_statistics_research.md).
:class:`Service` waits before a call that would break its limit, retries a 429, a 5xx or a lost
connection with exponential back-off (honouring ``Retry-After``) through tenacity, and after
:data:`ATTEMPTS` attempts raises :class:`SourceError`, whose message names the table and the
municipalities of the request.

Time goes through a :class:`Clock`, so the tests replace it and never sleep, and the HTTP
transport can be replaced by :class:`httpx.MockTransport` to replay stored responses.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
import tenacity

from sim.io.inputs import InputError

ATTEMPTS = 5
"""Attempts of one request before :class:`SourceError` (the first try and four retries)."""

BACKOFF_SECONDS = (2.0, 60.0)
"""First and longest wait between attempts; the wait doubles from one attempt to the next."""

TIMEOUT_SECONDS = 60.0
"""A response must start within this time, or the attempt counts as failed."""

# httpx logs every request at INFO; 'sim region fetch' prints its own line per answer instead
# (and a handler another library left on the root logger must not see the requests).
logging.getLogger("httpx").setLevel(logging.WARNING)

KOLADA_CALLS_PER_SECOND = 5
USER_AGENT = "regionsim-region-builder (+https://github.com/regionsim; sim region fetch)"


class SourceError(InputError):
    """A statistics service's answer that cannot be used: refused, malformed or missing data.

    Its message names the service's table and the municipalities it was asked for; ``status``
    is the HTTP status of a refusal (None for other failures).
    """

    def __init__(self, problems: Sequence[str] | str, status: int | None = None) -> None:
        super().__init__(problems)
        self.status = status


class Clock:
    """Wall time for the manifest, monotonic time and sleeping for the rate limits."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def utc(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class RateLimit:
    """At most ``calls`` calls in any ``window`` seconds (a sliding window)."""

    calls: int
    window: float
    clock: Clock
    _sent: deque[float] = field(default_factory=deque)

    def wait(self) -> None:
        """Sleep until one more call keeps within the limit, then count it."""
        while len(self._sent) >= self.calls:
            free_at = self._sent[0] + self.window
            now = self.clock.now()
            if now >= free_at:
                self._sent.popleft()
            else:
                self.clock.sleep(free_at - now)
        self._sent.append(self.clock.now())


@dataclass(frozen=True)
class Request:
    """What is asked: the service's table (or KPI list) and the municipalities, for messages."""

    table: str
    what: str
    municipalities: Sequence[str]
    method: str
    url: str
    body: dict | None = None

    def describe(self) -> str:
        codes = ", ".join(self.municipalities) if self.municipalities else "all municipalities"
        return f"{self.table} ({self.what}) for {codes}"


@dataclass(frozen=True)
class Response:
    request: Request
    status: int
    content: bytes
    url: str  # as sent, with its query string


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Service:
    """One statistics service at ``base_url``, called through a rate limit and retries.

    Parameters
    ----------
    name : str
        Shown in messages: ``"SCB"`` or ``"Kolada"``.
    base_url : str
        The API's root, e.g. ``https://statistikdatabasen.scb.se/api/v2``.
    calls, window : int, float
        The rate limit: at most ``calls`` calls per ``window`` seconds.
    clock : Clock, optional
        Time and sleeping (tests pass a clock that only counts).
    transport : httpx.BaseTransport, optional
        Replaces the network (``httpx.MockTransport`` in tests).
    """

    def __init__(
        self,
        name: str,
        base_url: str,
        calls: int,
        window: float,
        clock: Clock | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.clock = clock or Clock()
        self.limit = RateLimit(calls, window, self.clock)
        self._http = httpx.Client(
            transport=transport,
            timeout=TIMEOUT_SECONDS,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=True,
        )

    def set_limit(self, calls: int, window: float) -> None:
        """Keep to ``calls`` per ``window`` from now on, counting the calls already made."""
        self.limit = RateLimit(calls, window, self.clock, self.limit._sent)

    def close(self) -> None:
        self._http.close()

    def send(self, request: Request, check: Callable[[bytes], object] | None = None) -> Response:
        """The service's answer to ``request`` (status 200), after waits and retries.

        ``check(content)`` may raise :class:`SourceError` for an answer that is cut short or
        malformed: such an answer is asked for again, like a lost connection.

        Raises
        ------
        SourceError
            On a refusal that retrying cannot change (400, 403, 404: the message has the
            service's own reason), or once :data:`ATTEMPTS` attempts failed.
        """
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(ATTEMPTS),
            wait=_wait,
            retry=tenacity.retry_if_exception_type(_Retryable),
            sleep=self.clock.sleep,
            reraise=True,
        )
        try:
            return retrying(self._attempt, request, check)
        except _Retryable as err:
            raise SourceError(
                f"{self.name} {request.describe()}: no answer after {ATTEMPTS} attempts "
                f"(last: {err.reason}); try again later, or fetch fewer municipalities at once"
            ) from None

    def _attempt(self, request: Request, check: Callable[[bytes], object] | None) -> Response:
        self.limit.wait()
        try:
            answer = self._http.request(request.method, request.url, json=request.body)
        except (httpx.TransportError, httpx.DecodingError) as err:
            raise _Retryable(f"{type(err).__name__}: {err}") from None
        except httpx.HTTPError as err:  # e.g. too many redirects: asking again will not help
            raise SourceError(
                f"{self.name} {request.describe()}: {type(err).__name__}: {err}"
            ) from None
        if answer.status_code == 429 or answer.status_code >= 500:
            raise _Retryable(
                f"HTTP {answer.status_code}",
                _retry_after(answer.headers.get("Retry-After"), self.clock.utc()),
            )
        if answer.status_code != 200:
            raise SourceError(
                f"{self.name} {request.describe()}: refused with HTTP {answer.status_code}: "
                f"{_reason(answer)}",
                status=answer.status_code,
            )
        if check is not None:
            try:
                check(answer.content)
            except SourceError as err:
                raise _Retryable(f"a malformed answer: {err}") from None
        return Response(request, answer.status_code, answer.content, str(answer.request.url))


def _wait(state: tenacity.RetryCallState) -> float:
    """Exponential back-off, but never shorter than the server's ``Retry-After``."""
    first, longest = BACKOFF_SECONDS
    backoff = min(longest, first * 2 ** (state.attempt_number - 1))
    err = state.outcome.exception() if state.outcome else None
    asked = getattr(err, "retry_after", None)
    return max(backoff, min(asked, 10 * longest)) if asked is not None else backoff


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
    except (TypeError, ValueError):
        return None


def _reason(answer: httpx.Response) -> str:
    """The service's own words for a refusal: a Problem JSON's title and detail, or the text."""
    try:
        problem = answer.json()
    except ValueError:
        return answer.text.strip()[:300] or "(no text)"
    if isinstance(problem, dict):
        parts = [str(problem[k]) for k in ("title", "detail") if problem.get(k)]
        if parts:
            return "; ".join(parts)[:300]
    return str(problem)[:300]
