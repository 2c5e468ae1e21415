"""The data model: SQLModel tables, status vocabularies, and the *Create / *Update input models.

Timestamps are aware UTC datetimes (SQLModel's UTCDateTime); the UI shows them in
Africa/Porto-Novo. Every table a user edits carries a ``version`` column used for optimistic
locking: SQLAlchemy adds ``WHERE version = <loaded>`` to each UPDATE, and the services compare
the version the user *saw* before writing.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import StrEnum

from pydantic import field_validator, model_validator
from sqlalchemy import (
    CheckConstraint,
    Column,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, in UTC (aware)."""
    return datetime.now(UTC)


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


def check_in(column: str, enum: type[StrEnum], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint that keeps ``column`` inside the vocabulary of ``enum``."""
    return CheckConstraint(f"{column} IN ({_values(enum)})", name=name or f"{column}_allowed")


def version_column() -> Column[int]:
    """A fresh optimistic-locking column (one Column object per table)."""
    return Column("version", Integer, nullable=False, default=1)


# --- vocabularies -------------------------------------------------------------------------


class Role(StrEnum):
    admin = "admin"
    leadership = "leadership"
    dsi = "dsi"
    viewer = "viewer"


class StructureKind(StrEnum):
    ministere = "ministere"
    agence = "agence"
    presidence = "presidence"
    institution = "institution"
    operateur = "operateur"


class KpiUnit(StrEnum):
    count = "count"  # type: ignore[assignment]  # (shadows str.count; the value is what counts)
    percent = "percent"
    hours = "hours"
    ms = "ms"
    xof = "xof"
    bool = "bool"
    days = "days"


class Direction(StrEnum):
    up = "up"
    down = "down"
    neutral = "neutral"


class QuarterRollup(StrEnum):
    sum = "sum"
    avg = "avg"
    last = "last"
    ratio = "ratio"


class StructureRollup(StrEnum):
    sum = "sum"
    avg = "avg"
    ratio = "ratio"
    count_true = "count_true"


class ActionStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    partial = "partial"
    done = "done"
    blocked = "blocked"
    cancelled = "cancelled"


CLOSED_ACTION_STATUSES = frozenset({ActionStatus.done, ActionStatus.cancelled})


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"


class DueKind(StrEnum):
    date = "date"
    next_session = "next_session"
    recurring = "recurring"
    none = "none"


class SubmissionStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    validated = "validated"
    returned = "returned"


class ResultSource(StrEnum):
    entered = "entered"
    imported = "imported"
    demo = "demo"
    computed = "computed"


class ConfidenceLevel(StrEnum):
    """The delivery scale of a confidence rating, from best to worst."""

    on_track = "on_track"  # en bonne voie
    manageable = "manageable"  # difficultés surmontables
    serious = "serious"  # difficultés sérieuses
    out_of_reach = "out_of_reach"  # hors d'atteinte


class RatingSource(StrEnum):
    dsi = "dsi"  # the structure's DSI, when submitting the quarter
    asin = "asin"  # ASIN's validator


class ConferenceStatus(StrEnum):
    planned = "planned"
    held = "held"
    closed = "closed"


class AttendanceStatus(StrEnum):
    present = "present"
    excused = "excused"
    absent = "absent"


class InitiativeStatus(StrEnum):
    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"
    done = "done"


TOPIC_TAGS = ("xroad", "pki", "esign", "hosting", "e-services", "security", "training",
              "governance")


# --- reference data -----------------------------------------------------------------------

_structure_version = version_column()


class Structure(SQLModel, table=True):
    """A ministry, agency, the Presidency...: history keeps old names, successors link them."""

    __table_args__ = (
        check_in("kind", StructureKind),
        CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
                        name="valid_range"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True, index=True)
    name_fr: str = Field(max_length=300)
    name_en: str = Field(default="", max_length=300)
    kind: str = Field(max_length=20)
    valid_from: date | None = None
    valid_to: date | None = None
    successor_id: int | None = Field(default=None, foreign_key="structure.id")
    note: str = Field(default="", max_length=500)
    updated_at: datetime = Field(default_factory=utcnow)
    # No foreign key here: user.structure_id already points the other way (a cycle).
    updated_by_id: int | None = None
    version: int = Field(default=1, sa_column=_structure_version)
    __mapper_args__ = {"version_id_col": _structure_version}

    def in_force(self, on: date) -> bool:
        if self.valid_from and on < self.valid_from:
            return False
        return not (self.valid_to and on > self.valid_to)


_kpi_version = version_column()


class Kpi(SQLModel, table=True):
    """A KPI definition: its unit, direction and how it rolls up over quarters and structures."""

    __table_args__ = (
        check_in("unit", KpiUnit),
        check_in("direction", Direction),
        check_in("agg_quarters", QuarterRollup),
        check_in("agg_structures", StructureRollup),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True, index=True)
    group: str = Field(max_length=40)
    label_fr: str = Field(max_length=300)
    label_en: str = Field(default="", max_length=300)
    unit: str = Field(max_length=10)
    direction: str = Field(max_length=10)
    agg_quarters: str = Field(max_length=10)
    agg_structures: str = Field(max_length=12)
    ratio: bool = False
    indicative_target: str = Field(default="", max_length=100)
    platform: str = Field(default="", max_length=20)
    gtmi: str = Field(default="", max_length=10)
    note: str = Field(default="", max_length=500)
    active: bool = True
    position: int = 0
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_kpi_version)
    __mapper_args__ = {"version_id_col": _kpi_version}


# --- accounts -----------------------------------------------------------------------------

_user_version = version_column()


class User(SQLModel, table=True):
    """An account: local argon2 password or a single sign-on identity; a DSI has a structure."""

    __table_args__ = (
        check_in("role", Role),
        CheckConstraint("role <> 'dsi' OR structure_id IS NOT NULL", name="dsi_has_structure"),
    )
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=80, unique=True, index=True)
    display_name: str = Field(max_length=200)
    email: str = Field(default="", max_length=200)
    role: str = Field(max_length=12)
    structure_id: int | None = Field(default=None, foreign_key="structure.id")
    active: bool = True
    password_hash: str | None = Field(default=None, max_length=300)
    # « issuer subject » of the single sign-on identity bound to the account (tracker.accounts.sso)
    sso_subject: str | None = Field(default=None, max_length=300, unique=True)
    # Created by a first single sign-on (TRACKER_SSO_CREATE=viewer): until an admin sets its
    # role on « Utilisateurs », a viewer account shown as awaiting one.
    awaiting_role: bool = False
    language: str = Field(default="fr", max_length=2)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = None
    version: int = Field(default=1, sa_column=_user_version)
    __mapper_args__ = {"version_id_col": _user_version}


class UserSession(SQLModel, table=True):
    """A signed-in browser. Only hashes are stored: of the one-time hand-off code that lets the
    browser fetch its cookie, and of the token that cookie then carries."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str | None = Field(default=None, max_length=64, unique=True, index=True)
    handoff_hash: str | None = Field(default=None, max_length=64, unique=True)
    handoff_expires_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class LoginThrottle(SQLModel, table=True):
    """Recent sign-in attempts per key, « account:<login> » (known or not) or
    « client:<address> »: a count that decays with time, and the end of a lockout."""

    identifier: str = Field(primary_key=True, max_length=120)
    failures: float = 0.0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None


class ApiToken(SQLModel, table=True):
    """A personal token for the read-only API, issued by the secretariat to an account: only
    its hash is kept (the token is shown once), its first characters name it in lists. The
    calls of the current minute are counted on the row (the rate limit, shared by replicas)."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    window_started_at: datetime | None = None
    window_calls: int = 0


# --- conferences --------------------------------------------------------------------------

_conference_version = version_column()


class Conference(SQLModel, table=True):
    """A session of the conference: cumulative number and rank within its year."""

    __table_args__ = (
        check_in("status", ConferenceStatus),
        UniqueConstraint("year", "rank_in_year", name="uq_conference_year_rank"),
        CheckConstraint("rank_in_year >= 1", name="rank_positive"),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True, index=True)
    year: int = Field(index=True)
    rank_in_year: int
    session_date: date | None = None
    place: str = Field(default="", max_length=300)
    theme: str = Field(default="", max_length=500)
    chair: str = Field(default="", max_length=300)
    rapporteur: str = Field(default="", max_length=300)
    status: str = Field(default=ConferenceStatus.planned, max_length=10)
    closed_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_conference_version)
    __mapper_args__ = {"version_id_col": _conference_version}


_agenda_version = version_column()


class AgendaItem(SQLModel, table=True):
    """One point of a session's agenda, with topic tags (comma-separated, from TOPIC_TAGS)."""

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    position: int
    title: str = Field(max_length=500)
    tags: str = Field(default="", max_length=200)
    notes: str = ""
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_agenda_version)
    __mapper_args__ = {"version_id_col": _agenda_version}


_attendance_version = version_column()


class Attendance(SQLModel, table=True):
    """A structure's attendance at a session, with its representative."""

    __table_args__ = (
        check_in("status", AttendanceStatus),
        UniqueConstraint("conference_id", "structure_id", name="uq_attendance_conf_structure"),
    )
    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    status: str = Field(max_length=10)
    representative: str = Field(default="", max_length=200)
    representative_role: str = Field(default="", max_length=200)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_attendance_version)
    __mapper_args__ = {"version_id_col": _attendance_version}


_minutes_version = version_column()


class Minutes(SQLModel, table=True):
    """A session's procès-verbal: the original file as uploaded and its parsed text."""

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", unique=True)
    filename: str = Field(default="", max_length=300)
    content_type: str = Field(default="", max_length=100)
    original: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    text: str = ""
    imported_at: datetime = Field(default_factory=utcnow)
    imported_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_minutes_version)
    __mapper_args__ = {"version_id_col": _minutes_version}


_decision_version = version_column()


class Decision(SQLModel, table=True):
    """A decision recorded in a session (D1, D2...)."""

    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    number: str = Field(default="", max_length=20)
    text: str
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_decision_version)
    __mapper_args__ = {"version_id_col": _decision_version}


_recommendation_version = version_column()


class Recommendation(SQLModel, table=True):
    """A recommendation of a session, followed up until done or cancelled.

    "Tous les ministères" gives one row per ministry in force, sharing ``group_ref``.
    """

    __table_args__ = (check_in("status", ActionStatus), check_in("due_kind", DueKind))
    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    number: str = Field(default="", max_length=20)
    text: str
    owner_structure_id: int | None = Field(default=None, foreign_key="structure.id", index=True)
    group_ref: str = Field(default="", max_length=40)
    due_date: date | None = None
    due_kind: str = Field(default=DueKind.date, max_length=12)
    status: str = Field(default=ActionStatus.not_started, max_length=12)
    progress_comment: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_recommendation_version)
    __mapper_args__ = {"version_id_col": _recommendation_version}


_action_version = version_column()


class ActionItem(SQLModel, table=True):
    """An action with an owner structure, a due date and a status, followed session to session.

    Overdue is derived (not done/cancelled and due date passed), never stored.
    """

    __table_args__ = (
        check_in("status", ActionStatus),
        check_in("priority", Priority),
        check_in("due_kind", DueKind),
        Index("ix_actionitem_status_due", "status", "due_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    conference_id: int | None = Field(default=None, foreign_key="conference.id", index=True)
    recommendation_id: int | None = Field(default=None, foreign_key="recommendation.id")
    number: str = Field(default="", max_length=20)
    title: str
    owner_structure_id: int | None = Field(default=None, foreign_key="structure.id", index=True)
    group_ref: str = Field(default="", max_length=40)
    person: str = Field(default="", max_length=200)
    due_date: date | None = None
    due_kind: str = Field(default=DueKind.date, max_length=12)
    status: str = Field(default=ActionStatus.not_started, max_length=12)
    priority: str = Field(default=Priority.normal, max_length=8)
    topic: str = Field(default="", max_length=20)
    progress_comment: str = ""
    blocker: str = ""
    escalated: bool = False
    escalated_at: datetime | None = None
    initiative_id: int | None = Field(default=None, foreign_key="initiative.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_action_version)
    __mapper_args__ = {"version_id_col": _action_version}


# --- quarterly results --------------------------------------------------------------------

_window_version = version_column()


class SubmissionWindow(SQLModel, table=True):
    """A quarter's submission window: entry is open between opens_on and closes_on."""

    __table_args__ = (
        UniqueConstraint("year", "quarter", name="uq_submissionwindow_year_quarter"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
        CheckConstraint("closes_on >= opens_on", name="window_order"),
    )
    id: int | None = Field(default=None, primary_key=True)
    year: int
    quarter: int
    opens_on: date
    closes_on: date
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_window_version)
    __mapper_args__ = {"version_id_col": _window_version}


_target_version = version_column()


class Target(SQLModel, table=True):
    """A KPI target for a year: national (no structure) or per structure; quarter 0 = the year."""

    __table_args__ = (
        UniqueConstraint("kpi_id", "year", "structure_id", "quarter", name="uq_target_scope"),
        CheckConstraint("quarter BETWEEN 0 AND 4", name="quarter_range"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id", index=True)
    year: int
    structure_id: int | None = Field(default=None, foreign_key="structure.id")
    quarter: int = 0
    value: float
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_target_version)
    __mapper_args__ = {"version_id_col": _target_version}


_submission_version = version_column()


class Submission(SQLModel, table=True):
    """A structure's report for one quarter: draft → submitted → validated / returned."""

    __table_args__ = (
        check_in("status", SubmissionStatus),
        UniqueConstraint("structure_id", "year", "quarter", name="uq_submission_scope"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
    )
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", index=True)
    year: int
    quarter: int
    status: str = Field(default=SubmissionStatus.draft, max_length=10)
    deadline: date | None = None
    reopened: bool = False
    submitted_at: datetime | None = None
    submitted_by_id: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = None
    reviewer_id: int | None = Field(default=None, foreign_key="user.id")
    review_comment: str = ""
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_submission_version)
    __mapper_args__ = {"version_id_col": _submission_version}


_result_version = version_column()


class Result(SQLModel, table=True):
    """A structure's value of a KPI for a quarter; ratio KPIs keep numerator and denominator."""

    __table_args__ = (
        check_in("status", SubmissionStatus),
        check_in("source", ResultSource),
        UniqueConstraint("structure_id", "kpi_id", "year", "quarter", name="uq_result_scope"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
        Index("ix_result_period", "year", "quarter", "kpi_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id")
    kpi_id: int = Field(foreign_key="kpi.id")
    year: int
    quarter: int
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    comment: str = ""
    evidence_url: str = Field(default="", max_length=500)
    source: str = Field(default=ResultSource.entered, max_length=10)
    status: str = Field(default=SubmissionStatus.draft, max_length=10)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_result_version)
    __mapper_args__ = {"version_id_col": _result_version}


_rating_version = version_column()


class ConfidenceRating(SQLModel, table=True):
    """How confident the DSI (or ASIN) is that a structure meets a KPI's target this year, as
    rated for one quarter, with a short reason (required for the two bad levels)."""

    __table_args__ = (
        check_in("level", ConfidenceLevel),
        check_in("source", RatingSource),
        UniqueConstraint("structure_id", "year", "quarter", "kpi_id", "source",
                         name="uq_confidencerating_scope"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
        Index("ix_confidencerating_period", "year", "quarter"),
    )
    id: int | None = Field(default=None, primary_key=True)
    structure_id: int = Field(foreign_key="structure.id")
    year: int
    quarter: int
    kpi_id: int = Field(foreign_key="kpi.id")
    source: str = Field(max_length=10)
    level: str = Field(max_length=20)
    reason: str = Field(default="", max_length=500)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_rating_version)
    __mapper_args__ = {"version_id_col": _rating_version}


# --- roadmap ------------------------------------------------------------------------------

_pillar_version = version_column()


class Pillar(SQLModel, table=True):
    """A pillar of a year's roadmap."""

    __table_args__ = (UniqueConstraint("year", "position", name="uq_pillar_year_position"),)
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    position: int
    title_fr: str = Field(max_length=300)
    title_en: str = Field(default="", max_length=300)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_pillar_version)
    __mapper_args__ = {"version_id_col": _pillar_version}


_initiative_version = version_column()


class Initiative(SQLModel, table=True):
    """An initiative of a pillar: owner, partners, start/end quarter, status and weight."""

    __table_args__ = (
        check_in("status", InitiativeStatus),
        CheckConstraint("start_quarter BETWEEN 1 AND 4 AND end_quarter BETWEEN 1 AND 4 "
                        "AND end_quarter >= start_quarter", name="quarter_range"),
        CheckConstraint("weight >= 0", name="weight_positive"),
    )
    id: int | None = Field(default=None, primary_key=True)
    pillar_id: int = Field(foreign_key="pillar.id", index=True)
    title: str = Field(max_length=300)
    owner_structure_id: int | None = Field(default=None, foreign_key="structure.id")
    start_quarter: int = 1
    end_quarter: int = 4
    status: str = Field(default=InitiativeStatus.on_track, max_length=10)
    status_override: bool = False
    override_reason: str = ""
    weight: float = 1.0
    copied_from_id: int | None = Field(default=None, foreign_key="initiative.id")
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_initiative_version)
    __mapper_args__ = {"version_id_col": _initiative_version}


class InitiativePartner(SQLModel, table=True):
    """A partner structure of an initiative."""

    initiative_id: int = Field(foreign_key="initiative.id", primary_key=True)
    structure_id: int = Field(foreign_key="structure.id", primary_key=True)


class InitiativeKpi(SQLModel, table=True):
    """A KPI that measures an initiative."""

    initiative_id: int = Field(foreign_key="initiative.id", primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id", primary_key=True)


_milestone_version = version_column()


class Milestone(SQLModel, table=True):
    """A dated step of an initiative; progress rolls up from done milestones (weighted)."""

    __table_args__ = (CheckConstraint("weight >= 0", name="weight_positive"),)
    id: int | None = Field(default=None, primary_key=True)
    initiative_id: int = Field(foreign_key="initiative.id", index=True)
    title: str = Field(max_length=300)
    due_date: date
    done_on: date | None = None
    weight: float = 1.0
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_milestone_version)
    __mapper_args__ = {"version_id_col": _milestone_version}


# --- conference memory: KPI links and roadmap snapshots ---------------------------------


class FollowupKind(StrEnum):
    """What a KPI link is attached to: a decision, a recommendation or an action item."""

    decision = "decision"
    recommendation = "recommendation"
    action = "action"


class FollowupKpi(SQLModel, table=True):
    """A KPI a decision, recommendation or action item is meant to move (the secretariat links
    them; audited on creation and removal)."""

    __table_args__ = (
        check_in("object_type", FollowupKind),
        UniqueConstraint("object_type", "object_id", "kpi_id", name="uq_followupkpi_link"),
        Index("ix_followupkpi_object", "object_type", "object_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    object_type: str = Field(max_length=20)
    object_id: int
    kpi_id: int = Field(foreign_key="kpi.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")


class SnapshotStatus(StrEnum):
    done = "done"
    late = "late"  # not done, its planned date passed on the day of the snapshot
    open = "open"


class RoadmapSnapshot(SQLModel, table=True):
    """A milestone as it stood when a session was closed: planned date and status, frozen (the
    milestone itself may later be re-planned or deleted; its id and title are kept as they were)."""

    __table_args__ = (
        check_in("status", SnapshotStatus),
        UniqueConstraint("conference_id", "milestone_id", name="uq_roadmapsnapshot_milestone"),
    )
    id: int | None = Field(default=None, primary_key=True)
    conference_id: int = Field(foreign_key="conference.id", index=True)
    milestone_id: int = Field(index=True)
    initiative_id: int | None = None
    title: str = Field(max_length=300)
    planned_date: date
    done_on: date | None = None
    status: str = Field(max_length=10)
    taken_at: datetime = Field(default_factory=utcnow)


# --- audit --------------------------------------------------------------------------------


class AuditEvent(SQLModel, table=True):
    """Append-only: who, when (UTC), which object and field, old and new value."""

    __table_args__ = (Index("ix_auditevent_object", "object_type", "object_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    user_login: str = Field(default="", max_length=80)
    action: str = Field(max_length=20)
    object_type: str = Field(max_length=40)
    object_id: int | None = None
    object_label: str = Field(default="", max_length=300)
    field: str = Field(default="", max_length=60)
    old_value: str | None = None
    new_value: str | None = None


# --- input models (validated; table classes do not validate on construction) -------------


class StructureCreate(SQLModel):
    code: str = Field(min_length=1, max_length=20)
    name_fr: str = Field(min_length=1, max_length=300)
    name_en: str = Field(default="", max_length=300)
    kind: StructureKind
    valid_from: date | None = None
    valid_to: date | None = None
    successor_code: str | None = None
    note: str = Field(default="", max_length=500)

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        value = value.strip().upper()
        if not value.replace("-", "").replace("_", "").isalnum():
            raise ValueError("code")
        return value

    @model_validator(mode="after")
    def _range(self) -> StructureCreate:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to")
        return self


class KpiCreate(SQLModel):
    code: str = Field(min_length=1, max_length=30)
    group: str = Field(min_length=1, max_length=40)
    label_fr: str = Field(min_length=1, max_length=300)
    label_en: str = Field(default="", max_length=300)
    unit: KpiUnit
    direction: Direction
    agg_quarters: QuarterRollup
    agg_structures: StructureRollup
    ratio: bool = False
    indicative_target: str = Field(default="", max_length=100)
    platform: str = Field(default="", max_length=20)
    gtmi: str = Field(default="", max_length=10)
    note: str = Field(default="", max_length=500)
    active: bool = True

    @model_validator(mode="after")
    def _ratio_consistent(self) -> KpiCreate:
        if self.ratio and self.unit != KpiUnit.percent:
            raise ValueError("ratio")
        return self


class UserCreate(SQLModel):
    login: str = Field(min_length=2, max_length=80)
    display_name: str = Field(min_length=1, max_length=200)
    email: str = Field(default="", max_length=200)
    role: Role
    structure_code: str | None = None
    password: str | None = Field(default=None, min_length=4, max_length=200)

    @field_validator("login")
    @classmethod
    def _login_shape(cls, value: str) -> str:
        if not re.fullmatch(r"[a-zA-Z0-9._@-]+", value):
            raise ValueError("login")
        return value

    @model_validator(mode="after")
    def _dsi_structure(self) -> UserCreate:
        if self.role == Role.dsi and not self.structure_code:
            raise ValueError("structure_code")
        return self


class AppSetting(SQLModel, table=True):
    """Instance-wide settings kept in the database (e.g. whether the demo data set is loaded)."""

    key: str = Field(primary_key=True, max_length=60)
    value: str = ""


# --- reminders ----------------------------------------------------------------------------


class ReminderSent(SQLModel, table=True):
    """An e-mail reminder that went out: at most one per kind, recipient and period."""

    __table_args__ = (UniqueConstraint("kind", "recipient", "period_key",
                                       name="uq_remindersent_scope"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)
    recipient: str = Field(max_length=200)
    period_key: str = Field(max_length=80)
    sent_at: datetime = Field(default_factory=utcnow)


# --- open data and DHIS2 ------------------------------------------------------------------


class MappingKind(StrEnum):
    kpi = "kpi"  # a KPI (or one part of a ratio KPI) ↔ a DHIS2 data element
    structure = "structure"  # a structure ↔ a DHIS2 organisation unit


class MappingPart(StrEnum):
    """Which figure of a result a DHIS2 data element carries (ratio KPIs: two elements)."""

    value = "value"
    numerator = "numerator"
    denominator = "denominator"


class OpenDataRelease(SQLModel, table=True):
    """A published quarter (``quarter`` 1..4) or year (``quarter`` 0), frozen: ``content`` holds
    the released rows as canonical JSON, ``content_hash`` its SHA-256. A correction published
    later is a new edition with a change note; an edition is never rewritten."""

    __table_args__ = (
        UniqueConstraint("year", "quarter", "edition", name="uq_opendatarelease_edition"),
        CheckConstraint("quarter BETWEEN 0 AND 4", name="quarter_range"),
        CheckConstraint("edition >= 1", name="edition_positive"),
    )
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(index=True)
    quarter: int = 0
    edition: int = 1
    published_at: datetime = Field(default_factory=utcnow)
    published_by_id: int | None = Field(default=None, foreign_key="user.id")
    published_by: str = Field(default="", max_length=200)
    change_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    rows: int = 0
    content_hash: str = Field(max_length=64)
    content: str = Field(sa_column=Column(Text, nullable=False))


_mapping_version = version_column()


class Dhis2Mapping(SQLModel, table=True):
    """A KPI (one part of it) ↔ DHIS2 data element (with its category option combo, optional),
    or a structure ↔ DHIS2 organisation unit."""

    __table_args__ = (
        check_in("kind", MappingKind),
        check_in("part", MappingPart),
        UniqueConstraint("kind", "code", "part", name="uq_dhis2mapping_code"),
        UniqueConstraint("kind", "uid", "category_option_combo", name="uq_dhis2mapping_uid"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    code: str = Field(max_length=30)
    part: str = Field(default=MappingPart.value, max_length=12)
    uid: str = Field(max_length=11)
    category_option_combo: str = Field(default="", max_length=11)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    version: int = Field(default=1, sa_column=_mapping_version)
    __mapper_args__ = {"version_id_col": _mapping_version}
