from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from microblog_server.persistence import create_engine_for_url, downgrade, upgrade
from microblog_server.persistence.models import Base

ID_COLUMNS = {
    "users": {"id"},
    "microposts": {"id", "author_id", "referenced_id"},
    "mentions": {"micropost_id", "user_id"},
    "follows": {"follower_id", "followed_id"},
}
TABLES = {"users", "microposts", "mentions", "follows", "revoked_tokens", "idempotency_keys"}


def _diffs(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_of_an_empty_database_matches_the_models(database_url: str) -> None:
    upgrade(database_url)

    engine = create_engine_for_url(database_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        assert _diffs(engine) == []
    finally:
        engine.dispose()


def _id_column_types(engine: Engine) -> set[str]:
    inspector = inspect(engine)
    return {
        str(column["type"])
        for table, names in ID_COLUMNS.items()
        for column in inspector.get_columns(table)
        if column["name"] in names
    }


def test_ids_are_bigint_on_postgresql_and_stay_integer_on_sqlite(engine: Engine) -> None:
    expected = "BIGINT" if engine.dialect.name == "postgresql" else "INTEGER"

    assert _id_column_types(engine) == {expected}


def test_downgrading_to_0001_makes_ids_integer_and_upgrading_again_keeps_the_rows(
    engine: Engine,
) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (username, username_key, display_name, bio, password_hash,"
                " created_at, version) VALUES ('dana', 'dana', '', '', 'hash', :at, 1)"
            ),
            {"at": datetime(2026, 11, 1, 9, 0)},  # noqa: DTZ001 - stored naive UTC
        )
        connection.execute(
            text(
                "INSERT INTO microposts (author_id, text, created_at, version)"
                " SELECT id, 'hi', created_at, 1 FROM users"
            )
        )

    downgrade(engine, "0001")
    types_at_0001 = _id_column_types(engine)
    upgrade(engine)

    assert types_at_0001 == {"INTEGER"}
    assert _diffs(engine) == []
    with engine.connect() as connection:
        joined = text("SELECT count(*) FROM microposts JOIN users ON users.id = author_id")
        assert connection.execute(joined).scalar() == 1


def test_a_database_url_with_percent_signs_migrates(tmp_path: Path) -> None:
    # URL-encoded passwords and PostgreSQL's options=-csearch_path%3D... carry "%", which
    # Alembic's configparser would read as an interpolation.
    url = f"sqlite:///{tmp_path / '100%.db'}"
    engine = create_engine_for_url(url)
    try:
        upgrade(url)
        upgrade(engine)

        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_downgrade_removes_every_table_and_upgrade_runs_again(engine: Engine) -> None:
    downgrade(engine)

    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES


def test_upgrade_twice_is_harmless(engine: Engine) -> None:
    upgrade(engine)

    assert _diffs(engine) == []


@pytest.mark.sqlite_only
def test_sqlite_runs_with_wal_and_foreign_keys(engine: Engine) -> None:
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_the_schema_comparison_notices_a_drifted_database(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_microposts_created_at_id"))

    assert _diffs(engine) != []
