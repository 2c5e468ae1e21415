"""« Conférences »: the secretariat proposes the agenda of a planned session, keeps, drops,
reorders and renames items, and nothing is written before « Enregistrer l'ordre du jour »;
replacing an existing agenda needs its confirmation; the brief is offered for download."""

from agenda_scene import build_scene
from sqlmodel import Session, select

from tracker.core.db import transaction
from tracker.core.models import AgendaItem

PAGE = "pages/conferences.py"


def _agenda(engine, conference_id):
    with Session(engine) as db:
        return [(a.position, a.title) for a in db.exec(
            select(AgendaItem).where(AgendaItem.conference_id == conference_id)
            .order_by(AgendaItem.position)).all()]


def _proposed(run_page, engine, seeded):
    ids = build_scene(engine, seeded)
    at = run_page(PAGE, "admin", conferences_selected=ids["planned"])
    assert not at.exception
    at.button(key=f"agenda_propose_{ids['planned']}").click().run()
    assert not at.exception
    return at, ids


def test_the_proposal_is_reviewed_then_saved_and_nothing_is_written_before(run_page, engine,
                                                                           seeded):
    at, ids = _proposed(run_page, engine, seeded)
    planned = ids["planned"]
    editor = f"agenda_proposal_editor_{planned}"
    frame = at.session_state[f"agenda_proposal_{planned}"]["frame"]
    titles = list(frame["title"])
    assert titles[0] == "Ouverture de la session" and titles[-1] == "Divers"
    assert titles[6] == "Action remontée à la conférence (1)"
    assert _agenda(engine, planned) == []  # proposing writes nothing

    escalated = titles.index("Action remontée à la conférence (1)")
    at.session_state[editor] = {"edited_rows": {
        escalated: {"keep": False}, 0: {"title": "Ouverture officielle"},
        len(titles) - 1: {"position": 2}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception and _agenda(engine, planned) == []  # edits write nothing either
    at.button(key=f"agenda_proposal_save_{planned}").click().run()

    assert not at.exception
    saved = _agenda(engine, planned)
    assert len(saved) == len(titles) - 1
    assert [title for _, title in saved[:3]] == ["Ouverture officielle", titles[1], "Divers"]
    assert all("Action remontée" not in title for _, title in saved)
    assert at.success[0].value == f"Ordre du jour enregistré ({len(titles) - 1} points)."
    assert f"agenda_proposal_{planned}" not in at.session_state  # the review is closed


def test_replacing_an_existing_agenda_needs_the_confirmation(run_page, engine, seeded):
    ids = build_scene(engine, seeded)
    planned = ids["planned"]
    with transaction(engine) as db:
        db.add(AgendaItem(conference_id=planned, position=1, title="Point déjà inscrit"))
    at = run_page(PAGE, "admin", conferences_selected=planned)
    at.button(key=f"agenda_propose_{planned}").click().run()
    at.radio(key=f"agenda_proposal_mode_{planned}").set_value(True).run()
    at.button(key=f"agenda_proposal_save_{planned}").click().run()

    assert not at.exception
    assert "Confirmez le remplacement" in at.error[0].value
    assert _agenda(engine, planned) == [(1, "Point déjà inscrit")]

    at.checkbox(key=f"agenda_proposal_confirm_{planned}").check().run()
    at.button(key=f"agenda_proposal_save_{planned}").click().run()
    assert not at.exception
    saved = _agenda(engine, planned)
    assert saved[0] == (1, "Ouverture de la session") and len(saved) == 9
    assert "Point déjà inscrit" not in [title for _, title in saved]


def test_readers_get_the_brief_but_no_proposal(run_page, engine, seeded):
    ids = build_scene(engine, seeded)
    at = run_page(PAGE, "direction", conferences_selected=ids["planned"])
    assert not at.exception
    keys = [b.key for b in at.button]
    assert f"agenda_propose_{ids['planned']}" not in keys
    downloads = [e for e in at.get("download_button")
                 if e.proto.id and f"agenda_brief_download_{ids['planned']}" in e.proto.id]
    assert downloads
    dsi = run_page(PAGE, "dsi-ms", conferences_selected=ids["planned"])
    assert not [e for e in dsi.get("download_button") if "agenda_brief" in e.proto.id]


def test_a_proposed_items_link_sets_the_filters_of_its_page(apptest, login_apptest, engine,
                                                           seeded):
    build_scene(engine, seeded)
    at = apptest("pages/actions.py")
    login_apptest(at, "admin")
    at.query_params["kind"] = "action"
    at.query_params["overdue"] = "1"
    at.run()

    assert not at.exception
    assert at.checkbox(key="actions_overdue").value is True
    assert at.radio(key="actions_kind").value == "action"
    assert "overdue" not in at.query_params  # set once: the user's own choices stay theirs

    at.checkbox(key="actions_overdue").uncheck().run()
    assert at.checkbox(key="actions_overdue").value is False
