"""The cookies beside Streamlit's for single sign-on: /auth/forget (logout, idle expiry, a
refused identity) deletes Streamlit's identity cookies, chunks included, with the app's; and
Streamlit's own /auth/logout, where st.logout sends the browser, drops the app's cookie too."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from streamlit.web.server.starlette.starlette_server_config import (
    TOKENS_COOKIE_NAME,
    USER_COOKIE_NAME,
)

from tracker.ui import sso
from tracker.ui.web import COOKIE_NAME, middleware, routes


async def streamlit_logout(_request: Request) -> PlainTextResponse:
    """Stands for Streamlit's /auth/logout: it clears its own identity cookie."""
    response = PlainTextResponse("signed out")
    response.delete_cookie(USER_COOKIE_NAME, path="/")
    return response


def client() -> TestClient:
    app = Starlette(routes=[*routes(), Route("/auth/logout", streamlit_logout),
                            Route("/", lambda _r: PlainTextResponse("home"))],
                    middleware=middleware())
    return TestClient(app, base_url="http://127.0.0.1:8501")


def deleted(response) -> set[str]:
    """The cookies a response deletes (Max-Age=0)."""
    names = set()
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if "Max-Age=0" in rest or "max-age=0" in rest:
            names.add(name)
    return names


def test_the_identity_cookies_are_streamlits():
    assert sso.IDENTITY_COOKIES == (USER_COOKIE_NAME, TOKENS_COOKIE_NAME)


def test_forget_deletes_the_app_cookie_and_every_identity_cookie():
    browser = client()
    for name in (COOKIE_NAME, USER_COOKIE_NAME, f"{USER_COOKIE_NAME}_1", TOKENS_COOKIE_NAME,
                 f"{TOKENS_COOKIE_NAME}_2", "other"):
        browser.cookies.set(name, "x")

    response = browser.get("/auth/forget", headers={"Sec-Fetch-Site": "same-origin"})

    assert response.status_code == 200
    assert deleted(response) == {COOKIE_NAME, USER_COOKIE_NAME, f"{USER_COOKIE_NAME}_1",
                                 TOKENS_COOKIE_NAME, f"{TOKENS_COOKIE_NAME}_2"}


def test_forget_from_another_site_deletes_nothing():
    response = client().get("/auth/forget", headers={"Sec-Fetch-Site": "cross-site"})

    assert response.status_code == 403 and deleted(response) == set()


def test_streamlits_logout_also_drops_the_app_cookie_and_nothing_else_does():
    browser = client()

    logout = browser.get("/auth/logout")
    home = browser.get("/")

    assert logout.text == "signed out"
    assert deleted(logout) == {USER_COOKIE_NAME, COOKIE_NAME}
    assert deleted(home) == set()
