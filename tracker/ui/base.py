"""The only module of tracker/ that speaks Streamlit: engine, sessions, sign-in, shared widgets."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from datetime import date
from functools import cache
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session
from streamlit.logger import get_logger

from tracker import bootstrap
from tracker.accounts import auth, users
from tracker.core import logs
from tracker.core import repository as repo
from tracker.core.config import Settings, load_settings, upload_limit_mismatch
from tracker.core.db import reading, shared_engine, transaction
from tracker.core.errors import TrackerError
from tracker.core.i18n import LANGUAGES, get_language, set_language, t
from tracker.ui import sso
from tracker.ui.collector import collector
from tracker.ui.links import link_filters
from tracker.ui.navigation import may_open
from tracker.ui.web import COOKIE_NAME, lifespan, unsign_token

_ACTOR_KEY = "auth_session_id"
_HANDOFF_KEY = "auth_handoff"
_FORGET_KEY = "auth_forget"
REFUSED_KEY = "ui_refused"


T = TypeVar("T")
_log = get_logger(__name__)


def settings() -> Settings:
    return load_settings()


def check_upload_limit() -> str | None:
    """Log (and return) a warning when Streamlit's ``server.maxUploadSize`` differs from
    ``TRACKER_UPLOAD_LIMIT_MB``: the server would refuse or accept files the imports do not."""
    warning = upload_limit_mismatch(settings().upload_limit_mb,
                                    int(st.config.get_option("server.maxUploadSize")))
    if warning:
        _log.warning(warning)
    return warning


@asynccontextmanager
async def server_lifespan(app: object) -> AsyncIterator[None]:
    """At server start: the upload limit check, then the database's migration and seeding."""
    check_upload_limit()
    async with lifespan(app):
        yield


def engine_for(url: str, demo: bool) -> Engine:
    """The process's one engine for ``url`` (shared with the HTTP routes and the start-up),
    the database migrated and seeded once."""
    engine = shared_engine(url)
    bootstrap.ensure_ready(engine, demo=demo)
    return engine


def engine() -> Engine:
    """The process's engine for the configured URL, migrated and seeded on first use."""
    config = settings()
    return engine_for(config.database_url, config.demo_on_first_start)


@contextmanager
def read() -> Iterator[Session]:
    with reading(engine()) as session:
        yield session


def later(build: Callable[[], bytes]) -> Callable[[], bytes]:
    """A file built only when its download button is clicked (Streamlit then calls ``build`` on
    another thread), in the language of the page that drew the button. A page never builds a
    file nobody asked for on each of its runs (the follow-up of a decade is 20,000 rows)."""
    lang = get_language()

    def make() -> bytes:
        set_language(lang)
        return build()
    return make


def deferred(build: Callable[[Session], bytes]) -> Callable[[], bytes]:
    """Like ``later``, for a file read from the database when it is clicked."""
    bound = engine()

    def make() -> bytes:
        with reading(bound) as session:
            return build(session)
    return later(make)


@contextmanager
def write() -> Iterator[Session]:
    """One transaction for one user action; rolled back on any error."""
    with transaction(engine()) as session:
        yield session


# Page scripts running at once in this server process; the others wait their turn. The scripts
# share one interpreter (its GIL): with 25 of them sliced together, each SQLite or PostgreSQL
# call that lets the GIL go waits a full round of the others to get it back, so a save's
# transaction held the write lock for 30 s and the next save failed with "database is locked"
# (BENCHMARKS.md, issue 15). Three at a time keep both cores busy (the database and argon2 run
# outside the GIL) and a run, once started, ends in its own time. A run waits at most
# SLOT_WAIT seconds for a slot, then runs anyway: a run that hangs (a report's renderer, a
# database that stops answering) never stalls the others.
CONCURRENT_RUNS = 3
SLOT_WAIT = 5.0
_run_slots = threading.BoundedSemaphore(CONCURRENT_RUNS)


@contextmanager
def run_slot() -> Iterator[None]:
    """Run the page script (app.py) in one of the ``CONCURRENT_RUNS`` slots, waiting for one
    (first come, first served) at most ``SLOT_WAIT`` seconds; the slot is given back however the
    run ends (``st.rerun``, ``st.stop``, an error)."""
    slotted = _run_slots.acquire(timeout=SLOT_WAIT)
    collector.run_started()
    try:
        yield
    finally:
        collector.run_finished()  # the garbage of the run is collected soon after (collector.py)
        if slotted:
            _run_slots.release()


def today() -> date:
    return date.today()


@cache
def page_icon() -> Any:
    """The browser tab's icon, drawn here (a hub: one node linked to four) so that the page asks
    nothing of another site: Streamlit fetches a Material icon's favicon from Google's."""
    from PIL import Image, ImageDraw

    size, blue = 64, (0, 84, 147, 255)
    icon = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(icon)
    centre = size // 2
    for x, y in ((12, 12), (52, 12), (12, 52), (52, 52)):
        draw.line((centre, centre, x, y), fill=blue, width=5)
        draw.ellipse((x - 8, y - 8, x + 8, y + 8), fill=blue)
    draw.ellipse((centre - 12, centre - 12, centre + 12, centre + 12), fill=blue)
    return icon


# --- language -----------------------------------------------------------------------------


_DRAWN_IN = "ui_language_drawn"
# The pickers whose choice Streamlit keeps as its worded label (format_func's output): their
# serialisers, by class name (selectbox, radio, multiselect, select_slider, pills, segmented).
_WORDED_CHOICES = {"SelectboxSerde", "RadioSerde", "MultiSelectSerde", "SelectSliderSerde",
                   "_SingleSelectButtonGroupSerde", "_MultiSelectButtonGroupSerde"}


def apply_language() -> str:
    """The session's language for this run. When it has just changed, every picker keeps its
    choice (see ``keep_worded_choices``)."""
    lang = str(st.session_state.get("lang", "fr"))
    if st.session_state.get(_DRAWN_IN, lang) != lang:
        keep_worded_choices()
    st.session_state[_DRAWN_IN] = lang
    set_language(lang)
    return lang


def keep_worded_choices() -> None:
    """Streamlit remembers a picker's choice by its label, worded in the language it was drawn
    in (« 1er trimestre 2026 »); the other language has no such option, so the picker would fall
    back to its default (or show a label it does not offer). Before the page is drawn in the new
    language, each picker with a key is given its choice again as a value, which Streamlit then
    words in the new language."""
    from streamlit.runtime.state import get_session_state

    # Streamlit's own state (it has no public API to tell a picker's key from others').
    state = get_session_state()._state
    mapper, widgets = state._key_id_mapper, state._new_widget_state
    for key in list(st.session_state.keys()):
        widget_id = mapper.get_id_from_key(str(key))
        metadata = widgets.widget_metadata.get(widget_id) if widget_id else None
        owner = getattr(metadata.deserializer, "__self__", None) if metadata else None
        if type(owner).__name__ not in _WORDED_CHOICES:
            continue
        try:
            choice = st.session_state[key]
        except KeyError:
            continue
        st.session_state[key] = choice


def language_switch(actor: auth.Actor | None = None) -> None:
    labels = {"fr": "Français", "en": "English"}
    current = get_language()
    choice = st.sidebar.radio(t("common.language"), LANGUAGES, index=LANGUAGES.index(current),
                              format_func=labels.__getitem__, horizontal=True,
                              key="app_language")
    if choice != current:
        st.session_state["lang"] = choice
        if actor is not None:  # kept on the account: a reload or the next sign-in keeps it
            with write() as session:
                users.choose_language(session, actor, choice)
        st.rerun()


# --- sign-in ------------------------------------------------------------------------------


def _session_check(check: Callable[[Session, bool], Any]) -> Any:
    """Run a session check in a read transaction (page runs stay concurrent); when the browser
    session must be touched or ended, again in a write transaction (BEGIN IMMEDIATE)."""
    try:
        with read() as session:
            return check(session, False)
    except auth.SessionWriteNeeded:
        with write() as session:
            return check(session, True)


def current_actor() -> auth.Actor | None:
    """The signed-in user, re-read from the database at every run; None when signed out. The
    run's log lines carry the browser session's id and this user's login."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    logs.request_id.set(context.session_id[:12] if context is not None else None)
    actor = _signed_in()
    logs.current_user.set(actor.login if actor is not None else None)
    return actor


def _signed_in() -> auth.Actor | None:
    idle = settings().session_idle_minutes
    session_id = st.session_state.get(_ACTOR_KEY)
    if session_id is not None:
        open_id = int(session_id)
        actor: auth.Actor | None = _session_check(lambda session, write: auth.check_session(
            session, open_id, idle_minutes=idle, write=write))
        if actor is None:
            st.session_state.pop(_ACTOR_KEY, None)
            st.session_state[_FORGET_KEY] = True
        return actor
    cookie = st.context.cookies.get(COOKIE_NAME) if st.context.cookies else None
    token = unsign_token(settings().cookie_secret, cookie) if cookie else None
    if token is not None and not st.session_state.get(_FORGET_KEY):
        resumed = _session_check(lambda session, write: auth.resume_session(
            session, token, idle_minutes=idle, write=write))
        if resumed is not None:
            actor, session_id = resumed
            st.session_state[_ACTOR_KEY] = session_id
            st.session_state.setdefault("lang", actor.language)
            return actor
        # This browser's session ended (idle expiry, logout elsewhere, deactivation): the
        # identity the provider gave it then must not open a new one unasked.
        st.session_state[_FORGET_KEY] = True
        sso.spend_identity()
        return None
    # Just back from the identity provider: the same kind of session as a password opens.
    opened = sso.open_from_identity(engine, settings().sso_create)
    if opened is None:
        return None
    actor, session_id, code = opened
    st.session_state[_ACTOR_KEY] = session_id
    st.session_state[_HANDOFF_KEY] = code
    st.session_state["lang"] = actor.language
    return actor


def login_page() -> None:
    """The single sign-on button when an identity provider is configured, the sign-in form
    (unless TRACKER_LOCAL_LOGIN=0 hides it behind single sign-on), and, in demo mode, the demo
    accounts."""
    if st.session_state.pop(_FORGET_KEY, False) or sso.pending_identity():
        # The app's cookie, and Streamlit's identity cookies, which would sign in again.
        st.markdown("![](/auth/forget)")
    st.title(t("auth.app_title"))
    st.caption(t("auth.tagline"))
    with read() as session:
        demo = repo.is_demo(session)
    config = settings()
    single_sign_on = sso.configured()
    if refusal := sso.take_refusal():
        st.error(plain(refusal))
    if single_sign_on:
        sso.login_button(config.sso_label or t("auth.sso"))
        if not config.local_login:
            _demo_notice(demo, accounts=False)
            return
        st.caption(t("auth.sso_or"))
    elif not config.local_login:
        _log.warning("TRACKER_LOCAL_LOGIN=0 but no identity provider is configured ([auth] in "
                     ".streamlit/secrets.toml): the local sign-in form stays")
    _local_form()
    _demo_notice(demo)


def _local_form() -> None:
    """The local accounts' sign-in form (argon2 passwords)."""
    with st.form("login_form"):
        st.subheader(t("auth.login_title"))
        login = st.text_input(t("auth.login"), key="login_user")
        password = st.text_input(t("auth.password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("auth.submit"), type="primary")
    if submitted:
        try:
            actor, session_id, code = auth.sign_in(engine(), login, password,
                                                   client=client_address())
        except TrackerError as exc:
            st.error(plain(exc))
        else:
            st.session_state[_ACTOR_KEY] = session_id
            st.session_state[_HANDOFF_KEY] = code
            st.session_state["lang"] = actor.language
            st.rerun()


def _demo_notice(demo: bool, *, accounts: bool = True) -> None:
    """The demo notice and, when the local form is shown, the demo accounts."""
    if not demo:
        return
    st.warning(t("common.demo_notice"), icon=":material/science:")
    if accounts:
        st.markdown(f"**{t('auth.demo_accounts')}**")
        st.table(demo_accounts_frame().set_index(t("users.login")))


def client_address() -> str | None:
    """The signing-in browser's address for the per-address throttle: the connection's, or,
    behind a trusted reverse proxy (TRACKER_TRUSTED_PROXIES), the one its X-Forwarded-For
    gives."""
    return settings().trusted_proxies.client(st.context.ip_address,
                                             st.context.headers.get_all("X-Forwarded-For"))


def demo_accounts_frame() -> pd.DataFrame:
    return pd.DataFrame([{t("users.login"): a["login"],
                          t("users.role"): t(f"users.roles.{a['role']}"),
                          t("users.structure"): a["structure_code"] or "—"}
                         for a in bootstrap.DEMO_ACCOUNTS])


def sidebar(actor: auth.Actor) -> None:
    """Language, who is signed in, logout, and the demo notice."""
    code = st.session_state.pop(_HANDOFF_KEY, None)
    if code:
        # The browser fetches its HttpOnly cookie (same origin) so that a reload keeps it signed in.
        st.sidebar.markdown(f"![](/auth/handoff?code={code})")
    language_switch(actor)
    role = t(f"users.roles.{actor.role.value}")
    st.sidebar.caption(plain(t("auth.signed_in_as", name=actor.display_name) + f" · {role}"
                             + (f" · {actor.structure_code}" if actor.structure_code else "")))
    if st.sidebar.button(t("auth.logout"), key="app_logout"):
        with write() as session:
            auth.close_session(session, st.session_state.get(_ACTOR_KEY, 0))
        for key in list(st.session_state.keys()):
            if key != "lang":
                del st.session_state[key]
        st.session_state[_FORGET_KEY] = True
        if sso.signed_in_at_provider():
            sso.logout()  # Streamlit's identity too, then the provider's end of session
            st.stop()
        st.rerun()
    with read() as session:
        if repo.is_demo(session):
            st.sidebar.info(t("common.demo_notice"), icon=":material/science:")


def require_actor(page: str) -> auth.Actor:
    """Every page starts here: the signed-in actor, refused unless their role may open
    ``page`` (its path, as in the navigation table; a page the table does not name is refused
    to everyone)."""
    RUN_REVISION.set(None)
    apply_language()
    actor = current_actor()
    if actor is None:
        st.warning(t("auth.session_expired"))
        st.stop()
    assert actor is not None
    if not may_open(actor.role, page):
        logs.log_event(logs.PERMISSIONS, "permission_refused", level=logging.WARNING,
                       where="page", page=page, role=actor.role.value)
        st.error(t("common.permission"))
        st.stop()
    if refused := st.session_state.pop(REFUSED_KEY, None):
        st.error(plain(refused))
    link_filters(page)  # a link's filters (/actions?overdue=1) set before the page's widgets
    return actor


# --- shared widgets -----------------------------------------------------------------------


# What makes Markdown act rather than show: links and images ([…](…)), colours (:red[…]),
# HTML (<…>), LaTeX ($…$), code (`…`) and escapes (\). Emphasis signs only style the text.
# Headings (#), tables (|) and the lines that underline a heading or draw a rule (---, ===)
# would reshape the page: escaped too.
_MARKDOWN_SIGNS = re.compile(r"([\\`\[\]<>$#|])")
_RULE_LINE = re.compile(r"(?m)^(\s*)([-=*_])(?=[-=*_\s]*$)")
# What acts whatever is escaped, read from the text itself: GitHub's bare links (https://…,
# www.…, …@…) and Streamlit's icons and emoji (:material/…:, :skull:). An invisible word joiner
# breaks the pattern.
_BARE_LINK = re.compile(r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=ftp)(?=:)|(?<=\bwww)(?=\.)|(?=@)"
                        r"|(?<=:)(?=[a-z])")
_JOINER = "\u2060"


def plain(text: object) -> str:
    """User- or admin-written text made inert wherever Streamlit reads Markdown (st.markdown,
    st.caption, st.info / warning / success / error, st.write of a string, spinners, labels):
    the signs by which Markdown, its extensions or HTML would act are escaped, so
    ``![](https://…)`` shows as typed and fetches nothing, and a bare address is no link."""
    escaped = _RULE_LINE.sub(r"\1\\\2", _MARKDOWN_SIGNS.sub(r"\\\1", str(text)))
    return _BARE_LINK.sub(_JOINER, escaped)


RUN_REVISION: ContextVar[Any] = ContextVar("tracker_run_revision", default=None)
