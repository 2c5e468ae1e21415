"""The parse of one PV as the review screen and the JSON export see it."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from tracker.minutes.patterns import Status

SourceFormat = Literal["docx", "markdown", "text"]


# --------------------------------------------------------------------------- the parse


class Participant(BaseModel):
    """One line of the attendance list."""

    name: str
    role: str = ""
    structure: str | None = None
    structure_raw: str = ""
    uncertain: list[str] = Field(default_factory=list)

    def to_json_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "structure": self.structure}


class MinutesItem(BaseModel):
    """What recommendations and actions share: text, owner structure and due date."""

    text: str
    owner: str | None = None
    owner_raw: str = ""
    due: dt.date | None = None
    due_raw: str = ""
    recurring: bool = False
    next_session: bool = False
    uncertain: list[str] = Field(default_factory=list)

    @property
    def due_json(self) -> str | None:
        """The due date as the JSON export writes it: ISO date, "next_session" or None."""
        if self.next_session:
            return "next_session"
        return self.due.isoformat() if self.due else None


class ParsedRecommendation(MinutesItem):
    def to_json_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "owner": self.owner,
            "due": self.due_json,
            "recurring": self.recurring,
        }


class ParsedAction(MinutesItem):
    status: Status = "not_started"
    status_raw: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "owner": self.owner,
            "due": self.due_json,
            "status": self.status,
            "recurring": self.recurring,
        }


class ParsedMinutes(BaseModel):
    """The parse of one PV, to be reviewed and corrected before anything is saved.

    ``uncertain`` (here and on each item) names the fields a person must confirm; ``warnings``
    are sentences from the catalogue explaining why.
    """

    filename: str
    source_format: SourceFormat
    title: str | None = None
    date: dt.date | None = None
    place: str | None = None
    time: str | None = None
    number: int | None = None
    rank_in_year: int | None = None
    theme: str | None = None
    chair: str | None = None
    rapporteur: str | None = None
    participants: list[Participant] = Field(default_factory=list)
    excused: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)
    excused_unresolved: list[str] = Field(default_factory=list)
    absent_unresolved: list[str] = Field(default_factory=list)
    agenda: list[str] = Field(default_factory=list)
    decisions: list[str] = Field(default_factory=list)
    recommendations: list[ParsedRecommendation] = Field(default_factory=list)
    actions: list[ParsedAction] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    uncertain: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    plain_text: str = ""

    def to_json_dict(self) -> dict[str, Any]:
        """The shape of ``tests/fixtures/samples/*.expected.json`` (``title`` only when found)."""
        out: dict[str, Any] = {}
        if self.title:
            out["title"] = self.title
        out.update(
            {
                "date": self.date.isoformat() if self.date else None,
                "place": self.place,
                "number": self.number,
                "rank_in_year": self.rank_in_year,
                "theme": self.theme,
                "participants": [p.to_json_dict() for p in self.participants],
                "excused": list(self.excused),
                "absent": list(self.absent),
                "agenda": list(self.agenda),
                "decisions": list(self.decisions),
                "recommendations": [r.to_json_dict() for r in self.recommendations],
                "actions": [a.to_json_dict() for a in self.actions],
            }
        )
        return out
