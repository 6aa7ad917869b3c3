"""A minimal Chrome DevTools Protocol driver for the browser tests (headless Debian chromium).

It launches a real ``chromium --headless``, opens a page, and records every network request,
console message and exception, so tests can assert that a report loads offline and cleanly.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket

CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
    "--remote-debugging-port=0", "--remote-allow-origins=*", "--window-size=1000,1400",
]  # fmt: skip


def chromium_path() -> str | None:
    """Path of the chromium binary, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageLoad:
    """What happened while a page loaded."""

    requests: list[str] = field(default_factory=list)
    console: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)
    evaluations: dict[str, Any] = field(default_factory=dict)
    screenshot: bytes = b""


class _Cdp:
    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > end:
                raise TimeoutError(f"no {method} within {timeout} s")
            self.ws.settimeout(max(0.1, end - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))

    def close(self) -> None:
        self.ws.close()


def load_page(url: str, evaluate: dict[str, str] | None = None, settle: float = 0.5) -> PageLoad:
    """Open ``url`` in headless chromium and report requests, console output and errors.

    ``evaluate`` maps names to JavaScript expressions evaluated after the load event.
    """
    exe = chromium_path()
    if exe is None:
        raise RuntimeError("chromium is not installed (make test installs Debian's chromium)")
    profile = tempfile.mkdtemp(prefix="pilotbench-chromium-")
    proc = subprocess.Popen(
        [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ws_url = None
        end = time.monotonic() + 30
        assert proc.stderr is not None
        while time.monotonic() < end:
            line = proc.stderr.readline()
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                ws_url = m.group(1)
                break
            if not line and proc.poll() is not None:
                break
        if ws_url is None:
            raise RuntimeError("chromium did not start its DevTools endpoint")
        cdp = _Cdp(ws_url)
        target = cdp.call("Target.createTarget", url="about:blank")["targetId"]
        session = cdp.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            cdp.call(f"{domain}.enable", session)
        cdp.events.clear()
        cdp.call("Page.navigate", session, url=url)
        cdp.wait_for("Page.loadEventFired")
        time.sleep(settle)
        out = PageLoad()
        for name, expr in (evaluate or {}).items():
            res = cdp.call("Runtime.evaluate", session, expression=expr, returnByValue=True)
            out.evaluations[name] = res.get("result", {}).get("value")
        shot = cdp.call("Page.captureScreenshot", session, format="png", captureBeyondViewport=True)
        out.screenshot = base64.b64decode(shot["data"])
        for e in cdp.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Network.requestWillBeSent":
                out.requests.append(p["request"]["url"])
            elif m == "Runtime.consoleAPICalled":
                out.console.append(p)
            elif m == "Runtime.exceptionThrown":
                out.exceptions.append(p)
            elif m == "Log.entryAdded":
                out.log_entries.append(p["entry"])
            elif m == "Network.loadingFailed":
                out.failed.append(p)
        cdp.close()
        return out
    finally:
        proc.kill()
        proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


def page_url(path: Path) -> str:
    """file:// URL of a local file."""
    return path.resolve().as_uri()
