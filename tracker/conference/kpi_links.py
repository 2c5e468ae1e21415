"""Follow-up items tied to the KPIs they are meant to move, and the checks of a PV before it is
confirmed.

- A decision, recommendation or action item may be linked to KPIs (``FollowupKpi``); the
  secretariat edits the links, everyone reads them; each link added or removed is audited.
- ``propose_kpis`` reads a text and proposes the KPIs it names (by code, or by name); the
  proposal only pre-fills the review tables, nothing is saved until the secretariat confirms.
- ``pv_warnings`` lists what a reviewed PV lacks (owner, due date, KPI) and the items that look
  like open items of earlier sessions (``similar_open_items``: similar text, same owner).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, require
from tracker.core import audit
from tracker.core.errors import NotFound, ValidationFailed
from tracker.core.i18n import t
from tracker.core.models import (
    CLOSED_ACTION_STATUSES,
    ActionItem,
    Conference,
    Decision,
    FollowupKind,
    FollowupKpi,
    Kpi,
    Recommendation,
    utcnow,
)
from tracker.core.refdata import normalize

KINDS = tuple(k.value for k in FollowupKind)
_MODELS: dict[str, type[Decision] | type[Recommendation] | type[ActionItem]] = {
    FollowupKind.decision: Decision, FollowupKind.recommendation: Recommendation,
    FollowupKind.action: ActionItem}

# Words that say nothing of what an item is about (French and English).
_STOP_TEXT = """
a au aux avec ce ces cet cette d dans de des du elle en et etre il ils l la le les leur leurs
lui mais ne nos notre ou par pas pour qu que qui sa se ses son sur ta te tes ton un une vos
votre doit doivent devra devront faire fait afin ainsi avant apres ici d'ici tous toutes tout
chaque est sont sera seront plus moins the of to and in on for by with be is are
"""
STOPWORDS = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True)
class KpiName:
    """A KPI as the proposal reads it."""

    id: int
    code: str
    label: str


def kpi_names(session: Session) -> list[KpiName]:
    """Active KPIs in catalogue order (code and French name)."""
    rows = session.exec(select(Kpi).where(col(Kpi.active).is_(True))
                        .order_by(col(Kpi.position), col(Kpi.code))).all()
    return [KpiName(k.id or 0, k.code, k.label_fr) for k in rows]


def words(text: str) -> list[str]:
    """The content words of a text: lower case, no accents, no stop words, elisions cut."""
    out = []
    for word in re.findall(r"[a-z0-9][a-z0-9_\-]*", normalize(text).replace("'", " ")):
        word = word.strip("-_")
        if word and word not in STOPWORDS and len(word) > 1:
            out.append(word)
    return out


def _stem(word: str) -> str:
    """A crude stem (plural and common endings dropped) so that « serveurs » meets « serveur »."""
    for ending in ("ements", "ement", "ations", "ation", "es", "s", "e"):
        if len(word) > len(ending) + 3 and word.endswith(ending):
            return word[: -len(ending)]
    return word


def propose_kpis(text: str, kpis: Iterable[KpiName]) -> list[str]:
    """The codes of the KPIs a text names, in catalogue order: by code (a whole word, any case,
    e.g. « XRD_SS »), by the full name, or by every content word of a name of three content
    words or more (« le taux de satisfaction des usagers » names ESV_SATIS). A pure function."""
    plain = normalize(text)
    tokens = {_stem(w) for w in words(text)}
    found = []
    for kpi in kpis:
        code = kpi.code.casefold()
        label_words = [_stem(w) for w in words(kpi.label)]
        if re.search(rf"(?<![a-z0-9_]){re.escape(code)}(?![a-z0-9_])", plain) \
                or (kpi.label and normalize(kpi.label) in plain) \
                or (len(label_words) >= 3 and all(w in tokens for w in label_words)):
            found.append(kpi.code)
    return found


def cell_codes(value: object) -> list[str]:
    """The KPI codes of a multiselect cell (a list, an array, or codes typed with commas)."""
    if value is None:
        return []
    if isinstance(value, str):
        items: list[object] = [v for v in re.split(r"[,;\n]", value)]
    elif hasattr(value, "tolist"):
        items = list(value.tolist())  # type: ignore[attr-defined]
    elif isinstance(value, (list, tuple, set)):
        items = list(value)
    else:
        try:
            if pd.isna(value):  # type: ignore[arg-type]
                return []
        except (TypeError, ValueError):
            pass
        items = [value]
    return list(dict.fromkeys(str(v).strip() for v in items if v is not None
                              and str(v).strip()))


# --- links --------------------------------------------------------------------------------


def links_by_object(session: Session, kind: str) -> dict[int, list[str]]:
    """Object id → the codes of its KPIs, for one kind of item."""
    rows = session.exec(select(FollowupKpi.object_id, Kpi.code)
                        .join(Kpi, col(Kpi.id) == col(FollowupKpi.kpi_id))
                        .where(FollowupKpi.object_type == kind)
                        .order_by(col(Kpi.position), col(Kpi.code))).all()
    out: dict[int, list[str]] = {}
    for object_id, code in rows:
        out.setdefault(object_id, []).append(code)
    return out


def kpi_ids_by_code(session: Session) -> dict[str, int]:
    return {k.code: k.id or 0 for k in session.exec(select(Kpi)).all()}


def unknown_codes(codes: Iterable[str], known: Iterable[str]) -> list[str]:
    known_set = set(known)
    return [c for c in codes if c not in known_set]


def write_links(session: Session, actor: Actor | None, kind: str, object_id: int,
                codes: Sequence[str], *, label: str) -> int:
    """Make the item's KPI links exactly ``codes`` (already checked), auditing each link added
    («link_kpi») or removed («unlink_kpi») on the item. Returns the number of changes."""
    ids = kpi_ids_by_code(session)
    wanted = {ids[c] for c in codes}
    current = {link.kpi_id: link for link in session.exec(select(FollowupKpi).where(
        FollowupKpi.object_type == kind, FollowupKpi.object_id == object_id)).all()}
    codes_by_id = {v: k for k, v in ids.items()}
    changed = 0
    for kpi_id in sorted(set(current) - wanted):
        session.delete(current[kpi_id])
        audit.record_event(session, actor, "unlink_kpi", _MODELS[kind].__name__, object_id,
                           label=label, changes={"kpi": (codes_by_id.get(kpi_id), None)})
        changed += 1
    for kpi_id in sorted(wanted - set(current)):
        session.add(FollowupKpi(object_type=kind, object_id=object_id, kpi_id=kpi_id,
                                created_at=utcnow(), created_by_id=actor.id if actor else None))
        audit.record_event(session, actor, "link_kpi", _MODELS[kind].__name__, object_id,
                           label=label, changes={"kpi": (None, codes_by_id[kpi_id])})
        changed += 1
    session.flush()
    return changed


def set_kpi_links(session: Session, actor: Actor, kind: str, object_id: int,
                  codes: Sequence[str]) -> int:
    """The secretariat sets the KPIs an item is meant to move (an unknown code is refused with
    its name, nothing written). Returns the number of links added or removed."""
    require(actor, Action.edit_conferences)
    if kind not in KINDS:
        raise NotFound(t("common.not_found"))
    item: Any = session.get(_MODELS[kind], object_id)
    if item is None:
        raise NotFound(t("common.not_found"))
    cleaned = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    unknown = unknown_codes(cleaned, kpi_ids_by_code(session))
    if unknown:
        raise ValidationFailed(t("kpi_links.unknown_kpi", codes=", ".join(unknown)), [])
    return write_links(session, actor, kind, object_id, cleaned, label=item_label(item))


def item_label(item: Decision | Recommendation | ActionItem) -> str:
    text = item.title if isinstance(item, ActionItem) else item.text
    return f"{item.number} {text[:80]}".strip()


def kpi_choices(session: Session) -> dict[str, str]:
    """KPI code → « code — name », for multiselects."""
    return {k.code: f"{k.code} — {k.label}" for k in kpi_names(session)}


# --- duplicate detection ------------------------------------------------------------------


@dataclass(frozen=True)
class OpenItem:
    """An open item of an earlier session, as the PV check compares it."""

    kind: str  # recommendation or action
    id: int
    reference: str  # « 18e conférence — R3 »
    text: str
    owner_id: int | None


@dataclass(frozen=True)
class NewItem:
    """A row of the PV under review."""

    table: str  # recommendations or actions
    position: int
    number: str
    text: str
    owner_id: int | None


def similarity(a: str, b: str) -> float:
    """How alike two texts are, 0 to 1: the better of the character ratio of their content
    words and the share of the shorter one's (stemmed) words found in the other."""
    wa, wb = [_stem(w) for w in words(a)], [_stem(w) for w in words(b)]
    if not wa or not wb:
        return 0.0
    ratio = SequenceMatcher(None, " ".join(sorted(wa)), " ".join(sorted(wb))).ratio()
    sa, sb = set(wa), set(wb)
    overlap = len(sa & sb) / min(len(sa), len(sb)) if min(len(sa), len(sb)) >= 3 else 0.0
    return max(ratio, overlap)


SIMILAR = 0.7


def similar_open_items(new: Sequence[NewItem], open_items: Sequence[OpenItem],
                       threshold: float = SIMILAR) -> dict[tuple[str, int], OpenItem]:
    """For each new row (table, position) that looks like an open item of an earlier session
    (same owner, similar text), the most similar such item. A pure function."""
    found: dict[tuple[str, int], OpenItem] = {}
    for item in new:
        best, score = None, threshold
        for other in open_items:
            if item.owner_id is None or other.owner_id != item.owner_id:
                continue
            s = similarity(item.text, other.text)
            if s >= score:
                best, score = other, s
        if best is not None:
            found[(item.table, item.position)] = best
    return found


def open_items_before(session: Session, day: date | None) -> list[OpenItem]:
    """Open recommendations and actions of sessions held before ``day`` (all when None)."""
    from tracker.conference.sessions import conference_label

    conferences = {c.id: c for c in session.exec(select(Conference)).all()}
    closed = {s.value for s in CLOSED_ACTION_STATUSES}
    out = []
    models: tuple[tuple[FollowupKind, Any], ...] = (
        (FollowupKind.recommendation, Recommendation), (FollowupKind.action, ActionItem))
    for kind, model in models:
        for row in session.exec(select(model).where(col(model.status).not_in(closed))).all():
            conference = conferences.get(row.conference_id)
            if conference is None or (day is not None and (
                    conference.session_date is None or conference.session_date >= day)):
                continue
            text = row.title if isinstance(row, ActionItem) else row.text
            out.append(OpenItem(kind.value, row.id or 0,
                                f"{conference_label(conference)} — {row.number}", text,
                                row.owner_structure_id))
    return out


@dataclass(frozen=True)
class PvWarning:
    """One warning of the PV check: the table and row concerned, what is wrong, and for a
    likely duplicate the earlier open item."""

    table: str
    position: int
    number: str
    problem: str  # no_owner, no_due, no_kpi, duplicate
    earlier: OpenItem | None = None

    @property
    def message(self) -> str:
        where = t(f"minutes_review.table_{self.table}")
        if self.earlier is not None:
            return t("kpi_links.warn_duplicate", table=where, number=self.number,
                     earlier=self.earlier.reference, text=self.earlier.text[:120])
        return t(f"kpi_links.warn_{self.problem}", table=where, number=self.number)


def pv_warnings(rows: Sequence[dict[str, object]], duplicates: dict[tuple[str, int], OpenItem]
                ) -> list[PvWarning]:
    """What the reviewed PV lacks, row by row: rows are {table, position, number, owner, due,
    due_kind, kpis} (recommendations and actions; decisions have no owner nor due date), then
    the likely duplicates. A pure function."""
    out = []
    for row in rows:
        table, position = str(row["table"]), int(str(row["position"]))
        number = str(row.get("number") or position)
        if table != "decisions":
            if not row.get("owner"):
                out.append(PvWarning(table, position, number, "no_owner"))
            if not row.get("due") and not row.get("due_kind"):
                out.append(PvWarning(table, position, number, "no_due"))
        if not row.get("kpis"):
            out.append(PvWarning(table, position, number, "no_kpi"))
        if (table, position) in duplicates:
            out.append(PvWarning(table, position, number, "duplicate",
                                 duplicates[(table, position)]))
    return out
