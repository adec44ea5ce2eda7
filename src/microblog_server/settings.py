"""The service's settings, read from ``MICROBLOG_*`` environment variables.

One class, :class:`Settings`; the app factory and the CLI build it once and pass it down.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from microblog_server.secret_strength import MIN_LENGTH, weakness

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


def usable_cores() -> int:
    """Return how many cores this process may run on (at least 1)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover - platforms without affinity


class Settings(BaseSettings):
    """Everything the service can be configured with.

    Each field reads the environment variable ``MICROBLOG_<FIELD NAME>``.

    Attributes:
        env: ``development``, ``test`` or ``production``; production refuses a missing
            or weak ``secret_key`` (:mod:`microblog_server.secret_strength`) and the demo
            data (``seed``).
        database_url: SQLAlchemy URL; SQLite (the default) or PostgreSQL.
        secret_key: Signs tokens. When missing outside production a random key
            is generated per ``Settings`` instance (tokens then die with the process).
        token_ttl: Access token lifetime in seconds.
        auth_cache_seconds: How long a worker process trusts a token it has just checked
            without checking again; a token revoked (or a user deleted) through another
            worker process can work for this long. 0 checks every request.
        rate_limit: Per authenticated user, ``"N/S"`` or ``"off"``.
        rate_limit_anonymous: Per client address when anonymous.
        rate_limit_login: Per client address at ``/token``.
        rate_limit_login_account: Failed logins per account (across addresses), ``"N/S"``
            or ``"off"``; an address that logged in to the account before is never held back.
        rate_limit_storage: A ``limits`` storage URI (``memory://`` or ``redis://...``);
            when not set it is ``redis_url`` if that is set, else ``memory://``. Read it
            through :meth:`resolved_rate_limit_storage`.
        redis_url: ``redis://host:port/db``, the state several service nodes share:
            rate-limit counters and token revocations (docs/service/deployment.md). ``None``
            (the default) keeps both in each process.
        max_body_bytes: Largest accepted request body.
        auto_migrate: Upgrade the database schema when the services are built.
        idempotency_ttl: Seconds an Idempotency-Key record is kept.
        password_hash_time_cost: Argon2 iterations.
        password_hash_memory_cost: Argon2 memory in KiB.
        password_hash_parallelism: Argon2 lanes.
        password_hash_concurrency: Password hashes (login, sign-up, password change) run
            at once per process; past that a request is answered 503 at once. The default
            is the number of cores this process may use.
        public_base_url: The service's public origin (``https://blog.example``); links are
            built from it, whatever ``Host`` a request names.
        allowed_hosts: Host names accepted in ``Host`` besides the loopback names and the
            address a connection reached, comma-separated in the environment (ignored when
            ``public_base_url`` is set).
        trusted_proxies: The addresses (CIDRs, comma-separated in the environment) whose
            ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed: a request from one
            of them counts as from the address it forwards (the last one in the header
            that is not itself trusted), for the per-address quotas, the failed-login
            limits and the logs. Empty (the default): every request is from the address
            that connected. Set it to the load balancer's addresses only.
        sqlite_busy_timeout: Seconds a SQLite connection waits for a lock.
        server_timeout: ``serve``: seconds a connection may stay idle, or take to send a
            request's headers, before it is closed.
        server_limit_concurrency: ``serve``: connections and running requests per worker
            process past which uvicorn answers 503 at once.
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
    rate_limit_login_account: str = "5/60"
    rate_limit_storage: str = "memory://"
    redis_url: str | None = None
    max_body_bytes: int = Field(default=65536, gt=0)
    auto_migrate: bool = True
    idempotency_ttl: int = Field(default=86400, gt=0)
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_cost: int = Field(default=65536, ge=8)
    password_hash_parallelism: int = Field(default=4, ge=1)
    password_hash_concurrency: int = Field(default_factory=usable_cores, ge=1)
    public_base_url: str | None = None
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    sqlite_busy_timeout: float = Field(default=30.0, ge=0)
    server_timeout: int = Field(default=5, ge=1, le=300)
    server_limit_concurrency: int = Field(default=1000, ge=1)

    _generated_key: str | None = PrivateAttr(default=None)

    @field_validator(
        "rate_limit", "rate_limit_anonymous", "rate_limit_login", "rate_limit_login_account"
    )
    @classmethod
    def _rate_is_n_per_s(cls, value: str) -> str:
        return _check_rate(value)

    @field_validator("redis_url")
    @classmethod
    def _redis_url_is_redis(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            msg = "MICROBLOG_REDIS_URL is redis://host:port/db (or rediss://, unix://)"
            raise ValueError(msg)
        return value

    @field_validator("public_base_url")
    @classmethod
    def _base_url_is_http(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        origin_only = parts.path in {"", "/"} and not (parts.query or parts.fragment)
        if parts.scheme not in {"http", "https"} or not parts.hostname or not origin_only:
            msg = "a public base URL is http(s)://host[:port], with no path or query"
            raise ValueError(msg)
        return value.rstrip("/")

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _hosts_are_comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip().lower() for host in value.split(",") if host.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies_are_networks(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            try:
                return [str(ipaddress.ip_network(str(part), strict=False)) for part in value]
            except ValueError as error:
                msg = f"MICROBLOG_TRUSTED_PROXIES is addresses or CIDRs, comma-separated: {error}"
                raise ValueError(msg) from error
        return value

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> Self:
        if self.env == "production" and self.secret_key is None:
            msg = "MICROBLOG_SECRET_KEY is required when MICROBLOG_ENV=production"
            raise ValueError(msg)
        if self.secret_key is not None:
            key = self.secret_key.get_secret_value()
            if len(key) < MIN_LENGTH:
                msg = f"MICROBLOG_SECRET_KEY must have at least {MIN_LENGTH} characters"
                raise ValueError(msg)
            weak = weakness(key) if self.env == "production" else None
            if weak is not None:
                msg = f"MICROBLOG_SECRET_KEY is too weak for production: {weak}"
                raise ValueError(msg)
        if self.password_hash_memory_cost < 8 * self.password_hash_parallelism:
            msg = "password_hash_memory_cost must be at least 8 KiB per lane"
            raise ValueError(msg)
        return self

    def resolved_secret_key(self) -> str:
        """Return the secret key, generating (once per instance) one when none is set.

        Returns:
            The key that signs tokens.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if self._generated_key is None:
            logger.warning(
                "MICROBLOG_SECRET_KEY is not set: using a random key, tokens end with the process"
            )
            self._generated_key = secrets.token_urlsafe(32)
        return self._generated_key

    def resolved_rate_limit_storage(self) -> str:
        """Return where rate-limit counters live.

        ``MICROBLOG_RATE_LIMIT_STORAGE`` when set, else ``MICROBLOG_REDIS_URL`` when set
        (one quota across every node that shares it), else ``memory://``.
        """
        if "rate_limit_storage" in self.model_fields_set or self.redis_url is None:
            return self.rate_limit_storage
        return self.redis_url

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
            "rate_limit_login_account": "off",
            # Hashes this cheap cost nothing: tests that sign up in parallel are never 503.
            "password_hash_concurrency": 64,
            "password_hash_time_cost": 1,
            "password_hash_memory_cost": 8,
            "password_hash_parallelism": 1,
        }
        values.update(overrides)
        return cls.model_validate(values)
