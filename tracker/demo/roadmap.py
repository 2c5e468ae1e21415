"""The demo roadmap: pillars, initiatives owned by structures in force, milestones done, late
or re-planned."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from tracker.core.models import (
    Initiative,
    InitiativeKpi,
    InitiativePartner,
    InitiativeStatus,
    Milestone,
    Pillar,
)
from tracker.demo.base import (
    SEED,
    Ctx,
    Org,
    insert_ids,
    insert_rows,
    quarter_end,
    quarter_start,
    stamp_at,
)
from tracker.demo.content import FALLBACK_OWNERS, INITIATIVES, PHASES, PILLARS, InitiativeTemplate


def _owner_in_force(ctx: Ctx, code: str, on: date) -> Org | None:
    for candidate in (code, *FALLBACK_OWNERS):
        org = ctx.by_code.get(candidate)
        if org and org.in_force(on):
            return org
    return None


def _milestones(ctx: Ctx, rng: random.Random, year: int, start_q: int,
                end_q: int) -> list[dict[str, Any]]:
    first, last = quarter_start(year, start_q), quarter_end(year, end_q)
    count = rng.randint(2, 4)
    phases = sorted(rng.sample(range(len(PHASES)), count))
    span = (last - first).days
    offsets = sorted(rng.sample(range(10, span + 1), count))
    out = []
    for phase, offset in zip(phases, offsets, strict=True):
        due = first + timedelta(days=offset)
        done_on: date | None = None
        if due < ctx.today:
            if rng.random() < (0.93 if year < ctx.today.year else 0.8):
                done_on = min(due + timedelta(days=rng.randint(-20, 25)),
                              ctx.today - timedelta(days=1))
        elif rng.random() < 0.1 and due - timedelta(days=15) < ctx.today:
            done_on = ctx.today - timedelta(days=rng.randint(1, 10))
        if done_on is not None:
            done_on = max(done_on, first)
        stamp = stamp_at(done_on or min(due, ctx.today - timedelta(days=1)), 11)
        out.append({"title": PHASES[phase], "due_date": due, "done_on": done_on,
                    "weight": 2.0 if PHASES[phase] == "Généralisation" else 1.0,
                    "updated_at": stamp, "updated_by_id": ctx.admin_id, "version": 1})
    return out


def _initiative_status(milestones: Sequence[dict[str, Any]], today: date) -> str:
    if all(m["done_on"] for m in milestones):
        return InitiativeStatus.done
    overdue = sum(1 for m in milestones if not m["done_on"] and m["due_date"] < today)
    if overdue >= 2:
        return InitiativeStatus.off_track
    return InitiativeStatus.at_risk if overdue == 1 else InitiativeStatus.on_track


def generate_roadmap(ctx: Ctx, years: Sequence[int]) -> dict[int, dict[int, list[int]]]:
    """Pillars, initiatives and milestones per year; returns initiative ids by year and pillar."""
    rng = random.Random(f"{SEED}:roadmap")
    by_year: dict[int, dict[int, list[int]]] = {}
    previous: dict[str, tuple[int, str]] = {}
    for year in years:
        mid_year = date(year, 7, 1)
        pillar_rows = [{"year": year, "position": i + 1, "title_fr": fr, "title_en": en,
                        "updated_at": stamp_at(date(year - 1, 12, 15), 10),
                        "updated_by_id": ctx.admin_id, "version": 1}
                       for i, (fr, en) in enumerate(PILLARS)]
        pillar_ids = insert_ids(ctx.session, Pillar, pillar_rows)
        ctx.summary.pillars += len(pillar_ids)
        initiatives: list[dict[str, Any]] = []
        extras: list[tuple[InitiativeTemplate, list[dict[str, Any]]]] = []
        for position, pillar_id in enumerate(pillar_ids, start=1):
            bank = [t for t in INITIATIVES if t.pillar == position]
            carried = [t for t in bank if t.title in previous
                       and previous[t.title][1] != InitiativeStatus.done]
            chosen = [t for t in bank if t.always or t in carried]
            others = [t for t in bank if t not in chosen]
            wanted = rng.randint(3, 5)
            chosen += rng.sample(others, max(0, min(len(others), wanted - len(chosen))))
            for template in [t for t in bank if t in chosen]:
                owner = _owner_in_force(ctx, template.owner, mid_year)
                start_q = rng.choice((1, 1, 1, 2, 3))
                end_q = rng.choice((*range(start_q, 5), 4, 4))
                milestones = _milestones(ctx, rng, year, start_q, end_q)
                status = (InitiativeStatus.on_track if year > ctx.today.year
                          else _initiative_status(milestones, ctx.today))
                copied = previous.get(template.title)
                initiatives.append({
                    "pillar_id": pillar_id, "title": template.title,
                    "owner_structure_id": owner.id if owner else None,
                    "start_quarter": start_q, "end_quarter": end_q, "status": str(status),
                    "status_override": False, "override_reason": "",
                    "weight": rng.choice((1.0, 1.0, 1.5, 2.0)),
                    "copied_from_id": copied[0] if copied else None,
                    "updated_at": max(m["updated_at"] for m in milestones),
                    "updated_by_id": ctx.admin_id, "version": 1})
                extras.append((template, milestones))
        ids = insert_ids(ctx.session, Initiative, initiatives)
        ctx.summary.initiatives += len(ids)
        partners: list[dict[str, Any]] = []
        measures: list[dict[str, Any]] = []
        milestone_rows: list[dict[str, Any]] = []
        by_year[year] = {p: [] for p in range(1, 5)}
        previous = {}
        for initiative_id, row, (template, milestones) in zip(ids, initiatives, extras,
                                                               strict=True):
            by_year[year][template.pillar].append(initiative_id)
            previous[template.title] = (initiative_id, row["status"])
            for code in template.partners:
                partner = ctx.by_code.get(code)
                if partner and partner.in_force(mid_year) and partner.id != \
                        row["owner_structure_id"]:
                    partners.append({"initiative_id": initiative_id, "structure_id": partner.id})
            for code in template.kpis:
                if code in ctx.kpi_by_code:
                    measures.append({"initiative_id": initiative_id,
                                     "kpi_id": ctx.kpi_by_code[code].id})
            milestone_rows += [{**m, "initiative_id": initiative_id} for m in milestones]
        ctx.summary.initiative_partners += insert_rows(ctx.session, InitiativePartner, partners)
        ctx.summary.initiative_kpis += insert_rows(ctx.session, InitiativeKpi, measures)
        ctx.summary.milestones += insert_rows(ctx.session, Milestone, milestone_rows)
    return by_year
