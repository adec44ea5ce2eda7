"""The application layer: use cases, transactions and business rules.

Build the whole set with :func:`microblog_server.bootstrap.build_services` (over a
database) or :func:`wire_services` (over any unit-of-work factory, e.g. a fake).

Public API changes since first published:

- ``IdempotencyService.complete`` takes ``status_code``, ``headers`` and ``body``
  positionally too (for ``anyio.to_thread.run_sync``); keyword calls still work.
"""

from microblog_server.services.auth import AuthService
from microblog_server.services.clock import Clock, system_clock
from microblog_server.services.container import Services, wire_services
from microblog_server.services.feeds import FeedService
from microblog_server.services.follows import FollowOutcome, FollowService
from microblog_server.services.idempotency import IdempotencyService
from microblog_server.services.microposts import MicropostService
from microblog_server.services.passwords import Passwords
from microblog_server.services.ports import UnitOfWork, UnitOfWorkFactory
from microblog_server.services.users import UserService

__all__ = [
    "AuthService",
    "Clock",
    "FeedService",
    "FollowOutcome",
    "FollowService",
    "IdempotencyService",
    "MicropostService",
    "Passwords",
    "Services",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UserService",
    "system_clock",
    "wire_services",
]
