"""The X-Request-ID rule: every response names the request it answers.

The client's ``X-Request-ID`` is echoed when it is safe to log and to put back in a header;
otherwise the request gets a new UUID. The edge layer (:mod:`microblog_server.api.edge`)
gives each request its id, echoes it and writes it into the access log.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING

from microblog_server.api.asgi import header

if TYPE_CHECKING:
    from starlette.types import Scope

__all__ = ["request_id_for"]

# Echo only ids that are safe to log and to put back in a header.
_SANE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


def request_id_for(scope: Scope) -> str:
    """Return the request's id: the client's ``X-Request-ID`` when sane, else a new UUID."""
    sent = header(scope, b"x-request-id")
    return sent if sent is not None and _SANE.fullmatch(sent) else str(uuid.uuid4())
