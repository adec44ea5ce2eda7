"""Text the database cannot store faithfully is refused by the domain, not by the database.

SQLite's ``length()`` stops at the first NUL (so a CHECK constraint fails) and PostgreSQL
refuses NUL in text: a NUL in a micropost, display name or bio is an ``InvalidInput``
with a pointer, whoever calls the services (the API, the CLI's seeding, a script).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from microblog_server.bootstrap import build_services
from microblog_server.domain import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Iterator

    from microblog_server.services import Services
    from microblog_server.settings import Settings


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    """The services over the test's SQLite file."""
    built = build_services(settings)
    yield built
    built.close()


@pytest.mark.parametrize("text", ["\x00", "\x00abc", "abc\x00"])
def test_a_micropost_with_a_nul_is_invalid_input_at_text(services: Services, text: str) -> None:
    dana = services.users.register("dana", "long-enough-1").user

    with pytest.raises(InvalidInput) as raised:
        services.microposts.create(dana, "dana", text, None)

    assert [error.pointer for error in raised.value.errors] == ["#/text"]
    assert services.microposts.list_collection("dana").items == []


@pytest.mark.parametrize("field", ["display_name", "bio"])
def test_a_profile_field_with_a_nul_is_invalid_input(services: Services, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        services.users.register("dana", "long-enough-1", **{field: "a\x00b"})

    assert [error.pointer for error in raised.value.errors] == [f"#/{field}"]
