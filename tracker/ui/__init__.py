"""The only Streamlit code of tracker/: engine and session per script run, sign-in, navigation,
shared widgets, the HTTP routes beside the app."""

# What the pages use, as ``ui.<name>``; the modules below import each other directly.

from tracker.ui.base import (
    apply_language,
    current_actor,
    login_page,
    plain,
    read,
    require_actor,
    sidebar,
    today,
)
from tracker.ui.dashboard import (
    chart_block,
    dashboard_data,
    dashboard_view,
    service_view,
)
from tracker.ui.imports import (
    followup_import_panel,
    results_import_panel,
    targets_import_panel,
)
from tracker.ui.links import page_link
from tracker.ui.widgets import (
    STATE_ICONS,
    act,
    clicked,
    column_config,
    datetime_column,
    downloads,
    editing,
    editor_rows,
    file_uploader,
    kpi_summary_display,
    labels,
    on_screen,
    page_revision,
    period_label,
    show_error,
    state_styler,
    structure_options,
    table,
)

__all__ = [
    "STATE_ICONS",
    "act",
    "apply_language",
    "chart_block",
    "clicked",
    "column_config",
    "current_actor",
    "dashboard_data",
    "dashboard_view",
    "datetime_column",
    "downloads",
    "editing",
    "editor_rows",
    "file_uploader",
    "followup_import_panel",
    "kpi_summary_display",
    "labels",
    "login_page",
    "on_screen",
    "page_link",
    "page_revision",
    "period_label",
    "plain",
    "read",
    "require_actor",
    "results_import_panel",
    "service_view",
    "show_error",
    "sidebar",
    "state_styler",
    "structure_options",
    "table",
    "targets_import_panel",
    "today",
]
