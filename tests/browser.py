"""Headless Chromium for the page tests (Debian's, installed when missing), with every request
other than file:, data: and 127.0.0.1 blocked and recorded, and console errors collected."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_LOCK = Path(tempfile.gettempdir()) / "sim-tests-chromium-install.lock"
ALLOWED = ("file:", "data:", "http://127.0.0.1", "about:")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> str:
    """Debian's Chromium, installed here when missing (the test set-up's job; one test process
    at a time installs it, the others wait for it)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is not None:
        return path
    with open(INSTALL_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = shutil.which("chromium")
        if path is None:
            subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
            subprocess.run(
                ["apt-get", "install", "-y", "-qq", "chromium"], check=True, capture_output=True
            )
            path = shutil.which("chromium")
    assert path, "chromium could not be installed"
    return path


@dataclass
class Watch:
    problems: list[str] = field(default_factory=list)  # console errors, page errors, dialogs
    blocked: list[str] = field(default_factory=list)  # requests off this machine


@contextmanager
def page_in_chromium(width: int = 1400, height: int = 1000) -> Iterator[tuple[object, Watch]]:
    from playwright.sync_api import sync_playwright

    watch = Watch()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})

        def route(r):
            if r.request.url.startswith(ALLOWED):
                r.continue_()
            else:
                watch.blocked.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: watch.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: watch.problems.append(str(e)))
        page.on("dialog", lambda d: (watch.problems.append(f"dialog: {d.message}"), d.dismiss()))
        try:
            yield page, watch
        finally:
            browser.close()
