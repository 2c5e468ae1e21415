"""One password policy for creation and reset: at least 12 characters (a passphrase does it),
never a common password (the list shipped in the repository), the login, a repeated word or a
keyboard run. The demo accounts keep « demo »: the demo loader creates them outside the policy."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tracker.accounts import auth, users
from tracker.bootstrap import DEMO_PASSWORD
from tracker.core.db import transaction
from tracker.core.errors import TrackerError
from tracker.core.models import User

WEAK = ["abcd", "motdepasse1", "motdepasse-2025", "P@ssw0rd-2025!", "Bienvenue2025!!",
        "azertyuiop123", "123456789012", "Cotonou2025!!", "koffi-koffi-koffi", "demodemodemo",
        "qwertyuiopasdf"]
STRONG = ["le baobab fleurit en mars", "plume-lagune-2025", "kpakpato zangbeto lagune"]


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_at_creation_and_reset(engine, seeded, actor, password):
    with pytest.raises(TrackerError, match="mot de passe"), transaction(engine) as db:
        users.create_user(db, actor("admin"), {"login": "koffi", "display_name": "Koffi",
                                               "role": "viewer", "password": password})
    with pytest.raises(TrackerError, match="mot de passe"), transaction(engine) as db:
        users.reset_password(db, actor("admin"), seeded.users["dsi-ms"], password)

    with Session(engine) as db:
        assert db.exec(select(User).where(User.login == "koffi")).first() is None


@pytest.mark.parametrize("password", STRONG)
def test_passphrases_are_accepted(engine, seeded, actor, password):
    with transaction(engine) as db:
        users.create_user(db, actor("admin"), {"login": "koffi", "display_name": "Koffi",
                                               "role": "viewer", "password": password})

    assert auth.sign_in(engine, "koffi", password)[0].login == "koffi"


def test_the_common_password_list_ships_with_the_code():
    common = auth.common_passwords()

    assert len(common) > 500
    assert {"password", "azerty", "motdepasse", "bienvenue"} <= common


def test_demo_accounts_keep_their_published_password(engine, seeded):
    # Created as the demo loader does (conftest: password_policy=False).
    assert auth.password_problem(DEMO_PASSWORD) is not None
    assert auth.sign_in(engine, "admin", DEMO_PASSWORD)[0].login == "admin"
