"""Headless Chromium driven over the DevTools protocol on a pipe (no extra Python package).

Chromium's ``--remote-debugging-pipe`` reads JSON commands from fd 3 and writes replies and
events to fd 4, each message ended by a NUL byte (the transport Playwright and Puppeteer use).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

# Lower-case snake_case words are identifiers, not words; scanpy's function keeps its own name.
IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
PROPER_NAMES = {"score_genes"}

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """One headless Chromium with one page; ``open`` loads a URL and records what failed."""

    def __init__(self, executable: str, *, width: int = 1280, height: int = 900, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="chromium-profile-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def wire_fds() -> None:  # in the child: fd 3 = commands in, fd 4 = messages out
            commands, messages = os.dup(to_browser_read), os.dup(from_browser_write)  # may be 3 or 4
            os.dup2(commands, 3)  # dup2 makes 3 and 4 inheritable; the originals close at exec
            os.dup2(messages, 4)

        self._process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, "--remote-debugging-pipe", f"--window-size={width},{height}",
             f"--user-data-dir={self._profile}",
             "about:blank"],
            close_fds=False, preexec_fn=wire_fds,  # close_fds would close fds 3 and 4 again
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self._session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)

    def _read_message(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise RuntimeError("Chromium stopped answering: " + self._process.stderr.read().decode(errors="replace")
                                   if self._process.poll() is not None else "Chromium timed out")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def _wait_for_event(self, method: str) -> None:
        start = len(self.events)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if any(e.get("method") == method for e in self.events[start:]):
                return
            message = self._read_message()
            self.events.append(message)
            if message.get("method") == "Page.javascriptDialogOpening":  # recorded; dismissed so the page loads on
                self.call("Page.handleJavaScriptDialog", session=True, accept=False)
        raise RuntimeError(f"no {method} within {self.timeout} s")

    def open(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        self._wait_for_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        return result["result"].get("value")

    def failures(self) -> list[str]:
        """Since ``open``: requests that failed, requests leaving the machine (anything but data:,
        file: and about: URLs), script dialogs (alert, confirm, prompt), uncaught script errors
        and console errors."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if not url.startswith(("data:", "file:", "about:")):
                    found.append(f"network request: {url}")
            elif method == "Page.javascriptDialogOpening":
                found.append(f"script dialog: {params.get('type')} {params.get('message')!r}")
            elif method == "Network.loadingFailed":
                found.append(f"request failed: {params.get('errorText')} ({params.get('requestId')})")
            elif method == "Runtime.exceptionThrown":
                found.append(f"script error: {params['exceptionDetails'].get('text')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"console error: {params['entry'].get('text')}")
        return found

    def reader_checks(self) -> dict[str, Any]:
        """What a reader meets on the open page: internal links whose target is missing, text
        showing a p-value of zero ("0.0e+00", "0.000e+00"), the criteria table's question
        numbers in page order, and the page's visible text."""
        return self.evaluate(
            "(() => {"
            " const dead = [...document.querySelectorAll('a[href^=\"#\"]')]"
            "   .map(a => a.getAttribute('href').slice(1)).filter(id => !document.getElementById(id));"
            " const text = document.body.innerText;"
            " const zeros = text.match(/0\\.0+e\\+00/g) || [];"
            " const table = document.getElementById('criteria');"
            " const questions = [...table.tBodies[0].rows].map(r => parseInt(r.cells[1].innerText));"
            " return {dead_links: dead, zero_p: zeros, questions: questions, text: text};"
            "})()"
        )

    def identifiers_in_prose(self) -> set[str]:
        """Identifiers a reader meets in the page's words: its visible text without file names,
        code and the config (``pre``, ``code``, ``details``), less PROPER_NAMES."""
        prose = self.evaluate(
            "(() => { const b = document.body.cloneNode(true);"
            " b.querySelectorAll('pre, code, details').forEach(e => e.remove()); return b.innerText; })()"
        )
        return set(IDENTIFIER.findall(prose)) - PROPER_NAMES

    def script_links(self) -> list[str]:
        """The href of every link on the open page that would run a script (javascript:)."""
        return self.evaluate(
            "[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"
            ".filter(h => h.trim().toLowerCase().startsWith('javascript:'))"
        )

    def screenshot(self, path: Path) -> None:
        """The first screen (the viewport), as a PNG."""
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except RuntimeError:
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
        os.close(self._to_browser)
        os.close(self._from_browser)
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
