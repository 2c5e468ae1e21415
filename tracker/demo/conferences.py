"""Demo conferences written to the database: every row built first, then inserted in bulk."""

from __future__ import annotations

import random
from bisect import bisect_left
from datetime import timedelta
from typing import Any

from tracker.core.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attendance,
    Conference,
    ConferenceStatus,
    Decision,
    Minutes,
    Recommendation,
)
from tracker.demo.base import SEED, Ctx, insert_ids, insert_rows, stamp_at
from tracker.demo.content import RAPPORTEUR, TOPIC_PILLAR
from tracker.demo.followups import closing_days, ensure_overdue, item_rows
from tracker.demo.minutes import minutes_text
from tracker.demo.sessions import fill_session, invent_people, plan_sessions


def generate_conferences(ctx: Ctx, first_year: int,
                 initiatives: dict[int, dict[int, list[int]]]) -> None:
    """Sessions with their agenda, attendance, decisions, PV, recommendations and actions;
    ``initiatives``: roadmap initiative ids by year and pillar, for the actions' links."""
    people = invent_people(ctx.orgs)
    sessions = plan_sessions(ctx, first_year)
    for sess in sessions:
        fill_session(ctx, sess, people)
    # every row is built before anything is inserted, so that the carried-over counts and the
    # PV tables are computed from the final owners and statuses
    recommendations: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    for sess in sessions:
        rng = random.Random(f"{SEED}:follow-up:{sess.number}")
        for item in sess.recommendations:
            recommendations += item_rows(ctx, sess, item, "recommendation", rng)
        for item in sess.actions:
            for row in item_rows(ctx, sess, item, "action", rng):
                row["person"] = people[row["owner_code"]].name
                pillar_ids = initiatives.get(sess.year, {}).get(TOPIC_PILLAR[item.topic], [])
                row["initiative_id"] = (rng.choice(pillar_ids) if pillar_ids
                                        and rng.random() < 0.3 else None)
                actions.append(row)
    ensure_overdue(ctx, actions, "MS", 4, people)
    ensure_overdue(ctx, actions, "MEF", 3, people)
    conference_rows = []
    for sess in sessions:
        closed_at = (stamp_at(sess.next_day, 15) if sess.status == ConferenceStatus.closed
                     and sess.next_day else None)
        conference_rows.append({
            "number": sess.number, "year": sess.year, "rank_in_year": sess.rank,
            "session_date": sess.day, "place": sess.place, "theme": sess.theme,
            "chair": sess.chair, "rapporteur": RAPPORTEUR, "status": str(sess.status),
            "closed_at": closed_at,
            "updated_at": closed_at or min(stamp_at(sess.day, 14), ctx.limit),
            "updated_by_id": ctx.admin_id, "version": 1})
    ids = insert_ids(ctx.session, Conference, conference_rows)
    ctx.summary.conferences = len(ids)
    conference_id = {sess.number: cid for sess, cid in zip(sessions, ids, strict=True)}
    agenda_rows: list[dict[str, Any]] = []
    attendance_rows: list[dict[str, Any]] = []
    decision_rows: list[dict[str, Any]] = []
    minutes_rows: list[dict[str, Any]] = []
    reco_days = sorted(r["_day"] for r in recommendations)
    reco_done = closing_days(recommendations, ActionStatus.done)
    action_days = sorted(r["_day"] for r in actions)
    action_closed = closing_days(actions)
    for sess in sessions:
        cid = conference_id[sess.number]
        prepared = min(stamp_at(sess.day - timedelta(days=14), 10), ctx.limit)
        # actions of earlier sessions still open on this session's date
        carried = bisect_left(action_days, sess.day) - bisect_left(action_closed, sess.day)
        for position, (title, tags) in enumerate(sess.agenda, start=1):
            notes = ""
            if position == 3:
                notes = (f"{carried} actions des sessions précédentes restent ouvertes à la "
                         "date de la session.")
            agenda_rows.append({"conference_id": cid, "position": position, "title": title,
                                "tags": tags, "notes": notes, "updated_at": prepared,
                                "updated_by_id": ctx.admin_id, "version": 1})
        if sess.status == ConferenceStatus.planned:
            continue
        held = stamp_at(sess.day, 14)
        for org, status, name, role in sess.attendance:
            attendance_rows.append({"conference_id": cid, "structure_id": org.id,
                                    "status": status, "representative": name,
                                    "representative_role": role, "updated_at": held,
                                    "updated_by_id": ctx.admin_id, "version": 1})
        for i, text in enumerate(sess.decisions, start=1):
            decision_rows.append({"conference_id": cid, "number": f"D{i}", "text": text,
                                  "updated_at": held, "updated_by_id": ctx.admin_id,
                                  "version": 1})
        done_recos = (bisect_left(reco_done, sess.day), bisect_left(reco_days, sess.day))
        text = minutes_text(ctx, sess, done_recos)
        imported = min(stamp_at(sess.day + timedelta(days=3 + sess.number % 9), 10), ctx.limit)
        minutes_rows.append({"conference_id": cid,
                             "filename": f"pv-cdsi-{sess.year}-session{sess.rank}.md",
                             "content_type": "text/markdown", "original": text.encode("utf-8"),
                             "text": text, "imported_at": imported,
                             "imported_by_id": ctx.admin_id, "version": 1})
    for rows in (recommendations, actions):
        for row in rows:
            row["conference_id"] = conference_id[row.pop("_session")]
            for key in ("owner_code", "_day", "_item"):
                row.pop(key)
    ctx.summary.agenda_items = insert_rows(ctx.session, AgendaItem, agenda_rows)
    ctx.summary.attendances = insert_rows(ctx.session, Attendance, attendance_rows)
    ctx.summary.decisions = insert_rows(ctx.session, Decision, decision_rows)
    ctx.summary.minutes = insert_rows(ctx.session, Minutes, minutes_rows)
    ctx.summary.recommendations = insert_rows(ctx.session, Recommendation, recommendations)
    ctx.summary.action_items = insert_rows(ctx.session, ActionItem, actions)
