"""Fetch official data over HTTP (Kolada API v3, SCB PxWebApi v2) into the import store.

HTTP goes through `httpx <https://www.python-httpx.org>`_ and the retry policy through
`tenacity <https://tenacity.readthedocs.io>`_; this module only states the policy. The client

* sets a timeout on every call and retries transient failures (timeouts, dropped
  connections, HTTP 500/502/503/504 and 429) with exponential backoff, honouring
  ``Retry-After`` on 429/503;
* fails fast without a network: a DNS or connection failure on the *first* call raises
  :class:`NetworkUnavailableError` at once instead of retrying for minutes;
* stops when the whole fetch (all calls, retries and waits) exceeds its ``deadline``;
* follows Kolada's ``next_url`` paging (only to the same host) over one kept-alive
  connection;
* respects SCB's limit of about 30 calls per 10 seconds with a sliding-window
  :class:`RateLimiter` (clock and sleep injectable for tests), and splits SCB selections so
  that no call asks for more than 150 000 cells.

Responses go through the same readers (:mod:`research.data.sources`) and the import store
(:func:`research.data.imports.import_file`), so fetched and downloaded files are handled alike.
Nothing is written to disk until every call of a fetch has succeeded.

References
----------
Kolada API v3: https://api.kolada.se/v3/docs. SCB PxWebApi v2:
https://statistikdatabasen.scb.se/api/v2 (30 calls per 10 s, 150 000 cells per call).
RFC 9110 section 10.2.3 (``Retry-After``).
"""

from __future__ import annotations

import collections
import email.utils
import errno
import json
import ssl
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import polars as pl
import tenacity

from research.core.errors import ArgumentError, DataError
from research.core.i18n import load_catalogue
from research.data.sources.kolada import parse_kolada
from research.data.sources.scb import POPULATION_CONTENT, parse_jsonstat
from research.geo.area import RIKET, normalize_code

from .imports import ImportResult, import_file

__all__ = [
    "KOLADA_URL",
    "SCB_URL",
    "FetchError",
    "FetchResult",
    "HttpClient",
    "NetworkUnavailableError",
    "RateLimiter",
    "fetch_kolada",
    "fetch_scb",
]

KOLADA_URL = "https://api.kolada.se/v3"
SCB_URL = "https://statistikdatabasen.scb.se/api/v2"
SCB_MAX_CELLS = 150_000
_KOLADA_MAX_YEARS = 25
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_RETRY_STATUS = {500, 502, 503, 504, 429}
_UNREACHABLE_ERRNO = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ENETUNREACH,
    errno.EHOSTUNREACH,
    errno.EADDRNOTAVAIL,
}

#: Messages in Swedish and English (research/data/fetch_errors.toml).
_TEXTS = load_catalogue(Path(__file__).with_name("fetch_errors.toml"))


class FetchError(DataError):
    """A fetch failed (HTTP error, repeated timeouts, malformed response)."""


class NetworkUnavailableError(FetchError):
    """The first call could not reach the server at all (no DNS, no route, refused)."""


class RateLimiter:
    """Allow at most ``max_calls`` calls in any window of ``period`` seconds.

    Parameters
    ----------
    max_calls, period
        The limit (SCB: 30 calls per 10 s).
    clock, sleep
        Injectable for tests (default :func:`time.monotonic`, :func:`time.sleep`).

    Examples
    --------
    >>> t = [0.0]
    >>> lim = RateLimiter(2, 10.0, clock=lambda: t[0],
    ...                   sleep=lambda s: t.__setitem__(0, t[0] + s))
    >>> [lim.acquire() for _ in range(3)]
    [0.0, 0.0, 10.0]
    """

    def __init__(
        self,
        max_calls: int = 30,
        period: float = 10.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1 or period <= 0:
            en, sv = _TEXTS.both("rate_limiter")
            raise ArgumentError(en, sv=sv)
        self.max_calls, self.period = max_calls, period
        self._clock, self._sleep = clock, sleep
        self._calls: collections.deque[float] = collections.deque()

    def acquire(self) -> float:
        """Wait until a call is allowed, record it, and return the seconds waited."""
        waited = 0.0
        while True:
            now = self._clock()
            # 1e-9 s tolerance: after sleeping exactly the computed wait, float rounding
            # must not leave the oldest call a hair inside the window (an endless loop).
            while self._calls and self._calls[0] + self.period <= now + 1e-9:
                self._calls.popleft()
            if len(self._calls) < self.max_calls:
                self._calls.append(now)
                return waited
            wait = self._calls[0] + self.period - now
            self._sleep(wait)
            waited += wait


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _os_error(exc: BaseException) -> OSError | None:
    """The operating-system error under an httpx/httpcore exception chain, if any."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, OSError):
            return cur
        cur = cur.__cause__ or cur.__context__
    return None


def _is_unreachable(exc: httpx.ConnectError) -> bool:
    """True for "no such host", "refused" and "no route": the host cannot be reached at all."""
    err = _os_error(exc)
    if err is None or isinstance(err, ssl.SSLError):
        return False
    return getattr(err, "errno", None) in _UNREACHABLE_ERRNO or type(err).__name__ == "gaierror"


class _Transient(Exception):
    """One failed attempt worth retrying; ``last`` says what went wrong."""

    def __init__(self, last: str, retry_after: float | None = None) -> None:
        super().__init__(last)
        self.last, self.retry_after = last, retry_after


@dataclass
class HttpClient:
    """An HTTP client (httpx) with timeouts, retries (tenacity), a deadline and a rate limit.

    One instance keeps its connections open between calls (Kolada's pages, SCB's parts);
    :meth:`close` (or a ``with`` block) ends them. Proxies from the environment are used,
    except for loopback addresses (a local mirror or test server).

    Parameters
    ----------
    timeout
        Seconds per call: for connecting, and for each read or write on the connection.
    retries
        Extra attempts after the first for transient failures.
    backoff
        First backoff in seconds; doubles per attempt up to ``max_backoff``.
    max_retry_after
        Longest ``Retry-After`` wait accepted; a longer one stops with a clear error.
    limiter
        A :class:`RateLimiter`, or ``None``.
    sleep
        Injectable for tests.
    deadline
        Seconds for all calls of this client together, retries and waits included; when
        they are used up the fetch stops with a :class:`FetchError` (``None``: no limit).
        Each call's timeout is cut to what is left.
    progress
        Called with one line of text before each retry (the command line prints it to
        stderr), so a slow server is never met with silence.
    clock
        Injectable for tests (default :func:`time.monotonic`).

    Attributes
    ----------
    requests
        Calls made (retries included).
    waits
        Seconds waited before each retry.

    Examples
    --------
    >>> with HttpClient(timeout=5.0, retries=2) as client:
    ...     client.timeout, client.requests
    (5.0, 0)
    """

    timeout: float = 10.0
    retries: int = 3
    backoff: float = 1.0
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    limiter: RateLimiter | None = None
    sleep: Callable[[float], None] = time.sleep
    user_agent: str = f"pilotbench (research workbench; httpx/{httpx.__version__})"
    deadline: float | None = None
    progress: Callable[[str], None] | None = None
    clock: Callable[[], float] = time.monotonic
    requests: int = 0
    waits: list[float] = field(default_factory=list)
    _reached: bool = False
    _started: float | None = None
    _pools: dict[bool, httpx.Client] = field(default_factory=dict, repr=False)

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the open connections (the client can still be used afterwards)."""
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()

    def _left(self) -> float | None:
        if self.deadline is None:
            return None
        if self._started is None:
            self._started = self.clock()
        return self.deadline - (self.clock() - self._started)

    def _pool(self, url: str) -> httpx.Client:
        # A proxy set in the environment must not swallow calls to a local mirror.
        trust_env = (urllib.parse.urlsplit(url).hostname or "") not in _LOOPBACK
        if trust_env not in self._pools:
            self._pools[trust_env] = httpx.Client(
                trust_env=trust_env,
                follow_redirects=True,
                headers={"User-Agent": self.user_agent, "Accept": "application/json"},
            )
        return self._pools[trust_env]

    def _wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.sleep(seconds)

    def request(self, url: str, *, body: dict | None = None) -> bytes:
        """GET ``url`` (or POST ``body`` as JSON) and return the response bytes.

        Raises
        ------
        ArgumentError
            If ``url`` is not an http(s) URL.
        NetworkUnavailableError
            When the very first call cannot reach the host (DNS, refused, unreachable).
        FetchError
            For a non-retryable HTTP status, a ``Retry-After`` longer than
            ``max_retry_after``, the deadline, or when retries are exhausted.
        """
        try:
            parts = urllib.parse.urlsplit(url)
        except ValueError as exc:
            en, sv = _TEXTS.both("invalid_url", url=url, exc=exc)
            raise ArgumentError(en, sv=sv) from None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            en, sv = _TEXTS.both("not_http_url", url=url, example=KOLADA_URL)
            raise ArgumentError(en, sv=sv)
        host = parts.netloc
        last = ""

        def attempt() -> bytes:
            nonlocal last
            left = self._left()
            if left is not None and left <= 0:
                en, sv = _TEXTS.both(
                    "deadline_passed",
                    url=url,
                    deadline=self.deadline,
                    last=last or _TEXTS.phrase("no_answer"),
                )
                raise FetchError(en, sv=sv)
            if self.limiter is not None:
                self.limiter.acquire()
            self.requests += 1
            timeout = self.timeout if left is None else max(0.1, min(self.timeout, left))
            try:
                return self._once(url, body, timeout)
            except _Transient as exc:
                last = exc.last
                raise

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            ra = getattr(exc, "retry_after", None)
            delay = ra if ra is not None else self._backoff(state)
            left = self._left()
            return delay if left is None else min(delay, max(0.0, left))

        def before_sleep(state: tenacity.RetryCallState) -> None:
            if self.progress is not None and state.next_action is not None:
                self.progress(
                    f"{host}: {last}; retrying in {state.next_action.sleep:.0f} s "
                    f"(attempt {state.attempt_number + 1} of {self.retries + 1})"
                )

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Transient),
            stop=tenacity.stop_after_attempt(self.retries + 1),
            wait=wait,
            sleep=self._wait,
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _Transient:
            en, sv = _TEXTS.both("gave_up", url=url, attempts=self.retries + 1, last=last)
            raise FetchError(en, sv=sv) from None

    def _backoff(self, state: tenacity.RetryCallState) -> float:
        # backoff, 2*backoff, 4*backoff, ... capped at max_backoff
        return tenacity.wait_exponential(multiplier=self.backoff, max=self.max_backoff)(state)

    def _once(self, url: str, body: dict | None, timeout: float) -> bytes:
        """One call; a transient failure is a :class:`_Transient`, others a FetchError."""
        try:
            if body is None:
                resp = self._pool(url).get(url, timeout=timeout)
            else:
                resp = self._pool(url).post(url, json=body, timeout=timeout)
        except httpx.TimeoutException:
            raise _Transient(f"no answer within {timeout:g} s") from None
        except httpx.ConnectError as exc:
            err = _os_error(exc)
            if isinstance(err, ssl.SSLError):
                en, sv = _TEXTS.both("tls_failed", url=url, reason=err.reason or err)
                raise FetchError(en, sv=sv) from None
            if not self._reached and _is_unreachable(exc):
                # Kolada's data calls go to .../data/kpi/..., SCB's to .../tables/...
                source = "kolada" if "/data/kpi/" in url or "kolada" in url else "scb"
                en, sv = _TEXTS.both(
                    "network_unavailable",
                    url=url,
                    host=urllib.parse.urlsplit(url).netloc,
                    reason=err or exc,
                    source=source,
                )
                raise NetworkUnavailableError(en, sv=sv) from None
            raise _Transient(f"connection failed: {err or exc}") from None
        except httpx.TransportError as exc:  # dropped connection, protocol error
            raise _Transient(f"connection failed: {exc or type(exc).__name__}") from None
        except httpx.RequestError as exc:  # too many redirects, undecodable body: not transient
            en, sv = _TEXTS.both("request_failed", url=url, reason=exc or type(exc).__name__)
            raise FetchError(en, sv=sv) from None
        except httpx.InvalidURL as exc:
            en, sv = _TEXTS.both("invalid_url", url=url, exc=exc)
            raise ArgumentError(en, sv=sv) from None
        self._reached = True
        if resp.is_success:
            return resp.content
        # the start of the body, on one line (servers answer errors with multi-line HTML)
        text = " ".join(resp.content[:300].decode("utf-8", "replace").split())
        last = f"HTTP {resp.status_code} {resp.reason_phrase}" + (f": {text}" if text else "")
        if resp.status_code not in _RETRY_STATUS:
            key = "http_error_request" if resp.status_code < 500 else "http_error_server"
            en, sv = _TEXTS.both(key, url=url, last=last)
            raise FetchError(en, sv=sv)
        ra = None
        if resp.status_code in (429, 503):
            ra = _retry_after(resp.headers.get("Retry-After"))
            if ra is not None and ra > self.max_retry_after:
                en, sv = _TEXTS.both("retry_after_too_long", url=url, seconds=ra)
                raise FetchError(en, sv=sv)
        raise _Transient(last, ra)


@dataclass(frozen=True)
class FetchResult:
    """Rows fetched, the import-store results, and the URLs called."""

    frame: pl.DataFrame
    imports: list[ImportResult]
    urls: list[str]
    requests: int


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urllib.parse.urlsplit(a), urllib.parse.urlsplit(b)
    return (pa.scheme, pa.netloc) == (pb.scheme, pb.netloc)


def _kolada_code(code: str) -> str:
    c = normalize_code(code)
    if c == RIKET:
        return "0000"
    if len(c) == 2 and c.isdigit():
        return "00" + c
    if len(c) == 4 and c.isdigit():
        return c
    en, sv = _TEXTS.both("no_kolada_id", code=code)
    raise ArgumentError(en, sv=sv)


def _store(
    docs: list[tuple[str, str]], *, source: str, base: Path | None, origin: str
) -> list[ImportResult]:
    out = []
    with tempfile.TemporaryDirectory(prefix="pilotbench-fetch-") as tmp:
        for name, text in docs:
            p = Path(tmp) / name
            p.write_text(text, encoding="utf-8")
            out.append(import_file(p, source=source, base=base, origin=origin))
    return out


def fetch_kolada(  # noqa: PLR0913 - injectable client, clock and sleep for tests, keyword-only
    kpis: Sequence[str],
    years: Sequence[int],
    *,
    areas: Sequence[str] | None = None,
    base_url: str = KOLADA_URL,
    timeout: float = 10.0,
    retries: int = 3,
    deadline: float | None = 120.0,
    per_page: int = 5000,
    max_pages: int = 200,
    store: bool = True,
    base: Path | None = None,
    client: HttpClient | None = None,
) -> FetchResult:
    """Fetch Kolada KPI values (all kommuner/regions, or ``areas``) and import them.

    Calls ``{base_url}/data/kpi/{kpi}[/municipality/{ids}]/year/{years}?per_page=...``
    per KPI (at most 25 years per call) and follows ``next_url`` to the last page.

    Parameters
    ----------
    kpis
        Kolada KPI ids (``"N07402"``).
    years
        Years to fetch.
    areas
        Area codes (``"0126"``, riket ``"00"``, län ``"01"``); default all.
    base_url, timeout, retries, per_page, max_pages
        Connection settings (``timeout`` per call).
    deadline
        Seconds for the whole fetch, retries included (``None``: no limit).
    store
        Import the responses into the store (:func:`research.data.imports.import_file`).
    base
        The data folder for the store.
    client
        An :class:`HttpClient` (built from ``timeout``/``retries`` when omitted).

    Returns
    -------
    FetchResult
        The parsed rows (canonical schema), the import results, URLs and request count.

    Raises
    ------
    NetworkUnavailableError
        At once when the server cannot be reached on the first call.
    FetchError
        For HTTP errors or paging that does not end.
    ParseError
        If a response is malformed.
    """
    if not kpis or not years:
        en, sv = _TEXTS.both("kolada_nothing_asked")
        raise ArgumentError(en, sv=sv)
    own = client is None
    client = client or HttpClient(
        timeout=timeout, retries=retries, deadline=deadline, progress=_stderr
    )
    try:
        ids = [k.strip().upper() for k in kpis]
        yrs = sorted({int(y) for y in years})
        muni = ",".join(_kolada_code(a) for a in areas) if areas else None
        docs: list[tuple[str, str]] = []
        urls: list[str] = []
        base_url = base_url.rstrip("/")
        for kpi in ids:
            for i in range(0, len(yrs), _KOLADA_MAX_YEARS):
                chunk = yrs[i : i + _KOLADA_MAX_YEARS]
                path = f"/data/kpi/{kpi}" + (f"/municipality/{muni}" if muni else "")
                url = f"{base_url}{path}/year/{','.join(map(str, chunk))}?per_page={per_page}"
                pages = []
                for _ in range(max_pages):
                    urls.append(url)
                    raw = client.request(url)
                    try:
                        doc = json.loads(raw.decode("utf-8"))
                    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                        en, sv = _TEXTS.both("kolada_not_json", url=url, exc=exc)
                        raise FetchError(en, sv=sv) from None
                    pages.append(doc)
                    nxt = doc.get("next_url") if isinstance(doc, dict) else None
                    if not nxt:
                        break
                    if not _same_origin(nxt, base_url):
                        en, sv = _TEXTS.both(
                            "kolada_next_url_elsewhere", url=url, next=nxt, base=base_url
                        )
                        raise FetchError(en, sv=sv)
                    url = nxt
                else:
                    en, sv = _TEXTS.both(
                        "kolada_too_many_pages", url=url, kpi=kpi, max_pages=max_pages
                    )
                    raise FetchError(en, sv=sv)
                name = (
                    f"kolada-{kpi}-{chunk[0]}-{chunk[-1]}"
                    + (f"-{len(areas)}areas" if areas else "")
                    + ".json"
                )
                docs.append((name, json.dumps(pages, ensure_ascii=False, indent=1)))
    finally:
        if own:
            client.close()
    frames = [parse_kolada(text, name) for name, text in docs]
    results = _store(docs, source="kolada", base=base, origin=urls[0]) if store else []
    frame = pl.concat([r.frame for r in results]) if results else pl.concat(frames)
    return FetchResult(frame, results, urls, client.requests)


def fetch_scb(  # noqa: PLR0913 - injectable client, clock and sleep for tests, keyword-only
    regions: Sequence[str],
    years: Sequence[int],
    *,
    by_sex: bool = False,
    table: str = "TAB638",
    content: str = POPULATION_CONTENT,
    base_url: str = SCB_URL,
    timeout: float = 10.0,
    retries: int = 3,
    deadline: float | None = 120.0,
    store: bool = True,
    base: Path | None = None,
    client: HttpClient | None = None,
    limiter: RateLimiter | None = None,
) -> FetchResult:
    """Fetch population from SCB PxWebApi v2 (json-stat2) and import it.

    POSTs ``{base_url}/tables/{table}/data?lang=sv&outputFormat=json-stat2`` with a body
    ``{"selection": [{"variableCode": "Region", "valueCodes": [...]}, ContentsCode, Tid
    (and Kon 1/2 when ``by_sex``)]}``. Civilstånd and ålder are left out of the selection,
    so SCB eliminates (sums) them. Calls are split so that none exceeds 150 000 cells and
    paced by a 30-calls-per-10-s :class:`RateLimiter`.

    Parameters
    ----------
    regions
        Area codes: riket ``"00"``, län ``"01"``, kommuner ``"0126"``.
    years
        Years (population on 31 December).
    by_sex
        Fetch men and women (sex ``M``/``K``) instead of the total (``T``).
    table, content, base_url, timeout, retries, deadline
        Table, content code and connection settings (as :func:`fetch_kolada`).
    store, base
        Import into the store under ``base``.
    client, limiter
        Injectable client and rate limiter (default: 30 calls / 10 s).

    Returns
    -------
    FetchResult

    Raises
    ------
    NetworkUnavailableError, FetchError, ParseError
        As :func:`fetch_kolada`.
    """
    if not regions or not years:
        en, sv = _TEXTS.both("scb_nothing_asked")
        raise ArgumentError(en, sv=sv)
    codes = [normalize_code(r) for r in regions]
    bad = [c for c in codes if not (c.isdigit() and len(c) in (2, 4))]
    if bad:
        en, sv = _TEXTS.both("scb_region_codes", bad=bad)
        raise ArgumentError(en, sv=sv)
    yrs = [str(y) for y in sorted({int(y) for y in years})]
    own = client is None
    client = client or HttpClient(
        timeout=timeout,
        retries=retries,
        limiter=limiter or RateLimiter(30, 10.0),
        deadline=deadline,
        progress=_stderr,
    )
    if client.limiter is None:
        client.limiter = limiter or RateLimiter(30, 10.0)
    per_region = len(yrs) * (2 if by_sex else 1)
    step = max(1, SCB_MAX_CELLS // per_region)
    url = f"{base_url.rstrip('/')}/tables/{table}/data?lang=sv&outputFormat=json-stat2"
    docs: list[tuple[str, str]] = []
    try:
        for part, i in enumerate(range(0, len(codes), step), start=1):
            selection = [
                {"variableCode": "Region", "valueCodes": codes[i : i + step]},
                {"variableCode": "ContentsCode", "valueCodes": [content]},
                {"variableCode": "Tid", "valueCodes": yrs},
            ]
            if by_sex:
                selection.append({"variableCode": "Kon", "valueCodes": ["1", "2"]})
            raw = client.request(url, body={"selection": selection})
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                en, sv = _TEXTS.both("scb_not_utf8", url=url, exc=exc)
                raise FetchError(en, sv=sv) from None
            name = f"scb-{table}-{yrs[0]}-{yrs[-1]}{'-kon' if by_sex else ''}-part{part}.json"
            docs.append((name, text))
    finally:
        if own:
            client.close()
    frames = [parse_jsonstat(text, name) for name, text in docs]
    results = _store(docs, source="scb", base=base, origin=url) if store else []
    frame = pl.concat([r.frame for r in results]) if results else pl.concat(frames)
    return FetchResult(frame, results, [url] * len(docs), client.requests)
