"""The presentation layer: the FastAPI app of API v1 (:func:`build_app`).

The composition root :mod:`microblog_server.bootstrap` builds the services and calls it.

Modules: ``app`` (the factory), ``routers`` (one per resource), ``schemas`` (bodies),
``problems`` and ``handlers`` (RFC 9457 errors), the middlewares ``request_id``,
``security_headers``, ``hosts``, ``caller``, ``rate_limit``, ``body_limit`` and
``idempotency``, ``login_throttle`` (failed logins per account), ``log_text`` (what is safe
to log), and the helpers for ``cursors``, ``pagination``, ``etags`` and ``conditional``
requests.
"""

from microblog_server.api.app import build_app

__all__ = ["build_app"]
