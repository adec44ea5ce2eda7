"""Every page and form works with JavaScript off (design/web.md: plain forms and links)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

import microblog

from .web_support import PASSWORD, new_name

if TYPE_CHECKING:
    from .conftest import NewPage
    from .web_support import RunningSite

pytestmark = pytest.mark.browser


def test_every_page_without_javascript(new_page: NewPage, site: RunningSite) -> None:
    friend = site.user("friend")
    with microblog.Client(site.api.url, username=friend, password=PASSWORD) as client:
        client.microposts.create_many([f"friend's post {n}" for n in range(21)])
    page = new_page(javascript=False)
    heading = page.get_by_role("heading", level=1)

    page.goto("/")  # logged out: the log-in page
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.get_by_role("link", name="Sign up").click()
    username = new_name("nojs")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill("No Script")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(heading).to_have_text("Home")
    expect(page.get_by_text("Up to 255 characters.")).to_be_visible()  # no live counter

    page.get_by_label("What's happening?").fill("Posted without JavaScript")
    page.get_by_role("button", name="Post").click()
    expect(heading).to_contain_text("No Script")
    page.get_by_role("link", name="Edit").click()
    expect(heading).to_have_text("Edit your post")
    page.get_by_label("Text").fill("Edited without JavaScript")
    page.get_by_role("button", name="Save").click()
    article = page.get_by_role("article").filter(has_text="Edited without JavaScript")
    article.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("article")).to_have_count(0)

    page.goto(f"/users/{friend}")
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    page.get_by_role("link", name="1 follower").click()
    expect(heading).to_have_text(f"People following {friend}")
    page.get_by_role("main").get_by_role("link", name=username).click()
    page.get_by_role("link", name="1 following").click()
    expect(heading).to_have_text(f"People {username} follows")

    page.get_by_role("link", name="microblog").click()  # home: the timeline, 20 a page
    expect(page.get_by_role("article")).to_have_count(20)
    page.get_by_role("link", name="Older").click()
    expect(page.get_by_role("article")).to_have_count(1)

    page.get_by_role("searchbox", name="Search").fill("post 2")
    page.get_by_role("button", name="Search").click()
    expect(heading).to_have_text("Search")
    expect(page.get_by_role("article")).to_have_count(2)  # "post 2" and "post 20"
    page.get_by_label("Author starts with").fill("nobody")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("article")).to_have_count(0)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
