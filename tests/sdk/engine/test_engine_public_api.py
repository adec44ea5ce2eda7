"""The public face: exactly the names of design/sdk.md, all importable from ``microblog``."""

from __future__ import annotations

import logging

import microblog

EXPECTED = {
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CallNext",
    "CircuitBreaker",
    "CircuitOpenError",
    "Client",
    "ClientClosedError",
    "ConflictError",
    "Hooks",
    "MicroblogError",
    "Micropost",
    "MicropostManager",
    "Middleware",
    "NotFoundError",
    "Page",
    "Pager",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "Quota",
    "RateLimit",
    "RateLimitError",
    "RawResponse",
    "Request",
    "PaginationError",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "Retry",
    "RetryEvent",
    "ServerError",
    "Timeout",
    "User",
    "UserManager",
    "ValidationError",
    "__version__",
}


def test_all_lists_every_public_name_and_each_exists() -> None:
    assert set(microblog.__all__) == EXPECTED
    assert all(hasattr(microblog, name) for name in microblog.__all__)


def test_the_logger_is_silent_by_default() -> None:
    logger = logging.getLogger("microblog")
    assert any(isinstance(h, logging.NullHandler) for h in logger.handlers)


def test_the_version_is_a_string() -> None:
    assert isinstance(microblog.__version__, str)
    assert microblog.__version__.count(".") >= 2
