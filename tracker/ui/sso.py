"""Single sign-on in front of the sign-in page: Streamlit's own OpenID Connect login
(``st.login``, the ``[auth]`` section of ``.streamlit/secrets.toml``) gives the identity, the
accounts' rule (tracker.accounts.sso) says which account it is and opens the app's own
browser session, as a password does.

Streamlit keeps the identity in its own cookies for 30 days; the app uses it only once, just
after the provider's callback, to open its session. Logout, idle expiry and a refusal clear
those cookies too (``IDENTITY_COOKIES``, see tracker.ui.web), so that nobody is signed
straight back in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tracker.accounts import sso
from tracker.accounts.auth import Actor
from tracker.core.errors import TrackerError
from tracker.core.models import utcnow

# Streamlit's identity cookies (streamlit.web.server.starlette.starlette_server_config), which
# it splits into numbered chunks (``_streamlit_user_1``…) when they are large.
IDENTITY_COOKIES = ("_streamlit_user", "_streamlit_user_tokens")
PROVIDER = "default"  # the flat [auth] section: one identity provider

_SPENT_KEY = "sso_identity_spent"
_REFUSED_KEY = "sso_refused"


def configured() -> bool:
    """Whether ``[auth]`` in the secrets holds a complete OpenID Connect provider (and Authlib
    is installed): then the sign-in page offers the single sign-on button."""
    from streamlit.auth_util import is_authlib_installed, validate_auth_credentials
    from streamlit.errors import StreamlitAuthError

    if not is_authlib_installed():
        return False
    try:
        validate_auth_credentials(PROVIDER)
    except StreamlitAuthError:
        return False
    return True


def _claims() -> Mapping[str, Any] | None:
    """The identity Streamlit read from its cookie when this browser session started; None
    when nobody signed in through the provider (or single sign-on is not configured)."""
    if not configured():
        return None
    claims = st.user.to_dict()
    return claims if claims.get("is_logged_in") is True else None


def signed_in_at_provider() -> bool:
    """Whether this browser session holds an identity from the provider (logout must then go
    through ``st.logout``, which clears it)."""
    return _claims() is not None


def open_from_identity(engine: Callable[[], Engine], create: str
                       ) -> tuple[Actor, int, str] | None:
    """The app's session for the provider's identity: its actor, id and hand-off code; None
    when there is no identity, it was already used in this browser session, or it is not fresh
    (an old identity cookie), or it is refused (the message kept for the sign-in page). Each
    browser session uses its identity once."""
    claims = _claims()
    if claims is None or st.session_state.get(_SPENT_KEY):
        return None
    st.session_state[_SPENT_KEY] = True
    try:
        identity = sso.identity_from_claims(claims)
        if not sso.is_fresh(identity, utcnow()):
            return None
        return sso.sign_on(engine(), identity, create=create)
    except TrackerError as exc:
        st.session_state[_REFUSED_KEY] = str(exc)
        return None


def spend_identity() -> None:
    """This browser session's identity from the provider opens no session (it is cleared on
    the sign-in page)."""
    st.session_state[_SPENT_KEY] = True


def pending_identity() -> bool:
    """Whether the browser still holds an identity that opened no session here (old, refused,
    or ended): the sign-in page then clears Streamlit's identity cookies."""
    return bool(st.session_state.get(_SPENT_KEY)) and signed_in_at_provider()


def take_refusal() -> str | None:
    """Why the provider's identity was just refused (once), else None."""
    refusal = st.session_state.pop(_REFUSED_KEY, None)
    return str(refusal) if refusal else None


def login_button(label: str) -> None:
    """The single sign-on button: off to the identity provider (``st.login``)."""
    if st.button(label, type="primary", key="login_sso", icon=":material/account_balance:"):
        st.login(PROVIDER)


def logout() -> None:
    """Sign out of Streamlit's identity too: its cookies are cleared by /auth/logout, which then
    goes to the provider's end-of-session page when it has one, and back to the app."""
    st.logout()


# --- HTTP: the cookies beside Streamlit's (used by tracker.ui.web) ---------------------------


def clear_identity_cookies(request: Request, response: Response) -> None:
    """Delete Streamlit's identity cookies, their chunks included, on ``response``."""
    for name in IDENTITY_COOKIES:
        response.delete_cookie(name, path="/")
        for sent in request.cookies:
            if sent.startswith(f"{name}_") and sent[len(name) + 1:].isdigit():
                response.delete_cookie(sent, path="/")


class SignOutEverywhere:
    """Streamlit's own ``/auth/logout`` (where ``st.logout`` sends the browser) clears its
    identity cookies; this makes it drop the app's session cookie too (``cookie_name``), whose
    session the logout button has already closed in the database."""

    def __init__(self, app: ASGIApp, cookie_name: str) -> None:
        self.app = app
        self.cookie_name = cookie_name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").rstrip("/").endswith(
                "/auth/logout"):
            await self.app(scope, receive, send)
            return
        expired = Response()
        expired.delete_cookie(self.cookie_name, path="/")
        extra = [(k, v) for k, v in expired.raw_headers if k.lower() == b"set-cookie"]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, sending)
