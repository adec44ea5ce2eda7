"""The system's headless Chromium, for every browser test (Swagger UI, the docs, the web app).

One place finds the browser and says how it runs: the web app's tests drive it through
Playwright with :data:`CHROMIUM_ARGS`; the service's ``/docs`` and the built docs' diagrams
read the DOM it dumps (:func:`render`), with every host but ``127.0.0.1`` unresolvable.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "chromium", "render"]

#: How every test runs Chromium: headless, quiet, and talking to nothing it was not asked to.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str | None:
    """The system's Chromium, or None (the browser tests then skip, saying so)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    return found


#: The system's Chromium, looked up once at import (for ``skipif``).
CHROMIUM = chromium()


def render(url: str, profile: Path) -> str:
    """Return the DOM Chromium built for ``url`` once its scripts have run, offline.

    Args:
        url: A page served on ``127.0.0.1``.
        profile: A throw-away directory for the browser's profile.

    Returns:
        The serialized DOM.
    """
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        *CHROMIUM_ARGS,
        # No network: any host but the local server fails to resolve.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout
