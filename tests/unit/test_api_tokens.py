"""Personal API tokens: issued by the secretariat only, kept as a hash, refused with a precise
message and nothing written; the command line issues and revokes them."""

from __future__ import annotations

import warnings

import pytest
from sqlmodel import Session, func, select
from starlette.applications import Starlette

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about httpx2
    from starlette.testclient import TestClient

from tracker import cli
from tracker.accounts import tokens
from tracker.api import api_routes
from tracker.core.db import transaction
from tracker.core.errors import NotFound, PermissionDenied, TrackerError
from tracker.core.models import ApiToken, AuditEvent, User


def _counts(engine) -> tuple[int, int]:
    with Session(engine) as db:
        return (db.exec(select(func.count()).select_from(ApiToken)).one(),
                db.exec(select(func.count()).select_from(AuditEvent)).one())


@pytest.mark.postgres
def test_a_token_is_kept_as_a_hash_and_named_by_its_first_characters(engine, actor, seeded):
    with transaction(engine) as db:
        issued = tokens.issue_token(db, actor("admin"), seeded.users["dsi-ms"], 7)
    with Session(engine) as db:
        row = db.exec(select(ApiToken)).one()
        stored = [str(v) for v in row.model_dump().values()]
    assert issued.token.startswith("cdsi_") and len(issued.token) > 40
    assert issued.token not in stored and issued.prefix == issued.token[:12] == row.prefix
    assert row.token_hash == tokens.token_hash(issued.token)
    assert (row.created_by_id, issued.login) == (seeded.users["admin"], "dsi-ms")
    assert (row.expires_at - row.created_at).days in (6, 7)


@pytest.mark.postgres
@pytest.mark.parametrize(("login", "days", "error", "message"), [
    ("direction", 30, PermissionDenied, "Vous n'avez pas le droit d'effectuer cette action."),
    ("dsi-ms", 30, PermissionDenied, "Vous n'avez pas le droit d'effectuer cette action."),
    ("admin", 0, TrackerError, "La durée de validité d'un jeton est un nombre entier de jours "
                               "entre 1 et 365, pas « 0 »."),
    ("admin", 366, TrackerError, "La durée de validité d'un jeton est un nombre entier de "
                                 "jours entre 1 et 365, pas « 366 »."),
])
def test_issuing_is_refused_with_a_reason_and_writes_nothing(engine, actor, seeded, login, days,
                                                             error, message):
    before = _counts(engine)
    with pytest.raises(error) as refused, transaction(engine) as db:
        tokens.issue_token(db, actor(login), seeded.users["dsi-mef"], days)
    assert str(refused.value) == message
    assert _counts(engine) == before


def test_a_deactivated_or_unknown_account_gets_no_token(engine, actor, seeded):
    with transaction(engine) as db:
        db.get(User, seeded.users["dsi-mef"]).active = False
    before = _counts(engine)
    with pytest.raises(TrackerError, match="« dsi-mef » est désactivé"), \
            transaction(engine) as db:
        tokens.issue_token(db, actor("admin"), seeded.users["dsi-mef"])
    with pytest.raises(NotFound, match="Aucun compte n'a l'identifiant « personne »"), \
            transaction(engine) as db:
        tokens.issue_token_for_login(db, None, "personne")
    assert _counts(engine) == before


def test_revoking_twice_is_refused(engine, actor, seeded):
    with transaction(engine) as db:
        issued = tokens.issue_token(db, actor("admin"), seeded.users["dsi-ms"])
        assert tokens.revoke_token(db, actor("admin"), issued.id) == issued.prefix
    with pytest.raises(TrackerError, match="déjà révoqué"), transaction(engine) as db:
        tokens.revoke_token(db, actor("admin"), issued.id)
    with pytest.raises(PermissionDenied), transaction(engine) as db:
        tokens.revoke_tokens_of(db, actor("dsi-ms"), "dsi-ms")


def test_the_command_line_issues_a_working_token_and_revokes_it(database_url, seeded, capsys):
    client = TestClient(Starlette(routes=api_routes(database_url, 100)))

    assert cli.main(["--database-url", database_url, "token", "create", "--login", "DSI-MS",
                     "--days", "10"]) == 0
    printed = capsys.readouterr()
    token = printed.out.strip()
    assert token.startswith("cdsi_") and "\n" not in token
    assert "Copiez ce jeton maintenant" in printed.err and token not in printed.err
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/kpis", headers=headers).status_code == 200

    assert cli.main(["token", "revoke", "--login", "dsi-ms", "--database-url",
                     database_url]) == 0
    assert capsys.readouterr().out.strip() == "1 jeton révoqué pour dsi-ms"
    assert client.get("/api/v1/kpis", headers=headers).status_code == 401
    assert cli.main(["--database-url", database_url, "token", "create", "--login", "dsi-ms",
                     "--days", "400"]) == 2
    assert "entre 1 et 365" in capsys.readouterr().err


def test_the_rate_limit_setting_is_a_whole_number_of_calls():
    from tracker.core.config import load_settings

    base = {"TRACKER_COOKIE_SECRET": "s" * 40}
    assert load_settings(base).api_rate_per_minute == 120
    assert load_settings({**base, "TRACKER_API_RATE_PER_MINUTE": " 30 "}).api_rate_per_minute == 30
    for wrong in ("0", "-5", "beaucoup", "2.5"):
        with pytest.raises(ValueError, match="TRACKER_API_RATE_PER_MINUTE must be a whole "
                                             f"number of calls per minute .*'{wrong.strip()}'"):
            load_settings({**base, "TRACKER_API_RATE_PER_MINUTE": wrong})
