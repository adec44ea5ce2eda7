"""The SDK's logger: ``logging.getLogger("microblog")`` with a ``NullHandler``.

Log lines carry metadata only (method, path, status, duration, attempt, request id),
never headers, bodies, tokens or passwords.
"""

from __future__ import annotations

import logging

__all__ = ["logger"]

logger = logging.getLogger("microblog")
logger.addHandler(logging.NullHandler())
