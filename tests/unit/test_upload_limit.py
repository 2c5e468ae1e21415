"""TRACKER_UPLOAD_LIMIT_MB is the one upload limit: the checks, the widgets, and a warning at
server start when Streamlit's server.maxUploadSize says something else."""

import asyncio
import importlib.util
import logging
import threading

import pytest
import streamlit as st
from sqlalchemy import create_engine, inspect

from tracker.core.config import ROOT, load_settings, upload_limit_mb, upload_limit_mismatch
from tracker.core.errors import UploadError
from tracker.files.uploads import decode_text

MB = 1024 * 1024


@pytest.fixture
def server_max_upload():
    """Set Streamlit's server.maxUploadSize for one test, as a config file or flag would."""
    before = st.config.get_option("server.maxUploadSize")

    def set_value(megabytes: int) -> None:
        st.config.set_option("server.maxUploadSize", megabytes)

    yield set_value
    st.config.set_option("server.maxUploadSize", before)


@pytest.fixture
def ui_warnings(caplog):
    """The messages tracker.ui.base logs (Streamlit's loggers do not propagate to caplog's)."""
    logger = logging.getLogger("tracker.ui.base")
    logger.addHandler(caplog.handler)
    yield lambda: [r.getMessage() for r in caplog.records if r.name == "tracker.ui.base"
                   and r.levelno == logging.WARNING]
    logger.removeHandler(caplog.handler)


def test_a_file_over_the_configured_limit_is_refused_with_that_limit(monkeypatch):
    monkeypatch.setenv("TRACKER_UPLOAD_LIMIT_MB", "1")

    assert decode_text(b"a" * MB, "full.csv") == "a" * MB
    with pytest.raises(UploadError) as refused:
        decode_text(b"a" * (MB + 1), "big.csv")

    assert str(refused.value) == (
        "Le fichier « big.csv » dépasse la taille maximale autorisée (1 Mo).")


def test_a_larger_configured_limit_lets_a_larger_file_through(monkeypatch):
    data = b"a" * (11 * MB)
    monkeypatch.delenv("TRACKER_UPLOAD_LIMIT_MB", raising=False)
    with pytest.raises(UploadError):
        decode_text(data, "eleven.csv")

    monkeypatch.setenv("TRACKER_UPLOAD_LIMIT_MB", "12")

    assert len(decode_text(data, "eleven.csv")) == 11 * MB


def test_the_limit_defaults_to_10_mb_and_reaches_the_settings():
    env = {"TRACKER_COOKIE_SECRET": "x" * 40}

    assert upload_limit_mb({}) == 10
    assert load_settings(env).upload_limit_mb == 10
    assert load_settings(env | {"TRACKER_UPLOAD_LIMIT_MB": "25"}).upload_limit_mb == 25


@pytest.mark.parametrize("value", ["0", "-3", "ten", "2.5"])
def test_a_limit_that_is_not_a_positive_whole_number_is_refused(value):
    with pytest.raises(ValueError, match="TRACKER_UPLOAD_LIMIT_MB"):
        upload_limit_mb({"TRACKER_UPLOAD_LIMIT_MB": value})


def test_limits_that_agree_give_no_warning_and_limits_that_differ_say_both():
    assert upload_limit_mismatch(10, 10) is None
    smaller_server = upload_limit_mismatch(20, 10)
    larger_server = upload_limit_mismatch(5, 200)

    assert smaller_server is not None and larger_server is not None
    assert "TRACKER_UPLOAD_LIMIT_MB is 20" in smaller_server
    assert "server.maxUploadSize is 10" in smaller_server
    assert "refused by the server" in smaller_server
    assert "up to 200 MB" in larger_server


def test_server_start_warns_when_streamlit_limit_differs(monkeypatch, server_max_upload,
                                                           ui_warnings):
    from tracker.ui import base as ui

    monkeypatch.setenv("TRACKER_UPLOAD_LIMIT_MB", "10")
    server_max_upload(10)
    assert ui.check_upload_limit() is None
    assert ui_warnings() == []

    server_max_upload(50)
    ui.check_upload_limit()

    assert len(ui_warnings()) == 1
    assert "server.maxUploadSize is 50" in ui_warnings()[0]


def test_app_lifespan_checks_the_limit_then_migrates(tmp_path, monkeypatch, server_max_upload,
                                                      ui_warnings):
    url = f"sqlite:///{tmp_path / 'start.db'}"
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    monkeypatch.setenv("TRACKER_DEMO", "0")
    monkeypatch.setenv("TRACKER_COOKIE_SECRET", "x" * 40)
    monkeypatch.setenv("TRACKER_UPLOAD_LIMIT_MB", "30")
    server_max_upload(10)
    spec = importlib.util.spec_from_file_location("cdsi_app_under_test", ROOT / "app.py")
    assert spec is not None and spec.loader is not None
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)

    async def start_and_stop() -> None:
        async with app._lifespan(app.app):
            pass

    # In a thread of its own: a browser test of the same worker may hold an event loop here.
    worker = threading.Thread(target=asyncio.run, args=(start_and_stop(),))
    worker.start()
    worker.join(timeout=120)

    assert len(ui_warnings()) == 1
    assert "TRACKER_UPLOAD_LIMIT_MB is 30" in ui_warnings()[0]
    assert "structure" in inspect(create_engine(url)).get_table_names()
