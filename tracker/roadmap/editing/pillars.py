"""Saving the edited pillars of a year (secretariat): positions unique, a French title each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.core import audit
from tracker.core import cells as read
from tracker.core.errors import NotFound, RowError, ValidationFailed
from tracker.core.i18n import t
from tracker.core.models import Pillar
from tracker.core.tables import RowChange
from tracker.roadmap.queries import list_pillars
from tracker.roadmap.rules import DEFAULT_PILLARS, PILLAR_FIELDS


def create_default_pillars(session: Session, actor: Actor, year: int) -> int:
    """The Digital Transformation Centre's four pillars for a year that has none (secretariat);
    returns how many were created (0 when the year already has pillars)."""
    require(actor, Action.edit_roadmap)
    if list_pillars(session, year):
        return 0
    for position, (fr, en) in enumerate(DEFAULT_PILLARS, start=1):
        pillar = Pillar(year=year, position=position, title_fr=fr, title_en=en)
        audit.stamp(pillar, actor)
        session.add(pillar)
        audit.record(session, actor, "create", pillar, label=f"{year} · {fr}")
    return len(DEFAULT_PILLARS)


def _position(value: object) -> int | None:
    """A pillar's position: a whole number from 1; None when empty or refused."""
    try:
        position = read.integer(value)
    except read.CellError:
        return None
    return position if position is not None and position >= 1 else None


def save_pillars(session: Session, actor: Actor, year: int, changes: list[RowChange],
                 versions: Mapping[int, int]) -> int:
    """Edited and added pillars of a year, all or nothing (secretariat); positions stay unique."""
    require(actor, Action.edit_roadmap)
    existing = {p.id: p for p in list_pillars(session, year)}
    positions: dict[int, int] = {p.position: p.id or 0 for p in existing.values()}
    errors: list[RowError] = []
    planned: list[tuple[Pillar | None, dict[str, Any]]] = []
    for change in changes:
        row = existing.get(change.id) if change.id is not None else None
        if change.id is not None and row is None:
            raise NotFound(t("common.not_found"))
        if row is not None:
            audit.ensure_fresh(session, row, versions.get(change.id or 0))
        values: dict[str, Any] = {"position": row.position if row else len(positions) + 1,
                  "title_fr": row.title_fr if row else "", "title_en": row.title_en if row else ""}
        for name in PILLAR_FIELDS:
            if name in change.values:
                values[name] = change.values[name]
        position = _position(values["position"])
        if position is None:
            errors.append(RowError(change.position, t("roadmap.col_position"),
                                   t("roadmap.invalid_position")))
            continue
        values.update(position=position, title_fr=read.text(values["title_fr"], 300),
                      title_en=read.text(values["title_en"], 300))
        if not values["title_fr"]:
            errors.append(RowError(change.position, t("roadmap.col_title_fr"),
                                   t("roadmap.title_required")))
            continue
        holder = positions.get(values["position"])
        if holder is not None and holder != change.id:
            errors.append(RowError(change.position, t("roadmap.col_position"),
                                   t("roadmap.duplicate_position", position=values["position"])))
            continue
        positions[values["position"]] = change.id if change.id is not None else -change.position
        planned.append((row, values))
    if errors:
        raise ValidationFailed(t("common.errors_title"), errors)
    written = 0
    for row, values in planned:
        if row is None:
            row = Pillar(year=year, **values)
            audit.stamp(row, actor)
            session.add(row)
            audit.record(session, actor, "create", row, label=f"{year} · {row.title_fr}",
                         changes={k: (None, v) for k, v in values.items() if v not in ("", None)})
            written += 1
            continue
        diff = audit.apply_changes(row, values)
        if diff:
            audit.stamp(row, actor)
            session.add(row)
            audit.record(session, actor, "update", row, label=f"{year} · {row.title_fr}",
                         changes=diff)
            written += 1
    return written
