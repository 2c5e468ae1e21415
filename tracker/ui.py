"""The only module of tracker/ that speaks Streamlit: engine, sessions, sign-in, shared widgets."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session
from streamlit.logger import get_logger

from tracker import auth, bootstrap, exports
from tracker.config import Settings, load_settings, upload_limit_mismatch
from tracker.db import make_engine, reading, transaction
from tracker.errors import RowError, StaleEdit, TrackerError, ValidationFailed
from tracker.i18n import LANGUAGES, get_language, set_language, t
from tracker.models import Role
from tracker.tables import ColumnSpec
from tracker.web import COOKIE_NAME, lifespan, unsign_token

_ACTOR_KEY = "auth_session_id"
_HANDOFF_KEY = "auth_handoff"
_FORGET_KEY = "auth_forget"
_REFUSED_KEY = "ui_refused"


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


def file_uploader(label: str, *, types: Sequence[str], key: str) -> Any:
    """A file upload widget that refuses files over ``TRACKER_UPLOAD_LIMIT_MB`` and says so."""
    limit = settings().upload_limit_mb
    return st.file_uploader(label, type=list(types), key=key, max_upload_size=limit,
                            help=t("upload.limit_help", limit=limit))


@st.cache_resource(show_spinner=False)
def _engine(url: str, demo: bool) -> Engine:
    engine = make_engine(url)
    bootstrap.ensure_ready(engine, demo=demo)
    return engine


def engine() -> Engine:
    """The process's engine for the configured URL, migrated and seeded on first use."""
    config = settings()
    return _engine(config.database_url, config.demo_on_first_start)


@contextmanager
def read() -> Iterator[Session]:
    with reading(engine()) as session:
        yield session


@contextmanager
def write() -> Iterator[Session]:
    """One transaction for one user action; rolled back on any error."""
    with transaction(engine()) as session:
        yield session


def today() -> date:
    return date.today()


# --- language -----------------------------------------------------------------------------


def apply_language() -> str:
    lang = st.session_state.get("lang", "fr")
    set_language(lang)
    return str(lang)


def language_switch() -> None:
    labels = {"fr": "Français", "en": "English"}
    current = get_language()
    choice = st.sidebar.radio(t("common.language"), LANGUAGES, index=LANGUAGES.index(current),
                              format_func=labels.__getitem__, horizontal=True,
                              key="app_language")
    if choice != current:
        st.session_state["lang"] = choice
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
    """The signed-in user, re-read from the database at every run; None when signed out."""
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
    if token is None or st.session_state.get(_FORGET_KEY):
        return None
    resumed = _session_check(lambda session, write: auth.resume_session(
        session, token, idle_minutes=idle, write=write))
    if resumed is None:
        return None
    actor, session_id = resumed
    st.session_state[_ACTOR_KEY] = session_id
    st.session_state.setdefault("lang", actor.language)
    return actor


def login_page() -> None:
    """The sign-in form (and, in demo mode, the demo accounts)."""
    if st.session_state.pop(_FORGET_KEY, False):
        st.markdown("![](/auth/forget)")
    st.title(t("auth.app_title"))
    st.caption(t("auth.tagline"))
    with read() as session:
        demo = bootstrap.is_demo(session)
    with st.form("login_form"):
        st.subheader(t("auth.login_title"))
        login = st.text_input(t("auth.login"), key="login_user")
        password = st.text_input(t("auth.password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("auth.submit"), type="primary")
    if submitted:
        try:
            actor, session_id, code = auth.sign_in(engine(), login, password,
                                                   client=st.context.ip_address)
        except TrackerError as exc:
            st.error(plain(exc))
        else:
            st.session_state[_ACTOR_KEY] = session_id
            st.session_state[_HANDOFF_KEY] = code
            st.session_state["lang"] = actor.language
            st.rerun()
    if demo:
        st.warning(t("common.demo_notice"), icon=":material/science:")
        st.markdown(f"**{t('auth.demo_accounts')}**")
        st.table(demo_accounts_frame().set_index(t("users.login")))


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
    language_switch()
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
        st.rerun()
    with read() as session:
        if bootstrap.is_demo(session):
            st.sidebar.info(t("common.demo_notice"), icon=":material/science:")


def require_actor(*roles: Role) -> auth.Actor:
    """Every page starts here: the signed-in actor, refused unless their role may use the page."""
    _RUN_REVISION.set(None)
    apply_language()
    actor = current_actor()
    if actor is None:
        st.warning(t("auth.session_expired"))
        st.stop()
    assert actor is not None
    if roles and actor.role not in roles:
        st.error(t("common.permission"))
        st.stop()
    if refused := st.session_state.pop(_REFUSED_KEY, None):
        st.error(plain(refused))
    return actor


# --- shared widgets -----------------------------------------------------------------------


# What makes Markdown act rather than show: links and images ([…](…)), colours (:red[…]),
# HTML (<…>), LaTeX ($…$), code (`…`) and escapes (\). Emphasis signs only style the text.
_MARKDOWN_SIGNS = re.compile(r"([\\`\[\]<>$])")


def plain(text: object) -> str:
    """User- or admin-written text made inert wherever Streamlit reads Markdown (st.markdown,
    st.caption, st.info / warning / success / error, st.write of a string, spinners, labels):
    the signs by which Markdown, its extensions or HTML would act are escaped, so
    ``![](https://…)`` shows as typed and fetches nothing."""
    return _MARKDOWN_SIGNS.sub(r"\\\1", str(text))


def on_screen(slot: str, fresh: Any, *, keep: bool) -> Any:
    """What the user has on screen under ``slot`` (a form's row, an editor's frame).

    Every click re-runs the page, which reads the database afresh. While the user acts on what
    they saw (``keep``: the click that saves it, or edits pending in its editor), the copy drawn
    before the click is returned: the save then checks the version they saw, and an editor's
    edits stay on the rows they were made on. Otherwise ``fresh`` is drawn and remembered."""
    name = f"on_screen::{slot}"
    if keep and name in st.session_state:
        return st.session_state[name]
    st.session_state[name] = fresh
    return fresh


def editor_rows(slot: str, fresh: pd.DataFrame, *, key: str, save: str) -> pd.DataFrame:
    """The frame drawn in the data editor ``key`` before this run while edits are pending or
    its ``save`` button is clicked (see ``on_screen``); else ``fresh``."""
    return on_screen(slot, fresh, keep=editing(key) or clicked(save))  # type: ignore[no-any-return]


def clicked(*keys: str) -> bool:
    """Whether this run answers a click on one of these buttons (read before they are drawn)."""
    return any(bool(st.session_state.get(key)) for key in keys)


def editing(key: str) -> bool:
    """Whether the data editor ``key`` holds edits not saved yet."""
    state = st.session_state.get(key)
    return isinstance(state, dict) and any(
        state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))


def show_error(error: Exception, *, refresh: str | None = None) -> None:
    """A sentence for the user; row errors as a table (row, column, reason).

    A stale save with ``refresh`` (the page's revision key): the message stays on screen while
    the page shows the current data again (the edits made on the old screen are dropped)."""
    if refresh is not None and isinstance(error, StaleEdit):
        st.session_state[refresh] = st.session_state.get(refresh, 0) + 1
        st.session_state[_REFUSED_KEY] = str(error)
        st.rerun()
    st.error(plain(error))
    if isinstance(error, ValidationFailed) and error.errors:
        row_errors(error.errors)


def row_errors(errors: list[RowError]) -> None:
    st.dataframe(placeholder="—",
                 data=pd.DataFrame([{t("common.row"): e.row, t("common.column"): e.column,
                                t("common.reason"): e.reason} for e in errors]),
                 hide_index=True, width="stretch")


def downloads(frame: pd.DataFrame, name: str, *, key: str, filters: str = "") -> None:
    """CSV and XLSX buttons for a table, stating its filters and the date of its data."""
    header = [line for line in (filters, t("common.data_as_of", when=today().isoformat())) if line]
    left, right = st.columns(2)
    left.download_button(t("common.download_csv"), exports.csv_bytes(frame, header_lines=header),
                         file_name=f"{name}.csv", mime="text/csv", key=f"{key}_csv")
    right.download_button(
        t("common.download_xlsx"), exports.xlsx_bytes({name: frame}, header_lines=header),
        file_name=f"{name}.xlsx", key=f"{key}_xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def column_config(specs: dict[str, ColumnSpec]) -> dict[str, Any]:
    """Streamlit column configuration from the domain's column specs."""
    config: dict[str, Any] = {"version": None}
    for name, spec in specs.items():
        common: dict[str, Any] = {"label": spec.label, "required": spec.required,
                                  "disabled": spec.disabled,
                                  "help": spec.help or None}
        if spec.kind == "select":
            config[name] = st.column_config.SelectboxColumn(options=list(spec.options),
                                                            format_func=spec.labels, **common)
        elif spec.kind == "date":
            config[name] = st.column_config.DateColumn(format="DD/MM/YYYY", **common)
        elif spec.kind == "checkbox":
            config[name] = st.column_config.CheckboxColumn(**common)
        elif spec.kind == "number":
            config[name] = st.column_config.NumberColumn(**common)
        elif spec.kind == "datetime":
            config[name] = st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm", **common)
        else:
            config[name] = st.column_config.TextColumn(**common)
    return config


def labels(prefix: str, columns: list[str]) -> dict[str, Any]:
    """Translated headers (and French date formats) for a read-only table."""
    config: dict[str, Any] = {}
    for column in columns:
        config[column] = st.column_config.Column(t(f"{prefix}{column}"))
    if "at" in columns:
        config["at"] = st.column_config.DatetimeColumn(t(f"{prefix}at"),
                                                       format="DD/MM/YYYY HH:mm")
    return config


UPLOAD_TYPES = ["csv", "tsv", "txt", "xlsx", "ods"]
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"


def template_downloads(*, key: str, stem: str, template: Any, lang: str,
                       csv: bytes | None = None) -> None:
    """The template of an import as XLSX and ODS (and CSV when given), each written only when
    clicked: ``template(session, lang)`` gives its tracker.spreadsheet_writing.Template."""
    from tracker import spreadsheet_writing as spreadsheets

    bound = engine()  # the click is served outside this script run

    def build(writer: Any) -> Any:
        def data() -> bytes:
            with reading(bound) as session:
                return bytes(writer(template(session, lang)))
        return data

    columns = st.columns(3 if csv is not None else 2)
    columns[0].download_button(t("upload.template_xlsx"), build(spreadsheets.template_xlsx),
                               file_name=f"{stem}.xlsx", mime=XLSX_MIME, key=f"{key}_tpl_xlsx")
    columns[1].download_button(t("upload.template_ods"), build(spreadsheets.template_ods),
                               file_name=f"{stem}.ods", mime=ODS_MIME, key=f"{key}_tpl_ods")
    if csv is not None:
        columns[2].download_button(t("results.template_csv"), csv, file_name=f"{stem}.csv",
                                   mime="text/csv", key=f"{key}_tpl_csv")


def import_panel(*, key: str, upload_label: str, read_file: Any, summary: Any,
                 apply: Any, confirm_label: str, accepted_frame: Any = None,
                 pending: Any = None) -> None:
    """Upload → preview (accepted rows, refused rows with row, column and reason) → one
    confirmation that re-reads the file and writes everything in one transaction, or nothing.

    ``read_file(session, data, filename)`` gives the preview (with ``rejected``), ``summary``
    its one-line description, ``apply(session, data, filename)`` writes and returns the message
    shown afterwards."""
    if flash := st.session_state.pop(f"{key}_flash", None):
        st.success(plain(flash))
    upload = file_uploader(upload_label, types=UPLOAD_TYPES, key=f"{key}_file")
    if upload is None:
        return
    data = upload.getvalue()
    try:
        with st.spinner(t("common.reading_file", file=plain(upload.name))), read() as session:
            preview = read_file(session, data, upload.name)
    except TrackerError as exc:
        show_error(exc)
        return
    st.markdown(plain(summary(preview)))
    if preview.rejected:
        row_errors(preview.rejected)
    if preview.notes:
        st.caption(t("upload.notes"))
        row_errors(preview.notes)
    if accepted_frame is not None and preview.accepted:
        st.dataframe(placeholder="—",
                     data=accepted_frame(preview), hide_index=True, width="stretch", height=240)
    waiting = pending(preview) if pending is not None else bool(preview.accepted)
    if waiting and st.button(confirm_label, type="primary", key=f"{key}_confirm"):
        try:
            with st.spinner(t("common.writing_file", file=upload.name)), write() as session:
                message = apply(session, data, upload.name)
        except TrackerError as exc:
            show_error(exc)
        else:
            st.session_state[f"{key}_flash"] = message
            st.rerun()


def results_import_panel(actor: auth.Actor, structure_code: str | None, year: int, quarter: int,
                         *, key: str) -> None:
    """Template downloads, upload, preview with rejected rows, then confirmation."""
    from tracker import results
    from tracker.reference import kpi_refs
    from tracker.results_import import results_template, template_csv

    st.caption(t("results.import_help"))
    with read() as session:
        kpis = [k for k in kpi_refs(session) if k.code not in results.COMPUTED_KPIS]
    code = structure_code or ""
    template_downloads(key=key, stem=f"modele-resultats-{code}-T{quarter}-{year}",
                       template=lambda _s, lang: results_template(kpis, code, lang),
                       lang=get_language(), csv=template_csv(kpis, code, get_language()))

    def read_file(session: Session, data: bytes, name: str) -> Any:
        return results.import_preview(session, actor, data, name, year=year, quarter=quarter,
                                      structure_code=structure_code, today=today())

    def apply(session: Session, data: bytes, name: str) -> str:
        written = results.apply_import(session, actor, read_file(session, data, name))
        return t("results.imported", n=written)

    import_panel(
        key=key, upload_label=t("results.upload"), read_file=read_file, apply=apply,
        confirm_label=t("results.confirm_import"),
        summary=lambda p: t("results.preview", accepted=len(p.accepted),
                            rejected=len(p.rejected_rows)),
        accepted_frame=results.preview_frame)


STATE_ICONS = {"not_started": "⬜", "draft": "✏️", "submitted": "📨", "validated": "✅",
               "returned": "↩️", "late": "⏰"}
_STATE_COLOURS = {"not_started": "#F2F2F2", "draft": "#FFF4CC", "submitted": "#D6E9F8",
                  "validated": "#CDEBD8", "returned": "#F9E0C7", "late": "#F6C9C9"}


def state_styler(frame: pd.DataFrame) -> Any:
    """The submission matrix with a colour per state and the state's name in the cell
    (colour is never the only cue)."""
    shown = frame.map(lambda s: f"{STATE_ICONS.get(s, '')} {t('results.states.' + s)}"
                      if isinstance(s, str) else "")
    colours = frame.map(lambda s: f"background-color: {_STATE_COLOURS.get(s, '#FFFFFF')}"
                        if isinstance(s, str) else "")
    return shown.style.apply(lambda _: colours, axis=None)


def datetime_column(label: str) -> Any:
    return st.column_config.DatetimeColumn(label, format="DD/MM/YYYY HH:mm")


# --- dashboards ---------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=8)
def _dashboard_data(url: str, revision: str) -> Any:
    from tracker import dashboards

    with reading(_engine(url, settings().demo_on_first_start)) as session:
        return (dashboards.validated_results(session), dashboards.catalogue(session),
                dashboards.targets_frame(session))


_RUN_REVISION: ContextVar[str | None] = ContextVar("tracker_run_revision", default=None)


def _data_revision() -> str:
    """The data revision, read once per script run."""
    revision = _RUN_REVISION.get()
    if revision is None:
        from tracker import dashboards

        with read() as session:
            revision = dashboards.data_revision(session)
        _RUN_REVISION.set(revision)
    return revision


def dashboard_data() -> Any:
    """Validated results, KPI catalogue and targets. Dashboards show validated data only, to
    every role, so the cache key is the database and its data revision (any change to a result
    changes the revision and so bypasses the old entry)."""
    return _dashboard_data(settings().database_url, _data_revision())


def chart_block(fig: Any, frame: pd.DataFrame, *, key: str, caption: str,
                labels_prefix: str | None = None) -> None:
    """A chart, its caption (date of the data, filters) and a "Données" toggle with the table
    behind it and its CSV download."""
    st.plotly_chart(fig, width="stretch", key=f"{key}_chart",
                    config={"displaylogo": False, "locale": get_language()})
    st.caption(plain(caption))
    if st.toggle(t("dashboards.data"), key=f"{key}_data"):
        config = ui_labels_for(frame, labels_prefix) if labels_prefix else None
        st.dataframe(placeholder="—",
                     data=frame, hide_index=True, width="stretch", column_config=config)
        st.download_button(t("common.download_csv"), exports.csv_bytes(frame,
                                                                        header_lines=[caption]),
                           file_name=f"{key}.csv", mime="text/csv", key=f"{key}_csv")


def ui_labels_for(frame: pd.DataFrame, prefix: str) -> dict[str, Any]:
    from tracker.i18n import has_key

    return {c: st.column_config.Column(t(f"{prefix}{c}")) for c in frame.columns
            if has_key(f"{prefix}{c}")}


def structure_options(session: Session) -> dict[int, str]:
    """Structures for a picker: "CODE — Nom", those in force first."""
    from tracker import repository

    rows = repository.list_structures(session)
    ordered = sorted(rows, key=lambda s: (not s.in_force(today()), s.code))
    return {s.id or 0: f"{s.code} — {s.name_fr}" for s in ordered}


def kpi_summary_display(summary: pd.DataFrame) -> pd.DataFrame:
    """A structure's yearly KPI table with values in their units and the light in words."""
    from tracker.formats import format_value

    shown = summary.copy()
    shown["value"] = [format_value(v, u) for v, u in zip(summary["value"], summary["unit"],
                                                         strict=True)]
    shown["target"] = [format_value(v, u) if v == v and v is not None else "—"
                       for v, u in zip(summary["target"], summary["unit"], strict=True)]
    shown["light"] = [t(f"dashboards.lights.{x}") for x in summary["light"]]
    return shown[["kpi", "value", "target", "light", "quarters"]]


def table(frame: pd.DataFrame, prefix: str | None = None, **kwargs: Any) -> None:
    """A read-only table as users read it: translated headers, dates as 24/06/2025, timestamps
    in Porto-Novo time, missing values blank."""
    from datetime import date as date_type
    from datetime import datetime as datetime_type

    from tracker.formats import LOCAL_TZ, format_date
    from tracker.i18n import has_key

    shown = frame.copy()
    config: dict[str, Any] = {}
    for column in shown.columns:
        label = t(f"{prefix}{column}") if prefix and has_key(f"{prefix}{column}") else None
        sample = shown[column].dropna()
        first = sample.iloc[0] if not sample.empty else None
        if isinstance(first, datetime_type) or isinstance(shown[column].dtype,
                                                          pd.DatetimeTZDtype):
            local = pd.to_datetime(shown[column], utc=True).dt.tz_convert(LOCAL_TZ)
            shown[column] = [v.strftime("%d/%m/%Y %H:%M") if not pd.isna(v) else "—"
                             for v in local]
        elif isinstance(first, date_type):
            shown[column] = [format_date(v) if isinstance(v, date_type) else "—"
                             for v in shown[column]]
        elif shown[column].dtype == object:
            shown[column] = shown[column].map(lambda v: "—" if v is None else v)
        if label:
            config[column] = st.column_config.Column(label)
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    st.dataframe(placeholder="—", data=shown, column_config=config, **kwargs)


def period_label(key: str) -> str:
    """'2025-T2' → 'T2 2025' (Q2 2025 in English)."""
    from tracker.formats import quarter_label

    year, quarter = key.split("-T")
    return quarter_label(int(year), int(quarter))


def followup_import_panel(actor: auth.Actor, key: str) -> None:
    """The secretariat's follow-up spreadsheet: upload, preview with rejected rows (row,
    column, reason), then one confirmation that writes everything or nothing."""
    from tracker import followup_import

    st.caption(t("followup_import.help"))
    template_downloads(key=key, stem=f"suivi-cdsi-{today().isoformat()}", lang=get_language(),
                       template=lambda s, lang: followup_import.followup_template(s, actor, lang))

    def read_file(session: Session, data: bytes, name: str) -> Any:
        return followup_import.read_followup_file(session, actor, data, name)

    def apply(session: Session, data: bytes, name: str) -> str:
        counts = followup_import.apply_followup(session, actor, read_file(session, data, name))
        return t("followup_import.done", **counts._asdict())

    def pending(preview: Any) -> bool:
        if not preview.pending:
            st.info(t("followup_import.nothing_to_do"))
        return bool(preview.pending)

    import_panel(
        key=key, upload_label=t("followup_import.upload"), read_file=read_file, apply=apply,
        confirm_label=t("followup_import.confirm"), pending=pending,
        summary=lambda p: t("followup_import.preview", create=p.to_create, update=p.to_update,
                            unchanged=p.unchanged, rejected=len(p.rejected_rows)),
        accepted_frame=followup_import.preview_frame)


@st.cache_data(show_spinner=False, max_entries=64)
def _dashboard_view(url: str, revision: str, lang: str, name: str, args: tuple[Any, ...]) -> Any:
    from tracker import dashboards

    set_language(lang)
    results, cat, targets = _dashboard_data(url, revision)
    with reading(_engine(url, settings().demo_on_first_start)) as session:
        return getattr(dashboards, f"view_{name}")(session, results, cat, targets, *args)


def dashboard_view(name: str, *args: Any) -> Any:
    """A dashboard's frames and figures, cached per database, data revision, language and
    filters (``dashboards.view_<name>(*args)``); any data change gives a new revision."""
    return _dashboard_view(settings().database_url, _data_revision(), get_language(), name, args)


@st.cache_data(show_spinner=False, max_entries=32)
def _service_view(url: str, revision: str, lang: str, name: str, args: tuple[Any, ...],
                  _view: Any) -> Any:
    set_language(lang)
    results, cat, targets = _dashboard_data(url, revision)
    with reading(_engine(url, settings().demo_on_first_start)) as session:
        return _view(session, results, cat, targets, *args)


def service_view(view: Any, *args: Any) -> Any:
    """``view(session, results, catalogue, targets, *args)`` over the validated results, cached
    like ``dashboard_view`` (database, data revision, language and arguments)."""
    return _service_view(settings().database_url, _data_revision(), get_language(),
                         f"{view.__module__}.{view.__qualname__}", args, view)


def script_error(error: Exception) -> bool:
    """Any error no page caught: logged with its traceback for the operators, shown to the user
    as one sentence in their language (never a traceback)."""
    import logging

    logging.getLogger("tracker").exception("unexpected error", exc_info=error)
    if isinstance(error, TrackerError):
        st.error(str(error))
    else:
        st.error(t("common.unexpected"))
    return True


def targets_import_panel(actor: auth.Actor, year: int, *, key: str) -> None:
    """Upload a targets file, preview it with its refused rows, confirm."""
    from tracker import targets_import

    st.caption(t("targets_import.help"))
    template_downloads(key=key, stem=f"modele-cibles-{year}", lang=get_language(),
                       template=lambda s, lang: targets_import.targets_template(s, actor, year,
                                                                                lang))

    def read_file(session: Session, data: bytes, name: str) -> Any:
        return targets_import.read_targets_file(session, actor, data, name, year)

    def apply(session: Session, data: bytes, name: str) -> str:
        written = targets_import.apply_targets(session, actor, read_file(session, data, name))
        return t("targets_import.imported", n=written)

    import_panel(
        key=key, upload_label=t("targets_import.upload"), read_file=read_file, apply=apply,
        confirm_label=t("targets_import.confirm"),
        summary=lambda p: t("targets_import.preview", accepted=len(p.accepted),
                            rejected=len(p.rejected)))
