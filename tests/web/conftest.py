"""Fixtures of the web app's tests: one browser per session, one site per module."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest

from tests.browser import CHROMIUM_ARGS, chromium

from .web_support import RunningSite, serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

NewPage = Callable[..., "Page"]


@pytest.fixture(scope="module")
def site() -> Iterator[RunningSite]:
    """The site and its service, shared by one module's tests (each makes its own users)."""
    with serving() as running:
        yield running


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    path = chromium()
    if path is None:
        pytest.skip("no system Chromium (install Debian's chromium package)")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only with a browser

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """The system's headless Chromium, one for the whole session."""
    launched = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def new_page(browser: Browser, site: RunningSite) -> Iterator[NewPage]:
    """Open pages, each in a context of its own (its own cookies: another person or device).

    ``new_page(javascript=False)`` turns JavaScript off in that context.
    """
    contexts: list[BrowserContext] = []

    def make(*, javascript: bool = True) -> Page:
        context = browser.new_context(base_url=site.url, java_script_enabled=javascript)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
