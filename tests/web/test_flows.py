"""What a person does on the site, in a real browser (design/web.md, "What a person can do")."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

import microblog

from .web_support import PASSWORD, log_in, new_name, post

if TYPE_CHECKING:
    from .conftest import NewPage
    from .web_support import RunningSite

pytestmark = pytest.mark.browser


def test_sign_up_logs_in_and_a_post_shows_on_the_authors_page(new_page: NewPage) -> None:
    page = new_page()
    username = new_name("dana")
    page.goto("/signup")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill("Dana D.")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    post(page, "Hello from a browser")

    article = page.get_by_role("article").filter(has_text="Hello from a browser")
    expect(article.get_by_role("link", name=username)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dana D.")


def test_a_taken_username_is_said_next_to_the_field(new_page: NewPage, site: RunningSite) -> None:
    taken = site.user()
    page = new_page()
    page.goto("/signup")
    page.get_by_label("Username").fill(taken)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_text("That username is taken.")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_value("")  # never sent back


def test_a_wrong_login_says_so_and_nothing_more(new_page: NewPage, site: RunningSite) -> None:
    username = site.user()
    page = new_page()
    for name, password in [(username, "not-her-password"), ("nobody_here", PASSWORD)]:
        page.goto("/login")
        page.get_by_label("Username").fill(name)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()

        expect(page.get_by_role("alert")).to_have_text("wrong username or password")
        expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_log_out_revokes_the_token_at_the_service(new_page: NewPage, site: RunningSite) -> None:
    from microblog_web.session import COOKIE, Signer  # noqa: PLC0415

    from .web_support import SECRET  # noqa: PLC0415

    username = site.user()
    page = new_page()
    log_in(page, username)
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
    token = Signer(SECRET).read(cookie["value"]).token
    assert token is not None

    page.get_by_role("button", name="Log out").click()

    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    with microblog.Client(site.api.url, token=token) as client:
        with pytest.raises(microblog.AuthenticationError):
            client.me()


def test_a_post_is_seen_in_a_followers_timeline_until_they_unfollow(
    new_page: NewPage, site: RunningSite
) -> None:
    dana, erin = site.user("dana"), site.user("erin")
    dana_page, erin_page = new_page(), new_page()
    log_in(dana_page, dana)
    log_in(erin_page, erin)

    erin_page.goto(f"/users/{dana}")
    erin_page.get_by_role("button", name="Follow").click()
    expect(erin_page.get_by_role("button", name="Unfollow")).to_be_visible()
    post(dana_page, "News for my followers")
    erin_page.goto("/")
    expect(
        erin_page.get_by_role("article").filter(has_text="News for my followers")
    ).to_be_visible()

    erin_page.goto(f"/users/{dana}/followers")
    expect(erin_page.get_by_role("main").get_by_role("link", name=erin, exact=True)).to_be_visible()
    erin_page.goto(f"/users/{erin}/following")
    expect(erin_page.get_by_role("main").get_by_role("link", name=dana, exact=True)).to_be_visible()

    erin_page.goto(f"/users/{dana}")
    erin_page.get_by_role("button", name="Unfollow").click()
    expect(erin_page.get_by_role("button", name="Follow")).to_be_visible()
    erin_page.goto("/")
    expect(erin_page.get_by_role("article")).to_have_count(0)


def test_edit_and_delete_ones_own_post(new_page: NewPage, site: RunningSite) -> None:
    page = new_page()
    log_in(page, site.user())
    post(page, "A typo hree")

    article = page.get_by_role("article").filter(has_text="A typo hree")
    article.get_by_role("link", name="Edit").click()
    page.get_by_label("Text").fill("A typo here, fixed")
    page.get_by_role("button", name="Save").click()
    fixed = page.get_by_role("article").filter(has_text="A typo here, fixed")
    expect(fixed).to_be_visible()

    fixed.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("article")).to_have_count(0)


def test_no_edit_or_delete_on_someone_elses_post(new_page: NewPage, site: RunningSite) -> None:
    dana, erin = site.user("dana"), site.user("erin")
    dana_page, erin_page = new_page(), new_page()
    log_in(dana_page, dana)
    post(dana_page, "Mine, not yours")
    post_id = dana_page.get_by_role("link", name="Edit").get_attribute("href")
    assert post_id is not None

    log_in(erin_page, erin)
    erin_page.goto(f"/users/{dana}")
    expect(erin_page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(erin_page.get_by_role("button", name="Delete")).to_have_count(0)
    response = erin_page.goto(post_id)
    assert response is not None
    assert response.status == 403


def test_a_post_edited_meanwhile_shows_the_current_text_and_asks_again(
    new_page: NewPage, site: RunningSite
) -> None:
    username = site.user()
    laptop, phone = new_page(), new_page()  # the same person on two devices
    log_in(laptop, username)
    log_in(phone, username)
    post(laptop, "First version")
    edit_link = laptop.get_by_role("link", name="Edit").get_attribute("href")
    assert edit_link is not None
    laptop.goto(edit_link)
    phone.goto(edit_link)

    laptop.get_by_label("Text").fill("Edited on the laptop")
    laptop.get_by_role("button", name="Save").click()
    laptop.wait_for_url(f"**/users/{username}")
    phone.get_by_label("Text").fill("Edited on the phone")
    phone.get_by_role("button", name="Save").click()

    expect(phone.get_by_role("alert")).to_contain_text("changed meanwhile")
    expect(phone.get_by_label("Text")).to_have_value("Edited on the laptop")
    expect(phone.get_by_role("alert")).to_contain_text("Edited on the phone")
    phone.get_by_role("button", name="Save").click()  # asked again: now it saves
    expect(phone.get_by_role("article").filter(has_text="Edited on the laptop")).to_be_visible()


def test_search_by_text_and_author_prefix(new_page: NewPage, site: RunningSite) -> None:
    word = new_name("zebra")
    dana, erin = site.user("srchdana"), site.user("srcherin")
    for author in (dana, erin):
        with microblog.Client(site.api.url, username=author, password=PASSWORD) as client:
            client.microposts.create(f"Seen a {word} today ({author})")
    page = new_page()
    log_in(page, site.user())

    page.get_by_role("searchbox", name="Search").fill(word)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("article")).to_have_count(2)
    page.get_by_label("Author starts with").fill("srchd")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("article")).to_have_count(1)
    expect(page.get_by_role("article")).to_contain_text(dana)


def test_older_links_page_by_twenty(new_page: NewPage, site: RunningSite) -> None:
    username = site.user()
    with microblog.Client(site.api.url, username=username, password=PASSWORD) as client:
        client.microposts.create_many([f"post number {n}" for n in range(25)])
    page = new_page()
    log_in(page, username)
    page.goto(f"/users/{username}")

    expect(page.get_by_role("article")).to_have_count(20)
    expect(page.get_by_role("article").first).to_contain_text("post number 24")
    page.get_by_role("link", name="Older").click()

    # With JavaScript on, the older posts come in below, on the same page (without it,
    # the link opens the next page: see test_without_javascript.py).
    expect(page.get_by_role("article")).to_have_count(25)
    expect(page.get_by_role("article").last).to_contain_text("post number 0")
    expect(page.get_by_role("link", name="Older")).to_have_count(0)
    assert page.url == f"{site.url}/users/{username}"


def test_older_people_come_in_below_and_without_javascript_on_the_next_page(
    new_page: NewPage, site: RunningSite
) -> None:
    star = site.user("star")
    for _ in range(21):
        fan = site.user("fan")
        with microblog.Client(site.api.url, username=fan, password=PASSWORD) as client:
            client.me().follow(star)
    for javascript, shown in [(True, 21), (False, 1)]:
        page = new_page(javascript=javascript)
        log_in(page, star)
        page.goto(f"/users/{star}/followers")
        people = page.get_by_role("main").get_by_role("listitem")
        expect(people).to_have_count(20)

        page.get_by_role("link", name="Older").click()

        expect(people).to_have_count(shown)
        expect(page.get_by_role("link", name="Older")).to_have_count(0)


def test_a_post_over_255_characters_is_refused_next_to_the_field(
    new_page: NewPage, site: RunningSite
) -> None:
    page = new_page()
    log_in(page, site.user())
    box = page.get_by_label("What's happening?")
    box.fill("x" * 250)
    expect(page.get_by_text("5 characters left")).to_be_visible()  # the live counter
    box.fill("x" * 256)
    expect(page.get_by_text("1 character too many")).to_be_visible()

    page.get_by_role("button", name="Post").click()

    expect(page.get_by_role("alert")).to_contain_text("255")
    expect(page.get_by_label("What's happening?")).to_have_value("x" * 256)  # kept
