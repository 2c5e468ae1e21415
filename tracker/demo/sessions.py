"""Demo sessions: calendar, invented DSIs, and each session's agenda, roll call and decisions."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise

from tracker.core.formats import ordinal_fr
from tracker.core.models import (
    TOPIC_TAGS,
    ActionStatus,
    AttendanceStatus,
    ConferenceStatus,
    DueKind,
)
from tracker.demo.base import ALL, SEED, Ctx, Org, quarter_end
from tracker.demo.content import (
    ACTIONS,
    AGENDA_TOPICS,
    CHAIRS,
    DECISIONS,
    DELEGATE_ROLES,
    FIRST_NAMES,
    GROUP_ACTIONS,
    LAST_NAMES,
    PLACES,
    RECOMMENDATIONS,
    SAMPLE_SESSIONS,
    STANDING_ACTIONS,
    THEMES,
    Item,
    Person,
)


def invent_people(orgs: Sequence[Org]) -> dict[str, Person]:
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
class DemoSession:
    """One demo session as planned, then filled with what it decided."""

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


def plan_sessions(ctx: Ctx, first_year: int) -> list[DemoSession]:
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
        sessions.append(DemoSession(number=base + i, year=year, rank=rank, day=day, place=place,
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


def _due(rng: random.Random, sess: DemoSession, kind: str) -> date | None:
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


def fill_session(ctx: Ctx, sess: DemoSession, people: dict[str, Person]) -> None:
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
