"""login lockout: throttle keys per account and per client address, decaying counts, lockouts

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Old rows are keyed by the bare login and count whole failures: start afresh.
    op.execute("DELETE FROM loginthrottle")
    with op.batch_alter_table('loginthrottle', schema=None) as batch_op:
        batch_op.alter_column('identifier',
               existing_type=sqlmodel.sql.sqltypes.AutoString(length=80),
               type_=sqlmodel.sql.sqltypes.AutoString(length=120),
               existing_nullable=False)
        batch_op.alter_column('failures',
               existing_type=sa.Integer(),
               type_=sa.Float(),
               existing_nullable=False)
        batch_op.add_column(sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM loginthrottle")
    with op.batch_alter_table('loginthrottle', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.alter_column('failures',
               existing_type=sa.Float(),
               type_=sa.Integer(),
               existing_nullable=False)
        batch_op.alter_column('identifier',
               existing_type=sqlmodel.sql.sqltypes.AutoString(length=120),
               type_=sqlmodel.sql.sqltypes.AutoString(length=80),
               existing_nullable=False)
