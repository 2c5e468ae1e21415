"""reminders: one row per e-mail reminder sent, unique per kind, recipient and period

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('remindersent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('period_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remindersent')),
    sa.UniqueConstraint('kind', 'recipient', 'period_key', name='uq_remindersent_scope')
    )


def downgrade() -> None:
    op.drop_table('remindersent')
