"""The service's settings, read from ``MICROBLOG_*`` environment variables.

One class, :class:`Settings`; the app factory and the CLI build it once and pass it down.
"""

from __future__ import annotations

import logging
import secrets
from typing import Literal, Self

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]

logger = logging.getLogger(__name__)


def _check_rate(value: str) -> str:
    if value == "off":
        return value
    count, _, seconds = value.partition("/")
    if not (count.isdigit() and seconds.isdigit() and int(count) > 0 and int(seconds) > 0):
        msg = 'a rate is "N/S" (N requests per S seconds) or "off"'
        raise ValueError(msg)
    return value


class Settings(BaseSettings):
    """Everything the service can be configured with.

    Each field reads the environment variable ``MICROBLOG_<FIELD NAME>``.

    Attributes:
        env: ``development``, ``test`` or ``production``; production refuses a missing
            ``secret_key``.
        database_url: SQLAlchemy URL; SQLite (the default) or PostgreSQL.
        secret_key: Signs tokens and cursors. When missing outside production a random key
            is generated per ``Settings`` instance (tokens then die with the process).
        token_ttl: Access token lifetime in seconds.
        auth_cache_seconds: How long a worker process trusts a token it has just checked
            without checking again; a token revoked (or a user deleted) through another
            worker process can work for this long. 0 checks every request.
        rate_limit: Per authenticated user, ``"N/S"`` or ``"off"``.
        rate_limit_anonymous: Per client address when anonymous.
        rate_limit_login: Per client address at ``/token``.
        rate_limit_storage: A ``limits`` storage URI (``memory://`` or ``redis://...``).
        max_body_bytes: Largest accepted request body.
        auto_migrate: Upgrade the database schema when the services are built.
        idempotency_ttl: Seconds an Idempotency-Key record is kept.
        idempotency_lease: Seconds a request in progress holds its Idempotency-Key; past
            that its claim is taken as abandoned (its process died) and a retry with the
            same key and payload takes it over. Keep it well above any request's time.
        password_hash_time_cost: Argon2 iterations.
        password_hash_memory_cost: Argon2 memory in KiB.
        password_hash_parallelism: Argon2 lanes.
        sqlite_busy_timeout: Seconds a SQLite connection waits for a lock.
    """

    model_config = SettingsConfigDict(env_prefix="MICROBLOG_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./microblog.db"
    secret_key: SecretStr | None = None
    token_ttl: int = Field(default=3600, gt=0)
    auth_cache_seconds: float = Field(default=2.0, ge=0, le=60)
    rate_limit: str = "300/60"
    rate_limit_anonymous: str = "60/60"
    rate_limit_login: str = "10/60"
    rate_limit_storage: str = "memory://"
    max_body_bytes: int = Field(default=65536, gt=0)
    auto_migrate: bool = True
    idempotency_ttl: int = Field(default=86400, gt=0)
    idempotency_lease: float = Field(default=30.0, gt=0)
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_cost: int = Field(default=65536, ge=8)
    password_hash_parallelism: int = Field(default=4, ge=1)
    sqlite_busy_timeout: float = Field(default=30.0, ge=0)

    _generated_key: str | None = PrivateAttr(default=None)

    @field_validator("rate_limit", "rate_limit_anonymous", "rate_limit_login")
    @classmethod
    def _rate_is_n_per_s(cls, value: str) -> str:
        return _check_rate(value)

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> Self:
        if self.env == "production" and self.secret_key is None:
            msg = "MICROBLOG_SECRET_KEY is required when MICROBLOG_ENV=production"
            raise ValueError(msg)
        if self.secret_key is not None and len(self.secret_key.get_secret_value()) < 32:
            msg = "MICROBLOG_SECRET_KEY must have at least 32 characters"
            raise ValueError(msg)
        if self.password_hash_memory_cost < 8 * self.password_hash_parallelism:
            msg = "password_hash_memory_cost must be at least 8 KiB per lane"
            raise ValueError(msg)
        return self

    def resolved_secret_key(self) -> str:
        """Return the secret key, generating (once per instance) one when none is set.

        Returns:
            The key that signs tokens and cursors.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if self._generated_key is None:
            logger.warning(
                "MICROBLOG_SECRET_KEY is not set: using a random key, tokens end with the process"
            )
            self._generated_key = secrets.token_urlsafe(32)
        return self._generated_key

    @classmethod
    def for_tests(cls, **overrides: object) -> Settings:
        """Return settings for test suites: in-memory SQLite, cheap hashing, limits off.

        Args:
            **overrides: Fields to change.

        Returns:
            The settings.
        """
        values: dict[str, object] = {
            "env": "test",
            "database_url": "sqlite://",
            "secret_key": SecretStr("test-secret-key-not-for-production-use"),
            "rate_limit": "off",
            "rate_limit_anonymous": "off",
            "rate_limit_login": "off",
            "password_hash_time_cost": 1,
            "password_hash_memory_cost": 8,
            "password_hash_parallelism": 1,
        }
        values.update(overrides)
        return cls.model_validate(values)
