"""A headless Chromium that tests drive through the DevTools protocol over a pipe (no port, no extra
package): open a page with the network off, run JavaScript in it, list every request it made, and take
screenshots.

Chromium reads commands from file descriptor 3 and writes answers and events to 4, each a JSON object
ended by a NUL byte (`--remote-debugging-pipe`).
"""

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser")
# How long one protocol call may take before the test fails (a hung browser must not hang the suite).
ANSWER_TIMEOUT_S = 60
CLOSE_TIMEOUT_S = 10


def chromium_or_skip() -> str:
    """The Chromium executable. `make test` installs Debian's package when it runs as root; elsewhere a
    missing browser skips the browser tests with the command that installs it."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    if os.geteuid() == 0:
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium)")
    pytest.skip("these tests open the dashboard in Chromium: sudo apt-get install chromium")


class Browser:
    def __init__(self, executable: str) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="segment-studio-chromium-")
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()

        def give_pipes() -> None:  # in the child, before exec: fds 3 and 4 as Chromium expects
            os.dup2(commands_read, 3)
            os.dup2(answers_write, 4)

        self._process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--remote-debugging-pipe",
                "--no-sandbox",  # root in containers and CI has no user namespace sandbox
                "--disable-gpu",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={self._profile.name}",
                # The network is off: any request for another address fails (and is still recorded).
                "--proxy-server=http://127.0.0.1:9",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=give_pipes,
            pass_fds=(3, 4),
            start_new_session=True,
        )
        os.close(commands_read)
        os.close(answers_write)
        self._next_id = 0
        self._buffer = b""
        self.events: list[dict] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.call(f"{domain}.enable", session=True)
        self.call("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1,
        }, session=True)  # fmt: skip

    def close(self) -> None:
        """Close Chromium and every helper process it started (they write into the profile until they
        end), then remove the profile."""
        try:
            self.call("Browser.close")
            self._process.wait(timeout=CLOSE_TIMEOUT_S)
        except (OSError, RuntimeError, TimeoutError, subprocess.TimeoutExpired):
            pass  # ended below
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)  # its own process group (start_new_session)
        self._process.wait()
        os.close(self._commands)
        os.close(self._answers)
        self._profile.cleanup()

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _message(self) -> dict:
        import select

        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._answers], [], [], ANSWER_TIMEOUT_S)
            if not ready:
                raise TimeoutError(f"Chromium did not answer within {ANSWER_TIMEOUT_S} s")
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method: str, params: dict | None = None, *, session: bool = False) -> dict:
        self._next_id += 1
        request = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            request["sessionId"] = self._session
        os.write(self._commands, json.dumps(request).encode() + b"\0")
        while True:
            message = self._message()
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def wait_for_event(self, method: str) -> dict:
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            message = self._message()
            self.events.append(message)
            if message.get("method") == method:
                return message

    def open(self, path: Path, *, width: int = 1280, height: int = 900) -> None:
        """Load the file and wait until its load event."""
        self.call("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600,
        }, session=True)  # fmt: skip
        # Only the load of this page counts, not that of one opened before.
        self.events = [event for event in self.events if event.get("method") != "Page.loadEventFired"]
        self.call("Page.navigate", {"url": path.resolve().as_uri()}, session=True)
        self.wait_for_event("Page.loadEventFired")

    def run(self, expression: str):
        """The value of a JavaScript expression in the page (awaited when it is a promise)."""
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session=True,
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def requested_urls(self) -> list[str]:
        return [
            event["params"]["request"]["url"]
            for event in self.events
            if event.get("method") == "Network.requestWillBeSent"
        ]

    def screenshot(self, path: Path, selector: str | None = None, max_height: int | None = None) -> None:
        """A PNG of the element `selector` (the whole page, however long, when None), at most `max_height`
        CSS pixels of it from its top."""
        if selector is None:
            size = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
            clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        else:
            clip = self.run(
                f"(() => {{ const box = document.querySelector({selector!r}).getBoundingClientRect();"
                " return {x: box.left + scrollX, y: box.top + scrollY, width: box.width,"
                " height: box.height, scale: 1}; })()"
            )
        if max_height is not None:
            clip["height"] = min(clip["height"], max_height)
        result = self.call(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": clip},
            session=True,
        )
        path.write_bytes(base64.b64decode(result["data"]))
