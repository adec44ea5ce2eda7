"""A password change revokes the user's other tokens: ``users.tokens_valid_after``, ``kept_token``.

Tokens are not stored, so "every other token" is a cut-off: a token issued at or before
``tokens_valid_after`` no longer authenticates, except the one whose SHA-256 digest is
``kept_token`` (the token that changed the password). Both are NULL until the first
password change. Adding nullable columns rewrites nothing on either database.
Downgrading needs SQLite 3.35 or later (``ALTER TABLE ... DROP COLUMN``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 03:00:00.000000
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("tokens_valid_after", sa.DateTime(), nullable=True))
    op.add_column("users", sa.Column("kept_token", sa.String(64), nullable=True))


def downgrade() -> None:
    # Not batch mode: on SQLite that copies and drops the users table, and dropping it
    # with foreign keys on would cascade to every micropost. SQLite 3.35+ drops columns.
    op.drop_column("users", "kept_token")
    op.drop_column("users", "tokens_valid_after")
