"""Queries, one named function each; no rules here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, func, select

from tracker.core.models import AppSetting, AuditEvent, Initiative, Kpi, Pillar, Structure, User


def get_setting(session: Session, key: str) -> str | None:
    row = session.get(AppSetting, key)
    return row.value if row else None


def set_setting(session: Session, key: str, value: str) -> None:
    row = session.get(AppSetting, key) or AppSetting(key=key)
    row.value = value
    session.add(row)


def is_demo(session: Session) -> bool:
    """True when this installation runs on the demo data set."""
    return get_setting(session, "demo") == "1"


def stamp(session: Session, model: type, *where: object, column: str = "updated_at") -> str:
    """How many rows of ``model`` (matching ``where``) and the latest ``column``: a cheap measure
    that moves when a row is added, removed or changed, for the caches' keys."""
    count, latest = session.exec(select(func.count(), func.max(  # type: ignore[call-overload]
        getattr(model, column))).where(*where)).one()  # type: ignore[arg-type]
    return f"{count}:{latest}"


def list_structures(session: Session) -> Sequence[Structure]:
    return session.exec(select(Structure).order_by(col(Structure.code))).all()


def get_structure_by_code(session: Session, code: str) -> Structure | None:
    return session.exec(select(Structure).where(Structure.code == code)).first()


def structure_codes_by_id(session: Session) -> dict[int, str]:
    return {row[0]: row[1] for row in session.exec(select(Structure.id, Structure.code)).all()
            if row[0] is not None}


def list_kpis(session: Session, *, active_only: bool = False) -> Sequence[Kpi]:
    query = select(Kpi).order_by(col(Kpi.position), col(Kpi.code))
    if active_only:
        query = query.where(col(Kpi.active).is_(True))
    return session.exec(query).all()


def get_kpi_by_code(session: Session, code: str) -> Kpi | None:
    return session.exec(select(Kpi).where(Kpi.code == code)).first()


def list_users(session: Session) -> Sequence[User]:
    return session.exec(select(User).order_by(col(User.login))).all()


def get_user_by_login(session: Session, login: str) -> User | None:
    return session.exec(select(User).where(User.login == login)).first()


def count_users(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(User)).one())


def list_audit_events(
    session: Session,
    *,
    user_login: str | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 2000,
) -> Sequence[AuditEvent]:
    query = select(AuditEvent)
    if user_login:
        query = query.where(AuditEvent.user_login == user_login)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    if since is not None:
        query = query.where(col(AuditEvent.at) >= since)
    if until is not None:
        query = query.where(col(AuditEvent.at) < until)
    return session.exec(query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
                        .limit(limit)).all()


def distinct_audit_values(session: Session) -> tuple[list[str], list[str]]:
    logins = session.exec(select(AuditEvent.user_login).distinct()).all()
    types = session.exec(select(AuditEvent.object_type).distinct()).all()
    return sorted(logins), sorted(types)


def initiative_labels(session: Session) -> dict[int, str]:
    """Every initiative as a user picks it to link an action item: "2026 · Title", the newest
    year first; an initiative copied into next year keeps its title, hence the year (and the
    number when one year holds the same title twice)."""
    rows = session.exec(select(Initiative.id, Initiative.title, Pillar.year)
                        .join(Pillar, col(Initiative.pillar_id) == Pillar.id)
                        .order_by(col(Pillar.year).desc(), col(Initiative.title),
                                  col(Initiative.id))).all()
    labels: dict[int, str] = {}
    taken: set[str] = set()
    for initiative_id, title, year in rows:
        label = f"{year} · {title}"
        if label in taken:
            label = f"{label} (n° {initiative_id})"
        taken.add(label)
        labels[initiative_id or 0] = label  # ids of stored rows are never None
    return labels
