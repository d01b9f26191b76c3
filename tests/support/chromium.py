"""Headless Chromium for tests that must see a page as a reader would: a screenshot, or the
DOM after a probe script ran. Chromium is a test requirement (apt-get install chromium);
a machine without it fails the test with that sentence rather than skipping it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest

# --allow-file-access-from-files: a page may show pictures saved as files beside it (a received
# mail's cid: parts written out), as a mail client shows them.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
         "--allow-file-access-from-files")
BUDGET_MS = 5000  # virtual time for scripts and images; a page with big pictures may ask for more


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("headless Chromium is needed to check how HTML renders: apt-get install chromium",
                    pytrace=False)
    return found


def _run(page: Path, profile: Path, *args: str, budget_ms: int = BUDGET_MS) -> subprocess.CompletedProcess:
    proc = subprocess.run([chromium(), *FLAGS, f"--virtual-time-budget={budget_ms}",
                           f"--user-data-dir={profile}", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def screenshot(page: Path, png: Path, width: int = 760, height: int = 1200, *,
               budget_ms: int = BUDGET_MS) -> Path:
    """`page` rendered in a `width`×`height` window, saved as `png`."""
    _run(page, png.parent / "chromium-profile", f"--window-size={width},{height}", f"--screenshot={png}",
         budget_ms=budget_ms)
    assert png.exists() and png.stat().st_size > 0, f"Chromium wrote no screenshot to {png}"
    return png


def probed(page: Path, probe: str, attribute: str, *, budget_ms: int = BUDGET_MS) -> str:
    """Runs `page` with the `probe` script added before `</body>` and returns the value the
    probe set as `attribute` on <body> (Chromium's DOM after scripts ran)."""
    copy = page.with_name(page.stem + ".probe.html")
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", probe + "</body>"), encoding="utf-8")
    proc = _run(copy, page.parent / "chromium-profile", "--dump-dom", budget_ms=budget_ms)
    value = lxml.html.document_fromstring(proc.stdout).body.get(attribute)
    assert value is not None, "the probe did not run:\n" + proc.stderr[-2000:]
    return value
