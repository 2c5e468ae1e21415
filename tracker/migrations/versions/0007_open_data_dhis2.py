"""open data and DHIS2: frozen open-data releases, the DHIS2 mapping of KPIs and structures

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 03:40:22.808409

Two new tables only: a deployed database keeps every row it has, with no release and no mapping.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dhis2mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('part', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('uid', sqlmodel.sql.sqltypes.AutoString(length=11), nullable=False),
    sa.Column('category_option_combo', sqlmodel.sql.sqltypes.AutoString(length=11), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('kpi', 'structure')", name=op.f('ck_dhis2mapping_kind_allowed')),
    sa.CheckConstraint("part IN ('value', 'numerator', 'denominator')", name=op.f('ck_dhis2mapping_part_allowed')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_dhis2mapping_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dhis2mapping')),
    sa.UniqueConstraint('kind', 'code', 'part', name='uq_dhis2mapping_code'),
    sa.UniqueConstraint('kind', 'uid', 'category_option_combo', name='uq_dhis2mapping_uid')
    )
    op.create_table('opendatarelease',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=False),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.CheckConstraint('edition >= 1', name=op.f('ck_opendatarelease_edition_positive')),
    sa.CheckConstraint('quarter BETWEEN 0 AND 4', name=op.f('ck_opendatarelease_quarter_range')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_opendatarelease_published_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opendatarelease')),
    sa.UniqueConstraint('year', 'quarter', 'edition', name='uq_opendatarelease_edition')
    )
    with op.batch_alter_table('opendatarelease', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opendatarelease_year'), ['year'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('opendatarelease', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opendatarelease_year'))

    op.drop_table('opendatarelease')
    op.drop_table('dhis2mapping')
