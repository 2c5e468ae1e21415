"""Minutes page: upload, review, confirm; a bad file writes nothing; admin only."""

from pathlib import Path

from sqlmodel import Session, select

from tracker.core.models import ActionItem, Conference, Minutes

PAGE = "pages/minutes.py"
MD = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "pv-cdsi-2025-session2.md"


def upload(at, name, data, mime="text/markdown"):
    at.file_uploader[0].set_value((name, data, mime))
    at.run()
    at.button(key="minutes_analyse").click().run()
    return at


def test_secretariat_uploads_reviews_and_confirms_a_pv(run_page, engine):
    at = run_page(PAGE, "admin")
    assert not at.exception
    upload(at, MD.name, MD.read_bytes())
    assert not at.exception
    assert at.info[0].value == f"Fichier analysé : {MD.name}. Relisez puis confirmez."
    assert at.number_input(key="minutes_number_0").value == 18
    assert at.text_input(key="minutes_place_0").value.startswith("Cotonou")
    with Session(engine) as session:  # nothing before the confirmation
        assert session.exec(select(Conference)).first() is None
    # The extracted text is shown as plain text, never as markdown.
    assert any("Aïcha DOSSOU" in element.value for element in at.text)
    at.button(key="minutes_confirm").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Procès-verbal enregistré pour la 18e conférence")
    with Session(engine) as session:
        assert session.exec(select(Conference)).one().number == 18
        assert len(session.exec(select(ActionItem)).all()) == 4 + 21
        assert session.exec(select(Minutes)).one().filename == MD.name
    downloads = at.get("download_button")
    assert len(downloads) == 1 and downloads[0].proto.label == "Télécharger le fichier original"


def test_a_pdf_is_refused_with_a_clear_message_and_nothing_is_written(run_page, engine):
    at = run_page(PAGE, "admin")
    upload(at, "pv.txt", b"%PDF-1.7 binary", "text/plain")
    assert not at.exception
    assert "PDF" in at.error[0].value
    assert not any(b.key == "minutes_confirm" for b in at.button)
    with Session(engine) as session:
        assert session.exec(select(Conference)).first() is None


def test_a_header_only_pv_is_refused_with_its_reason_and_nothing_is_written(run_page, engine):
    at = run_page(PAGE, "admin")
    header = "# Procès-verbal de la 2e session de la Conférence des DSI\n\n**Date :** 24/06/2025\n"
    upload(at, "pv.md", header.encode())
    assert not at.exception
    assert "ne contient que l'en-tête" in at.error[0].value
    assert not any(b.key == "minutes_confirm" for b in at.button)
    with Session(engine) as session:
        assert session.exec(select(Conference)).first() is None


def test_an_empty_section_and_guessed_values_are_shown_for_review(run_page):
    at = run_page(PAGE, "admin")
    text = (
        "# Procès-verbal de la 2e session de la Conférence des DSI (18e conférence)\n\n"
        "Cotonou, le mardi 24 juin 2025\n\n"
        "## Participants\n\n- Aïcha DOSSOU, DSI, MEF\n\n## Décisions\n\n"
        "## Actions à mener\n\nLe MEF devra publier le guide avant le 30 septembre 2025.\n"
    )
    upload(at, "pv.md", text.encode())
    assert not at.exception
    shown = [element.value for element in at.text]
    assert "La section « Décisions » a été reconnue mais aucun élément n'a pu en être extrait : " \
        "vérifiez-la dans le fichier." in shown
    assert at.warning[0].value.startswith("Champs de la session à vérifier : ")
    assert "Lieu" in at.warning[0].value


def test_a_dsi_cannot_open_the_page(run_page):
    at = run_page(PAGE, "dsi-ms")
    assert at.error[0].value == "Vous n'avez pas le droit d'effectuer cette action."
    assert not at.file_uploader
