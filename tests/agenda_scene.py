"""A small data set with one case of each kind of proposed agenda item (shared by the
proposal's, the brief's and the e-mail's tests)."""

from datetime import UTC, date, datetime

from tracker.core import repository as repo
from tracker.core.db import transaction
from tracker.core.models import (
    ActionItem,
    AuditEvent,
    Conference,
    ConfidenceRating,
    Initiative,
    Milestone,
    Pillar,
    Recommendation,
    Result,
    Submission,
    SubmissionWindow,
    Target,
)

ON = date(2026, 12, 10)
EARLY = datetime(2026, 1, 5, tzinfo=UTC)


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def build_scene(engine, seeded) -> dict[str, int]:
    """Two sessions (the 1st held on 15/06/2026 with three recommendations, the 2nd planned on
    10/12/2026); T3 2026 closed on 15/11/2026, MS still in draft, MEF submitted on 20/11;
    overdue actions of MS (due 01/10) and MEF (due 01/08), an escalated one of MEF; one
    milestone of MS passed undone, one re-planned later, one re-planned earlier; MS's
    ESV_NEW series heading well below its 2026 target, rated « en bonne voie » by its DSI."""
    ms, mef = seeded.structures["MS"], seeded.structures["MEF"]
    with transaction(engine) as db:
        held = Conference(number=1, year=2026, rank_in_year=1, session_date=date(2026, 6, 15),
                          status="held", place="Cotonou")
        planned = Conference(number=2, year=2026, rank_in_year=2, session_date=ON,
                             place="Cotonou, ASIN")
        db.add_all([held, planned])
        db.flush()
        db.add_all([
            Recommendation(conference_id=held.id, number="R1", text="Publier le schéma",
                           owner_structure_id=ms, status="done", closed_at=_at(date(2026, 7, 1))),
            Recommendation(conference_id=held.id, number="R2", text="Former les agents",
                           owner_structure_id=mef, due_date=date(2026, 9, 30)),
            Recommendation(conference_id=held.id, number="R3", text="Ouvrir les données",
                           owner_structure_id=ms, status="in_progress",
                           due_date=date(2027, 3, 31)),
            SubmissionWindow(year=2026, quarter=3, opens_on=date(2026, 10, 1),
                             closes_on=date(2026, 11, 15)),
            Submission(structure_id=ms, year=2026, quarter=3, status="draft"),
            Submission(structure_id=mef, year=2026, quarter=3, status="submitted",
                       submitted_at=_at(date(2026, 11, 20))),
            ActionItem(title="Raccorder le DPI à X-Road", owner_structure_id=ms,
                       due_date=date(2026, 10, 1), created_at=EARLY),
            ActionItem(title="Migrer la messagerie", owner_structure_id=mef,
                       due_date=date(2026, 8, 1), status="in_progress", created_at=EARLY),
            ActionItem(title="Budget du cloud", owner_structure_id=mef,
                       due_date=date(2027, 1, 31), status="blocked", escalated=True,
                       escalated_at=_at(date(2026, 11, 2)), blocker="Crédits non ouverts",
                       created_at=EARLY),
            ActionItem(title="Déjà fait", owner_structure_id=ms, due_date=date(2026, 9, 1),
                       status="done", created_at=EARLY, closed_at=_at(date(2026, 8, 30))),
            ActionItem(title="Plus tard", owner_structure_id=ms, due_date=date(2027, 5, 1),
                       created_at=EARLY),
        ])
        pillar = Pillar(year=2026, position=1, title_fr="Infrastructures")
        db.add(pillar)
        db.flush()
        initiative = Initiative(pillar_id=pillar.id, title="Dossier patient informatisé",
                                owner_structure_id=ms)
        db.add(initiative)
        db.flush()
        passed = Milestone(initiative_id=initiative.id, title="Pilote à Cotonou",
                           due_date=date(2026, 9, 30))
        moved = Milestone(initiative_id=initiative.id, title="Déploiement national",
                          due_date=date(2027, 2, 28))
        earlier = Milestone(initiative_id=initiative.id, title="Cahier des charges",
                            due_date=date(2026, 12, 20))
        done = Milestone(initiative_id=initiative.id, title="Étude", due_date=date(2026, 7, 1),
                         done_on=date(2026, 6, 30))
        db.add_all([passed, moved, earlier, done])
        db.flush()
        db.add_all([
            AuditEvent(at=_at(date(2026, 9, 1)), action="update", object_type="Milestone",
                       object_id=moved.id, field="due_date", old_value="2026-10-15",
                       new_value="2027-02-28", user_login="admin"),
            AuditEvent(at=_at(date(2026, 9, 2)), action="update", object_type="Milestone",
                       object_id=earlier.id, field="due_date", old_value="2027-01-31",
                       new_value="2026-12-20", user_login="admin"),
            # before the previous session: not a slip « since the previous session »
            AuditEvent(at=_at(date(2026, 3, 1)), action="update", object_type="Milestone",
                       object_id=done.id, field="due_date", old_value="2026-04-01",
                       new_value="2026-07-01", user_login="admin"),
        ])
        kpi = repo.get_kpi_by_code(db, "ESV_NEW")
        for n in range(22):  # 2021 T1 … 2026 T2, a steady rise of 10 a quarter
            db.add(Result(structure_id=ms, kpi_id=kpi.id, year=2021 + n // 4,
                          quarter=n % 4 + 1, value=100 + 10 * n, status="validated"))
        db.add_all([Target(kpi_id=kpi.id, year=2026, value=1500),
                    Submission(structure_id=ms, year=2026, quarter=2, status="validated"),
                    ConfidenceRating(structure_id=ms, year=2026, quarter=2, kpi_id=kpi.id,
                                     source="dsi", level="on_track")])
    return {"held": held.id, "planned": planned.id}
