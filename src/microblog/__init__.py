"""microblog: the Python SDK for the microblog REST API.

Everything public is re-exported here; the modules behind it are private.
"""

from microblog._client import Client
from microblog._config import Retry, Timeout
from microblog._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    MicroblogError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ServerError,
    ValidationError,
)
from microblog._hooks import Hooks, RetryEvent
from microblog._pagination import Page, Pager
from microblog._ratelimit import RateLimit
from microblog._resources import Micropost, User
from microblog._version import __version__

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "Hooks",
    "MicroblogError",
    "Micropost",
    "NotFoundError",
    "Page",
    "Pager",
    "PaginationError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimit",
    "RateLimitError",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "Retry",
    "RetryEvent",
    "ServerError",
    "Timeout",
    "User",
    "ValidationError",
    "__version__",
]
