"""initial schema: every object of the product

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 02:43:16.502703
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('appsetting',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_appsetting'))
    )
    op.create_table('loginthrottle',
    sa.Column('identifier', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('identifier', name=op.f('pk_loginthrottle'))
    )
    op.create_table('structure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('name_fr', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('successor_id', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('ministere', 'agence', 'presidence', 'institution', 'operateur')", name=op.f('ck_structure_kind_allowed')),
    sa.CheckConstraint('valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from', name=op.f('ck_structure_valid_range')),
    sa.ForeignKeyConstraint(['successor_id'], ['structure.id'], name=op.f('fk_structure_successor_id_structure')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_structure'))
    )
    with op.batch_alter_table('structure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_structure_code'), ['code'], unique=True)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('sso_subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_login_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("role <> 'dsi' OR structure_id IS NOT NULL", name=op.f('ck_user_dsi_has_structure')),
    sa.CheckConstraint("role IN ('admin', 'leadership', 'dsi', 'viewer')", name=op.f('ck_user_role_allowed')),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_user_structure_id_structure')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('sso_subject', name=op.f('uq_user_sso_subject'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_login'), ['login'], unique=True)

    op.create_table('auditevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_login', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('object_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('object_label', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('old_value', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('new_value', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_auditevent_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auditevent'))
    )
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditevent_at'), ['at'], unique=False)
        batch_op.create_index('ix_auditevent_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditevent_user_id'), ['user_id'], unique=False)

    op.create_table('conference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('rank_in_year', sa.Integer(), nullable=False),
    sa.Column('session_date', sa.Date(), nullable=True),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('theme', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('chair', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('rapporteur', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'held', 'closed')", name=op.f('ck_conference_status_allowed')),
    sa.CheckConstraint('rank_in_year >= 1', name=op.f('ck_conference_rank_positive')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_conference_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conference')),
    sa.UniqueConstraint('year', 'rank_in_year', name='uq_conference_year_rank')
    )
    with op.batch_alter_table('conference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conference_number'), ['number'], unique=True)
        batch_op.create_index(batch_op.f('ix_conference_year'), ['year'], unique=False)

    op.create_table('kpi',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('group', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('label_fr', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('label_en', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('agg_quarters', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('agg_structures', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('ratio', sa.Boolean(), nullable=False),
    sa.Column('indicative_target', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('gtmi', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("agg_quarters IN ('sum', 'avg', 'last', 'ratio')", name=op.f('ck_kpi_agg_quarters_allowed')),
    sa.CheckConstraint("agg_structures IN ('sum', 'avg', 'ratio', 'count_true')", name=op.f('ck_kpi_agg_structures_allowed')),
    sa.CheckConstraint("direction IN ('up', 'down', 'neutral')", name=op.f('ck_kpi_direction_allowed')),
    sa.CheckConstraint("unit IN ('count', 'percent', 'hours', 'ms', 'xof', 'bool', 'days')", name=op.f('ck_kpi_unit_allowed')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_kpi_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kpi'))
    )
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kpi_code'), ['code'], unique=True)

    op.create_table('pillar',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title_fr', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('title_en', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_pillar_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pillar')),
    sa.UniqueConstraint('year', 'position', name='uq_pillar_year_position')
    )
    with op.batch_alter_table('pillar', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pillar_year'), ['year'], unique=False)

    op.create_table('submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('reopened', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('review_comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'validated', 'returned')", name=op.f('ck_submission_status_allowed')),
    sa.CheckConstraint('quarter BETWEEN 1 AND 4', name=op.f('ck_submission_quarter_range')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user.id'], name=op.f('fk_submission_reviewer_id_user')),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_submission_structure_id_structure')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id'], name=op.f('fk_submission_submitted_by_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_submission_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission')),
    sa.UniqueConstraint('structure_id', 'year', 'quarter', name='uq_submission_scope')
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_structure_id'), ['structure_id'], unique=False)

    op.create_table('submissionwindow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('closes_on >= opens_on', name=op.f('ck_submissionwindow_window_order')),
    sa.CheckConstraint('quarter BETWEEN 1 AND 4', name=op.f('ck_submissionwindow_quarter_range')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_submissionwindow_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissionwindow')),
    sa.UniqueConstraint('year', 'quarter', name='uq_submissionwindow_year_quarter')
    )
    op.create_table('usersession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('handoff_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('handoff_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_usersession_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usersession')),
    sa.UniqueConstraint('handoff_hash', name=op.f('uq_usersession_handoff_hash'))
    )
    with op.batch_alter_table('usersession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usersession_token_hash'), ['token_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_usersession_user_id'), ['user_id'], unique=False)

    op.create_table('agendaitem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('tags', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_agendaitem_conference_id_conference')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_agendaitem_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agendaitem'))
    )
    with op.batch_alter_table('agendaitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agendaitem_conference_id'), ['conference_id'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('representative', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('representative_role', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('present', 'excused', 'absent')", name=op.f('ck_attendance_status_allowed')),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_attendance_conference_id_conference')),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_attendance_structure_id_structure')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_attendance_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance')),
    sa.UniqueConstraint('conference_id', 'structure_id', name='uq_attendance_conf_structure')
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_conference_id'), ['conference_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendance_structure_id'), ['structure_id'], unique=False)

    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_decision_conference_id_conference')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_decision_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision'))
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_conference_id'), ['conference_id'], unique=False)

    op.create_table('initiative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pillar_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('owner_structure_id', sa.Integer(), nullable=True),
    sa.Column('start_quarter', sa.Integer(), nullable=False),
    sa.Column('end_quarter', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('status_override', sa.Boolean(), nullable=False),
    sa.Column('override_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('copied_from_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('on_track', 'at_risk', 'off_track', 'done')", name=op.f('ck_initiative_status_allowed')),
    sa.CheckConstraint('start_quarter BETWEEN 1 AND 4 AND end_quarter BETWEEN 1 AND 4 AND end_quarter >= start_quarter', name=op.f('ck_initiative_quarter_range')),
    sa.CheckConstraint('weight >= 0', name=op.f('ck_initiative_weight_positive')),
    sa.ForeignKeyConstraint(['copied_from_id'], ['initiative.id'], name=op.f('fk_initiative_copied_from_id_initiative')),
    sa.ForeignKeyConstraint(['owner_structure_id'], ['structure.id'], name=op.f('fk_initiative_owner_structure_id_structure')),
    sa.ForeignKeyConstraint(['pillar_id'], ['pillar.id'], name=op.f('fk_initiative_pillar_id_pillar')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_initiative_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative'))
    )
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_pillar_id'), ['pillar_id'], unique=False)

    op.create_table('minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('original', sa.LargeBinary(), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('imported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_minutes_conference_id_conference')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['user.id'], name=op.f('fk_minutes_imported_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes')),
    sa.UniqueConstraint('conference_id', name=op.f('uq_minutes_conference_id'))
    )
    op.create_table('recommendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('owner_structure_id', sa.Integer(), nullable=True),
    sa.Column('group_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('due_kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('progress_comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("due_kind IN ('date', 'next_session', 'recurring', 'none')", name=op.f('ck_recommendation_due_kind_allowed')),
    sa.CheckConstraint("status IN ('not_started', 'in_progress', 'partial', 'done', 'blocked', 'cancelled')", name=op.f('ck_recommendation_status_allowed')),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_recommendation_conference_id_conference')),
    sa.ForeignKeyConstraint(['owner_structure_id'], ['structure.id'], name=op.f('fk_recommendation_owner_structure_id_structure')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_recommendation_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation'))
    )
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_conference_id'), ['conference_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_owner_structure_id'), ['owner_structure_id'], unique=False)

    op.create_table('result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('numerator', sa.Float(), nullable=True),
    sa.Column('denominator', sa.Float(), nullable=True),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('evidence_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("source IN ('entered', 'imported', 'demo', 'computed')", name=op.f('ck_result_source_allowed')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'validated', 'returned')", name=op.f('ck_result_status_allowed')),
    sa.CheckConstraint('quarter BETWEEN 1 AND 4', name=op.f('ck_result_quarter_range')),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpi.id'], name=op.f('fk_result_kpi_id_kpi')),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_result_structure_id_structure')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_result_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result')),
    sa.UniqueConstraint('structure_id', 'kpi_id', 'year', 'quarter', name='uq_result_scope')
    )
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.create_index('ix_result_period', ['year', 'quarter', 'kpi_id'], unique=False)

    op.create_table('target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=True),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('quarter BETWEEN 0 AND 4', name=op.f('ck_target_quarter_range')),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpi.id'], name=op.f('fk_target_kpi_id_kpi')),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_target_structure_id_structure')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_target_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target')),
    sa.UniqueConstraint('kpi_id', 'year', 'structure_id', 'quarter', name='uq_target_scope')
    )
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_kpi_id'), ['kpi_id'], unique=False)

    op.create_table('actionitem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('conference_id', sa.Integer(), nullable=True),
    sa.Column('recommendation_id', sa.Integer(), nullable=True),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('owner_structure_id', sa.Integer(), nullable=True),
    sa.Column('group_ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('person', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('due_kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('priority', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('topic', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('progress_comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('blocker', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('escalated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('initiative_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("due_kind IN ('date', 'next_session', 'recurring', 'none')", name=op.f('ck_actionitem_due_kind_allowed')),
    sa.CheckConstraint("priority IN ('low', 'normal', 'high')", name=op.f('ck_actionitem_priority_allowed')),
    sa.CheckConstraint("status IN ('not_started', 'in_progress', 'partial', 'done', 'blocked', 'cancelled')", name=op.f('ck_actionitem_status_allowed')),
    sa.ForeignKeyConstraint(['conference_id'], ['conference.id'], name=op.f('fk_actionitem_conference_id_conference')),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_actionitem_initiative_id_initiative')),
    sa.ForeignKeyConstraint(['owner_structure_id'], ['structure.id'], name=op.f('fk_actionitem_owner_structure_id_structure')),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], name=op.f('fk_actionitem_recommendation_id_recommendation')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_actionitem_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actionitem'))
    )
    with op.batch_alter_table('actionitem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_actionitem_conference_id'), ['conference_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_actionitem_owner_structure_id'), ['owner_structure_id'], unique=False)
        batch_op.create_index('ix_actionitem_status_due', ['status', 'due_date'], unique=False)

    op.create_table('initiativekpi',
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('kpi_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_initiativekpi_initiative_id_initiative')),
    sa.ForeignKeyConstraint(['kpi_id'], ['kpi.id'], name=op.f('fk_initiativekpi_kpi_id_kpi')),
    sa.PrimaryKeyConstraint('initiative_id', 'kpi_id', name=op.f('pk_initiativekpi'))
    )
    op.create_table('initiativepartner',
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('structure_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_initiativepartner_initiative_id_initiative')),
    sa.ForeignKeyConstraint(['structure_id'], ['structure.id'], name=op.f('fk_initiativepartner_structure_id_structure')),
    sa.PrimaryKeyConstraint('initiative_id', 'structure_id', name=op.f('pk_initiativepartner'))
    )
    op.create_table('milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('weight >= 0', name=op.f('ck_milestone_weight_positive')),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_milestone_initiative_id_initiative')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_milestone_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone'))
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_initiative_id'), ['initiative_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_initiative_id'))

    op.drop_table('milestone')
    op.drop_table('initiativepartner')
    op.drop_table('initiativekpi')
    with op.batch_alter_table('actionitem', schema=None) as batch_op:
        batch_op.drop_index('ix_actionitem_status_due')
        batch_op.drop_index(batch_op.f('ix_actionitem_owner_structure_id'))
        batch_op.drop_index(batch_op.f('ix_actionitem_conference_id'))

    op.drop_table('actionitem')
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_kpi_id'))

    op.drop_table('target')
    with op.batch_alter_table('result', schema=None) as batch_op:
        batch_op.drop_index('ix_result_period')

    op.drop_table('result')
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_owner_structure_id'))
        batch_op.drop_index(batch_op.f('ix_recommendation_conference_id'))

    op.drop_table('recommendation')
    op.drop_table('minutes')
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_pillar_id'))

    op.drop_table('initiative')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_conference_id'))

    op.drop_table('decision')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_structure_id'))
        batch_op.drop_index(batch_op.f('ix_attendance_conference_id'))

    op.drop_table('attendance')
    with op.batch_alter_table('agendaitem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agendaitem_conference_id'))

    op.drop_table('agendaitem')
    with op.batch_alter_table('usersession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usersession_user_id'))
        batch_op.drop_index(batch_op.f('ix_usersession_token_hash'))

    op.drop_table('usersession')
    op.drop_table('submissionwindow')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_structure_id'))

    op.drop_table('submission')
    with op.batch_alter_table('pillar', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pillar_year'))

    op.drop_table('pillar')
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kpi_code'))

    op.drop_table('kpi')
    with op.batch_alter_table('conference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conference_year'))
        batch_op.drop_index(batch_op.f('ix_conference_number'))

    op.drop_table('conference')
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditevent_user_id'))
        batch_op.drop_index('ix_auditevent_object')
        batch_op.drop_index(batch_op.f('ix_auditevent_at'))

    op.drop_table('auditevent')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_login'))

    op.drop_table('user')
    with op.batch_alter_table('structure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_structure_code'))

    op.drop_table('structure')
    op.drop_table('loginthrottle')
    op.drop_table('appsetting')

