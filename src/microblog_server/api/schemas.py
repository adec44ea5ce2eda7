"""The request and response bodies of API v1, as pydantic models with examples.

Unknown fields in requests are ignored. The representation is built from the domain
entities by :mod:`microblog_server.api.presenters`; the tables are never shown as they are.
"""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BatchIn",
    "BatchOut",
    "FieldErrorOut",
    "FollowIn",
    "Health",
    "Liveness",
    "MicropostIn",
    "MicropostOut",
    "MicropostPage",
    "MicropostPatchIn",
    "MicropostPutIn",
    "Problem",
    "SignUpIn",
    "TokenIn",
    "TokenOut",
    "UserOut",
    "UserPage",
    "UserPatchIn",
    "VersionOut",
]

USERNAME = r"^[A-Za-z0-9_]{3,30}$"
#: Stored free text holds no NUL character (databases truncate or refuse it).
NO_NUL = r"^[^\x00]*$"
#: Whitespace as Python's ``str.strip`` (and so the domain) sees it, spelled out for use in
#: a character class: ``\s`` means another set in each regex dialect a pattern meets, JSON
#: Schema's (ECMA-262), Python's and pydantic's (Rust).
SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: A micropost text: no NUL, and not only whitespace.
TEXT = rf"^[^\x00]*[^\x00{SPACE}][^\x00]*$"
#: A search text: no NUL, and at least 3 characters once stripped.
SEARCH_TEXT = rf"^[^\x00]*[^\x00{SPACE}][^\x00]+[^\x00{SPACE}][^\x00]*$"

_HOST = "http://127.0.0.1:8000/api/v1"

USER_EXAMPLE = {
    "username": "dana",
    "display_name": "Dana",
    "bio": "",
    "created_at": "2026-11-01T09:00:00Z",
    "followers_count": 2,
    "following_count": 1,
    "microposts_count": 7,
    "href": f"{_HOST}/users/dana",
    "collection": f"{_HOST}/users/dana/collection",
    "timeline": f"{_HOST}/users/dana/timeline",
    "following": f"{_HOST}/users/dana/following",
    "followers": f"{_HOST}/users/dana/followers",
}
MICROPOST_EXAMPLE = {
    "id": 5,
    "href": f"{_HOST}/users/jaime/collection/5",
    "user": "jaime",
    "text": "A referenced micropost for @dana",
    "referenced": "dana",
    "mentions": ["dana"],
    "timestamp": "2026-11-01T09:00:00Z",
    "updated_at": None,
}


def _example(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [example]})


class TokenIn(BaseModel):
    """The OAuth 2 password grant (RFC 6749 section 4.3), as a form or as JSON."""

    model_config = _example({"grant_type": "password", "username": "dana", "password": "s3cret-pw"})

    grant_type: Literal["password"] = "password"
    username: str = Field(min_length=1, max_length=255)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    """An access token (RFC 6749 section 5.1)."""

    model_config = _example(
        {"access_token": "eyJhbGciOi...", "token_type": "bearer", "expires_in": 3600}
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - not a secret
    expires_in: int


class SignUpIn(BaseModel):
    """A sign-up."""

    model_config = _example({"username": "dana", "password": "s3cret-pw", "display_name": "Dana"})

    username: str = Field(pattern=USERNAME, description="3-30 of [A-Za-z0-9_]")
    password: str = Field(min_length=8, max_length=128)
    display_name: str | None = Field(default=None, max_length=100, pattern=NO_NUL)
    bio: str = Field(default="", max_length=500, pattern=NO_NUL)


class UserPatchIn(BaseModel):
    """Changes to one's own profile; only the fields sent change."""

    # A new password needs the current one; the schema says so to tools (a body with a
    # ``password`` string and no ``current_password`` is not valid: 422).
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"display_name": "Dana S.", "bio": "Writes about birds."}],
            "if": {"properties": {"password": {"type": "string"}}, "required": ["password"]},
            "then": {"required": ["current_password"]},
        }
    )

    display_name: str | None = Field(
        default=None, max_length=100, pattern=NO_NUL, description="null: unchanged"
    )
    bio: str | None = Field(
        default=None, max_length=500, pattern=NO_NUL, description="null: unchanged"
    )
    password: str | None = Field(
        default=None,
        min_length=8,
        max_length=128,
        description="null: unchanged; a new one needs `current_password`",
    )
    current_password: str | None = Field(
        default=None,
        max_length=128,
        description="The password now, required with `password` (wrong: 403 wrong_password)",
    )


class UserOut(BaseModel):
    """A user, with derived counts and links."""

    model_config = _example(USER_EXAMPLE)

    username: str
    display_name: str
    bio: str
    created_at: datetime
    followers_count: int
    following_count: int
    microposts_count: int
    href: str
    collection: str
    timeline: str
    following: str
    followers: str


class UserPage(BaseModel):
    """A page of users."""

    model_config = _example(
        {
            "result": [USER_EXAMPLE],
            "next": f"{_HOST}/users?cursor=abc.def&size=20",
            "previous": None,
        }
    )

    result: list[UserOut]
    next: str | None
    previous: str | None


class MicropostIn(BaseModel):
    """A new micropost."""

    model_config = _example({"text": "A referenced micropost for @dana", "referenced": "dana"})

    text: str = Field(min_length=1, max_length=255, pattern=TEXT)
    referenced: str | None = Field(
        default=None, pattern=USERNAME, description="an existing user's username"
    )


class MicropostPutIn(BaseModel):
    """A micropost's new text and addressee (a missing ``referenced`` clears it)."""

    model_config = _example({"text": "Edited text", "referenced": None})

    text: str = Field(min_length=1, max_length=255, pattern=TEXT)
    referenced: str | None = Field(default=None, pattern=USERNAME)


class MicropostPatchIn(BaseModel):
    """Changes to a micropost; only the fields sent change."""

    model_config = _example({"text": "Edited text"})

    text: str | None = Field(
        default=None, min_length=1, max_length=255, pattern=TEXT, description="null: unchanged"
    )
    referenced: str | None = Field(
        default=None, pattern=USERNAME, description="sent as null: cleared"
    )


class MicropostOut(BaseModel):
    """A micropost, with its author, addressee, mentions and link."""

    model_config = _example(MICROPOST_EXAMPLE)

    id: int
    href: str
    user: str
    text: str
    referenced: str | None
    mentions: list[str]
    timestamp: datetime
    updated_at: datetime | None


class MicropostPage(BaseModel):
    """A page of microposts."""

    model_config = _example({"result": [MICROPOST_EXAMPLE], "next": None, "previous": None})

    result: list[MicropostOut]
    next: str | None
    previous: str | None


class BatchIn(BaseModel):
    """1-100 new microposts, stored all or none (over 100: 413)."""

    model_config = _example(
        {"items": [{"text": "first"}, {"text": "second", "referenced": "dana"}]}
    )

    items: list[MicropostIn] = Field(min_length=1, json_schema_extra={"maxItems": 100})


class BatchOut(BaseModel):
    """The microposts a batch stored, in the order sent."""

    model_config = _example({"result": [MICROPOST_EXAMPLE]})

    result: list[MicropostOut]


class FollowIn(BaseModel):
    """Whom to follow."""

    model_config = _example({"username": "jaime"})

    username: str = Field(pattern=USERNAME)


class FieldErrorOut(BaseModel):
    """One invalid field (``pointer`` into the body) or parameter (``parameter``)."""

    detail: str
    pointer: str | None = None
    parameter: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details, the body of every 4xx and 5xx."""

    model_config = _example(
        {
            "type": "/problems/validation-error",
            "title": "Validation error",
            "status": 422,
            "detail": "1 field is invalid",
            "instance": "urn:uuid:3b241101-e2bb-4255-8caf-4136c566a962",
            "code": "validation_error",
            "request_id": "3b241101-e2bb-4255-8caf-4136c566a962",
            "errors": [{"detail": "at most 255 characters", "pointer": "#/text"}],
        }
    )

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    request_id: str
    errors: list[FieldErrorOut] | None = None
    error: str | None = Field(default=None, description="RFC 6749 error code, at /token")


class Health(BaseModel):
    """The health of the service and its database (draft-inadarei-api-health-check)."""

    model_config = _example(
        {
            "status": "pass",
            "checks": {
                "database:responseTime": [
                    {"status": "pass", "observedValue": 1.2, "observedUnit": "ms"}
                ]
            },
        }
    )

    status: Literal["pass", "warn", "fail"]
    checks: dict[str, list[dict[str, object]]] = Field(default_factory=dict)


class Liveness(BaseModel):
    """The process answers."""

    model_config = _example({"status": "pass"})

    status: Literal["pass"] = "pass"


_ROOT_LINKS_EXAMPLE = {
    "users": "http://127.0.0.1:8000/api/v1/users",
    "me": "http://127.0.0.1:8000/api/v1/me",
    "search": "http://127.0.0.1:8000/api/v1/search",
    "token": "http://127.0.0.1:8000/api/v1/token",
    "openapi": "http://127.0.0.1:8000/api/v1/openapi.json",
    "docs": "http://127.0.0.1:8000/docs",
    "health": "http://127.0.0.1:8000/health",
    "version": "http://127.0.0.1:8000/api/version",
}


class RootLinks(BaseModel):
    """Where to go from the root: absolute URLs."""

    model_config = _example(_ROOT_LINKS_EXAMPLE)

    users: str = Field(description="The users (sign up with POST)")
    me: str = Field(description="The caller (needs a token)")
    search: str = Field(description="Search microposts (`?text=`)")
    token: str = Field(description="Log in (POST, OAuth 2 password grant), log out (DELETE)")
    openapi: str = Field(description="This API's OpenAPI 3.1 document")
    docs: str = Field(description="Swagger UI")
    health: str = Field(description="Health, with the database")
    version: str = Field(description="The service's version")


class RootOut(BaseModel):
    """The API's entry point: links to everything else."""

    model_config = _example({"links": _ROOT_LINKS_EXAMPLE})

    links: RootLinks


class VersionOut(BaseModel):
    """The package version and the API versions served."""

    model_config = _example({"version": "0.1.0", "api_versions": ["v1"]})

    version: str
    api_versions: list[str]
