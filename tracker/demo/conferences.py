"""Demo sessions: calendar, attendance, agenda, minutes, decisions, recommendations and action
items followed from session to session."""

from __future__ import annotations

import random
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from tracker.conference.sessions import group_reference
from tracker.core.formats import ordinal_fr
from tracker.core.models import (
    TOPIC_TAGS,
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Conference,
    ConferenceStatus,
    Decision,
    DueKind,
    Minutes,
    Priority,
    Recommendation,
)
from tracker.demo.base import (
    ALL,
    DEMO_NOTICE,
    LOCAL,
    MONTHS,
    OPEN,
    SEED,
    Ctx,
    Org,
    due_text,
    insert_ids,
    insert_rows,
    long_date,
    moment,
    quarter_end,
    stamp_at,
)
from tracker.demo.content import (
    ACTIONS,
    AGENDA_TOPICS,
    BLOCKERS,
    CHAIRS,
    DECISIONS,
    DELEGATE_ROLES,
    FEMININE_CHAIRS,
    FIRST_NAMES,
    GROUP_ACTIONS,
    LAST_NAMES,
    PLACES,
    PROGRESS,
    RAPPORTEUR,
    RECOMMENDATIONS,
    SAMPLE_SESSIONS,
    STANDING_ACTIONS,
    STATUS_FR,
    THEMES,
    TOPIC_PILLAR,
    Item,
    Person,
)


def _people(orgs: Sequence[Org]) -> dict[str, Person]:
    """One invented DSI per structure (seeded by its code, so the same person at every scale)."""
    taken: set[str] = set()
    out: dict[str, Person] = {}
    for org in sorted(orgs, key=lambda o: o.code):
        rng = random.Random(f"{SEED}:person:{org.code}")
        while True:
            first, gender = rng.choice(FIRST_NAMES)
            name = f"{first} {rng.choice(LAST_NAMES)}"
            if name not in taken:
                break
        taken.add(name)
        if org.code == "ASIN":
            role = "Chef pôle SID"
        elif org.kind == "ministere":
            role = ("Directrice" if gender == "f" else "Directeur") + " des systèmes d'information"
        else:
            role = ("Directrice" if gender == "f" else "Directeur") + " technique"
        out[org.code] = Person(name, role)
    return out


def _stranger(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)[0]} {rng.choice(LAST_NAMES)}"


@dataclass
class _Sess:
    number: int
    year: int
    rank: int
    day: date
    place: str
    theme: str
    tags: tuple[str, ...]
    chair: str
    status: str = ConferenceStatus.closed
    next_day: date | None = None
    agenda: list[tuple[str, str]] = field(default_factory=list)
    attendance: list[tuple[Org, str, str, str]] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    recommendations: list[Item] = field(default_factory=list)
    actions: list[Item] = field(default_factory=list)


def _session_days(rng: random.Random, year: int, count: int) -> list[date]:
    """Irregular dates spread over the year, on a Tuesday, Wednesday or Thursday."""
    step = 365 / count
    days: list[date] = []
    for i in range(count):
        day = date(year, 1, 1) + timedelta(days=int(step * (i + 0.75)))
        day += timedelta(days=rng.randint(-int(step * 0.2), int(step * 0.2)))
        while day.weekday() not in (1, 2, 3):
            day += timedelta(days=1)
        while day.year > year or day.weekday() not in (1, 2, 3):
            day -= timedelta(days=1)
        days.append(max(day, days[-1]) if days else max(day, date(year, 1, 2)))
    return days


def _calendar(ctx: Ctx, first_year: int) -> list[_Sess]:
    """Held sessions up to today and the next one, numbered cumulatively and within the year."""
    plan = ctx.plan
    start = min(first_year, plan.anchor[0]) if plan.anchor else first_year
    dated: list[tuple[int, int, date, str, str, tuple[str, ...]]] = []
    last_year = max(ctx.today.year + 1, plan.anchor[0] if plan.anchor else 0)
    for year in range(start, last_year + 1):
        rng = random.Random(f"{SEED}:sessions:{year}")
        low, high = plan.sessions_per_year
        count = rng.choice((low, low, high))
        if plan.anchor and year == plan.anchor[0]:
            count = 4
        themes = rng.sample(THEMES, min(len(THEMES), count))
        tags: tuple[str, ...]
        for rank, day in enumerate(_session_days(rng, year, count), start=1):
            place = rng.choice(PLACES)
            theme, tags = themes[(rank - 1) % len(themes)]
            if rank == count:
                theme, tags = f"Bilan {year} et feuille de route {year + 1}", ("governance",)
            if plan.anchor and (year, rank) in SAMPLE_SESSIONS:
                day, place, theme, tags = SAMPLE_SESSIONS[(year, rank)]
            dated.append((year, rank, day, place, theme, tags))
    # dated is chronological, so the held sessions and the next one are a prefix of it
    kept = dated[: sum(1 for d in dated if d[2] < ctx.today) + 1]
    base = 1
    if plan.anchor:
        first_of_anchor = next(i for i, d in enumerate(dated) if d[0] == plan.anchor[0])
        base = plan.anchor[1] - first_of_anchor
    sessions = []
    for i, (year, rank, day, place, theme, tags) in enumerate(kept):
        if year < first_year:
            continue
        rng = random.Random(f"{SEED}:chair:{year}:{rank}")
        sessions.append(_Sess(number=base + i, year=year, rank=rank, day=day, place=place,
                              theme=theme, tags=tags, chair=rng.choice(CHAIRS)))
    for current, following in pairwise(sessions):
        current.next_day = following.day
    sessions[-1].status = ConferenceStatus.planned
    if len(sessions) > 1:
        sessions[-2].status = ConferenceStatus.held
    return sessions


def _pick_owner(ctx: Ctx, rng: random.Random, preferred: str, on: date) -> Org:
    if preferred and preferred in ctx.by_code and ctx.by_code[preferred].in_force(on):
        return ctx.by_code[preferred]
    candidates = [o for o in ctx.orgs if o.in_force(on) and o.kind in ("ministere", "agence")]
    weights = [4.0 if o.code in ("MS", "MEF") else 2.0 if o.code in ("MND", "MTFP") else
               1.0 if o.kind == "ministere" else 0.4 for o in candidates]
    return rng.choices(candidates, weights)[0]


def _due(rng: random.Random, sess: _Sess, kind: str) -> date | None:
    if kind == DueKind.recurring:
        return None
    if kind == DueKind.next_session:
        return sess.next_day
    if kind == "sans délai":
        return sess.day + timedelta(days=7)
    target = sess.day + timedelta(days=rng.randint(45, 270))
    if rng.random() < 0.5:
        quarter = (target.month - 1) // 3 + 1
        return quarter_end(target.year, quarter)
    return target


def _fill_session(ctx: Ctx, sess: _Sess, people: dict[str, Person]) -> None:
    """Agenda, attendance, decisions, recommendations and actions of one session."""
    rng = random.Random(f"{SEED}:session:{sess.year}:{sess.rank}")
    plan = ctx.plan
    topics = list(sess.tags) + [t for t in rng.sample(TOPIC_TAGS, 3) if t not in sess.tags][:1]
    agenda = [("Adoption de l'ordre du jour", "governance"),
              ("Adoption du procès-verbal de la session précédente", "governance"),
              ("Point de mise en œuvre des recommandations et des actions des sessions "
               "précédentes", "governance")]
    for topic in topics:
        agenda.append((rng.choice(AGENDA_TOPICS[topic]), topic))
    if sess.theme.startswith("Bilan"):
        agenda.append((f"Bilan des résultats {sess.year} et feuille de route {sess.year + 1}",
                       "governance"))
    agenda.append(("Divers", ""))
    sess.agenda = agenda
    if sess.status == ConferenceStatus.planned:
        return
    for org in ctx.orgs:
        if not org.in_force(sess.day):
            continue
        person = people[org.code]
        reliable = org.code in ("ASIN", "MS", "MEF", "MND")
        status = (AttendanceStatus.present if reliable and rng.random() < 0.95 else
                  rng.choices((AttendanceStatus.present, AttendanceStatus.excused,
                               AttendanceStatus.absent), (80, 12, 8))[0])
        name, role = person.name, person.role
        if status == AttendanceStatus.present and rng.random() < 0.15:
            name, role = _stranger(rng), rng.choice(DELEGATE_ROLES)
        sess.attendance.append((org, str(status), name, role))
    sess.decisions = [f"Le procès-verbal de la {ordinal_fr(sess.number - 1, True)} conférence "
                      "est adopté sous réserve des amendements."]
    sess.decisions += [DECISIONS[t] for t in topics[: rng.randint(1, 3)]]
    if sess.theme.startswith("Bilan"):
        sess.decisions.append(f"La feuille de route {sess.year + 1} est adoptée.")
    pool = [r for t in topics for r in RECOMMENDATIONS[t]]
    pool = rng.sample(pool, len(pool))
    for i in range(rng.randint(*plan.recommendations_per_session)):
        text, owner, kind = pool[i % len(pool)]
        if owner == ALL and rng.random() >= plan.group_recommendation_chance:
            owner = _pick_owner(ctx, rng, "", sess.day).code
        sess.recommendations.append(Item(f"R{i + 1}", text, owner or ALL, kind,
                                          _due(rng, sess, kind)))
    actions: list[Item] = []
    topical = [a for a in ACTIONS if a[1] in topics] or list(ACTIONS)
    for _ in range(rng.randint(*plan.actions_per_session)):
        title, topic, preferred = rng.choice(topical if rng.random() < 0.7 else ACTIONS)
        responsible = _pick_owner(ctx, rng, preferred, sess.day)
        kind = rng.choices((DueKind.date, "sans délai", DueKind.next_session,
                            DueKind.recurring),
                           (70, 8, 12, 40 if title in STANDING_ACTIONS else 0))[0]
        due = _due(rng, sess, kind)
        actions.append(Item("", title, responsible.code, DueKind.date if kind == "sans délai"
                             else kind, due, topic))
    if rng.random() < plan.group_action_chance:
        title, topic, kind = rng.choice(GROUP_ACTIONS)
        actions.insert(rng.randint(0, len(actions)),
                       Item("", title, ALL, kind, _due(rng, sess, kind), topic))
    for i, item in enumerate(actions, start=1):
        item.number = f"A{i}"
        if rng.random() < 0.15:
            item.status_in_pv = ActionStatus.in_progress
    sess.actions = actions


def _follow_up(rng: random.Random, ctx: Ctx, created: date, item: Item) -> dict[str, Any]:
    """Where an item stands today: older items are mostly done, recent ones mostly open."""
    age = (ctx.today - created).days
    p_done = min(0.75, 0.1 + age / 900)
    if rng.random() < p_done:
        status = ActionStatus.done
    elif rng.random() < 0.06:
        status = ActionStatus.cancelled
    else:
        status = rng.choices((ActionStatus.in_progress, ActionStatus.partial,
                              ActionStatus.not_started, ActionStatus.blocked),
                             (40, 18, 30 if age > 60 else 60, 15))[0]
    if status == ActionStatus.not_started and item.status_in_pv == ActionStatus.in_progress:
        status = ActionStatus.in_progress
    if status == ActionStatus.done and item.due_kind == DueKind.recurring:
        status = ActionStatus.in_progress  # a standing commitment is never "done"
    due = item.due
    last = ctx.today - timedelta(days=1)
    first = created + timedelta(days=1)
    closed_at = escalated_at = None
    blocker = ""
    if status in (ActionStatus.done, ActionStatus.cancelled):
        horizon = min(last, (due or created + timedelta(days=120)) + timedelta(days=45))
        closed_at = min(moment(rng, first + timedelta(days=6), horizon), ctx.limit)
        updated = closed_at
    else:
        updated = min(moment(rng, first, last), ctx.limit)
    if status == ActionStatus.blocked:
        blocker = rng.choice(BLOCKERS)
        if rng.random() < 0.6:
            escalated_at = updated
    comments = PROGRESS.get(ActionStatus(status), ("",))
    return {"status": str(status), "closed_at": closed_at, "updated_at": updated,
            "progress_comment": rng.choice(comments), "blocker": blocker,
            "escalated": escalated_at is not None, "escalated_at": escalated_at}


def _item_rows(ctx: Ctx, sess: _Sess, item: Item, kind: str,
               rng: random.Random) -> list[dict[str, Any]]:
    """One row per owner: "Tous les ministères" gives one per ministry in force, sharing a ref."""
    owners = ctx.ministries(sess.day) if item.owner == ALL else [ctx.by_code[item.owner]]
    group_ref = group_reference(sess.number, item.number) if item.owner == ALL else ""
    created = stamp_at(sess.day, 13, 30)
    rows = []
    for owner in owners:
        row = {"number": item.number, "owner_structure_id": owner.id, "owner_code": owner.code,
               "group_ref": group_ref, "due_date": item.due, "due_kind": str(item.due_kind),
               "created_at": created, "updated_by_id": ctx.admin_id, "version": 1,
               "_day": sess.day, "_session": sess.number, "_item": item}
        row.update(_follow_up(rng, ctx, sess.day, item))
        if kind == "recommendation":
            for key in ("blocker", "escalated", "escalated_at"):
                row.pop(key)
            row["text"] = item.text
        else:
            row["title"] = item.text
            row["topic"] = item.topic
            row["recommendation_id"] = None
            row["priority"] = rng.choices(
                (Priority.high, Priority.normal, Priority.low), (20, 65, 15))[0].value
        rows.append(row)
    return rows


def _ensure_overdue(ctx: Ctx, actions: list[dict[str, Any]], code: str, wanted: int,
                    people: dict[str, Person]) -> None:
    """The demo accounts (DSI of MS and of MEF) must find overdue actions of their own."""
    org = ctx.by_code.get(code)
    if org is None:
        return

    def overdue(row: dict[str, Any]) -> bool:
        return (row["owner_structure_id"] == org.id and row["status"] in OPEN
                and row["due_date"] is not None and row["due_date"] < ctx.today)

    missing = wanted - sum(1 for row in actions if overdue(row))
    candidates = [row for row in actions if not row["group_ref"] and row["due_date"]
                  and row["due_date"] < ctx.today and row["status"] not in OPEN
                  and org.in_force(row["_day"])]
    candidates.sort(key=lambda r: (r["owner_structure_id"] != org.id, -r["_session"]))
    for row in candidates[: max(0, missing)]:
        row["_item"].owner = org.code  # the PV names the same owner as the database
        row.update({"owner_structure_id": org.id, "owner_code": org.code,
                    "person": people[org.code].name, "status": ActionStatus.in_progress.value,
                    "closed_at": None, "progress_comment": "Travaux en cours ; retard signalé."})


def _closing_days(rows: Sequence[dict[str, Any]], status: str | None = None) -> list[date]:
    return sorted(r["closed_at"].astimezone(LOCAL).date() for r in rows
                  if r["closed_at"] and (status is None or r["status"] == status))


def _minutes_text(ctx: Ctx, sess: _Sess, done_recos: tuple[int, int]) -> str:
    lines = [
        "# PROCÈS-VERBAL", "",
        "**RÉPUBLIQUE DU BÉNIN — Agence des systèmes d'information et du numérique (ASIN)**",
        "Secrétariat technique de la Conférence des DSI", "",
        f"## {ordinal_fr(sess.rank, True)} session ordinaire de la Conférence des Directeurs des "
        f"Systèmes d'Information au titre de l'année {sess.year} — "
        f"{ordinal_fr(sess.number, True)} conférence", "",
        f"- **Date :** {long_date(sess.day, weekday=True)}",
        f"- **Lieu :** {sess.place}",
        "- **Heure :** 9 h 00 – 13 h 30",
        f"- **Présidence :** {sess.chair}",
        f"- **Rapporteur :** {RAPPORTEUR}",
        f"- **Thème :** « {sess.theme} »", "",
        f"*{DEMO_NOTICE}*", "",
        "## 1. Participants", "",
        "| N° | Nom et prénoms | Fonction | Structure |", "|---|---|---|---|",
    ]
    present = [a for a in sess.attendance if a[1] == AttendanceStatus.present]
    for i, (org, _, name, role) in enumerate(present, start=1):
        lines.append(f"| {i} | {name} | {role} | {org.code} |")
    excused = [a[0].code for a in sess.attendance if a[1] == AttendanceStatus.excused]
    absent = [a[0].code for a in sess.attendance if a[1] == AttendanceStatus.absent]
    lines += ["", f"**Absents excusés :** {', '.join(excused) or 'néant'}",
              f"**Absents :** {', '.join(absent) or 'néant'}", "",
              f"Quorum atteint ({len(present)} structures représentées).", "",
              "## 2. Ordre du jour", ""]
    lines += [f"{i}. {title}" for i, (title, _) in enumerate(sess.agenda, start=1)]
    done, total = done_recos
    lines += ["", "## 3. Déroulement des travaux", "",
              f"{'La' if sess.chair in FEMININE_CHAIRS else 'Le'} {sess.chair} a ouvert la "
              "séance à 9 h 10. Le point de mise en œuvre des "
              f"recommandations montre que {done} recommandations sur {total} sont réalisées.",
              ""]
    for title, tag in sess.agenda[3:-1]:
        if tag:
            lines.append(f"Le point « {title} » a donné lieu à des échanges sur l'état "
                         "d'avancement dans les structures et les difficultés rencontrées.")
    lines += ["", "## 4. Décisions", ""]
    lines += [f"- D{i}. {text}" for i, text in enumerate(sess.decisions, start=1)]
    lines += ["", "## 5. Recommandations", "",
              "| N° | Recommandation | Responsable | Échéance |", "|---|---|---|---|"]
    for item in sess.recommendations:
        owner = "Tous les ministères" if item.owner == ALL else item.owner
        lines.append(f"| {item.number} | {item.text} | {owner} | "
                     f"{due_text(item.due_kind, item.due)} |")
    lines += ["", "## 6. Actions à mener", "",
              "| N° | Action | Responsable | Échéance | Statut |", "|---|---|---|---|---|"]
    for item in sess.actions:
        owner = "Tous les ministères" if item.owner == ALL else item.owner
        lines.append(f"| {item.number} | {item.text} | {owner} | "
                     f"{due_text(item.due_kind, item.due)} | "
                     f"{STATUS_FR[ActionStatus(item.status_in_pv)]} |")
    lines += ["", "## 7. Divers", ""]
    if sess.next_day:
        lines.append(f"Prochaine session : {MONTHS[sess.next_day.month - 1]} "
                     f"{sess.next_day.year} (date indicative).")
        lines.append("")
    lines += ["Levée de séance : 13 h 30.", "",
              f"Fait à Cotonou, le {long_date(sess.day)}", "",
              "Le Rapporteur — Le Président de séance", ""]
    return "\n".join(lines)


def generate_conferences(ctx: Ctx, first_year: int,
                 initiatives: dict[int, dict[int, list[int]]]) -> None:
    people = _people(ctx.orgs)
    sessions = _calendar(ctx, first_year)
    for sess in sessions:
        _fill_session(ctx, sess, people)
    # every row is built before anything is inserted, so that the carried-over counts and the
    # PV tables are computed from the final owners and statuses
    recommendations: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    for sess in sessions:
        rng = random.Random(f"{SEED}:follow-up:{sess.number}")
        for item in sess.recommendations:
            recommendations += _item_rows(ctx, sess, item, "recommendation", rng)
        for item in sess.actions:
            for row in _item_rows(ctx, sess, item, "action", rng):
                row["person"] = people[row["owner_code"]].name
                pillar_ids = initiatives.get(sess.year, {}).get(TOPIC_PILLAR[item.topic], [])
                row["initiative_id"] = (rng.choice(pillar_ids) if pillar_ids
                                        and rng.random() < 0.3 else None)
                actions.append(row)
    _ensure_overdue(ctx, actions, "MS", 4, people)
    _ensure_overdue(ctx, actions, "MEF", 3, people)
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
    reco_done = _closing_days(recommendations, ActionStatus.done)
    action_days = sorted(r["_day"] for r in actions)
    action_closed = _closing_days(actions)
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
        text = _minutes_text(ctx, sess, done_recos)
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
