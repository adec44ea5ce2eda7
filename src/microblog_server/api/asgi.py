"""Small helpers shared by the pure ASGI middlewares: request state, headers, answers."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from microblog_server.api.problems import ProblemError, problem_response

if TYPE_CHECKING:
    from starlette.types import Message, Receive, Scope, Send

__all__ = ["drain", "header", "request_id_of", "send_problem", "state_of"]


def state_of(scope: Scope) -> dict[str, object]:
    """Return the request's state dictionary (what ``request.state`` reads), creating it."""
    state: dict[str, object] = scope.setdefault("state", {})
    return state


def request_id_of(scope: Scope) -> str:
    """Return the id the request-id middleware gave this request (or a new one)."""
    state = state_of(scope)
    rid = state.get("request_id")
    if not isinstance(rid, str):
        rid = str(uuid.uuid4())
        state["request_id"] = rid
    return rid


def header(scope: Scope, name: bytes) -> str | None:
    """Return the first request header called ``name`` (lower case), decoded as Latin-1."""
    for key, value in scope.get("headers", []):
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


async def send_problem(scope: Scope, receive: Receive, send: Send, problem: ProblemError) -> None:
    """Answer the request with a problem details response from inside a middleware."""
    response = problem_response(problem, request_id_of(scope))
    await response(scope, receive, send)


async def drain(receive: Receive) -> list[Message]:
    """Read every remaining request message (used only on bounded bodies)."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages
