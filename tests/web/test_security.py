"""The site's security (design/web.md, "Security"): CSRF, escaping, CSP, the cookie."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from itsdangerous import URLSafeTimedSerializer
from playwright.sync_api import expect

import microblog
from microblog_web.app import SECURITY_HEADERS
from microblog_web.session import COOKIE

from .web_support import PASSWORD, SECRET, log_in, post

if TYPE_CHECKING:
    from .conftest import NewPage
    from .web_support import RunningSite

pytestmark = pytest.mark.browser

EVIL = "http://evil.example"


def posts_of(site: RunningSite, username: str) -> list[str]:
    with microblog.Client(site.api.url, username=username, password=PASSWORD) as client:
        return [p.text for p in client.microposts.list(username)]


def test_a_cross_site_form_post_is_refused_and_changes_nothing(
    new_page: NewPage, site: RunningSite
) -> None:
    username = site.user()
    page = new_page()
    log_in(page, username)
    attack = f"""<!doctype html><form method="post" action="{site.url}/posts">
        <input name="text" value="posted by evil.example">
        <button>Win a prize</button></form>"""
    page.route(f"{EVIL}/**", lambda route: route.fulfill(content_type="text/html", body=attack))
    page.goto(f"{EVIL}/prize")

    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Win a prize").click()

    response = navigation.value
    assert response is not None
    assert response.status == 403
    assert posts_of(site, username) == []


def test_a_post_with_the_session_cookie_but_no_csrf_token_is_refused(
    new_page: NewPage, site: RunningSite
) -> None:
    username = site.user()
    page = new_page()
    log_in(page, username)

    # The context's request API sends the context's cookies, the session included.
    answer = page.context.request.post("/posts", form={"text": "no token"})
    forged = page.context.request.post("/posts", form={"text": "forged", "csrf": "x.y"})
    logout = page.context.request.post("/logout", form={})

    assert (answer.status, forged.status, logout.status) == (403, 403, 403)
    assert posts_of(site, username) == []
    page.goto("/")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()  # still logged in


def test_a_csrf_token_of_another_visitor_is_refused(new_page: NewPage, site: RunningSite) -> None:
    dana, erin = site.user("dana"), site.user("erin")
    dana_page, erin_page = new_page(), new_page()
    log_in(dana_page, dana)
    log_in(erin_page, erin)
    erins_token = erin_page.locator("input[name=csrf]").first.get_attribute("value")
    assert erins_token is not None

    answer = dana_page.context.request.post("/posts", form={"text": "x", "csrf": erins_token})

    assert answer.status == 403
    assert posts_of(site, dana) == []


def test_a_script_in_a_post_is_shown_as_text_and_never_runs(
    new_page: NewPage, site: RunningSite
) -> None:
    text = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'
    page = new_page()
    log_in(page, site.user())
    post(page, text)

    article = page.get_by_role("article").filter(has_text="window.pwned")
    expect(article.locator("p")).to_have_text(text)
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert article.locator("script, img").count() == 0


def test_every_response_has_the_security_headers_and_a_csp_without_inline_scripts(
    new_page: NewPage, site: RunningSite
) -> None:
    page = new_page()
    for path in ["/", "/login", "/signup", "/search", "/static/site.js", "/nowhere"]:
        response = page.goto(path)
        assert response is not None
        headers = response.headers
        for name, value in SECURITY_HEADERS.items():
            assert headers[name.lower()] == value, path
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self'" in csp


def test_the_session_cookie_is_httponly_lax_and_holds_the_token_not_the_password(
    new_page: NewPage, site: RunningSite
) -> None:
    page = new_page()
    log_in(page, site.user())

    cookies = page.context.cookies()
    assert [c["name"] for c in cookies] == [COOKIE]  # the only cookie the site sets
    cookie = cookies[0]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # served over http here: see the https test
    data = URLSafeTimedSerializer(SECRET, salt="microblog-web-session").loads(cookie["value"])
    assert set(data) == {"c", "u", "t"}  # the CSRF seed, the username, the service token
    assert PASSWORD not in json.dumps(data)
    assert page.evaluate("document.cookie") == ""
