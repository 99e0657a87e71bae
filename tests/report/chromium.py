"""Open a page in headless Chromium over the DevTools protocol: errors, images, screenshot."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-allow-origins=*", "--remote-debugging-port=0", "--window-size=1200,1400",
         "--hide-scrollbars"]  # fmt: skip


def chromium() -> str | None:
    """The Chromium executable, or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render(page: Path, profile: Path, timeout: float = 60) -> dict:
    """Load `page`; return console errors, network URLs, images' (complete, width), a PNG."""
    import websocket

    proc = subprocess.Popen([chromium(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + timeout
        while not (port_file.is_file() and port_file.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            target = next(t for t in json.load(r) if t["type"] == "page")
        ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=timeout,
                                         suppress_origin=True)  # fmt: skip
        try:
            return _session(ws, page, deadline)
        finally:
            ws.close()
    finally:
        proc.kill()
        proc.wait()


def _session(ws, page: Path, deadline: float) -> dict:
    counter = iter(range(1, 10**6))
    events: list[dict] = []

    def call(method: str, **params) -> dict:
        msg_id = next(counter)
        ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            events.append(msg)

    for domain in ("Page", "Runtime", "Log", "Network"):
        call(f"{domain}.enable")
    call("Page.navigate", url=page.resolve().as_uri())
    while not any(e.get("method") == "Page.loadEventFired" for e in events):
        if time.monotonic() > deadline:
            raise RuntimeError("the page did not finish loading")
        events.append(json.loads(ws.recv()))
    images = call("Runtime.evaluate", returnByValue=True, expression=(
        "Array.from(document.images).map(i => [i.complete, i.naturalWidth])"))  # fmt: skip
    shot = call("Page.captureScreenshot", format="png")
    errors = [e for e in events if e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Runtime.consoleAPICalled"
                  and e["params"]["type"] == "error")
              or (e.get("method") == "Log.entryAdded"
                  and e["params"]["entry"]["level"] == "error")]  # fmt: skip
    urls = [e["params"]["request"]["url"] for e in events
            if e.get("method") == "Network.requestWillBeSent"]  # fmt: skip
    return {"errors": errors, "urls": urls, "images": images["result"]["value"],
            "png": base64.b64decode(shot["data"])}  # fmt: skip
