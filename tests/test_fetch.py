"""The fetch client end to end against a local HTTP server on 127.0.0.1 (ephemeral port).

The server (http.server in a thread) answers in the recorded formats of Kolada v3 and SCB
PxWebApi v2 with made-up numbers. Nothing here contacts any other address. Every test bounds
its requests and time; the server is shut down after each test and by a watchdog timer.
"""

from __future__ import annotations

import doctest
import email.utils
import gzip
import json
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import research.data.fetch as fetch_mod
from research.core.errors import ArgumentError, ParseError
from research.data.fetch import (
    FetchError,
    HttpClient,
    NetworkUnavailableError,
    RateLimiter,
    _retry_after,
    fetch_kolada,
    fetch_scb,
)
from research.data.import_store import imports_dir, list_imports, load_imports

DATA = Path(__file__).parent / "data"


def _item(muni, year, value):
    return {"kpi": "N07402", "municipality": muni, "period": year,
            "values": [{"gender": "T", "count": 1, "status": "", "value": value,
                        "isdeleted": False}]}  # fmt: skip


class _Server:
    """A scripted server: ``routes`` maps a path prefix to a list of responses in turn."""

    def __init__(self, protocol: str = "HTTP/1.0"):
        self.calls: list[tuple[str, str, bytes]] = []
        self.ports: list[int] = []  # the client's port per call (one port = one connection)
        self.routes: dict[str, list] = {}
        self.release = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = protocol

            def log_message(self, *args):  # keep test output clean
                pass

            def _answer(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                owner.calls.append((method, self.path, body))
                owner.ports.append(self.client_address[1])
                for prefix, script in owner.routes.items():
                    if self.path.startswith(prefix):
                        step = script.pop(0) if len(script) > 1 else script[0]
                        break
                else:
                    step = (404, {}, b"not found")
                if step == "sleep":
                    owner.release.wait(2.0)
                    step = (200, {}, b"{}")
                if step == "drop":  # close the connection without an answer
                    self.close_connection = True
                    return
                status, headers, payload = step
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.watchdog = threading.Timer(30.0, self.stop)
        self.watchdog.daemon = True

    def start(self):
        self.thread.start()
        self.watchdog.start()
        return self

    def stop(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.watchdog.cancel()


@pytest.fixture
def server():
    s = _Server().start()
    yield s
    s.stop()
    assert s.thread.join(5) is None and not s.thread.is_alive()


def _json(doc) -> tuple[int, dict, bytes]:
    return (200, {"Content-Type": "application/json"}, json.dumps(doc).encode())


def _client(**kw):
    kw.setdefault("timeout", 2.0)
    kw.setdefault("retries", 2)
    kw.setdefault("backoff", 0.01)
    return HttpClient(sleep=lambda s: None, **kw)


def test_kolada_paging_and_import(server, tmp_path):
    path = "/v3/data/kpi/N07402/year/2021,2022"
    page2 = f"{server.url}{path}?per_page=2&page=2"
    server.routes[path + "?per_page=2&page=2"] = [
        _json({"count": 3, "values": [_item("0180", 2022, 31.4)], "next_url": None})
    ]
    server.routes[path + "?per_page=2"] = [
        _json({"count": 3, "values": [_item("0126", 2021, 52.0), _item("0126", 2022, 55.9)],
               "next_url": page2})
    ]  # fmt: skip
    client = _client()
    res = fetch_kolada(["n07402"], [2022, 2021], base_url=server.url + "/v3", per_page=2,
                       base=tmp_path, client=client)  # fmt: skip
    assert [c[1] for c in server.calls] == [path + "?per_page=2", path + "?per_page=2&page=2"]
    assert res.requests == 2
    assert sorted(res.frame.select("area_code", "year", "value").rows()) == [
        ("0126", 2021, 52.0), ("0126", 2022, 55.9), ("0180", 2022, 31.4),
    ]  # fmt: skip
    entry = list_imports(tmp_path)[0]
    assert entry["source"] == "kolada" and entry["rows"] == 3
    assert entry["origin"] == server.url + path + "?per_page=2"
    assert load_imports(tmp_path).height == 3
    # the stored original holds both pages as fetched
    pages = json.loads((imports_dir(tmp_path) / entry["original"]).read_text())
    assert len(pages) == 2


def test_kolada_area_filter_and_foreign_next_url(server, tmp_path):
    path = "/v3/data/kpi/N07402/municipality/0000,0126/year/2022"
    server.routes[path] = [
        _json({"values": [_item("0126", 2022, 55.9)], "next_url": "http://example.org/x"})
    ]
    client = _client()
    with pytest.raises(FetchError, match="leaves"):
        fetch_kolada(["N07402"], [2022], areas=["00", "0126"], base_url=server.url + "/v3",
                     base=tmp_path, client=client)  # fmt: skip
    assert len(server.calls) == 1 and server.calls[0][1].startswith(path)
    assert not imports_dir(tmp_path).exists()


def test_429_then_success_honours_retry_after(server, tmp_path):
    path = "/v3/data/kpi/N07402/year/2022"
    server.routes[path] = [
        (429, {"Retry-After": "3"}, b"slow down"),
        _json({"values": [_item("0126", 2022, 55.9)]}),
    ]
    slept = []
    client = HttpClient(timeout=2.0, retries=2, backoff=0.01, sleep=slept.append)
    res = fetch_kolada(["N07402"], [2022], base_url=server.url + "/v3", base=tmp_path,
                       client=client)  # fmt: skip
    assert slept == [3.0]  # the server's Retry-After, not the 0.01 s backoff
    assert len(server.calls) == 2 and res.frame.height == 1


def test_retry_after_too_long_stops(server, tmp_path):
    server.routes["/v3/"] = [(503, {"Retry-After": "3600"}, b"maintenance")]
    client = _client()
    with pytest.raises(FetchError, match="3600"):
        fetch_kolada(["N07402"], [2022], base_url=server.url + "/v3", base=tmp_path,
                     client=client)  # fmt: skip
    assert len(server.calls) == 1 and not imports_dir(tmp_path).exists()


def test_timeout_is_retried_then_fails(server, tmp_path):
    server.routes["/v3/"] = ["sleep"]
    client = HttpClient(timeout=0.3, retries=1, backoff=0.01, sleep=lambda s: None)
    t0 = time.monotonic()
    with pytest.raises(FetchError, match=r"no answer within 0\.3 s"):
        fetch_kolada(["N07402"], [2022], base_url=server.url + "/v3", base=tmp_path,
                     client=client)  # fmt: skip
    assert time.monotonic() - t0 < 3.0
    assert len(server.calls) == 2  # first attempt + one retry
    assert not imports_dir(tmp_path).exists()


def test_server_error_backoff_doubles(server, tmp_path):
    server.routes["/v3/"] = [(500, {}, b"oops"), (502, {}, b"oops"),
                             _json({"values": [_item("0126", 2022, 55.9)]})]  # fmt: skip
    slept = []
    client = HttpClient(timeout=2.0, retries=3, backoff=0.5, sleep=slept.append)
    fetch_kolada(["N07402"], [2022], base_url=server.url + "/v3", store=False, client=client)
    assert slept == [0.5, 1.0]


def test_client_error_is_not_retried(server, tmp_path):
    server.routes["/v3/"] = [(400, {}, b"bad kpi")]
    client = _client()
    with pytest.raises(FetchError, match="HTTP 400"):
        fetch_kolada(["N07402"], [2022], base_url=server.url + "/v3", base=tmp_path,
                     client=client)  # fmt: skip
    assert len(server.calls) == 1


def test_malformed_response_writes_nothing(server, tmp_path):
    server.routes["/v3/"] = [_json({"values": [{"kpi": "N07402"}]})]
    client = _client()
    with pytest.raises(ParseError, match="lacks"):
        fetch_kolada(["N07402"], [2022], base_url=server.url + "/v3", base=tmp_path,
                     client=client)  # fmt: skip
    assert not imports_dir(tmp_path).exists()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_no_network_fails_fast_and_writes_nothing(tmp_path):
    slept = []
    client = HttpClient(timeout=2.0, retries=5, backoff=10.0, sleep=slept.append)
    t0 = time.monotonic()
    with pytest.raises(NetworkUnavailableError, match="nothing was changed"):
        fetch_scb(["0126"], [2022], base_url=f"http://127.0.0.1:{_closed_port()}/api/v2",
                  base=tmp_path, client=client)  # fmt: skip
    assert time.monotonic() - t0 < 2.0
    assert slept == [] and client.requests == 1
    assert list(tmp_path.iterdir()) == []


def test_scb_post_selection_and_import(server, tmp_path):
    server.routes["/api/v2/tables/TAB638/data"] = [
        (200, {"Content-Type": "application/json"}, (DATA / "scb_tab638.json").read_bytes())
    ]
    client = _client()
    res = fetch_scb(["00", "01", "0126", "0180"], [2021, 2022], by_sex=True,
                    base_url=server.url + "/api/v2", base=tmp_path, client=client)  # fmt: skip
    method, path, body = server.calls[0]
    assert method == "POST"
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    assert q == {"lang": ["sv"], "outputFormat": ["json-stat2"]}
    sel = {s["variableCode"]: s["valueCodes"] for s in json.loads(body)["selection"]}
    assert sel == {"Region": ["00", "01", "0126", "0180"], "ContentsCode": ["BE0101N1"],
                   "Tid": ["2021", "2022"], "Kon": ["1", "2"]}  # fmt: skip
    assert res.frame.height == 16
    assert list_imports(tmp_path)[0]["source"] == "scb"


def test_scb_splits_large_selections(server, tmp_path):
    doc = json.loads(_small_jsonstat())
    server.routes["/api/v2/"] = [_json(doc)]
    client = _client()
    regions = [f"{i:04d}" for i in range(1, 3001)]  # 3000 codes x 60 years > 150 000 cells
    fetch_scb(regions, range(1960, 2020), base_url=server.url + "/api/v2", store=False,
              client=client)  # fmt: skip
    sizes = [len(json.loads(b)["selection"][0]["valueCodes"]) for _, _, b in server.calls]
    assert sizes == [2500, 500]  # 2500 x 60 = 150 000 cells per call at most
    assert all(n * 60 <= 150_000 for n in sizes)


def _small_jsonstat() -> str:
    return json.dumps({
        "version": "2.0", "class": "dataset", "id": ["Region", "ContentsCode", "Tid"],
        "size": [1, 1, 1],
        "dimension": {"Region": {"category": {"index": ["0126"]}},
                      "ContentsCode": {"category": {"index": ["BE0101N1"]}},
                      "Tid": {"category": {"index": ["2022"]}}},
        "value": [114000],
    })  # fmt: skip


def test_rate_limiter_sliding_window():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s

    lim = RateLimiter(30, 10.0, clock=lambda: now[0], sleep=sleep)
    stamps = []
    for _ in range(65):
        lim.acquire()
        stamps.append(now[0])
        now[0] += 0.1  # each call takes 0.1 s
    # never more than 30 calls in any 10-second window
    for i in range(len(stamps)):
        assert sum(1 for t in stamps if stamps[i] <= t < stamps[i] + 10.0 - 1e-6) <= 30
    # calls 31 and 61 had to wait until the window's first call was 10 s old
    assert stamps[30] == pytest.approx(10.0)
    assert stamps[60] == pytest.approx(20.0)
    assert len(slept) == 2


def test_scb_client_uses_limiter(server):
    server.routes["/api/v2/"] = [_json(json.loads(_small_jsonstat()))]
    now = [100.0]
    lim = RateLimiter(2, 10.0, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    client = HttpClient(timeout=2.0, retries=0, limiter=lim)
    for _ in range(3):
        fetch_scb(["0126"], [2022], base_url=server.url + "/api/v2", store=False, client=client)
    assert now[0] == pytest.approx(110.0)  # the third call waited for the window


def test_retry_after_parsing():
    assert _retry_after("7") == 7.0
    assert _retry_after(None) is None and _retry_after("soon") is None
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past


# -- the httpx/tenacity client: behaviour beyond the pinned basics ---------------------------


@pytest.fixture
def server11():
    s = _Server("HTTP/1.1").start()
    yield s
    s.stop()


def test_kolada_pages_share_one_kept_alive_connection(server11, tmp_path):
    path = "/v3/data/kpi/N07402/year/2022"
    base = f"{server11.url}{path}?per_page=1"
    server11.routes[path + "?per_page=1&page=3"] = [_json({"values": [_item("0180", 2022, 3.0)]})]
    server11.routes[path + "?per_page=1&page=2"] = [
        _json({"values": [_item("0126", 2022, 2.0)], "next_url": base + "&page=3"})
    ]
    server11.routes[path + "?per_page=1"] = [
        _json({"values": [_item("0114", 2022, 1.0)], "next_url": base + "&page=2"})
    ]
    with _client() as client:
        res = fetch_kolada(["N07402"], [2022], base_url=server11.url + "/v3", per_page=1,
                           store=False, client=client)  # fmt: skip
    assert sorted(res.frame["value"].to_list()) == [1.0, 2.0, 3.0]
    assert len(server11.ports) == 3 and len(set(server11.ports)) == 1


def test_progress_line_per_retry_and_exhaustion_message(server, tmp_path):
    server.routes["/v3/"] = [(502, {}, b"bad gateway")]
    lines: list[str] = []
    client = HttpClient(timeout=2.0, retries=2, backoff=1.5, sleep=lambda s: None,
                        progress=lines.append)  # fmt: skip
    with pytest.raises(FetchError) as info:
        fetch_kolada(["N07402"], [2022], base_url=server.url + "/v3", base=tmp_path,
                     client=client)  # fmt: skip
    host = server.url.removeprefix("http://")
    assert lines == [
        f"{host}: HTTP 502 Bad Gateway: bad gateway; retrying in 2 s (attempt 2 of 3)",
        f"{host}: HTTP 502 Bad Gateway: bad gateway; retrying in 3 s (attempt 3 of 3)",
    ]
    assert client.waits == [1.5, 3.0] and client.requests == 3 == len(server.calls)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg == (
        f"{server.url}/v3/data/kpi/N07402/year/2022?per_page=5000: giving up after 3 "
        "attempt(s); last: HTTP 502 Bad Gateway: bad gateway. Nothing was changed; try again "
        "later."
    )
    assert not imports_dir(tmp_path).exists()


def test_backoff_is_capped(server):
    server.routes["/v3/"] = [(504, {}, b"")]
    client = HttpClient(timeout=2.0, retries=4, backoff=4.0, max_backoff=10.0, sleep=lambda s: None)
    with pytest.raises(FetchError, match="giving up after 5"):
        client.request(server.url + "/v3/x")
    assert client.waits == [4.0, 8.0, 10.0, 10.0]


def test_503_without_retry_after_uses_backoff(server):
    server.routes["/v3/"] = [(503, {}, b"busy"), (200, {}, b"ok")]
    client = HttpClient(timeout=2.0, retries=1, backoff=0.25, sleep=lambda s: None)
    assert client.request(server.url + "/v3/x") == b"ok"
    assert client.waits == [0.25]


def test_retry_after_as_http_date(server):
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    server.routes["/v3/"] = [(429, {"Retry-After": when}, b""), (200, {}, b"ok")]
    client = HttpClient(timeout=2.0, retries=1, backoff=0.01, sleep=lambda s: None)
    assert client.request(server.url + "/v3/x") == b"ok"
    # the header has whole seconds: 29-30 s from now, minus the time the call took
    assert 27.0 <= client.waits[0] <= 30.0


def test_deadline_cuts_the_retry_after_wait_then_stops(server, tmp_path):
    server.routes["/v3/"] = [(429, {"Retry-After": "100"}, b"later")]
    now = [0.0]

    def sleep(s):
        now[0] += s

    client = HttpClient(timeout=2.0, retries=5, deadline=5.0, clock=lambda: now[0], sleep=sleep)
    with pytest.raises(FetchError) as info:
        fetch_kolada(["N07402"], [2022], base_url=server.url + "/v3", base=tmp_path,
                     client=client)  # fmt: skip
    assert client.waits == [5.0]  # not the 100 s the server asked for
    assert len(server.calls) == 1
    msg = str(info.value)
    assert "deadline of 5 s" in msg and "HTTP 429" in msg and "--deadline" in msg
    assert not imports_dir(tmp_path).exists()


def test_dropped_connection_is_retried(server):
    server.routes["/v3/"] = ["drop", (200, {}, b"ok")]
    lines: list[str] = []
    client = HttpClient(timeout=2.0, retries=1, backoff=0.01, sleep=lambda s: None,
                        progress=lines.append)  # fmt: skip
    assert client.request(server.url + "/v3/x") == b"ok"
    assert len(server.calls) == 2 and "connection failed" in lines[0]


def test_refused_after_a_first_answer_is_retried_not_no_network(server):
    server.routes["/v3/"] = [(200, {}, b"ok")]
    client = HttpClient(timeout=2.0, retries=1, backoff=0.01, sleep=lambda s: None)
    assert client.request(server.url + "/v3/x") == b"ok"
    with pytest.raises(FetchError, match=r"giving up after 2 attempt.*connection failed") as info:
        client.request(f"http://127.0.0.1:{_closed_port()}/v3/x")
    assert not isinstance(info.value, NetworkUnavailableError)


def test_tls_failure_is_a_clear_error_not_retried(server):
    # the local server speaks plain HTTP: the TLS handshake must fail
    client = HttpClient(timeout=2.0, retries=3, backoff=0.01, sleep=lambda s: None)
    url = server.url.replace("http://", "https://") + "/v3/x"
    with pytest.raises(FetchError, match="TLS connection failed") as info:
        client.request(url)
    assert not isinstance(info.value, NetworkUnavailableError)
    assert client.requests == 1 and client.waits == []
    assert "\n" not in str(info.value) and url in str(info.value)


def test_redirect_is_followed_and_gzip_decoded(server):
    payload = gzip.compress(json.dumps({"values": [_item("0126", 2022, 55.9)]}).encode())
    server.routes["/v3/moved"] = [(200, {"Content-Encoding": "gzip"}, payload)]
    server.routes["/v3/"] = [(302, {"Location": "/v3/moved"}, b"")]
    client = _client()
    res = fetch_kolada(["N07402"], [2022], base_url=server.url + "/v3", store=False,
                       client=client)  # fmt: skip
    assert res.frame["value"].to_list() == [55.9]
    assert [c[1] for c in server.calls] == ["/v3/data/kpi/N07402/year/2022?per_page=5000",
                                            "/v3/moved"]  # fmt: skip


def test_environment_proxy_is_not_used_for_loopback(server, monkeypatch):
    dead = f"http://127.0.0.1:{_closed_port()}"
    for var in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(var, dead)
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    server.routes["/v3/"] = [(200, {}, b"ok")]
    assert _client().request(server.url + "/v3/x") == b"ok"


def test_environment_proxy_is_used_for_other_hosts(server, monkeypatch):
    # the local server plays an HTTP proxy: it gets the absolute URL in the request line
    for var in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(var, server.url)
    for var in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    server.routes["http://kolada.invalid/v3/"] = [_json({"values": [_item("0126", 2022, 1.0)]})]
    res = fetch_kolada(["N07402"], [2022], base_url="http://kolada.invalid/v3", store=False,
                       client=_client())  # fmt: skip
    assert server.calls[0][1] == "http://kolada.invalid/v3/data/kpi/N07402/year/2022?per_page=5000"
    assert res.frame.height == 1


@pytest.mark.parametrize(
    ("url", "say"),
    [
        ("ftp://example.org/x", "not an http"),
        ("file:///etc/passwd", "not an http"),
        ("http://", "not an http"),
        ("x", "not an http"),
        ("http://[::1/x", "not a valid URL"),
        ("http://127.0.0.1:1x/x", "not a valid URL"),
    ],
)
def test_bad_url_is_refused(url, say):
    client = _client()
    with pytest.raises(ArgumentError, match=say) as info:
        client.request(url)
    assert client.requests <= 1 and "\n" not in str(info.value)


def test_redirect_loop_is_a_fetch_error_not_retried(server, tmp_path):
    server.routes["/v3/"] = [(302, {"Location": "/v3/loop"}, b"")]
    client = _client()
    with pytest.raises(FetchError, match=r"redirects.*nothing was changed"):
        fetch_kolada(["N07402"], [2022], base_url=server.url + "/v3", base=tmp_path,
                     client=client)  # fmt: skip
    assert client.requests == 1 and client.waits == []
    assert len(server.calls) == 21  # the first call and httpx's 20 redirects
    assert not imports_dir(tmp_path).exists()


def test_own_client_is_closed_after_the_fetch(server, monkeypatch):
    closed = []
    real_close = HttpClient.close

    def close(self):
        closed.append(self)
        real_close(self)

    monkeypatch.setattr(HttpClient, "close", close)
    server.routes["/api/v2/"] = [_json(json.loads(_small_jsonstat()))]
    fetch_scb(["0126"], [2022], base_url=server.url + "/api/v2", store=False)
    assert len(closed) == 1 and closed[0]._pools == {}
    injected = _client()
    fetch_scb(["0126"], [2022], base_url=server.url + "/api/v2", store=False, client=injected)
    assert len(closed) == 1 and injected._pools  # the caller's client stays open
    injected.close()


def test_doctests_run():
    res = doctest.testmod(fetch_mod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted >= 2


def test_http_error_page_gives_one_line_with_url_and_advice(server, tmp_path):
    page = b"<html>\n<head><title>404</title></head>\n<body>\n  No such KPI\n</body></html>\n"
    server.routes["/v3/"] = [(404, {"Content-Type": "text/html"}, page)]
    with pytest.raises(FetchError) as info:
        fetch_kolada(["N99999"], [2022], base_url=server.url + "/v3", base=tmp_path,
                     client=_client())  # fmt: skip
    msg = str(info.value)
    assert msg == (
        f"{server.url}/v3/data/kpi/N99999/year/2022?per_page=5000: HTTP 404 Not Found: "
        "<html> <head><title>404</title></head> <body> No such KPI </body></html>. Nothing was "
        "changed; check the KPI or table id, areas and years and try again."
    )
    assert len(server.calls) == 1 and not imports_dir(tmp_path).exists()


def test_paging_that_does_not_end_stops(server, tmp_path):
    path = "/v3/data/kpi/N07402/year/2022?per_page=5000"
    server.routes["/v3/"] = [
        _json({"values": [_item("0126", 2022, 1.0)], "next_url": server.url + path})
    ]
    with pytest.raises(FetchError, match=r"more than 3 pages.*raise max_pages") as info:
        fetch_kolada(["N07402"], [2022], base_url=server.url + "/v3", base=tmp_path,
                     max_pages=3, client=_client())  # fmt: skip
    assert "\n" not in str(info.value)
    assert len(server.calls) == 3 and not imports_dir(tmp_path).exists()


def test_non_json_response_is_a_fetch_error(server, tmp_path):
    server.routes["/v3/"] = [(200, {"Content-Type": "text/html"}, b"<html>login</html>")]
    with pytest.raises(FetchError, match=r"not JSON.*PILOTBENCH_KOLADA_URL"):
        fetch_kolada(["N07402"], [2022], base_url=server.url + "/v3", base=tmp_path,
                     client=_client())  # fmt: skip
    assert not imports_dir(tmp_path).exists()
