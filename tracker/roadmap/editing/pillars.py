"""Saving the edited pillars of a year (secretariat): positions unique, a French title each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.core import audit
from tracker.core import cells as read
from tracker.core.errors import NotFound
from tracker.core.i18n import t
from tracker.core.models import Pillar
from tracker.core.saving import RowRefused, check_rows, write_rows
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
        audit.created(session, actor, pillar, label=f"{year} · {fr}",
                      entered={"position": position, "title_fr": fr, "title_en": en})
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

    def check(change: RowChange) -> dict[str, Any]:
        row = existing.get(change.id) if change.id is not None else None
        if change.id is not None and row is None:
            raise NotFound(t("common.not_found"))
        if row is not None:
            audit.ensure_fresh(session, row, versions.get(change.id or 0))
        values: dict[str, Any] = {"position": row.position if row else len(positions) + 1,
                                  "title_fr": row.title_fr if row else "",
                                  "title_en": row.title_en if row else ""}
        for name in PILLAR_FIELDS:
            if name in change.values:
                values[name] = change.values[name]
        position = _position(values["position"])
        if position is None:
            raise RowRefused(t("roadmap.col_position"), t("roadmap.invalid_position"))
        values.update(position=position, title_fr=read.text(values["title_fr"], 300),
                      title_en=read.text(values["title_en"], 300))
        if not values["title_fr"]:
            raise RowRefused(t("roadmap.col_title_fr"), t("roadmap.title_required"))
        holder = positions.get(position)
        if holder is not None and holder != change.id:
            raise RowRefused(t("roadmap.col_position"),
                             t("roadmap.duplicate_position", position=position))
        positions[position] = change.id if change.id is not None else -change.position
        return values

    return write_rows(session, actor, Pillar, check_rows(changes, check), versions,
                      new=lambda values: Pillar(year=year, **values),
                      label=lambda row: f"{year} · {row.title_fr}",
                      belongs=lambda row: row.year == year)
