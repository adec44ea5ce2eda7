"""A reproducible demo dataset: a few dozen users, their follows and ~2000 microposts.

Everything is generated in code from a fixed random seed, so two runs on empty databases
give the same users, follows and texts (timestamps count back from the services' clock).
Every demo user's password is :data:`DEMO_PASSWORD`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from microblog_server.domain import mentioned_usernames, username_key

if TYPE_CHECKING:
    from microblog_server.services.container import Services

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "SeedSummary", "seed"]

DEMO_PASSWORD = "microblog-demo"  # noqa: S105 - documented password of public demo accounts

_FIRST = (
    "ada", "alan", "barbara", "brian", "claude", "dana", "donald", "edsger", "frances", "grace",
    "guido", "hedy", "ivan", "jaime", "john", "ken", "leslie", "linus", "margaret", "niklaus",
    "radia", "rasmus", "richard", "shafi", "sophie", "tim", "tony", "ward", "whitfield", "yukihiro",
    "barbara_l", "katherine", "dennis", "bjarne", "anders", "larry",
    "bob",  # the README's and the quick start's second user
)  # fmt: skip
DEMO_USERS = len(_FIRST)
"""How many demo accounts ``seed`` creates (all with :data:`DEMO_PASSWORD`)."""

_TOPICS = (
    "type hints", "keyset pagination", "SQLite in WAL mode", "REST APIs", "idempotency keys",
    "rate limits", "Argon2", "unit tests", "property-based tests", "async IO", "caching",
    "code review", "the GIL", "pattern matching", "dataclasses", "HTTP caching", "retries",
)  # fmt: skip
_TEMPLATES = (
    "Today I learned about {topic}.",
    "Hot take: {topic} is underrated.",
    "Reading a book chapter on {topic}, recommended.",
    "Anyone has a good link about {topic}?",
    "Spent the afternoon debugging {topic}. Coffee needed.",
    "Finally understood {topic}, thanks @{friend}!",
    "@{friend} what do you think about {topic}?",
    "Pairing with @{friend} on {topic} this week.",
    "Note to self: {topic} before lunch, never after.",
    "Slides from my talk on {topic} are up.",
)


@dataclass(frozen=True, slots=True)
class SeedSummary:
    """What a seed run stored.

    Attributes:
        users: Users created.
        follows: Follow edges created.
        microposts: Microposts created.
        skipped: ``True`` when the demo data was already there and nothing was written.
    """

    users: int
    follows: int
    microposts: int
    skipped: bool = False


def seed(
    services: Services, *, random_seed: int = 2022, microposts: int = 2000, days: int = 30
) -> SeedSummary:
    """Load the demo dataset, unless its first user already exists.

    Writes go through the unit of work in one transaction; the password hash is computed
    once and shared, so seeding takes seconds even with production hashing costs.

    Args:
        services: The services of the target database.
        random_seed: Seed of the generator; the same seed gives the same data.
        microposts: How many microposts to write.
        days: Spread the microposts over this many days before now.

    Returns:
        What was stored.
    """
    rng = random.Random(random_seed)  # noqa: S311 - reproducible demo data, not secrets
    now = services.clock()
    with services.uow_factory() as uow:
        if uow.users.get_by_username(_FIRST[0]) is not None:
            return SeedSummary(0, 0, 0, skipped=True)
        password_hash = services.passwords.hash(DEMO_PASSWORD)
        start = now - timedelta(days=days + 1)
        users = [
            uow.users.add(
                username=name,
                display_name=name.replace("_", " ").title(),
                bio=f"Interested in {rng.choice(_TOPICS)}.",
                password_hash=password_hash,
                created_at=start + timedelta(minutes=index),
            )
            for index, name in enumerate(_FIRST)
        ]
        follows = 0
        for user in users:
            for other in rng.sample(users, rng.randint(3, 12)):
                if other.id != user.id and uow.follows.add(
                    user.id, other.id, created_at=start + timedelta(hours=1, seconds=follows)
                ):
                    follows += 1
        by_key = {username_key(user.username): user for user in users}
        first_post = start + timedelta(days=1)
        step = timedelta(days=days) / max(microposts, 1)
        for index in range(microposts):
            author, friend = rng.sample(users, 2)
            text = rng.choice(_TEMPLATES).format(topic=rng.choice(_TOPICS), friend=friend.username)
            referenced = friend if rng.random() < 0.1 else None
            mentioned = [by_key[username_key(name)] for name in mentioned_usernames(text)]
            uow.microposts.add(
                author=author,
                text=text,
                referenced=referenced,
                mentioned=mentioned,
                created_at=first_post + step * index,
            )
        uow.commit()
    return SeedSummary(len(users), follows, microposts)
