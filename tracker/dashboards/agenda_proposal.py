"""The proposed agenda of a session, built from the data at a date (pure: the same data and the
same date give the same items, in the same order; nothing is written).

Kinds, in the order they are proposed:

- ``recurring``: the opening, the follow-up of the previous session's recommendations (when
  there was a previous session) and « Divers » — the standing items;
- ``targets_at_risk``: from the year-end forecasts made at the last validated quarter ended
  before the date, the KPIs whose target is out of reach for the most structures (at most
  ``MAX_KPI_ITEMS``), and the lines of « Points signalés pour la prochaine session »; when no
  forecast can be made, the KPIs with the most structures in red on that quarter;
- ``missing_declarations``: the last quarter whose window closed before the date, structures
  in force that had not submitted it by then or submitted it after the close;
- ``overdue_actions``: open action items past their due date, grouped by owner, oldest first;
- ``escalated_actions``: open action items escalated by then, grouped by owner, oldest first;
- ``slipped_milestones``: roadmap milestones whose planned date was moved later (the audit
  trail of milestone changes) or passed without being done, since the previous session.

A kind the data gives nothing for is not proposed. Each item carries its evidence (one
sentence), the structures concerned, a link (the app page's url path, with the filters the page
takes from it: tracker.ui.links.LINK_FILTERS) and the table behind it (``headers`` and
``rows``, read by the brief).

This module sits with the dashboards, not in tracker.conference: it reads forecasts and the
roadmap, which are on higher floors of the layer map than the conference package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.conference import actions
from tracker.conference.sessions import HELD_STATUSES, conference_label
from tracker.core import repository as repo
from tracker.core.formats import format_date, format_percent, format_value, quarter_label
from tracker.core.i18n import get_language, t
from tracker.core.models import (
    ActionItem,
    AuditEvent,
    Conference,
    DueKind,
    Initiative,
    Milestone,
    Recommendation,
    Submission,
    SubmissionWindow,
)
from tracker.core.periods import quarter_end
from tracker.dashboards import confidence
from tracker.dashboards import views as dashboards
from tracker.results import ratings

RECURRING, AT_RISK, MISSING = "recurring", "targets_at_risk", "missing_declarations"
OVERDUE, ESCALATED, SLIPPED = "overdue_actions", "escalated_actions", "slipped_milestones"
KINDS = (RECURRING, AT_RISK, MISSING, OVERDUE, ESCALATED, SLIPPED)
MAX_KPI_ITEMS = 2
DONE_STATES = ("submitted", "validated")


@dataclass(frozen=True)
class ProposedItem:
    """One proposed point of the agenda, with the table that backs it."""

    kind: str
    title: str
    evidence: str = ""
    structures: tuple[str, ...] = ()
    link: str = ""
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = field(default=(), repr=False)
    # the previous session's recommendations, for the follow-up item (done / in progress / late)
    counts: tuple[tuple[str, int, int, int], ...] = field(default=(), repr=False)

    def as_dict(self) -> dict[str, Any]:
        """What the command line prints: kind, title, evidence, structures, link."""
        return {"kind": self.kind, "title": self.title, "evidence": self.evidence,
                "structures": list(self.structures), "link": self.link}


def previous_session(session: Session, on: date) -> Conference | None:
    """The last session held (or closed) before ``on``."""
    rows = session.exec(select(Conference).where(
        col(Conference.status).in_(HELD_STATUSES), col(Conference.session_date).is_not(None),
        col(Conference.session_date) < on).order_by(
        col(Conference.session_date).desc(), col(Conference.number).desc())).first()
    return rows


def session_on(session: Session, on: date) -> Conference | None:
    """The planned session of that date, if there is one (the one the agenda is for)."""
    return session.exec(select(Conference).where(
        Conference.session_date == on, Conference.status == "planned").order_by(
        col(Conference.number))).first()


def _join(codes: Sequence[str], limit: int = 8) -> str:
    shown = list(codes[:limit])
    extra = len(codes) - len(shown)
    return ", ".join(shown) + (t("agenda.and_more", n=extra) if extra > 0 else "")


# --- recurring ------------------------------------------------------------------------------


def recommendation_followup(session: Session, conference: Conference, on: date
                            ) -> tuple[tuple[str, int, int, int], ...]:
    """The recommendations of a session by owner structure: done, in progress, late (at
    ``on``; cancelled ones are left out)."""
    codes = repo.structure_codes_by_id(session)
    per: dict[str, list[int]] = {}
    for rec in session.exec(select(Recommendation).where(
            Recommendation.conference_id == conference.id)).all():
        if rec.status == "cancelled":
            continue
        done = rec.status == "done" and (rec.closed_at is None or rec.closed_at.date() <= on)
        owner = codes.get(rec.owner_structure_id or -1, "—")
        counts = per.setdefault(owner, [0, 0, 0])
        if done:
            counts[0] += 1
        elif actions.is_overdue("not_started", rec.due_date, on):
            counts[2] += 1
        else:
            counts[1] += 1
    return tuple((owner, *per[owner]) for owner in sorted(per))  # type: ignore[misc]


def _recurring(session: Session, previous: Conference | None, on: date) -> list[ProposedItem]:
    items = [ProposedItem(RECURRING, t("agenda.opening"), t("agenda.opening_evidence"),
                          link="/conferences")]
    if previous is not None:
        counts = recommendation_followup(session, previous, on)
        done, going, late = (sum(c[1] for c in counts), sum(c[2] for c in counts),
                             sum(c[3] for c in counts))
        evidence = t("agenda.followup_evidence", n=done + going + late, done=done,
                     going=going, late=late) if counts else t("agenda.followup_none")
        items.append(ProposedItem(
            RECURRING, t("agenda.followup", label=conference_label(previous)), evidence,
            tuple(c[0] for c in counts if c[3]),
            f"/actions?kind=recommendation&session={previous.id}",
            (t("agenda.col.structure"), t("agenda.col.done"), t("agenda.col.in_progress"),
             t("agenda.col.late")),
            tuple((c[0], str(c[1]), str(c[2]), str(c[3])) for c in counts), counts))
    return items


# --- targets at risk ------------------------------------------------------------------------


def _kpi_label(cat: dashboards.Catalogue, kpi_id: int) -> str:
    return dashboards.kpi_name(cat, kpi_id, get_language())


def _at_risk(session: Session, actor: Actor, on: date) -> list[ProposedItem]:
    results = dashboards.validated_results(session)
    if results.empty:
        return []
    ends = [quarter_end(int(y), int(q)) < on for y, q in zip(results["year"], results["quarter"],
                                                              strict=True)]
    known = results[ends]
    if known.empty:
        return []
    cat, targets = dashboards.catalogue(session), dashboards.targets_frame(session)
    year, quarter = dashboards.last_validated_quarter(known, on)
    forecasts = confidence.quarter_forecasts(session, known, cat, targets, year, quarter)
    period = quarter_label(year, quarter)
    items: list[ProposedItem] = []
    usable = forecasts[forecasts["class"] != "insufficient"] if not forecasts.empty \
        else forecasts
    if not usable.empty:
        out = usable[(usable["class"] == "off_track") & usable["structure"].notna()]
        ranked = out.groupby("kpi_id")["structure"].nunique().reset_index(name="n")
        ranked["code"] = [cat.rules[int(k)].code for k in ranked["kpi_id"]]
        for kpi_id in ranked.sort_values(["n", "code"], ascending=[False, True])[
                "kpi_id"].head(MAX_KPI_ITEMS):
            lines = out[out["kpi_id"] == kpi_id].sort_values("structure")
            unit = cat.rules[int(kpi_id)].unit
            codes = tuple(str(s) for s in lines["structure"])
            items.append(ProposedItem(
                AT_RISK, t("agenda.at_risk_title", kpi=_kpi_label(cat, int(kpi_id)),
                           year=year),
                t("agenda.at_risk_evidence", n=len(codes), year=year, period=period,
                  structures=_join(codes)),
                codes, f"/trajectories?year={year}&kpi={cat.rules[int(kpi_id)].code}",
                (t("agenda.col.structure"), t("agenda.col.to_date"), t("agenda.col.forecast"),
                 t("agenda.col.target"), t("agenda.col.probability")),
                tuple((str(r.structure), format_value(r.actual_to_date, unit),
                       format_value(r.forecast, unit), format_value(r.target, unit),
                       format_percent(None if r.probability is None else 100 * r.probability,
                                      0))
                      for r in lines.itertuples(index=False))))
        flagged = confidence.flagged_lines(session, actor, year, quarter, forecasts=forecasts,
                                           data=(known, cat, targets))
        if not flagged.empty:
            codes = tuple(sorted(set(flagged["structure"])))
            items.append(ProposedItem(
                AT_RISK, t("agenda.flagged_title", period=period),
                t("agenda.flagged_evidence", n=len(flagged), period=period,
                  structures=_join(codes)),
                codes, f"/trajectories?year={year}",
                tuple(t(f"agenda.col.flag_{c}") for c in confidence.FLAG_DISPLAY),
                tuple((str(r.structure), str(r.kpi_label), ratings.level_label(r.dsi_level)
                       or "—", ratings.level_label(r.asin_level) or "—",
                       t(f"forecast.classes.{r.forecast_class}")
                       if isinstance(r.forecast_class, str) else "—")
                      for r in flagged.itertuples(index=False))))
        return items
    # no forecast can be made: the structures far from target on the last validated quarter
    frame = dashboards.attainment_frame(known, cat, targets, year, quarter,
                                        dashboards.structures_in_force(session, year, quarter))
    red = frame[frame["light"] == "red"]
    ranked = red.groupby("kpi_id")["code"].nunique().reset_index(name="n")
    ranked["kpi"] = [cat.rules[int(k)].code for k in ranked["kpi_id"]]
    for kpi_id in ranked.sort_values(["n", "kpi"], ascending=[False, True])["kpi_id"].head(
            MAX_KPI_ITEMS):
        lines = red[red["kpi_id"] == kpi_id].sort_values("code")
        unit = cat.rules[int(kpi_id)].unit
        codes = tuple(str(c) for c in lines["code"])
        items.append(ProposedItem(
            AT_RISK, t("agenda.far_title", kpi=_kpi_label(cat, int(kpi_id)), period=period),
            t("agenda.far_evidence", n=len(codes), period=period, structures=_join(codes)),
            codes, "/overview",
            (t("agenda.col.structure"), t("agenda.col.value"), t("agenda.col.target")),
            tuple((str(r.code), format_value(r.value, unit), format_value(r.target, unit))
                  for r in lines.itertuples(index=False))))
    return items


# --- declarations ---------------------------------------------------------------------------


def _missing(session: Session, on: date) -> list[ProposedItem]:
    window = session.exec(select(SubmissionWindow).where(col(SubmissionWindow.closes_on) < on)
                          .order_by(col(SubmissionWindow.closes_on).desc(),
                                    col(SubmissionWindow.year).desc(),
                                    col(SubmissionWindow.quarter).desc())).first()
    if window is None:
        return []
    subs = {s.structure_id: s for s in session.exec(select(Submission).where(
        Submission.year == window.year, Submission.quarter == window.quarter)).all()}
    end = quarter_end(window.year, window.quarter)
    missing, late = [], []
    for structure in sorted(repo.list_structures(session), key=lambda s: s.code):
        if not structure.in_force(end):
            continue
        sub = subs.get(structure.id or -1)
        sent = sub.submitted_at.date() if sub is not None and sub.submitted_at else None
        done = sub is not None and sub.status in DONE_STATES and (sent is None or sent < on)
        if not done:
            state = t(f"results.states.{sub.status}") if sub else \
                t("results.states.not_started")
            missing.append((structure.code, structure.name_fr, state, "—"))
        elif sent is not None and sent > window.closes_on:
            late.append((structure.code, structure.name_fr, t("agenda.submitted_late"),
                         format_date(sent)))
    if not missing and not late:
        return []
    period = quarter_label(window.year, window.quarter)
    codes = tuple(r[0] for r in [*missing, *late])
    evidence = t("agenda.missing_evidence", period=period, closes=format_date(window.closes_on),
                 missing=len(missing), late=len(late), structures=_join(codes))
    return [ProposedItem(
        MISSING, t("agenda.missing_title", period=period), evidence, codes,
        "/submissions",
        (t("agenda.col.structure"), t("agenda.col.name"), t("agenda.col.state"),
         t("agenda.col.submitted_on")), tuple([*missing, *late]))]


# --- actions --------------------------------------------------------------------------------


def _by_owner(items: Sequence[ActionItem], codes: dict[int, str]
              ) -> list[tuple[str, list[ActionItem]]]:
    """Items grouped by owner structure, the owner with the oldest item first, each owner's
    items oldest first."""
    groups: dict[str, list[ActionItem]] = {}
    for item in sorted(items, key=lambda i: (i.due_date or date.max, i.id or 0)):
        groups.setdefault(codes.get(item.owner_structure_id or -1, "—"), []).append(item)
    return sorted(groups.items(), key=lambda g: (g[1][0].due_date or date.max, g[0]))


def _open_on(item: ActionItem, on: date) -> bool:
    if item.created_at.date() > on:
        return False
    return item.status not in actions.CLOSED or (
        item.closed_at is not None and item.closed_at.date() > on)


def _actions(session: Session, on: date) -> list[ProposedItem]:
    codes = dashboards.successor_codes(session)
    rows = [i for i in session.exec(select(ActionItem).order_by(col(ActionItem.id))).all()
            if _open_on(i, on)]
    overdue = [i for i in rows if i.due_kind == DueKind.date and i.due_date is not None
               and i.due_date < on]
    escalated = [i for i in rows if i.escalated and (
        i.escalated_at is None or i.escalated_at.date() <= on)]
    items = []
    if overdue:
        groups = _by_owner(overdue, codes)
        oldest_owner, oldest = groups[0][0], groups[0][1][0]
        assert oldest.due_date is not None
        table = tuple((owner, item.title, format_date(item.due_date),
                       t("agenda.days_late", n=(on - item.due_date).days),
                       actions.status_label(item.status))
                      for owner, mine in groups for item in mine if item.due_date)
        items.append(ProposedItem(
            OVERDUE, t("agenda.overdue_title", n=len(overdue)),
            t("agenda.overdue_evidence", n=len(overdue), owners=len(groups),
              since=format_date(oldest.due_date), owner=oldest_owner,
              structures=_join([g[0] for g in groups])),
            tuple(g[0] for g in groups), "/actions?kind=action&overdue=1",
            (t("agenda.col.owner"), t("agenda.col.action"), t("agenda.col.due"),
             t("agenda.col.late"), t("agenda.col.status")), table))
    if escalated:
        groups = _by_owner(escalated, codes)
        table = tuple((owner, item.title, format_date(item.due_date),
                       item.blocker or "—", actions.status_label(item.status))
                      for owner, mine in groups for item in mine)
        items.append(ProposedItem(
            ESCALATED, t("agenda.escalated_title", n=len(escalated)),
            t("agenda.escalated_evidence", n=len(escalated), owners=len(groups),
              structures=_join([g[0] for g in groups])),
            tuple(g[0] for g in groups), "/actions?kind=action",
            (t("agenda.col.owner"), t("agenda.col.action"), t("agenda.col.due"),
             t("agenda.col.blocker"), t("agenda.col.status")), table))
    return items


# --- roadmap --------------------------------------------------------------------------------


def _slipped(session: Session, previous: Conference | None, on: date) -> list[ProposedItem]:
    since = previous.session_date if previous is not None else None
    moved: dict[int, tuple[str, str]] = {}
    events = session.exec(select(AuditEvent).where(
        AuditEvent.object_type == "Milestone", AuditEvent.field == "due_date",
        AuditEvent.action == "update").order_by(col(AuditEvent.at), col(AuditEvent.id))).all()
    for event in events:
        day = event.at.date()
        if event.object_id is None or day >= on or (since is not None and day < since):
            continue
        old, new = event.old_value or "", event.new_value or ""
        first = moved.get(event.object_id, (old, new))[0]
        moved[event.object_id] = (first, new)
    moved = {k: v for k, v in moved.items() if v[1] > v[0]}  # ISO dates: later is greater
    milestones = {m.id: m for m in session.exec(select(Milestone)).all() if m.id is not None}
    passed = {i for i, m in milestones.items()
              if m.due_date < on and (since is None or m.due_date >= since)
              and (m.done_on is None or m.done_on >= on)}
    wanted = sorted((set(moved) & set(milestones)) | passed,
                    key=lambda i: (milestones[i].due_date, i))
    if not wanted:
        return []
    initiatives = {i.id: i for i in session.exec(select(Initiative)).all()}
    codes = dashboards.successor_codes(session)
    rows, owners = [], []
    for mid in wanted:
        milestone = milestones[mid]
        initiative = initiatives.get(milestone.initiative_id)
        owner = codes.get(initiative.owner_structure_id or -1, "—") if initiative else "—"
        owners.append(owner)
        before = moved.get(mid, (milestone.due_date.isoformat(), ""))[0]
        rows.append((milestone.title, initiative.title if initiative else "—", owner,
                     format_date(date.fromisoformat(before)) if before else "—",
                     format_date(milestone.due_date),
                     t("agenda.moved") if mid in moved else t("agenda.passed")))
    structures = tuple(sorted(set(owners) - {"—"}))
    evidence = t("agenda.slipped_evidence", moved=len(set(moved) & set(milestones)),
                 passed=len(passed), since=format_date(since) if since else "—",
                 structures=_join(structures)) if since else \
        t("agenda.slipped_evidence_first", moved=len(set(moved) & set(milestones)),
          passed=len(passed), structures=_join(structures))
    return [ProposedItem(
        SLIPPED, t("agenda.slipped_title", n=len(wanted)), evidence, structures,
        "/roadmap-review",
        (t("agenda.col.milestone"), t("agenda.col.initiative"), t("agenda.col.owner"),
         t("agenda.col.planned_before"), t("agenda.col.planned_now"), t("agenda.col.what")),
        tuple(rows))]


# --- the proposal ---------------------------------------------------------------------------


def propose_agenda(session: Session, actor: Actor, on: date) -> list[ProposedItem]:
    """The proposed agenda of a session held on ``on`` (see the module's docstring)."""
    require(actor, Action.read_reports)
    previous = previous_session(session, on)
    standing = _recurring(session, previous, on)
    return [*standing, *_at_risk(session, actor, on), *_missing(session, on),
            *_actions(session, on), *_slipped(session, previous, on),
            ProposedItem(RECURRING, t("agenda.aob"), t("agenda.aob_evidence"),
                         link="/conferences")]


def proposal_frame(items: Sequence[ProposedItem]) -> pd.DataFrame:
    """The proposal as the review table: keep, order, title, evidence, kind, link."""
    return pd.DataFrame([{"keep": True, "position": n, "title": item.title,
                          "evidence": item.evidence, "kind": t(f"agenda.kinds.{item.kind}"),
                          "link": item.link} for n, item in enumerate(items, start=1)],
                        columns=["keep", "position", "title", "evidence", "kind", "link"])
