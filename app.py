"""Entry point: `streamlit run app.py`: the session-cookie routes and the read-only API, then
the role's navigation."""

from contextlib import AbstractAsyncContextManager

import streamlit as st

from tracker.api import api_routes
from tracker.ui.web import middleware, routes


def _lifespan(app: st.App) -> AbstractAsyncContextManager[None]:
    from tracker.ui.base import server_lifespan

    return server_lifespan(app)


def _on_script_error(error: Exception) -> bool:
    from tracker.ui.widgets import script_error

    return script_error(error)


app = st.App("app.py", routes=routes() + api_routes(), middleware=middleware(),
             lifespan=_lifespan, on_script_error=_on_script_error)

if __name__ == "__main__":
    from tracker import ui
    from tracker.core.i18n import t
    from tracker.ui.navigation import pages_for

    with ui.run_slot():  # a few page scripts at a time (tracker/ui/base.py)
        st.set_page_config(page_title="CDSI", page_icon=ui.page_icon(), layout="wide")
        actor = ui.current_actor()  # first: a resumed session brings the account's language
        ui.apply_language()
        if actor is None:
            st.navigation([st.Page(ui.login_page, title=t("auth.login_title"), url_path="login")],
                          position="hidden").run()
            st.stop()
        ui.sidebar(actor)
        sections: dict[str, list[st.Page]] = {}
        for i, p in enumerate(pages_for(actor.role)):
            sections.setdefault(t(p.section_key), []).append(
                st.Page(p.path, title=t(p.title_key), icon=p.icon, url_path=p.url_path,
                        default=i == 0))
        # Every page of the role in view: a collapsed "View more" hid the main pages.
        st.navigation(sections, expanded=True).run()
