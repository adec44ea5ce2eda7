"""The pages: each one a synchronous function of the site and the request's context.

Every call to the service goes through ``ctx.client``, the shared SDK client acting for
the visitor (``client.with_options(token=...)``); what a page cannot handle itself goes
to :meth:`Site.failure`. Pages run for logged-in people only, except those that
``app.py`` marks open (home, sign-up, log-in, log-out), so a page's ``ctx.me`` is set.
POSTs answer with a redirect (303) or, when the service refused something the person
can fix, with the form again and the service's message next to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import microblog
from microblog_web.site import Context, Site, safe_next, service_message, with_query

if TYPE_CHECKING:
    from starlette.responses import Response

T = TypeVar("T")

WRONG_LOGIN = "wrong username or password"


def _first_page(ctx: Context, pager: microblog.Pager[T]) -> tuple[list[T], str | None]:
    """The items of the page this request asks for, and the link to the next ("Older")."""
    page = next(pager.pages())
    older = with_query(ctx, cursor=page.cursor) if page.cursor else None
    return page.items, older


def _me(ctx: Context) -> microblog.User:
    """The logged-in user as a lazy ``User`` (no request: the session knows the name)."""
    assert ctx.me is not None
    return ctx.client.users.get(ctx.me, lazy=True)


# -- the home page: the post form above the timeline -------------------------------------
def home(site: Site, ctx: Context) -> Response:
    """``GET /``: the timeline with the post form, or the log-in page when logged out."""
    if not ctx.me:
        return site.render(ctx, "login.html", title="Log in")
    return _home(site, ctx)


def _home(
    site: Site, ctx: Context, *, draft: str = "", error: str = "", status: int = 200
) -> Response:
    posts, older = _first_page(ctx, _me(ctx).timeline(size=site.page_size, cursor=ctx.cursor))
    return site.render(
        ctx,
        "home.html",
        status=status,
        title="Home",
        posts=posts,
        older=older,
        draft=draft,
        error=error,
    )


def create_post(site: Site, ctx: Context) -> Response:
    """``POST /posts``: post, then show the author's page with the new post on top."""
    text = ctx.form.get("text", "")
    try:
        ctx.client.microposts.create(text)
    except microblog.ValidationError as error:
        return _home(site, ctx, draft=text, error=service_message(error), status=422)
    return site.redirect(ctx, f"/users/{ctx.me}")


# -- editing and deleting one's own posts ------------------------------------------------
def _own_post(ctx: Context) -> microblog.Micropost | None:
    """The post this request names when the visitor wrote it, else None."""
    post = ctx.client.microposts.get(ctx.arg("id"))
    return post if post.user == ctx.me else None


def _not_yours(site: Site, ctx: Context) -> Response:
    return site.message(ctx, 403, "Not yours", "Only its author can edit or delete a post.")


def edit_form(site: Site, ctx: Context) -> Response:
    """``GET /posts/{id}/edit``: the post's text in a form, with the version it is of."""
    if (post := _own_post(ctx)) is None:
        return _not_yours(site, ctx)
    return site.render(ctx, "edit.html", title="Edit your post", post=post, text=post.text)


def edit(site: Site, ctx: Context) -> Response:
    """``POST /posts/{id}/edit``: save, unless the post changed since the form was loaded.

    The form carries the ETag of the version the person edited, and the save sends it
    as ``If-Match``: if the post is at another version now (someone, or another tab,
    edited it), the service saves nothing and the SDK hands back the current version,
    which the form shows with the person's own text, to decide again.
    """
    text = ctx.form.get("text", "")
    if (post := _own_post(ctx)) is None:
        return _not_yours(site, ctx)
    post.text = text
    try:
        post.save(if_match=ctx.form.get("etag") or None)
    except microblog.PreconditionFailedError as error:
        return _conflict(site, ctx, error.current or post.refresh(), text)
    except microblog.ValidationError as error:
        return site.render(
            ctx,
            "edit.html",
            status=422,
            title="Edit your post",
            post=post,
            text=text,
            error=service_message(error),
        )
    return site.redirect(ctx, f"/users/{ctx.me}")


def _conflict(site: Site, ctx: Context, current: microblog.Micropost, mine: str) -> Response:
    return site.render(
        ctx,
        "edit.html",
        status=409,
        title="Edit your post",
        post=current,
        text=current.text,
        mine=mine,
    )


def delete(site: Site, ctx: Context) -> Response:
    """``POST /posts/{id}/delete``: delete one's own post, then go back where it was."""
    if (post := _own_post(ctx)) is None:
        return _not_yours(site, ctx)
    post.delete()
    return site.redirect(ctx, safe_next(ctx.form.get("next", ""), f"/users/{ctx.me}"))


# -- people ------------------------------------------------------------------------------
def user_page(site: Site, ctx: Context) -> Response:
    """``GET /users/{name}``: who they are, follow or unfollow, their posts."""
    user = ctx.client.users.get(ctx.arg("name"))
    posts, older = _first_page(ctx, user.microposts(size=site.page_size, cursor=ctx.cursor))
    following = None
    if ctx.me and ctx.me != user.username:
        # No endpoint answers "do I follow them?": walk the caller's (usually short) list.
        following = any(u.username == user.username for u in _me(ctx).following(size=100))
    return site.render(
        ctx,
        "user.html",
        title=user.username,
        user=user,
        posts=posts,
        older=older,
        following=following,
    )


def follow(site: Site, ctx: Context) -> Response:
    """``POST /users/{name}/follow``."""
    name = ctx.arg("name")
    _me(ctx).follow(name)
    return site.redirect(ctx, f"/users/{name}")


def unfollow(site: Site, ctx: Context) -> Response:
    """``POST /users/{name}/unfollow``."""
    name = ctx.arg("name")
    _me(ctx).unfollow(name)
    return site.redirect(ctx, f"/users/{name}")


def followers(site: Site, ctx: Context) -> Response:
    """``GET /users/{name}/followers``: the people following them, as links."""
    user = ctx.client.users.get(ctx.arg("name"), lazy=True)
    people, older = _first_page(ctx, user.followers(size=site.page_size, cursor=ctx.cursor))
    title = f"People following {user.username}"
    return site.render(ctx, "people.html", title=title, people=people, older=older)


def following(site: Site, ctx: Context) -> Response:
    """``GET /users/{name}/following``: the people they follow, as links."""
    user = ctx.client.users.get(ctx.arg("name"), lazy=True)
    people, older = _first_page(ctx, user.following(size=site.page_size, cursor=ctx.cursor))
    title = f"People {user.username} follows"
    return site.render(ctx, "people.html", title=title, people=people, older=older)


# -- search ------------------------------------------------------------------------------
def search(site: Site, ctx: Context) -> Response:
    """``GET /search?text=&username=``: posts containing a text, by authors with a prefix."""
    text, username = ctx.query("text"), ctx.query("username")
    posts: list[microblog.Micropost] = []
    older, error = None, ""
    if text:
        pager = ctx.client.microposts.search(
            text, username=username or None, size=site.page_size, cursor=ctx.cursor
        )
        try:
            posts, older = _first_page(ctx, pager)
        except microblog.ValidationError as invalid:
            error = service_message(invalid)
    status = 422 if error else 200
    return site.render(
        ctx, "search.html", status=status, title="Search", posts=posts, older=older, error=error
    )


# -- accounts ----------------------------------------------------------------------------
def login_form(site: Site, ctx: Context) -> Response:
    """``GET /login``."""
    if ctx.me:
        return site.redirect(ctx, "/")
    return site.render(ctx, "login.html", title="Log in")


def login(site: Site, ctx: Context) -> Response:
    """``POST /login``: a token from the service into the session cookie, never the password."""
    username, password = ctx.form.get("username", ""), ctx.form.get("password", "")
    try:
        return _log_in(site, ctx, username, password)
    except (microblog.AuthenticationError, microblog.ValidationError, microblog.BadRequestError):
        return site.render(
            ctx, "login.html", status=400, title="Log in", username=username, error=WRONG_LOGIN
        )


def _log_in(site: Site, ctx: Context, username: str, password: str) -> Response:
    token = ctx.client.login(username, password)
    me = ctx.client.with_options(token=token).me()  # the username as the service spells it
    ctx.session = ctx.session.log_in(me.username, token)
    return site.redirect(ctx, "/")


def signup_form(site: Site, ctx: Context) -> Response:
    """``GET /signup``."""
    return site.render(ctx, "signup.html", title="Sign up", errors={}, values={})


def signup(site: Site, ctx: Context) -> Response:
    """``POST /signup``: create the account, then log in as it."""
    values = {name: ctx.form.get(name, "") for name in ("username", "display_name", "password")}
    errors: dict[str, str] = {}
    try:
        ctx.client.users.create(
            username=values["username"],
            password=values["password"],
            display_name=values["display_name"] or None,
        )
    except microblog.ConflictError:
        errors["username"] = "That username is taken."
    except microblog.ValidationError as error:
        for item in error.errors:
            where = str(item.get("pointer") or item.get("parameter") or "").strip("#/")
            errors.setdefault(where if where in values else "form", str(item.get("detail")))
        if not errors:
            errors["form"] = service_message(error)
    if errors:
        values["password"] = ""  # never sent back into a page
        return site.render(
            ctx, "signup.html", status=422, title="Sign up", errors=errors, values=values
        )
    return _log_in(site, ctx, values["username"], ctx.form.get("password", ""))


def logout(site: Site, ctx: Context) -> Response:
    """``POST /logout``: revoke the token at the service, then forget it."""
    if ctx.me:
        ctx.client.logout()
        ctx.session = ctx.session.log_out()
    return site.redirect(ctx, "/")
