"""Every upload widget states and enforces TRACKER_UPLOAD_LIMIT_MB (the browser refuses a larger
file before it is sent; the imports refuse it again on the server)."""

PV_PAGE = "pages/minutes.py"
ACTIONS_PAGE = "pages/actions.py"


def test_minutes_upload_states_the_configured_limit(run_page, monkeypatch):
    monkeypatch.setenv("TRACKER_UPLOAD_LIMIT_MB", "3")

    at = run_page(PV_PAGE, "admin")

    assert not at.exception
    assert at.file_uploader[0].help == "Fichiers de 3 Mo au plus."
    assert at.file_uploader[0].proto.max_upload_size_mb == 3


def test_import_panel_upload_states_the_default_limit_in_english(run_page, monkeypatch):
    monkeypatch.delenv("TRACKER_UPLOAD_LIMIT_MB", raising=False)

    at = run_page(ACTIONS_PAGE, "admin", lang="en")

    assert not at.exception
    uploader = at.file_uploader(key="actions_followup_file")
    assert (uploader.help, uploader.proto.max_upload_size_mb) == ("Files of 10 MB at most.", 10)
