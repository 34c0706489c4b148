"""Headless Chromium for the page tests: Debian's `chromium` (CI's .ci/run installs it)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NEEDS_CHROMIUM = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no headless browser: install Debian's chromium (apt-get install chromium) to run it",
)

# The flags this workplace needs for Chromium as root without a network.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=30000",
)


def render(*urls: str) -> list[str]:
    """The DOM of each page after its scripts ran, one browser per page, all at once."""
    with tempfile.TemporaryDirectory() as tmp:
        browsers = []
        for i, url in enumerate(urls):
            profile = Path(tmp) / str(i)
            command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url]
            browsers.append(
                subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            )
        doms = []
        for browser in browsers:
            out, err = browser.communicate(timeout=180)
            assert browser.returncode == 0, err[-2000:]
            doms.append(out)
    return doms
