"""Take the documentation's screenshots of the real site: ``python -m tests.web.screenshots``.

Starts the reference service and the site on loopback ports (as the tests do), fills
them with a few people and posts, and writes PNGs of the main pages with the system's
headless Chromium into ``docs/_static/web/`` (or the directory given). The PNGs are
committed; run this again when a page changes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import ViewportSize, sync_playwright

import microblog
from tests.browser import CHROMIUM_ARGS, chromium

from .web_support import PASSWORD, log_in, serving

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "_static" / "web"
VIEWPORT: ViewportSize = {"width": 900, "height": 620}

POSTS = {
    "dana": [
        "Reading Python Architecture Patterns: the microblog chapter is next.",
        "Tip: with_options(token=...) gives each request its own user and one shared pool.",
    ],
    "bob": [
        "Coffee first, then code review @dana",
        "The timeline is newest first, twenty a page: the Older link takes the cursor.",
    ],
}


def fill(api_url: str) -> None:
    """Make dana, bob and erin; dana follows bob and erin; everyone posts a little."""
    people = {"dana": "Dana Scully", "bob": "Bob Ross", "erin": "Erin Brockovich"}
    with microblog.Client(api_url) as anonymous:
        for username, name in people.items():
            anonymous.users.create(username=username, password=PASSWORD, display_name=name)
    for username in ["erin", "bob", "dana"]:
        with microblog.Client(api_url, username=username, password=PASSWORD) as client:
            for text in POSTS.get(username, ["Posting from the embedded service."]):
                client.microposts.create(text)
            if username == "dana":
                client.me().follow("bob")
                client.me().follow("erin")


def main(out: Path = OUT) -> None:
    """Write ``login.png``, ``home.png``, ``user.png`` and ``conflict.png`` into ``out``."""
    executable = chromium()
    if executable is None:
        raise SystemExit("no system Chromium (Debian: apt-get install chromium)")
    out.mkdir(parents=True, exist_ok=True)
    with serving() as site, sync_playwright() as driver:
        fill(site.api.url)
        browser = driver.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        laptop = browser.new_context(base_url=site.url, viewport=VIEWPORT)
        phone = browser.new_context(base_url=site.url, viewport=VIEWPORT)
        page = laptop.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill("dana")
        page.screenshot(path=out / "login.png")
        log_in(page, "dana")
        page.get_by_label("What's happening?").fill("Trying the site: it works without JavaScript")
        page.screenshot(path=out / "home.png")
        page.goto("/users/bob")
        page.screenshot(path=out / "user.png")

        page.goto("/users/dana")
        edit = page.get_by_role("link", name="Edit").first.get_attribute("href")
        assert edit is not None
        other = phone.new_page()
        log_in(other, "dana")
        other.goto(edit)
        page.goto(edit)
        page.get_by_label("Text").fill("Edited on the laptop first.")
        page.get_by_role("button", name="Save").click()
        other.get_by_label("Text").fill("Edited on the phone, a moment later.")
        other.get_by_role("button", name="Save").click()
        other.screenshot(path=out / "conflict.png")
        browser.close()
    for png in sorted(out.glob("*.png")):
        sys.stdout.write(f"{png.relative_to(ROOT)}: {png.stat().st_size // 1024} KiB\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
