"""64-bit ids on PostgreSQL: users.id, microposts.id, the columns referencing them, sequences.

0001 made them INTEGER, 32-bit on PostgreSQL (SERIAL primary keys whose sequences stop at
2**31 - 1), while the API takes ids up to 2**63 - 1. SQLite is left alone: its INTEGER is
already 64-bit, and AUTOINCREMENT needs the column type to be exactly INTEGER.

On PostgreSQL, changing a column from INTEGER to BIGINT rewrites its table under an
ACCESS EXCLUSIVE lock, so each table is altered in one statement (one rewrite). A
sequence altered ``AS bigint`` whose maximum was INTEGER's gets BIGINT's maximum.
The downgrade fails, changing nothing, once an id or a sequence is past 2**31 - 1.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:45:00.000000
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import op

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Every id column and every column referencing one, by table.
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("id",),
    "microposts": ("id", "author_id", "referenced_id"),
    "mentions": ("micropost_id", "user_id"),
    "follows": ("follower_id", "followed_id"),
}
#: The sequences of 0001's SERIAL primary keys.
SEQUENCES = ("users_id_seq", "microposts_id_seq")


def _on_postgresql() -> bool:
    return op.get_context().dialect.name == "postgresql"


def _retype(type_name: str) -> None:
    for table, columns in ID_COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {column} TYPE {type_name}" for column in columns)
        op.execute(f"ALTER TABLE {table} {changes}")
    for sequence in SEQUENCES:
        op.execute(f"ALTER SEQUENCE {sequence} AS {type_name}")


def upgrade() -> None:
    if _on_postgresql():
        _retype("BIGINT")


def downgrade() -> None:
    if _on_postgresql():
        _retype("INTEGER")
