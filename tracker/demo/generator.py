"""The demo data set: generated from a fixed seed, relative to ``today``; all people invented."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from tracker.core.i18n import t as tr
from tracker.core.models import (
    Kpi,
    Structure,
    User,
)
from tracker.core.progress import step
from tracker.demo.base import (
    DEMO_TABLES,
    PLANS,
    SCALES,
    Ctx,
    DemoSummary,
    load,
    quarter_list,
    quarter_start,
    stamp_at,
)
from tracker.demo.conferences import generate_conferences
from tracker.demo.content import EXTRA_KPI_SHAPES
from tracker.demo.exchange import generate_dhis2_mapping
from tracker.demo.memory import generate_kpi_links, generate_snapshots
from tracker.demo.ratings import generate_ratings
from tracker.demo.results import generate_results, generate_targets, window_rows
from tracker.demo.roadmap import generate_roadmap


def _add_invented_reference(ctx: Ctx) -> None:
    stamp = stamp_at(quarter_start(*ctx.quarters[0]), 8)
    for i in range(1, ctx.plan.extra_structures + 1):
        ministry = i % 3 == 0
        ctx.session.add(Structure(
            code=f"DEMO{i:02d}",
            name_fr=(f"Ministère de démonstration n° {i} (fictif)" if ministry
                     else f"Agence de démonstration n° {i} (fictive)"),
            name_en=(f"Demo ministry no. {i} (fictitious)" if ministry
                     else f"Demo agency no. {i} (fictitious)"),
            kind="ministere" if ministry else "agence",
            note="Structure fictive du jeu de démonstration", updated_at=stamp,
            updated_by_id=ctx.admin_id))
    position = 1000
    for i in range(1, ctx.plan.extra_kpis + 1):
        group, unit, direction, by_quarter, by_structure, ratio, target = \
            EXTRA_KPI_SHAPES[(i - 1) % len(EXTRA_KPI_SHAPES)]
        ctx.session.add(Kpi(
            code=f"DEMO_K{i:02d}", group=group,
            label_fr=f"Indicateur de démonstration n° {i} (fictif)",
            label_en=f"Demo indicator no. {i} (fictitious)", unit=unit, direction=direction,
            agg_quarters=by_quarter, agg_structures=by_structure, ratio=ratio,
            indicative_target=target, note="Indicateur fictif du jeu de démonstration",
            position=position + i, updated_at=stamp, updated_by_id=ctx.admin_id))
    ctx.session.flush()
    ctx.summary.structures = ctx.plan.extra_structures
    ctx.summary.kpis = ctx.plan.extra_kpis


def generate_demo(session: Session, *, scale: str = "default", today: date) -> DemoSummary:
    """Fill an empty installation with the deterministic demo data set (same input, same rows)."""
    if scale not in PLANS:
        raise ValueError(f"unknown demo scale {scale!r}; expected one of {', '.join(SCALES)}")
    session.flush()
    for model in DEMO_TABLES:
        if session.execute(select(func.count()).select_from(model)).scalar_one():
            raise ValueError(f"demo data refused: table {model.__tablename__} already has rows")
    orgs, kpis = load(session)
    codes = {o.code for o in orgs}
    missing = [c for c in ("ASIN", "MEF", "MS") if c not in codes]
    if missing or not kpis:
        raise ValueError("demo data needs the reference data (structures and KPIs) loaded first")
    admin_id = session.execute(select(col(User.id)).where(col(User.login) == "admin")).scalar()
    plan = PLANS[scale]
    ctx = Ctx(session=session, today=today, plan=plan, admin_id=admin_id, orgs=orgs,
               by_code={o.code: o for o in orgs}, kpis=kpis,
               kpi_by_code={k.code: k for k in kpis}, quarters=quarter_list(today, plan.quarters),
               limit=stamp_at(today - timedelta(days=1), 18))
    if plan.extra_structures or plan.extra_kpis:
        _add_invented_reference(ctx)
        ctx.orgs, ctx.kpis = load(session)
        ctx.by_code = {o.code: o for o in ctx.orgs}
        ctx.kpi_by_code = {k.code: k for k in ctx.kpis}
    windows = window_rows(ctx)
    step(tr("progress.demo_results", quarters=len(ctx.quarters), structures=len(ctx.orgs)))
    generate_results(ctx, windows)
    step(tr("progress.demo_targets"))
    generate_targets(ctx)
    generate_ratings(ctx)
    generate_dhis2_mapping(ctx)
    first_year = ctx.quarters[0][0] + (1 if ctx.quarters[0][1] > 1 else 0)
    step(tr("progress.demo_roadmap"))
    initiatives = generate_roadmap(ctx, range(first_year, today.year + 2))
    step(tr("progress.demo_conferences"))
    generate_conferences(ctx, first_year, initiatives)
    ctx.summary.kpi_links = generate_kpi_links(ctx)
    ctx.summary.roadmap_snapshots = generate_snapshots(ctx)
    session.flush()
    return ctx.summary
