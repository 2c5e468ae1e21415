"""Who may do what, as a table: every role × every action × own or another structure."""

from __future__ import annotations

import pytest

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import (
    Action,
    audience,
    may,
    own_structure,
    require,
    sees_the_national_picture,
)
from tracker.core.errors import PermissionDenied
from tracker.core.models import Role

OWN, OTHER = 7, 8  # two structures: the DSI's own and another one

# What a DSI may do for their own structure only.
DSI_OWN = {Action.read_drafts, Action.enter_results, Action.update_action,
           Action.record_milestone, Action.read_submission_history, Action.rate_confidence}
LEADERSHIP = {Action.see_submissions, Action.see_who, Action.read_reports,
              Action.read_submission_history, Action.compare_structures,
              Action.publish_open_data}


def actor(role: Role) -> Actor:
    structure = OWN if role == Role.dsi else (1 if role != Role.viewer else None)
    return Actor(id=1, login=role.value, display_name=role.value, role=role,
                 structure_id=structure, structure_code="X" if structure else None)


def expected(role: Role, action: Action, structure: int | None) -> bool:
    if role == Role.admin:
        return True
    if role == Role.leadership:
        return action in LEADERSHIP
    if role == Role.dsi:
        return action in DSI_OWN and structure == OWN
    return False


CASES = [(role, action, structure) for role in Role for action in Action
         for structure in (OWN, OTHER, None)]


@pytest.mark.parametrize(("role", "action", "structure"), CASES,
                         ids=[f"{r.value}-{a.value}-{s}" for r, a, s in CASES])
def test_the_table_of_who_may_do_what(role: Role, action: Action, structure: int | None) -> None:
    allowed = expected(role, action, structure)

    assert may(actor(role), action, structure) is allowed
    if allowed:
        require(actor(role), action, structure)
    else:
        with pytest.raises(PermissionDenied):
            require(actor(role), action, structure)


def test_a_dsi_without_a_structure_may_write_nothing() -> None:
    lost = Actor(id=2, login="x", display_name="x", role=Role.dsi, structure_id=None,
                 structure_code=None)
    assert not any(may(lost, action, None) for action in Action)
    assert own_structure(lost) is None and sees_the_national_picture(lost)


def test_the_command_line_acts_as_the_operator() -> None:
    assert all(may(None, action, OTHER) for action in Action)


def test_help_texts_and_home_pages_follow_the_same_table() -> None:
    assert [audience(actor(r)) for r in Role] == ["admin", "reader", "dsi", "reader"]
    assert [sees_the_national_picture(actor(r)) for r in Role] == [True, True, False, True]
    assert own_structure(actor(Role.dsi)) == OWN and own_structure(actor(Role.admin)) is None
