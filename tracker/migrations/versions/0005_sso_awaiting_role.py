"""single sign-on: accounts created by a first sign-on await an admin's role assignment

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 04:00:00.000000

One column with a default: every existing account is not awaiting anything.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('awaiting_role', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('awaiting_role')
