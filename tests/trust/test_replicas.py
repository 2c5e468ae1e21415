"""Issue 16: two replicas of the app on one PostgreSQL database, started at the same moment,
behind nginx configured from deploy/nginx/cdsi.conf (TLS ends at nginx, sticky sessions by the
``cdsi_replica`` cookie, WebSocket upgrade), in Chromium.

Checked through the proxy: the database is migrated (and the demo loaded) once; a sign-in sets
an HttpOnly cookie that is Secure (the replicas trust the proxy only through
TRACKER_TRUSTED_PROXIES: Streamlit's server is told to trust nobody); that cookie signs the
user in on either replica; a logout on one signs them out on the other; two people saving the
same session's theme on different replicas: the second is refused, the first change kept;
/readyz answers 200 and an unknown path 404; the logs name the sign-in, never a password.

PostgreSQL only (skipped, saying so, without TRACKER_TEST_DATABASE_URL) and nginx from Debian's
package (skipped, saying so, without it). The test's nginx adds one header the deployed
configuration does not have, X-CDSI-Upstream, so that the test can tell which replica answered.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from browser_fixtures import ROOT, START_TIMEOUT, _free_port, app_environment
from journey import open_menu, sign_in
from playwright.sync_api import BrowserContext, Page, expect
from postgres_databases import PG_ENV, PG_SKIP_REASON, fresh_postgres_database
from sqlmodel import select

from tracker.accounts.users import create_user
from tracker.core.db import make_engine, reading, transaction
from tracker.core.models import Conference, User

SITE = ROOT / "deploy" / "nginx" / "cdsi.conf"
NO_NGINX = "nginx not installed (apt-get install -y nginx)"
SECOND_ADMIN_PASSWORD = "phrase-de-passe-du-second-secretaire"
STALE = "modifiée par"


def _nginx() -> str | None:
    return shutil.which("nginx") or next(
        (path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None)


@dataclass(frozen=True)
class Replica:
    url: str
    port: int
    log: Path


@dataclass(frozen=True)
class Cluster:
    proxy: str  # https://127.0.0.1:<port>, nginx
    replicas: tuple[Replica, Replica]
    database_url: str
    routes: dict[int, str]  # replica port -> a cdsi_replica cookie value that reaches it


def _get(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate
    try:
        with urllib.request.urlopen(request, timeout=10, context=insecure) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _started_together(env: dict[str, str], workdir: Path) -> list[tuple[subprocess.Popen, Replica]]:
    """Both replicas launched before either is waited for: their start-up migrations race."""
    started = []
    for number in (1, 2):
        port = _free_port()
        log = workdir / f"replica{number}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                 "--server.port", str(port), "--server.address", "127.0.0.1",
                 "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True)
        started.append((process, Replica(f"http://127.0.0.1:{port}", port, log)))
    return started


def _wait_ready(process: subprocess.Popen, replica: Replica) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            if _get(f"{replica.url}/readyz")[0] == 200:
                return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"replica {replica.url} not ready:\n{replica.log.read_text()}",
                        pytrace=False)
        time.sleep(0.5)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def _substituted(text: str, pattern: str, replacement: str) -> str:
    changed, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert count, f"deploy/nginx/cdsi.conf no longer has {pattern!r}"
    return changed


def nginx_config(workdir: Path, replica_ports: list[int], https_port: int,
                 http_port: int) -> Path:
    """deploy/nginx/cdsi.conf with this test's ports, certificate and files, inside a
    complete nginx.conf of its own (nothing of the machine's nginx is used)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(workdir / "key.pem"),
                    "-out", str(workdir / "cert.pem")], check=True, capture_output=True)
    site = SITE.read_text()
    servers = "".join(f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n"
                      for port in replica_ports)
    site = _substituted(site, r"^    server 127\.0\.0\.1:8501 .*\n"
                        r"    server 127\.0\.0\.1:8502 .*\n", servers)
    site = _substituted(site, r"^\s*listen \[::\].*\n", "")
    site = _substituted(site, r"listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    site = _substituted(site, r"listen 80;", f"listen 127.0.0.1:{http_port};")
    site = _substituted(site, r"ssl_certificate .*;", f"ssl_certificate {workdir / 'cert.pem'};")
    site = _substituted(site, r"ssl_certificate_key .*;",
                        f"ssl_certificate_key {workdir / 'key.pem'};")
    site = _substituted(site, r"(\n    location / \{\n)",
                        r"\1        add_header X-CDSI-Upstream $upstream_addr always;\n")
    (workdir / "site.conf").write_text(site)
    temp = workdir / "nginx-temp"
    temp.mkdir()
    temp.chmod(0o777)  # nginx's workers may run as another user than its master
    main = workdir / "nginx.conf"
    main.write_text(f"""daemon off;
pid {workdir / 'nginx.pid'};
error_log {workdir / 'nginx-error.log'} info;
events {{ worker_connections 256; }}
http {{
    access_log {workdir / 'nginx-access.log'};
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {workdir / 'site.conf'};
}}
""")
    return main


def _routes(proxy: str, ports: list[int]) -> dict[int, str]:
    """For each replica, a cdsi_replica cookie value that nginx sends there."""
    found: dict[int, str] = {}
    for number in range(200):
        value = f"route{number}"
        status, headers, _ = _get(f"{proxy}/healthz", cookie=f"cdsi_replica={value}")
        assert status == 200, headers
        port = int(headers["X-CDSI-Upstream"].rsplit(":", 1)[1])
        found.setdefault(port, value)
        if len(found) == len(ports):
            return found
    pytest.fail(f"nginx sent every route to {sorted(found)} only", pytrace=False)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Cluster]:
    base_url = os.environ.get(PG_ENV)
    if not base_url:
        print(PG_SKIP_REASON)
        pytest.skip(PG_SKIP_REASON)
    nginx = _nginx()
    if nginx is None:
        print(NO_NGINX)
        pytest.skip(NO_NGINX)
    workdir = tmp_path_factory.mktemp("replicas")
    with fresh_postgres_database(base_url, "replicas") as database_url:
        # Streamlit's server trusts no proxy (as for nginx on another machine): the Secure
        # cookie must come from TRACKER_TRUSTED_PROXIES.
        env = app_environment(database_url, {"TRACKER_TRUSTED_PROXIES": "127.0.0.1",
                                             "FORWARDED_ALLOW_IPS": "192.0.2.1",
                                             "TRACKER_LOG_JSON": "1",
                                             "TRACKER_DB_POOL_SIZE": "5"})
        started = _started_together(env, workdir)
        proxy_process = None
        try:
            for process, replica in started:
                _wait_ready(process, replica)
            https_port, http_port = _free_port(), _free_port()
            config = nginx_config(workdir, [r.port for _, r in started], https_port, http_port)
            proxy_process = subprocess.Popen([nginx, "-c", str(config), "-p", str(workdir)],
                                             stdout=subprocess.DEVNULL,
                                             stderr=subprocess.STDOUT, start_new_session=True)
            proxy = f"https://127.0.0.1:{https_port}"
            deadline = time.monotonic() + 20
            while True:
                try:
                    if _get(f"{proxy}/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                if proxy_process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("nginx did not start:\n"
                                + (workdir / "nginx-error.log").read_text(), pytrace=False)
                time.sleep(0.2)
            replicas = (started[0][1], started[1][1])
            yield Cluster(proxy, replicas, database_url,
                          _routes(proxy, [r.port for r in replicas]))
        finally:
            if proxy_process is not None:
                _stop(proxy_process)
            for process, _replica in started:
                _stop(process)


def _context(browser, cluster: Cluster, replica: Replica,
             session_cookie: dict | None = None) -> BrowserContext:
    """A browser profile whose requests nginx sends to ``replica`` (its cdsi_replica cookie),
    with a copy of a session cookie when given."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR",
                                  base_url=cluster.proxy, ignore_https_errors=True)
    context.set_default_timeout(30_000)
    cookies = [{"name": "cdsi_replica", "value": cluster.routes[replica.port],
                "url": cluster.proxy}]
    if session_cookie is not None:
        cookies.append({"name": session_cookie["name"], "value": session_cookie["value"],
                        "url": cluster.proxy, "secure": True, "httpOnly": True,
                        "sameSite": "Strict"})
    context.add_cookies(cookies)
    return context


def _served_by(page: Page, replica: Replica) -> None:
    response = page.request.get("/healthz")
    assert response.headers["x-cdsi-upstream"].endswith(f":{replica.port}")


def _session_cookie(context: BrowserContext) -> dict:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = [c for c in context.cookies() if c["name"] == "cdsi_session"]
        if found:
            return dict(found[0])
        time.sleep(0.2)
    raise AssertionError("no cdsi_session cookie after signing in")


def _events(replica: Replica) -> list[dict]:
    events = []
    for line in replica.log.read_text().splitlines():
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return events


def test_two_replicas_behind_nginx(cluster: Cluster, browser) -> None:
    first, second = cluster.replicas
    expect.set_options(timeout=30_000)

    # Started together on an empty database: one migrated it, the other found it current.
    kinds = [{e.get("event") for e in _events(r)} for r in cluster.replicas]
    assert sorted("schema_migrated" in k for k in kinds) == [False, True], kinds
    assert all("schema_current" in k or "schema_migrated" in k for k in kinds)
    engine = make_engine(cluster.database_url)
    try:
        with reading(engine) as db:
            assert len(db.exec(select(User)).all()) == 5  # the demo accounts, once
        with transaction(engine) as db:
            create_user(db, None, {"login": "secretaire2", "display_name": "Second secrétaire",
                                   "role": "admin", "structure_code": "ASIN",
                                   "password": SECOND_ADMIN_PASSWORD})
    finally:
        engine.dispose()

    # Health through the proxy; unknown paths are no page.
    status, _, body = _get(f"{cluster.proxy}/readyz")
    assert status == 200 and json.loads(body)["status"] == "ready"
    assert _get(f"{cluster.proxy}/no-such-page")[0] == 404

    # Sign in through the proxy, on the first replica: the cookie is HttpOnly and Secure.
    signed = _context(browser, cluster, first)
    page = signed.new_page()
    sign_in(page, "admin")
    _served_by(page, first)
    cookie = _session_cookie(signed)
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    # The same cookie signs the user in on either replica.
    elsewhere = {}
    for replica in (first, second):
        context = _context(browser, cluster, replica, cookie)
        other = context.new_page()
        other.goto("/")
        expect(other.get_by_role("button", name="Se déconnecter")).to_be_visible()
        _served_by(other, replica)
        elsewhere[replica.port] = (context, other)

    # Logout on the first replica: the second no longer knows the user.
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    context, other = elsewhere[second.port]
    other.goto("/")
    expect(other.get_by_role("button", name="Se connecter")).to_be_visible()
    for context, _ in elsewhere.values():
        context.close()
    signed.close()

    # Two people, one on each replica, change the same session's theme; the second is refused.
    contexts = [_context(browser, cluster, first), _context(browser, cluster, second)]
    pages = [context.new_page() for context in contexts]
    sign_in(pages[0], "admin")
    _sign_in_as(pages[1], "secretaire2", SECOND_ADMIN_PASSWORD)
    for page, replica in zip(pages, (first, second), strict=True):
        _served_by(page, replica)
        open_menu(page, "Conférences", "Sessions de la conférence")
    forms = [p.get_by_test_id("stForm").filter(has=p.get_by_role("button", name="Enregistrer"))
             for p in pages]
    for form, theme in zip(forms, ("Thème du premier", "Thème du second"), strict=True):
        form.get_by_label("Thème").fill(theme)
    forms[0].get_by_role("button", name="Enregistrer").click()
    expect(pages[0].get_by_text("Session enregistrée.")).to_be_visible()
    forms[1].get_by_role("button", name="Enregistrer").click()
    expect(pages[1].get_by_text(STALE)).to_be_visible()
    engine = make_engine(cluster.database_url)
    try:
        with reading(engine) as db:
            themes = set(db.exec(select(Conference.theme)).all())
    finally:
        engine.dispose()
    assert "Thème du premier" in themes and "Thème du second" not in themes
    for context in contexts:
        context.close()

    # The logs: who signed in and out, where; never a password or the cookie.
    events = [e for r in cluster.replicas for e in _events(r)]
    sign_ins = [e for e in events if e.get("event") == "sign_in"]
    assert {e["user"] for e in sign_ins} == {"admin", "secretaire2"}
    assert all(e["request"] != "-" for e in sign_ins)  # the browser session's id
    assert any(e.get("event") == "logout" and e.get("user") == "admin" for e in events)
    everything = first.log.read_text() + second.log.read_text()
    assert SECOND_ADMIN_PASSWORD not in everything and cookie["value"] not in everything
    assert '"password"' not in everything


def _sign_in_as(page: Page, login: str, password: str) -> None:
    page.goto("/")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
