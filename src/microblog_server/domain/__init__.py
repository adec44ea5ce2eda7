"""The microblog's domain: entities, value objects and errors.

Nothing here imports a web framework or a database library; the services layer works
in these terms and the persistence and API layers translate to and from them.
"""

from microblog_server.domain.entities import (
    Follow,
    IdempotencyRecord,
    IdempotencyState,
    IssuedToken,
    Micropost,
    MicropostDraft,
    User,
    UserCounts,
    UserView,
)
from microblog_server.domain.errors import (
    Busy,
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    ReauthenticationRequired,
    Unauthenticated,
    WrongPassword,
)
from microblog_server.domain.pages import (
    DEFAULT_PAGE_SIZE,
    FIRST_PAGE,
    MAX_PAGE_SIZE,
    Keyset,
    PageRequest,
    PageResult,
)
from microblog_server.domain.values import (
    UNSET,
    Unset,
    mentioned_usernames,
    username_key,
    validate_bio,
    validate_display_name,
    validate_password,
    validate_text,
    validate_username,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "FIRST_PAGE",
    "MAX_PAGE_SIZE",
    "UNSET",
    "Busy",
    "Conflict",
    "DomainError",
    "FieldError",
    "Follow",
    "Forbidden",
    "IdempotencyRecord",
    "IdempotencyState",
    "InvalidCredentials",
    "InvalidInput",
    "IssuedToken",
    "Keyset",
    "Micropost",
    "MicropostDraft",
    "NotFound",
    "PageRequest",
    "PageResult",
    "PreconditionFailed",
    "ReauthenticationRequired",
    "Unauthenticated",
    "Unset",
    "User",
    "UserCounts",
    "UserView",
    "WrongPassword",
    "mentioned_usernames",
    "username_key",
    "validate_bio",
    "validate_display_name",
    "validate_password",
    "validate_text",
    "validate_username",
]
