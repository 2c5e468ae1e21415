"""single sign-on: accounts created by a first sign-on await an admin's role assignment

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 04:00:00.000000

One column with a default: every existing account is not awaiting anything.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy: on SQLite the accounts' table is referenced by others).
    op.add_column('user', sa.Column('awaiting_role', sa.Boolean(), nullable=False,
                                    server_default=sa.false()))


def downgrade() -> None:
    # SQLite 3.35+ and PostgreSQL both drop a column in place.
    op.execute('ALTER TABLE "user" DROP COLUMN awaiting_role')
