"""Open-data releases: leadership publishes a quarter (or a whole year) of validated results.

A release is frozen: the rows it published are stored with it as canonical JSON (and their
SHA-256), so that its data package is the same file on every download even after a result is
corrected. Publishing the same period again after a correction makes a new edition whose change
note lists what changed (structure, KPI, quarter, old → new); publishing with nothing changed is
refused, naming the edition in force. Only validated results ever leave this way.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from tracker.accounts.auth import Actor
from tracker.accounts.permissions import Action, may, require
from tracker.core import audit
from tracker.core.errors import NotFound, TrackerError
from tracker.core.formats import format_datetime, quarter_label
from tracker.core.i18n import t
from tracker.core.models import (
    Kpi,
    OpenDataRelease,
    Result,
    Structure,
    SubmissionStatus,
    utcnow,
)

WHOLE_YEAR = 0
# The tables of a release, in the order of the data package.
RESULTS, KPIS, STRUCTURES = "resultats", "indicateurs", "structures"
RESULT_FIELDS = ("structure", "indicateur", "annee", "trimestre", "periode", "valeur",
                 "numerateur", "denominateur", "unite")
KPI_FIELDS = ("code", "libelle_fr", "libelle_en", "groupe", "unite", "sens", "ratio")
STRUCTURE_FIELDS = ("code", "nom_fr", "nom_en", "type")


class NothingToPublish(TrackerError):
    """The period has no validated result, or nothing changed since its last edition."""


@dataclass(frozen=True)
class Change:
    """One line of a change note: a result added, removed or corrected since the last edition."""

    structure: str
    kpi: str
    period: str
    old: str | None
    new: str | None

    def sentence(self) -> str:
        where = f"{self.structure} · {self.kpi} · {self.period}"
        if self.old is None:
            return t("exchange.change_added", "fr", where=where, new=self.new)
        if self.new is None:
            return t("exchange.change_removed", "fr", where=where, old=self.old)
        return t("exchange.change_corrected", "fr", where=where, old=self.old, new=self.new)


def period_name(year: int, quarter: int) -> str:
    """« T3 2025 » for a quarter, « 2025 » for a whole year (as stored in change notes)."""
    return str(year) if quarter == WHOLE_YEAR else f"T{quarter} {year}"


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(float(value), 6)


def release_content(session: Session, year: int, quarter: int) -> dict[str, list[dict[str, Any]]]:
    """The rows a release of this period publishes now: validated results only (a ratio KPI's
    value is its rate from numerator and denominator), and the KPIs and structures they name."""
    quarters = [1, 2, 3, 4] if quarter == WHOLE_YEAR else [quarter]
    statement = (
        select(Result, Structure, Kpi)
        .join(Structure, col(Structure.id) == col(Result.structure_id))
        .join(Kpi, col(Kpi.id) == col(Result.kpi_id))
        .where(Result.status == SubmissionStatus.validated, Result.year == year,
               col(Result.quarter).in_(quarters))
        .order_by(col(Result.quarter), col(Structure.code), col(Kpi.position), col(Kpi.code)))
    results: list[dict[str, Any]] = []
    kpis: dict[str, dict[str, Any]] = {}
    structures: dict[str, dict[str, Any]] = {}
    for result, structure, kpi in session.exec(statement):
        value = result.value
        if kpi.ratio and result.numerator is not None and result.denominator:
            value = result.numerator * 100 / result.denominator
        if value is None and result.numerator is None:
            continue  # a KPI left blank with a reason: nothing to publish
        results.append({
            "structure": structure.code, "indicateur": kpi.code, "annee": result.year,
            "trimestre": result.quarter, "periode": f"{result.year}-T{result.quarter}",
            "valeur": _number(value), "numerateur": _number(result.numerator),
            "denominateur": _number(result.denominator), "unite": kpi.unit})
        kpis[kpi.code] = {"code": kpi.code, "libelle_fr": kpi.label_fr,
                          "libelle_en": kpi.label_en, "groupe": kpi.group, "unite": kpi.unit,
                          "sens": kpi.direction, "ratio": bool(kpi.ratio)}
        structures[structure.code] = {"code": structure.code, "nom_fr": structure.name_fr,
                                      "nom_en": structure.name_en, "type": structure.kind}
    return {RESULTS: results, KPIS: [kpis[k] for k in sorted(kpis)],
            STRUCTURES: [structures[s] for s in sorted(structures)]}


def canonical(content: dict[str, list[dict[str, Any]]]) -> str:
    """The one text a release's content is stored and hashed as."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _shown(row: dict[str, Any]) -> str:
    """A released figure as a change note shows it: the parts of a ratio, else the value."""
    if row.get("numerateur") is not None:
        return f"{row['numerateur']} / {row['denominateur']}"
    return str(row.get("valeur"))


def changes_between(old: dict[str, list[dict[str, Any]]],
                    new: dict[str, list[dict[str, Any]]]) -> list[Change]:
    """What a new edition changes in the results of the previous one, row by row."""
    Key = tuple[str, str, int]

    def keyed(content: dict[str, list[dict[str, Any]]]) -> dict[Key, dict[str, Any]]:
        return {(r["structure"], r["indicateur"], r["trimestre"]): r for r in content[RESULTS]}

    before, after = keyed(old), keyed(new)
    changes = []
    for key in sorted(before.keys() | after.keys(), key=lambda k: (k[2], k[0], k[1])):
        was, now = before.get(key), after.get(key)
        old_text = _shown(was) if was else None
        new_text = _shown(now) if now else None
        if old_text != new_text:
            row = now or was
            assert row is not None
            changes.append(Change(key[0], key[1], f"T{row['trimestre']} {row['annee']}",
                                  old_text, new_text))
    return changes


def latest_release(session: Session, year: int, quarter: int) -> OpenDataRelease | None:
    return session.exec(select(OpenDataRelease).where(
        OpenDataRelease.year == year, OpenDataRelease.quarter == quarter)
        .order_by(col(OpenDataRelease.edition).desc())).first()


@dataclass(frozen=True)
class Published:
    """What a publication did: the edition now in force, and whether it is a new one."""

    release: OpenDataRelease
    created: bool


def publish(session: Session, actor: Actor | None, year: int, quarter: int = WHOLE_YEAR, *,
            note: str = "") -> Published:
    """Freeze and publish the validated results of a quarter (``quarter`` 1..4) or a year
    (``quarter`` 0). A period already published gets a new edition only when its results
    changed, with a change note listing each change (and ``note``, the publisher's own words);
    unchanged, the edition in force is returned and nothing is written. Refused when the period
    has no validated result."""
    require(actor, Action.publish_open_data)
    if not 0 <= quarter <= 4:
        raise ValueError(t("exchange.bad_quarter", quarter=quarter))
    content = release_content(session, year, quarter)
    if not content[RESULTS]:
        raise NothingToPublish(t("exchange.nothing_validated", period=period_name(year, quarter)))
    text = canonical(content)
    digest = content_hash(text)
    previous = latest_release(session, year, quarter)
    if previous is not None and previous.content_hash == digest:
        return Published(previous, created=False)
    lines = [note.strip()] if note.strip() else []
    if previous is None:
        lines.insert(0, t("exchange.first_edition", "fr", period=period_name(year, quarter)))
    else:
        changes = changes_between(json.loads(previous.content), content)
        lines.insert(0, t("exchange.new_edition", "fr", edition=previous.edition,
                          n=len(changes)))
        lines[1:1] = [f"- {change.sentence()}" for change in changes]
    release = OpenDataRelease(
        year=year, quarter=quarter, edition=(previous.edition + 1) if previous else 1,
        published_at=utcnow(), published_by_id=actor.id if actor else None,
        published_by=actor.display_name if actor else t("exchange.operator", "fr"),
        change_note="\n".join(lines), rows=len(content[RESULTS]), content_hash=digest,
        content=text)
    audit.add_new(session, actor, release)
    audit.created(session, actor, release, action="publish",
                  label=f"{period_name(year, quarter)} — {t('exchange.edition', 'fr')} "
                        f"{release.edition}",
                  entered={"rows": release.rows, "content_hash": digest,
                           "change_note": release.change_note})
    return Published(release, created=True)


def release_contents(release: OpenDataRelease) -> dict[str, list[dict[str, Any]]]:
    """The frozen rows of a release, checked against the hash stored with them."""
    if content_hash(release.content) != release.content_hash:
        raise TrackerError(t("exchange.tampered", edition=release.edition,
                             period=period_name(release.year, release.quarter)))
    return json.loads(release.content)  # type: ignore[no-any-return]


def list_releases(session: Session) -> list[OpenDataRelease]:
    """Every edition ever published, the newest period and edition first (published data is
    public: anyone signed in may read the list and download them)."""
    return list(session.exec(select(OpenDataRelease).order_by(
        col(OpenDataRelease.year).desc(), col(OpenDataRelease.quarter).desc(),
        col(OpenDataRelease.edition).desc())))


def get_release(session: Session, release_id: int) -> OpenDataRelease:
    release = session.get(OpenDataRelease, release_id)
    if release is None:
        raise NotFound(t("common.not_found"))
    return release


def releases_frame_rows(releases: list[OpenDataRelease]) -> list[dict[str, Any]]:
    """The list of releases as the page shows it, in the user's language."""
    return [{t("exchange.col_period"): quarter_label(r.year, r.quarter) if r.quarter
             else str(r.year),
             t("exchange.col_edition"): r.edition,
             t("exchange.col_published_at"): format_datetime(r.published_at),
             t("exchange.col_published_by"): r.published_by,
             t("exchange.col_rows"): r.rows,
             t("exchange.col_note"): r.change_note} for r in releases]


def exchange_revision(session: Session) -> str:
    """Changes whenever the quarters offered for a publication or an export, or a DHIS2 export,
    may change: a result validated, reopened or corrected, a structure, KPI or target edited,
    the DHIS2 mapping edited (the key of the cached choices and export: a few count queries)."""
    from tracker.core import repository as repo
    from tracker.core.models import Dhis2Mapping
    from tracker.dashboards.views import validated_revision

    return "|".join([validated_revision(session), repo.stamp(session, Dhis2Mapping),
                     repo.stamp(session, Dhis2Mapping, column="id")])


def quarter_choices(session: Session, today: date) -> tuple[list[tuple[int, int]],
                                                              tuple[int, int]]:
    """The quarters that may be published or exported (``validated_quarters``) and the one
    offered first: the dashboards' quarter, the last one most structures have reported (not
    the quarter still open for entry, with a handful of validated declarations)."""
    from tracker.dashboards.views import available_quarters, last_validated_quarter

    reported = pd.DataFrame(session.exec(select(  # type: ignore[call-overload]
        Result.year, Result.quarter, Result.structure_id).where(
        Result.status == SubmissionStatus.validated).distinct()).all(),
        columns=["year", "quarter", "structure_id"])
    return available_quarters(reported), last_validated_quarter(reported, today)


def validated_quarters(session: Session) -> list[tuple[int, int]]:
    """The quarters holding at least one validated result, newest first: what may be
    published or exported."""
    rows = session.exec(select(Result.year, Result.quarter).where(
        Result.status == SubmissionStatus.validated).distinct())
    return sorted({(int(y), int(q)) for y, q in rows}, reverse=True)


def may_publish(actor: Actor | None) -> bool:
    """Whether the page offers the publication form to this actor."""
    return may(actor, Action.publish_open_data)
