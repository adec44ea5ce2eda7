"""microblog_web: the microblog in a browser, an application of the ``microblog`` SDK.

A small server-rendered site (design/web.md): sign up, log in, post, read the timeline,
edit and delete one's posts, follow people, search. Its only way to the service is
``import microblog``: one shared :class:`microblog.Client` (one connection pool) and, per
request, ``client.with_options(token=...)`` acting as the person whose signed session
cookie carries that token. Nothing about a user is kept in the process between requests,
so several processes given the same secret behave as one.

:func:`build_app` returns the ASGI app; the command ``microblog-web`` (:mod:`.cli`) runs
it, by default next to an embedded reference service.
"""

from microblog_web.app import build_app

__all__ = ["build_app"]
