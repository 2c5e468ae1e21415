"""confidence ratings: the DSI's and ASIN's rating of each key KPI per structure and quarter

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 23:30:00.000000

A new table only: a deployed database keeps every row it has and starts with no rating.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('confidencerating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("level IN ('on_track', 'manageable', 'serious', 'out_of_reach')", name=op.f('ck_confidencerating_level_allowed')),
    sa.CheckConstraint("source IN ('dsi', 'asin')", name=op.f('ck_confidencerating_source_allowed')),
    sa.CheckConstraint('quarter BETWEEN 1 AND 4', name=op.f('ck_confidencerating_quarter_range')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_confidencerating_author_id_user')),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpi.id'], name=op.f('fk_confidencerating_kpi_id_kpi')),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_confidencerating_structure_id_structure')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_confidencerating_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confidencerating')),
    sa.UniqueConstraint('structure_id', 'year', 'quarter', 'kpi_id', 'source', name='uq_confidencerating_scope')
    )
    with op.batch_alter_table('confidencerating', schema=None) as batch_op:
        batch_op.create_index('ix_confidencerating_period', ['year', 'quarter'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('confidencerating', schema=None) as batch_op:
        batch_op.drop_index('ix_confidencerating_period')

    op.drop_table('confidencerating')
