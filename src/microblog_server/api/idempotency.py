"""Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) on every ``POST``.

The first request with a key is processed and its final response stored; the same key
with the same payload replays it (``Idempotent-Replayed: true``); with another payload it
is 422 ``idempotency_key_reused``. The key's claim, the request's write and its stored
response are one transaction (see :mod:`microblog_server.services.idempotency`): a
duplicate that arrives while the first runs waits for it, and gets 409
``idempotency_in_progress`` with ``Retry-After: 1`` only when that takes longer than its
wait; a process that dies mid-request leaves nothing behind, so a retry runs at once.
Keys are scoped per caller, kept ``idempotency_ttl`` seconds; 5xx responses are not
stored (and their writes are rolled back), so a retry runs again. The stored fingerprint
is an HMAC keyed with the service's secret, so a record cannot be used to test guesses
of what was sent (a sign-up's password). ``POST /api/v1/token`` is exempt: replaying a
login would hand out a token without checking the password.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING, Protocol, TypeVar

from anyio import CancelScope, CapacityLimiter, to_thread

from microblog_server.api.asgi import header, send_problem
from microblog_server.api.caller import caller_of
from microblog_server.api.problems import ProblemError
from microblog_server.domain import IdempotencyRecord

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from microblog_server.services.held_transaction import HeldTransaction
    from microblog_server.services.idempotency import IdempotencyClaim

__all__ = [
    "IdempotencyMiddleware",
    "IdempotencyStore",
    "fingerprint",
    "parse_key",
]

T = TypeVar("T")

EXEMPT_PATHS = frozenset({"/api/v1/token"})
_CLAIMING_THREADS = 8
_FINISHING_THREADS = 8
# Headers the outer middlewares set afresh on every response, replay included.
_NOT_STORED = frozenset({"x-request-id", "ratelimit", "ratelimit-policy", "content-length"})


class IdempotencyStore(Protocol):
    """Where keys and their responses are kept (blocking calls, except :meth:`hold`)."""

    def begin(
        self, held: HeldTransaction, scope: str, key: str, fingerprint: str
    ) -> IdempotencyClaim | IdempotencyRecord:
        """Claim the key in ``held``; return the record holding it if it is taken."""
        ...

    def hold(self) -> AbstractContextManager[HeldTransaction]:
        """Make the request's units of work one transaction, finished by the calls below."""
        ...

    def finish(
        self,
        claim: IdempotencyClaim,
        held: HeldTransaction,
        status_code: int,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> bool:
        """Commit the response with the request's write; ``False`` if the claim was lost."""
        ...

    def abandon(self, claim: IdempotencyClaim, held: HeldTransaction) -> None:
        """Roll the request's write and its claim back (after a 5xx) for a retry."""
        ...


def _in_progress() -> ProblemError:
    return ProblemError(
        409,
        "idempotency_in_progress",
        "a request with this Idempotency-Key is running",
        headers=(("Retry-After", "1"),),
    )


def parse_key(value: str) -> str | None:
    """Return the key of an ``Idempotency-Key`` header (bare or quoted), or ``None`` if bad."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not 1 <= len(value) <= 255 or not all(" " <= ch <= "~" for ch in value):
        return None
    return value


def fingerprint(scope: Scope, body: bytes, secret: bytes) -> str:
    """Digest what makes two requests "the same": method, path, query and body.

    An HMAC-SHA-256 keyed with ``secret`` (the service's key): a plain hash of a stored
    sign-up's body would let whoever reads the record test password guesses at one hash
    each.
    """
    digest = hmac.new(secret, digestmod=hashlib.sha256)
    for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode()):
        digest.update(part.encode() + b"\0")
    # The same JSON spelled with other spacing is the same payload; what does not parse
    # (or nests too deep to) is compared byte for byte.
    with suppress(ValueError, RecursionError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest.update(body)
    return digest.hexdigest()


class IdempotencyMiddleware:
    """Apply Idempotency-Key semantics to ``POST`` requests under ``/api``.

    Args:
        app: The application.
        store: Where keys and responses are kept (blocking calls, run in worker threads).
        secret: Keys the stored fingerprints (the service's secret key).
    """

    def __init__(self, app: ASGIApp, store: IdempotencyStore, secret: bytes) -> None:
        self.app = app
        self.store = store
        self.secret = secret
        self._claiming: CapacityLimiter | None = None
        self._finishing: CapacityLimiter | None = None

    async def _in_thread(self, function: Callable[[], T], *, claiming: bool = False) -> T:
        # The request's held transaction (SQLite's write lock, a pooled connection) is
        # begun and finished in worker threads of this middleware's own limiters: were
        # every default worker thread blocked claiming a key (waiting for SQLite's one
        # writer, or for a duplicate's transaction), the request that can end that wait
        # would find no thread for its own work. Claims wait in one limiter, commits and
        # rollbacks (never waiting on another request) in the other. Shielded: a request
        # cancelled (its client gone) must still commit or roll back what it holds.
        if self._claiming is None or self._finishing is None:
            self._claiming = CapacityLimiter(_CLAIMING_THREADS)
            self._finishing = CapacityLimiter(_FINISHING_THREADS)
        limiter = self._claiming if claiming else self._finishing
        with CancelScope(shield=True):
            result = await to_thread.run_sync(function, limiter=limiter)
        return result  # noqa: RET504 - outside the scope, which mypy sees may swallow errors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        raw = header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if (
            raw is None
            or scope["method"] != "POST"
            or not scope["path"].startswith("/api")
            or scope["path"] in EXEMPT_PATHS
        ):
            await self.app(scope, receive, send)
            return
        key = parse_key(raw)
        if key is None:
            problem = ProblemError(
                400, "bad_request", "Idempotency-Key must be 1-255 printable ASCII characters"
            )
            await send_problem(scope, receive, send, problem)
            return
        message = await receive()  # the body limit middleware hands over the whole body
        body: bytes = message.get("body", b"")
        owner = caller_of(scope).scope
        print_ = fingerprint(scope, body, self.secret)
        with self.store.hold() as transaction:
            try:
                claimed = await self._in_thread(
                    partial(self.store.begin, transaction, owner, key, print_),
                    claiming=True,
                )
            except BaseException:
                await self._in_thread(transaction.close)
                raise
            if isinstance(claimed, IdempotencyRecord):
                await self._in_thread(transaction.close)
                await self._answer_existing(scope, receive, send, claimed, print_)
                return
            await self._run_and_store(
                scope, message, receive, send, claim=claimed, transaction=transaction
            )

    async def _answer_existing(
        self, scope: Scope, receive: Receive, send: Send, record: IdempotencyRecord, print_: str
    ) -> None:
        if record.fingerprint != print_:
            problem = ProblemError(
                422, "idempotency_key_reused", "this Idempotency-Key was sent with another payload"
            )
            await send_problem(scope, receive, send, problem)
        elif record.state != "done" or record.status_code is None:
            await send_problem(scope, receive, send, _in_progress())
        else:
            headers = [(k.lower().encode(), v.encode("latin-1")) for k, v in record.headers]
            headers.append((b"content-length", str(len(record.body)).encode()))
            headers.append((b"idempotent-replayed", b"true"))
            await send(
                {"type": "http.response.start", "status": record.status_code, "headers": headers}
            )
            await send({"type": "http.response.body", "body": record.body})

    async def _run_and_store(
        self,
        scope: Scope,
        first: Message,
        receive: Receive,
        send: Send,
        *,
        claim: IdempotencyClaim,
        transaction: HeldTransaction,
    ) -> None:
        held: list[Message] = []
        handed = False

        async def replay() -> Message:
            nonlocal handed
            if not handed:
                handed = True
                return first
            return await receive()

        async def capture(message: Message) -> None:
            # Held back until the key is stored: a client holding the answer (or one that
            # lost it on the way) must find the key done when it retries, not in progress.
            held.append(message)

        try:
            await self.app(scope, replay, capture)
        except BaseException:
            await self._in_thread(partial(self.store.abandon, claim, transaction))
            raise
        start = next((m for m in held if m["type"] == "http.response.start"), {})
        status = int(start.get("status", 500))
        if status >= 500:
            await self._in_thread(partial(self.store.abandon, claim, transaction))
        else:
            headers = [
                (k.decode("latin-1"), v.decode("latin-1"))
                for k, v in start.get("headers", [])
                if k.decode("latin-1").lower() not in _NOT_STORED
            ]
            body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
            store = partial(self.store.finish, claim, transaction, status, headers, body)
            if not await self._in_thread(store):
                # The claim was not found in its own transaction: nothing was kept.
                await send_problem(scope, receive, send, _in_progress())
                return
        for message in held:
            await send(message)
