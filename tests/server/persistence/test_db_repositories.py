"""What only the SQL repositories have to get right: ids from the database's sequences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

from microblog_server.domain import PageRequest, User
from microblog_server.services import UnitOfWork, UnitOfWorkFactory

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _start_ids_at(engine: Engine, first: int) -> None:
    """Make the next user and the next micropost get id ``first``."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            for sequence in ("users_id_seq", "microposts_id_seq"):
                connection.execute(text(f"ALTER SEQUENCE {sequence} RESTART WITH {first}"))
        else:  # SQLite's AUTOINCREMENT continues after the largest id it has handed out
            connection.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES ('users', :seq)"),
                {"seq": first - 1},
            )
            connection.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES ('microposts', :seq)"),
                {"seq": first - 1},
            )


def _add_user(uow: UnitOfWork, name: str, minutes: int = 0) -> User:
    return uow.users.add(
        username=name,
        display_name=name,
        bio="",
        password_hash="hash",
        created_at=T0 + timedelta(minutes=minutes),
    )


def test_ids_past_32_bits_are_handed_out_stored_and_read_back(
    engine: Engine, uow_factory: UnitOfWorkFactory
) -> None:
    first = 2**33 + 5
    _start_ids_at(engine, first)
    with uow_factory() as uow:
        dana, jaime = _add_user(uow, "dana"), _add_user(uow, "jaime", 1)
        uow.follows.add(dana.id, jaime.id, created_at=T0)
        post = uow.microposts.add(
            author=jaime,
            text="@dana",
            referenced=dana,
            mentioned=[dana],
            created_at=T0,
        )
        uow.commit()

    with uow_factory() as uow:
        stored = uow.microposts.get(post.id)
        timeline = uow.microposts.timeline(dana.username, PageRequest(9))
        updated = uow.microposts.update(
            post.id,
            text="@dana again",
            referenced_id=dana.id,
            mention_ids=[dana.id],
            updated_at=T0,
            expected_version=1,
        )
        uow.commit()

    assert (dana.id, jaime.id, post.id) == (first, first + 1, first)
    assert stored is not None
    assert (stored.author_id, stored.referenced, stored.mentions) == (jaime.id, "dana", ["dana"])
    assert [p.id for p in timeline] == [post.id]
    assert updated
