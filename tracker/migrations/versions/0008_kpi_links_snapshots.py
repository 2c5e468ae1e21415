"""conference memory: follow-up items linked to KPIs, roadmap snapshots at each session's closing

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 04:40:00.000000

Two new tables only: a deployed database keeps every row it has, starts with no KPI link and
takes its first roadmap snapshot at the next session it closes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('followupkpi',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('object_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("object_type IN ('decision', 'recommendation', 'action')", name=op.f('ck_followupkpi_object_type_allowed')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_followupkpi_created_by_id_user')),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpi.id'], name=op.f('fk_followupkpi_kpi_id_kpi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followupkpi')),
    sa.UniqueConstraint('object_type', 'object_id', 'kpi_id', name='uq_followupkpi_link')
    )
    with op.batch_alter_table('followupkpi', schema=None) as batch_op:
        batch_op.create_index('ix_followupkpi_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followupkpi_kpi_id'), ['kpi_id'], unique=False)

    op.create_table('roadmapsnapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('planned_date', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('taken_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('done', 'late', 'open')", name=op.f('ck_roadmapsnapshot_status_allowed')),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_roadmapsnapshot_conference_id_conference')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadmapsnapshot')),
    sa.UniqueConstraint('conference_id', 'milestone_id', name='uq_roadmapsnapshot_milestone')
    )
    with op.batch_alter_table('roadmapsnapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roadmapsnapshot_conference_id'), ['conference_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roadmapsnapshot_milestone_id'), ['milestone_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('roadmapsnapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roadmapsnapshot_milestone_id'))
        batch_op.drop_index(batch_op.f('ix_roadmapsnapshot_conference_id'))
    op.drop_table('roadmapsnapshot')
    with op.batch_alter_table('followupkpi', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followupkpi_kpi_id'))
        batch_op.drop_index('ix_followupkpi_object')
    op.drop_table('followupkpi')
