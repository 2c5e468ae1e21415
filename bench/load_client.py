"""One virtual user of the load harness: a Streamlit session driven over Streamlit's own
WebSocket protocol (``/_stcore/stream``), as the browser's frontend drives it.

A script run is requested with a ``BackMsg`` ``rerun_script`` (the page's script hash from the
``navigation`` message, the widget states the browser would send: a typed cell of a data editor,
a button's trigger, a selectbox's option) and is over when a ``script_finished`` arrives that is
not an early end for ``st.rerun()``: the time a user waits between their click and the page
standing still. Large elements are cached as the frontend caches them (``cached_message_hashes``,
``ref_hash`` answers, the frontend's age limit of two runs), so the server sends what it would send
to a browser.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

XSRF_COOKIE = "_streamlit_xsrf"
MAX_CACHED_MESSAGE_AGE = 2  # Streamlit's global.maxCachedMessageAge, which the frontend applies
ERROR_FORMAT = 1  # Alert.Format.ERROR


class ProtocolError(Exception):
    """The server answered in a way a browser would show as broken (or not at all)."""


@dataclass
class RunResult:
    """What the user has on screen once a script run (and the reruns it asked for) finished."""

    elements: list[tuple[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    received_bytes: int = 0
    messages: int = 0
    failure: str = ""  # set by the harness: what made this run an error

    def widgets(self) -> dict[str, tuple[str, Any]]:
        """Widgets by their key (the part of the element id after the second dash)."""
        found: dict[str, tuple[str, Any]] = {}
        for _kind, proto in self.elements:
            element_id = getattr(proto, "id", "") if hasattr(proto, "id") else ""
            if element_id:
                found[element_id.split("-", 2)[-1]] = (element_id, proto)
        return found

    def widget_id(self, key: str) -> str:
        entry = self.widgets().get(key)
        if entry is None:
            raise ProtocolError(f"no widget with key {key!r} on the page")
        return entry[0]

    def widget(self, key: str) -> Any:
        entry = self.widgets().get(key)
        if entry is None:
            raise ProtocolError(f"no widget with key {key!r} on the page")
        return entry[1]

    def widget_key_starting(self, prefix: str) -> str:
        for key in self.widgets():
            if key.startswith(prefix):
                return key
        raise ProtocolError(f"no widget whose key starts with {prefix!r} on the page")

    def texts(self) -> list[str]:
        out = []
        for kind, proto in self.elements:
            if kind in ("markdown", "alert", "heading"):
                out.append(proto.body)
        return out

    def alerts(self, alert_format: int) -> list[str]:
        return [proto.body for kind, proto in self.elements
                if kind == "alert" and proto.format == alert_format]

    def form_submitter(self) -> str:
        for kind, proto in self.elements:
            if kind == "button" and proto.is_form_submitter:
                return str(proto.id)
        raise ProtocolError("no form submit button on the page")


def trigger(widget_id: str) -> WidgetState:
    return WidgetState(id=widget_id, trigger_value=True)


def text(widget_id: str, value: str) -> WidgetState:
    return WidgetState(id=widget_id, string_value=value)


def boolean(widget_id: str, value: bool) -> WidgetState:
    return WidgetState(id=widget_id, bool_value=value)


def data_editor_edits(widget_id: str, edited_rows: dict[int, dict[str, Any]]) -> WidgetState:
    """A data editor's state as the frontend sends it after cells were typed into (rows by
    position in the frame drawn)."""
    state = {"edited_rows": {str(k): v for k, v in edited_rows.items()}, "added_rows": [],
             "deleted_rows": []}
    return WidgetState(id=widget_id, string_value=json.dumps(state))


def arrow_frame(proto: Any) -> Any:
    """The frame a dataframe or data editor element carries, as a pandas DataFrame."""
    import pyarrow as pa

    return pa.ipc.open_stream(proto.arrow_data.data).read_all().to_pandas()


# Enough threads that fifty sessions' page loads and hand-offs never queue behind each other
# in the harness (asyncio's default pool has a handful).
_HTTP = ThreadPoolExecutor(max_workers=64, thread_name_prefix="load-http")


def _http_get(url: str, headers: dict[str, str], timeout: float) -> tuple[int, list[str]]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status, response.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_all("Set-Cookie") or []


class StreamlitSession:
    """One browser tab: its cookies, its WebSocket, the frontend's message cache."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.pages: dict[str, str] = {}  # url path -> page script hash, from `navigation`
        self._cache: dict[str, list[Any]] = {}  # hash -> [ForwardMsg, age]
        self._ws: Any = None

    # --- HTTP, as the browser does it beside the socket ---------------------------------

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    async def get(self, path: str) -> int:
        """A same-origin GET (page, image), keeping the cookies it sets."""
        headers = {"Sec-Fetch-Site": "same-origin", "Referer": self.base_url + "/",
                   "User-Agent": "cdsi-load"}
        if self.cookies:
            headers["Cookie"] = self._cookie_header()
        status, set_cookies = await asyncio.get_running_loop().run_in_executor(
            _HTTP, _http_get, self.base_url + path, headers, self.timeout)
        for line in set_cookies:
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return status

    # --- the socket -------------------------------------------------------------------

    async def open(self) -> None:
        """What the frontend does: load the page, ask the server's health (which sets the XSRF
        cookie) and host configuration, then open the socket with the cookies and the token."""
        for path in ("/", "/_stcore/health", "/_stcore/host-config"):
            await self.get(path)
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        protocols = ["streamlit", self.cookies.get(XSRF_COOKIE, "")]
        headers = {"Cookie": self._cookie_header()} if self.cookies else {}
        self._ws = await connect(
            f"{scheme}://{parts.netloc}/_stcore/stream", origin=self.base_url,  # type: ignore[arg-type]
            subprotocols=[p for p in protocols if p],  # type: ignore[misc]
            additional_headers=headers, max_size=None, open_timeout=self.timeout,
            ping_interval=None)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    async def run(self, page: str | None = None, widgets: list[WidgetState] | None = None
                  ) -> RunResult:
        """Ask for a script run (of ``page``, a url path, or of the page on screen) with these
        widget states; return once the script finished."""
        if self._ws is None:
            raise ProtocolError("socket not open")
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        if page is not None:
            state.page_script_hash = self.pages.get(page, "")
            state.page_name = page
        elif self._current_hash:
            state.page_script_hash = self._current_hash
        if widgets:
            state.widget_states.widgets.extend(widgets)
        state.cached_message_hashes.extend(self._cache)
        state.context_info.timezone = "Africa/Porto-Novo"
        state.context_info.timezone_offset = -60
        state.context_info.locale = "fr-FR"
        state.context_info.url = f"{self.base_url}/{page or ''}"
        await self._ws.send(msg.SerializeToString())
        return await self._until_finished()

    _current_hash = ""

    async def _until_finished(self) -> RunResult:
        result = RunResult()
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProtocolError(f"no script_finished within {self.timeout:.0f} s")
            try:
                data = await asyncio.wait_for(self._ws.recv(), remaining)
            except TimeoutError as exc:
                raise ProtocolError(f"no script_finished within {self.timeout:.0f} s") from exc
            result.received_bytes += len(data)
            result.messages += 1
            msg = ForwardMsg.FromString(data)
            kind = msg.WhichOneof("type")
            if kind == "ref_hash":
                cached = self._cache.get(msg.ref_hash)
                if cached is None:
                    raise ProtocolError("the server referred to a message the client never had")
                cached[1] = 0
                msg, kind = cached[0], cached[0].WhichOneof("type")
            elif msg.metadata.cacheable:
                self._cache[msg.hash] = [msg, 0]
            if kind == "new_session":
                result.elements.clear()
                result.errors.clear()
                if msg.new_session.page_script_hash:
                    self._current_hash = msg.new_session.page_script_hash
            elif kind == "navigation":
                self.pages = {p.url_pathname.strip("/"): p.page_script_hash
                              for p in msg.navigation.app_pages}
                if msg.navigation.page_script_hash:
                    self._current_hash = msg.navigation.page_script_hash
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                element_kind = element.WhichOneof("type")
                proto = getattr(element, element_kind)
                result.elements.append((element_kind, proto))
                if element_kind == "exception":
                    result.errors.append(f"exception: {proto.type}: {proto.message}")
                elif element_kind == "alert" and proto.format == ERROR_FORMAT:
                    result.errors.append(f"error shown: {proto.body}")
            elif kind == "page_not_found":
                result.errors.append(f"page not found: {msg.page_not_found.page_name}")
            elif kind == "session_event" and msg.session_event.WhichOneof("type") == \
                    "script_compilation_exception":
                result.errors.append("script compilation error")
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the frontend does not age its cache on a run cut for a rerun
                self._age_cache()
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    result.errors.append("script compilation error")
                return result

    def _age_cache(self) -> None:
        for key in list(self._cache):
            entry = self._cache[key]
            entry[1] += 1
            if entry[1] > MAX_CACHED_MESSAGE_AGE:
                del self._cache[key]


HANDOFF = re.compile(r"/auth/handoff\?code=([A-Za-z0-9_\-]+)")


def handoff_path(result: RunResult) -> str | None:
    """The hand-off image the page asks the browser to fetch after a sign-in."""
    for body in result.texts():
        match = HANDOFF.search(body)
        if match:
            return f"/auth/handoff?code={match.group(1)}"
    return None
