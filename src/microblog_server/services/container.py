"""The services of one app, wired together; no state shared between two apps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from microblog_server.services.auth import AuthService
from microblog_server.services.clock import Clock, system_clock
from microblog_server.services.feeds import FeedService
from microblog_server.services.follows import FollowService
from microblog_server.services.held_transaction import HoldingUnitOfWorkFactory
from microblog_server.services.idempotency import IdempotencyService
from microblog_server.services.microposts import MicropostService
from microblog_server.services.passwords import BoundedPasswords, PasswordHasher, Passwords
from microblog_server.services.token_cache import Revocations, TokenCache
from microblog_server.services.users import UserService

if TYPE_CHECKING:
    from collections.abc import Callable

    from microblog_server.services.ports import UnitOfWorkFactory
    from microblog_server.settings import Settings

__all__ = ["Services", "wire_services"]


def _always_ok() -> bool:
    return True


def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class Services:
    """Every use case of the service, built once per app.

    Attributes:
        settings: The settings they were built from.
        users: Sign-up, profiles, user lists.
        microposts: Collections of microposts.
        follows: Following and followers.
        feeds: Timeline and search.
        auth: Login, token check, revocation.
        idempotency: The Idempotency-Key store.
        uow_factory: Opens a unit of work (for the demo data loader and tests).
        passwords: The password hasher.
        clock: The time source.
        check_database: Tells whether the database answers (for ``/health``).
        check_redis: Tells whether the shared state (Redis) answers; ``None`` when the
            service shares none.
        check_revocations: Tells whether this process hears the other nodes' token
            revocations (its listener is subscribed); ``None`` without Redis.
        close: Releases the database connections.
        unavailable: The storage's exceptions that mean it is unreachable (a 503).
    """

    settings: Settings
    users: UserService
    microposts: MicropostService
    follows: FollowService
    feeds: FeedService
    auth: AuthService
    idempotency: IdempotencyService
    uow_factory: UnitOfWorkFactory
    passwords: PasswordHasher
    clock: Clock
    check_database: Callable[[], bool] = field(default=_always_ok)
    check_redis: Callable[[], bool] | None = None
    check_revocations: Callable[[], bool] | None = None
    close: Callable[[], None] = field(default=_nothing)
    unavailable: tuple[type[Exception], ...] = ()


def wire_services(
    settings: Settings,
    uow_factory: UnitOfWorkFactory,
    *,
    clock: Clock | None = None,
    check_database: Callable[[], bool] = _always_ok,
    close: Callable[[], None] = _nothing,
    unavailable: tuple[type[Exception], ...] = (),
    revocations: Revocations | None = None,
    check_redis: Callable[[], bool] | None = None,
    check_revocations: Callable[[], bool] | None = None,
) -> Services:
    """Build every service over one unit-of-work factory.

    Args:
        settings: Token lifetime, secret key, hashing cost, idempotency TTL, token cache.
        uow_factory: Opens a unit of work (SQLAlchemy, or an in-memory fake in tests).
        clock: The time source; the system clock by default.
        check_database: Health probe of the storage.
        close: Releases the storage.
        unavailable: The storage's exceptions that mean it is unreachable.
        revocations: Shares token revocations with the other nodes (Redis).
        check_redis: Health probe of the shared state.
        check_revocations: Health probe of the revocation listener.

    Returns:
        The services.
    """
    now = clock or system_clock
    passwords = BoundedPasswords(
        Passwords(
            time_cost=settings.password_hash_time_cost,
            memory_cost=settings.password_hash_memory_cost,
            parallelism=settings.password_hash_parallelism,
        ),
        limit=settings.password_hash_concurrency,
    )
    tokens = TokenCache(now, seconds=settings.auth_cache_seconds, revocations=revocations)
    # The services share one factory that can hold a keyed request's transaction (whose
    # first write is the key's claim); the purge of old records runs on its own.
    plain_factory, uow_factory = uow_factory, HoldingUnitOfWorkFactory(uow_factory)
    return Services(
        settings=settings,
        users=UserService(uow_factory, passwords, now, tokens=tokens),
        microposts=MicropostService(uow_factory, now),
        follows=FollowService(uow_factory, now),
        feeds=FeedService(uow_factory),
        auth=AuthService(
            uow_factory,
            passwords,
            now,
            secret_key=settings.resolved_secret_key(),
            token_ttl=settings.token_ttl,
            tokens=tokens,
        ),
        idempotency=IdempotencyService(
            plain_factory,
            uow_factory,
            now,
            ttl=settings.idempotency_ttl,
        ),
        uow_factory=uow_factory,
        passwords=passwords,
        clock=now,
        check_database=check_database,
        check_redis=check_redis,
        check_revocations=check_revocations,
        close=close,
        unavailable=unavailable,
    )
