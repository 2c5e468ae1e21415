"""The read-only JSON API (/api/v1): tokens, the screens' permissions per role, filters,
pagination, ETag, rate limit, JSON errors, the audit of every call and the OpenAPI description
built from the route table; on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, func, select
from starlette.applications import Starlette
from starlette.routing import Route

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx2
    from starlette.testclient import TestClient

from tracker.accounts import tokens
from tracker.api import api_routes
from tracker.api.endpoints import ENDPOINTS, OPENAPI_PATH
from tracker.core import repository as repo
from tracker.core.db import transaction
from tracker.core.models import (
    ActionItem,
    ApiToken,
    AuditEvent,
    Initiative,
    Milestone,
    Pillar,
    Result,
    Submission,
    Target,
    User,
    utcnow,
)

pytestmark = pytest.mark.postgres
YEAR = 2026
TODAY = date.today()
PATHS = [e.path for e in ENDPOINTS] + [OPENAPI_PATH]


@pytest.fixture
def data(engine, seeded):
    """MS: a validated Q1 and a draft Q2; MEF: a validated Q1 (a ratio KPI) and a submitted Q2;
    targets; an overdue action of MS and an open one of MEF; a roadmap with one initiative."""
    ms, mef = seeded.structures["MS"], seeded.structures["MEF"]
    with transaction(engine) as db:
        pub, demat = repo.get_kpi_by_code(db, "ESV_PUB"), repo.get_kpi_by_code(db, "ESV_DEMAT")
        for sid, quarter, status in ((ms, 1, "validated"), (ms, 2, "draft"),
                                     (mef, 1, "validated"), (mef, 2, "submitted")):
            db.add(Submission(structure_id=sid, year=YEAR, quarter=quarter, status=status))
        db.add(Result(structure_id=ms, kpi_id=pub.id, year=YEAR, quarter=1, value=10,
                      status="validated"))
        db.add(Result(structure_id=ms, kpi_id=pub.id, year=YEAR, quarter=2, value=12,
                      status="draft"))
        db.add(Result(structure_id=mef, kpi_id=demat.id, year=YEAR, quarter=1, numerator=15,
                      denominator=30, status="validated"))
        db.add(Result(structure_id=mef, kpi_id=pub.id, year=YEAR, quarter=2, value=30,
                      status="submitted"))
        db.add(Target(kpi_id=pub.id, year=YEAR, value=35))
        db.add(Target(kpi_id=pub.id, year=YEAR, structure_id=ms, value=20))
        db.add(Target(kpi_id=demat.id, year=YEAR, quarter=2, value=60))
        db.add(ActionItem(title="Raccorder X-Road", owner_structure_id=ms, status="in_progress",
                          due_date=TODAY - timedelta(days=10), person="A. DOSSOU"))
        db.add(ActionItem(title="Former les agents", owner_structure_id=mef, status="blocked",
                          due_date=TODAY + timedelta(days=30)))
        pillar = Pillar(year=YEAR, position=1, title_fr="E-services", title_en="E-services")
        db.add(pillar)
        db.flush()
        initiative = Initiative(pillar_id=pillar.id, title="Portail", owner_structure_id=ms)
        db.add(initiative)
        db.flush()
        db.add(Milestone(initiative_id=initiative.id, title="Cahier des charges",
                         due_date=date(YEAR, 2, 1), done_on=date(YEAR, 1, 30)))
        db.add(Milestone(initiative_id=initiative.id, title="Mise en ligne",
                         due_date=date(YEAR, 11, 1)))
    return seeded


@pytest.fixture
def client(database_url):
    return TestClient(Starlette(routes=api_routes(database_url, 1000)))


@pytest.fixture
def token(engine, seeded):
    """``token("dsi-ms")``: a new token of that account (the string, shown once)."""

    def issue(login: str, days: int = 30) -> str:
        with transaction(engine) as db:
            return tokens.issue_token_for_login(db, None, login, days).token

    return issue


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def api_events(engine) -> list[AuditEvent]:
    with Session(engine) as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == "api")
                            .order_by(col(AuditEvent.id))).all())


def audit_count(engine) -> int:
    with Session(engine) as db:
        return db.exec(select(func.count()).select_from(AuditEvent)).one()


def get(client, path, key, **params):
    response = client.get(path, headers=bearer(key), params=params)
    return response


# --- without a valid token: 401, nothing else -------------------------------------------


def test_without_a_token_every_path_answers_401_and_writes_nothing(client, engine, data):
    before = audit_count(engine)
    for path in [*PATHS, "/api", "/api/v1/nope", "/api/v2/results"]:
        for headers in ({}, {"Authorization": "Basic YWRtaW46ZGVtbw=="},
                        {"Authorization": "Bearer"}):
            response = client.get(path, headers=headers, params={"year": "x"})
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json()["error"]["code"] == "unauthorized"
            assert "Authorization: Bearer" in response.json()["error"]["message"]
            assert "data" not in response.json()
    assert client.post("/api/v1/results").status_code == 401
    assert audit_count(engine) == before


def test_unknown_expired_revoked_and_deactivated_tokens_are_refused(client, engine, data, token):
    expired, revoked, deactivated = token("dsi-ms"), token("dsi-mef"), token("direction")
    with transaction(engine) as db:
        db.execute(update(ApiToken).where(col(ApiToken.prefix) == expired[:12])
                   .values(expires_at=utcnow() - timedelta(minutes=1)))
        tokens.revoke_token(db, None, db.exec(select(ApiToken.id).where(
            ApiToken.prefix == revoked[:12])).one())
        db.execute(update(User).where(col(User.login) == "direction").values(active=False))
    before = audit_count(engine)
    for key, words in ((expired + "x", "inconnu"), (expired, "a expiré le"),
                       (revoked, "révoqué"), (deactivated, "désactivé")):
        response = get(client, "/api/v1/structures", key)
        assert response.status_code == 401
        assert words in response.json()["error"]["message"]
    assert audit_count(engine) == before


def test_a_valid_token_reads(client, data, token):
    key = token("observateur")
    response = get(client, "/api/v1/structures", key)
    assert response.status_code == 200
    assert {"MS", "MEF"} <= {s["code"] for s in response.json()["data"]}


# --- results: validated by default, a DSI's own drafts, never another structure's --------


def _results(client, key, **params):
    response = get(client, "/api/v1/results", key, year=YEAR, **params)
    assert response.status_code == 200, response.text
    return {(r["structure"], r["kpi"], r["quarter"], r["status"]) for r in response.json()["data"]}


@pytest.mark.parametrize("login", ["admin", "direction", "dsi-ms", "dsi-mef", "observateur"])
def test_every_role_reads_validated_results_only_by_default(client, data, token, login):
    assert _results(client, token(login)) == {("MS", "ESV_PUB", 1, "validated"),
                                              ("MEF", "ESV_DEMAT", 1, "validated")}


def test_a_dsi_token_adds_its_own_structures_drafts_and_never_another_structures(
        client, data, token):
    key = token("dsi-ms")
    assert _results(client, key, include_drafts="true") == {
        ("MS", "ESV_PUB", 1, "validated"), ("MS", "ESV_PUB", 2, "draft"),
        ("MEF", "ESV_DEMAT", 1, "validated")}
    assert _results(client, key, include_drafts="true", structure="MS") == {
        ("MS", "ESV_PUB", 1, "validated"), ("MS", "ESV_PUB", 2, "draft")}
    refused = get(client, "/api/v1/results", key, include_drafts="true", structure="MEF")
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "status": 403, "code": "forbidden",
        "message": "Les résultats non validés d'une autre structure ne sont pas lisibles avec "
                   "ce jeton."}
    # Asking for MEF without drafts gives MEF's validated results only.
    assert _results(client, key, structure="MEF") == {("MEF", "ESV_DEMAT", 1, "validated")}


def test_the_secretariat_reads_every_draft_and_readers_are_refused_drafts(client, data, token):
    assert ("MEF", "ESV_PUB", 2, "submitted") in _results(client, token("admin"),
                                                          include_drafts="true")
    for login in ("direction", "observateur"):
        response = get(client, "/api/v1/results", token(login), include_drafts="true")
        assert response.status_code == 403
        assert response.json()["error"]["message"] == (
            "Vous n'avez pas le droit d'effectuer cette action.")


def test_results_carry_units_and_a_ratios_rate(client, data, token):
    rows = get(client, "/api/v1/results", token("observateur"), kpi="ESV_DEMAT").json()["data"]
    assert rows == [{"structure": "MEF", "kpi": "ESV_DEMAT", "year": YEAR, "quarter": 1,
                     "unit": "percent", "value": 50.0, "numerator": 15.0, "denominator": 30.0,
                     "status": "validated", "comment": None, "evidence_url": None,
                     "updated_at": rows[0]["updated_at"]}]


# --- the other endpoints, per role --------------------------------------------------------


def test_kpis_give_unit_direction_and_aggregation(client, data, token):
    rows = get(client, "/api/v1/kpis", token("dsi-mef"), kpi="esv_demat").json()["data"]
    assert len(rows) == 1
    assert {k: rows[0][k] for k in ("code", "unit", "direction", "aggregation_quarters",
                                    "aggregation_structures", "ratio")} == {
        "code": "ESV_DEMAT", "unit": "percent", "direction": "up",
        "aggregation_quarters": "last", "aggregation_structures": "ratio", "ratio": True}


def test_targets_national_per_structure_and_per_quarter(client, data, token):
    key = token("observateur")
    rows = get(client, "/api/v1/targets", key, year=YEAR).json()["data"]
    assert {(r["kpi"], r["structure"], r["quarter"], r["value"]) for r in rows} == {
        ("ESV_PUB", None, None, 35.0), ("ESV_PUB", "MS", None, 20.0),
        ("ESV_DEMAT", None, 2, 60.0)}
    only_ms = get(client, "/api/v1/targets", key, structure="MS").json()["data"]
    assert [(r["kpi"], r["value"]) for r in only_ms] == [("ESV_PUB", 20.0)]
    assert get(client, "/api/v1/targets", key, year=YEAR + 1).json()["data"] == []


@pytest.mark.parametrize("login", ["admin", "direction"])
def test_the_secretariat_and_leadership_read_every_submission(client, data, token, login):
    rows = get(client, "/api/v1/submissions", token(login), year=YEAR).json()["data"]
    assert {(r["structure"], r["quarter"], r["status"]) for r in rows} == {
        ("MS", 1, "validated"), ("MS", 2, "draft"), ("MEF", 1, "validated"),
        ("MEF", 2, "submitted")}


def test_a_dsi_reads_its_own_submissions_only_and_a_viewer_none(client, data, token):
    key = token("dsi-mef")
    rows = get(client, "/api/v1/submissions", key).json()["data"]
    assert {(r["structure"], r["quarter"], r["status"]) for r in rows} == {
        ("MEF", 1, "validated"), ("MEF", 2, "submitted")}
    assert get(client, "/api/v1/submissions", key, structure="MS").status_code == 403
    assert get(client, "/api/v1/submissions", token("observateur")).status_code == 403


@pytest.mark.parametrize("login", ["admin", "direction", "dsi-ms", "observateur"])
def test_every_role_reads_the_actions_with_owner_due_date_status_and_overdue(
        client, data, token, login):
    key = token(login)
    rows = get(client, "/api/v1/actions", key).json()["data"]
    assert {(r["title"], r["owner"], r["status"], r["overdue"], r["due_date"]) for r in rows} == {
        ("Raccorder X-Road", "MS", "in_progress", True,
         (TODAY - timedelta(days=10)).isoformat()),
        ("Former les agents", "MEF", "blocked", False, (TODAY + timedelta(days=30)).isoformat())}
    overdue = get(client, "/api/v1/actions", key, overdue="true").json()["data"]
    assert [(r["title"], r["person"]) for r in overdue] == [("Raccorder X-Road", "A. DOSSOU")]
    assert [r["title"] for r in get(client, "/api/v1/actions", key, overdue="false")
            .json()["data"]] == ["Former les agents"]
    assert [r["title"] for r in get(client, "/api/v1/actions", key, structure="MEF",
                                    status="blocked").json()["data"]] == ["Former les agents"]


def test_the_roadmap_gives_pillars_initiatives_milestones_and_progress(client, data, token):
    document = get(client, "/api/v1/roadmap", token("dsi-mef"), year=YEAR).json()
    assert document["year"] == YEAR and document["progress"] == 50.0
    [pillar] = document["pillars"]
    [initiative] = pillar["initiatives"]
    assert (pillar["title_fr"], pillar["progress"]) == ("E-services", 50.0)
    assert (initiative["title"], initiative["owner"], initiative["progress"]) == (
        "Portail", "MS", 50.0)
    later = "overdue" if date(YEAR, 11, 1) < TODAY else "pending"
    assert [(m["title"], m["state"], m["done_on"]) for m in initiative["milestones"]] == [
        ("Cahier des charges", "done", f"{YEAR}-01-30"), ("Mise en ligne", later, None)]
    mef_only = get(client, "/api/v1/roadmap", token("dsi-mef"), year=YEAR, structure="MEF")
    assert mef_only.json()["progress"] is None
    assert [p["initiatives"] for p in mef_only.json()["pillars"]] == [[]]
    assert get(client, "/api/v1/roadmap", token("dsi-mef"), structure="MS",
               year=YEAR).json() == document
    assert get(client, "/api/v1/roadmap", token("dsi-mef"), year=YEAR - 1).json() == {
        "year": YEAR - 1, "progress": None, "pillars": []}


# --- pagination, errors, ETag, rate limit, audit ------------------------------------------


def test_pagination_counts_and_links_the_pages(client, data, token):
    key = token("observateur")
    first = get(client, "/api/v1/structures", key, per_page=2).json()
    assert (first["page"], first["per_page"], first["previous"]) == (1, 2, None)
    assert first["pages"] == -(-first["total"] // 2) and len(first["data"]) == 2
    second = client.get(first["next"], headers=bearer(key)).json()
    assert second["page"] == 2 and second["previous"] == "/api/v1/structures?per_page=2&page=1"
    assert not {s["code"] for s in first["data"]} & {s["code"] for s in second["data"]}
    everything = get(client, "/api/v1/structures", key, per_page=500).json()
    assert len(everything["data"]) == everything["total"] == first["total"]
    assert everything["next"] is None
    results = get(client, "/api/v1/results", token("admin"), include_drafts="true",
                  per_page=3, page=2).json()
    assert (results["total"], len(results["data"]), results["next"]) == (4, 1, None)


@pytest.mark.parametrize(("query", "parameter", "message"), [
    ("year=abc", "year", "Le paramètre « year » doit être un nombre entier, pas « abc »."),
    ("quarter=5", "quarter",
     "Le paramètre « quarter » vaut 5 : il doit être compris entre 1 et 4."),
    ("per_page=501", "per_page",
     "Le paramètre « per_page » vaut 501 : il doit être compris entre 1 et 500."),
    ("page=0", "page", "Le paramètre « page » vaut 0 : il doit être au moins 1."),
    ("include_drafts=peut-etre", "include_drafts",
     "Le paramètre « include_drafts » vaut true ou false, pas « peut-etre »."),
    ("structure=XYZ", "structure", "Structure inconnue : « XYZ » (voir /api/v1/structures)."),
    ("kpi=NOPE", "kpi", "Indicateur inconnu : « NOPE » (voir /api/v1/kpis)."),
    ("year=2026&year=2025", "year",
     "Le paramètre « year » est donné plusieurs fois : donnez-le une seule fois."),
    ("annee=2026", "annee", "Paramètre inconnu : « annee ». Paramètres acceptés ici : year, "
                            "quarter, structure, kpi, include_drafts, page, per_page."),
])
def test_bad_parameters_answer_422_naming_the_parameter(client, data, token, query, parameter,
                                                        message):
    response = client.get(f"/api/v1/results?{query}", headers=bearer(token("admin")))
    assert response.status_code == 422
    assert response.json() == {"error": {"status": 422, "code": "invalid_parameter",
                                         "message": message, "parameter": parameter}}


def test_unknown_paths_and_writes_answer_json_404_and_405(client, data, token):
    key = token("admin")
    missing = get(client, "/api/v1/budgets", key)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert get(client, "/api/v2/results", key).status_code == 404
    for method in ("post", "put", "delete"):
        refused = client.request(method.upper(), "/api/v1/results", headers=bearer(key))
        assert refused.status_code == 405
        assert refused.json()["error"]["message"].startswith("L'API est en lecture seule")


def test_etag_answers_304_until_the_data_change(client, engine, data, token):
    key = token("observateur")
    first = get(client, "/api/v1/results", key)
    etag = first.headers["etag"]
    same = client.get("/api/v1/results", headers={**bearer(key), "If-None-Match": etag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == etag
    with transaction(engine) as db:
        db.execute(update(Result).where(col(Result.status) == "submitted")
                   .values(status="validated"))
    changed = client.get("/api/v1/results", headers={**bearer(key), "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert len(changed.json()["data"]) == 3


def test_the_rate_limit_answers_429_per_token_and_audits_only_the_calls_served(
        database_url, engine, data, token):
    limited = TestClient(Starlette(routes=api_routes(database_url, 3)))
    key, other = token("dsi-ms"), token("dsi-mef")
    answers = [limited.get("/api/v1/kpis", headers=bearer(key)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    refused = answers[-1]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.json()["error"]["message"].startswith(
        "Trop d'appels : 3 par minute au plus pour un jeton.")
    assert limited.get("/api/v1/kpis", headers=bearer(other)).status_code == 200
    assert len(api_events(engine)) == 4
    # A minute later the count starts again.
    with transaction(engine) as db:
        db.execute(update(ApiToken).values(window_started_at=utcnow() - timedelta(seconds=61)))
    assert limited.get("/api/v1/kpis", headers=bearer(key)).status_code == 200


def test_every_call_is_audited_with_who_path_and_query(client, engine, data, token):
    key = token("dsi-ms")
    get(client, "/api/v1/results", key, year=YEAR, structure="MS")
    get(client, "/api/v1/structures", key)
    get(client, "/api/v1/results", key, year="abc")
    events = api_events(engine)
    assert [(e.user_login, e.object_type, e.object_label, e.field, e.new_value)
            for e in events] == [
        ("dsi-ms", "ApiCall", "GET /api/v1/results", "query", f"year={YEAR}&structure=MS"),
        ("dsi-ms", "ApiCall", "GET /api/v1/structures", "", None),
        ("dsi-ms", "ApiCall", "GET /api/v1/results", "query", "year=abc")]
    with Session(engine) as db:
        row = db.exec(select(ApiToken).where(ApiToken.prefix == key[:12])).one()
    assert {e.object_id for e in events} == {row.id}
    assert row.last_used_at is not None


# --- the description ----------------------------------------------------------------------


def test_the_openapi_description_names_every_route_and_the_fields_they_answer(client, data,
                                                                              token):
    key = token("admin")
    spec = get(client, OPENAPI_PATH, key).json()
    assert spec["openapi"] == "3.1.0"
    routes = [r.path for r in api_routes("sqlite://") if isinstance(r, Route)
              and "{" not in r.path and r.path != "/api"]
    assert sorted(routes) == sorted(spec["paths"])
    for endpoint in ENDPOINTS:
        operation = spec["paths"][endpoint.path]["get"]
        assert {"401", "403", "404", "422", "429", "304"} <= set(operation["responses"])
        body = operation["responses"]["200"]["content"]["application/json"]["schema"]
        params = {"include_drafts": "true"} if endpoint.name == "results" else {}
        if endpoint.name == "roadmap":
            params["year"] = str(YEAR)
        answer = get(client, endpoint.path, key, **params).json()
        if endpoint.paginated:
            assert set(body["required"]) == set(answer)
            body, answer = body["properties"]["data"]["items"], answer["data"][0]
        assert set(body["required"]) == set(answer), endpoint.name
        assert [p["name"] for p in operation["parameters"]][:len(endpoint.filters)] == list(
            endpoint.filters)


def test_the_journal_tells_each_call_as_a_sentence(client, engine, data, token, actor):
    from tracker.accounts.journal import sentences_frame

    get(client, "/api/v1/results", token("dsi-ms"), year=YEAR)
    with Session(engine) as db:
        lines = sentences_frame(db, actor("admin"), object_type="ApiCall")
    assert list(lines["what"]) == ["a consulté par l'API l'adresse « GET /api/v1/results »"]
    assert list(lines["who"]) == ["DSI Ministère de la Santé (démo)"]
    assert list(lines["detail"]) == [f"paramètres : year={YEAR}"]
