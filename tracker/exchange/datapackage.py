"""A release as a Frictionless Data Package: ``datapackage.json`` (title, description, licence,
source, publisher, dates, one resource per table with its schema: types, units, missing values,
keys) and one UTF-8 CSV per table with ``,`` separators, ISO dates and ``.`` decimals.

Everything is built from the release's frozen rows and its own dates: the same edition gives the
same files, byte for byte, on every download."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from tracker.core.models import KpiUnit, OpenDataRelease
from tracker.core.periods import Quarter
from tracker.exchange.releases import (
    KPI_FIELDS,
    KPIS,
    RESULT_FIELDS,
    RESULTS,
    STRUCTURE_FIELDS,
    STRUCTURES,
    WHOLE_YEAR,
    release_contents,
)

LICENSE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0",
           "path": "https://creativecommons.org/licenses/by/4.0/"}
PUBLISHER = "Agence des Services et Systèmes d'Information (ASIN), République du Bénin"
SOURCE = {"title": "Conférence des DSI — déclarations trimestrielles des structures, "
                   "validées par l'ASIN"}
MISSING = [""]
UNITS = {
    KpiUnit.count.value: "nombre", KpiUnit.percent.value: "pourcentage (0 à 100)",
    KpiUnit.hours.value: "heures", KpiUnit.ms.value: "millisecondes",
    KpiUnit.xof.value: "francs CFA (XOF)", KpiUnit.bool.value: "oui = 1, non = 0",
    KpiUnit.days.value: "jours",
}

_FIELDS: dict[str, list[dict[str, Any]]] = {
    RESULTS: [
        {"name": "structure", "type": "string", "title": "Structure",
         "description": "Code de la structure (voir structures.csv)",
         "constraints": {"required": True}},
        {"name": "indicateur", "type": "string", "title": "Indicateur",
         "description": "Code de l'indicateur (voir indicateurs.csv)",
         "constraints": {"required": True}},
        {"name": "annee", "type": "year", "title": "Année", "constraints": {"required": True}},
        {"name": "trimestre", "type": "integer", "title": "Trimestre",
         "description": "Trimestre civil, 1 à 4",
         "constraints": {"required": True, "minimum": 1, "maximum": 4}},
        {"name": "periode", "type": "string", "title": "Période",
         "description": "Année et trimestre, par exemple 2025-T3",
         "constraints": {"required": True, "pattern": "[0-9]{4}-T[1-4]"}},
        {"name": "valeur", "type": "number", "title": "Valeur",
         "description": "Valeur validée, dans l'unité de la colonne unite ; pour un ratio, le "
                        "taux en pourcentage (numérateur / dénominateur × 100)"},
        {"name": "numerateur", "type": "integer", "title": "Numérateur",
         "description": "Numérateur d'un indicateur ratio ; vide pour les autres",
         "constraints": {"minimum": 0}},
        {"name": "denominateur", "type": "integer", "title": "Dénominateur",
         "description": "Dénominateur d'un indicateur ratio ; vide pour les autres",
         "constraints": {"minimum": 1}},
        {"name": "unite", "type": "string", "title": "Unité",
         "description": "Unité de la valeur : " + " ; ".join(f"{code} = {text}" for code, text
                                                               in UNITS.items()),
         "constraints": {"required": True, "enum": list(UNITS)}},
    ],
    KPIS: [
        {"name": "code", "type": "string", "title": "Code", "constraints": {"required": True,
                                                                           "unique": True}},
        {"name": "libelle_fr", "type": "string", "title": "Libellé (français)"},
        {"name": "libelle_en", "type": "string", "title": "Libellé (anglais)"},
        {"name": "groupe", "type": "string", "title": "Groupe"},
        {"name": "unite", "type": "string", "title": "Unité",
         "constraints": {"required": True, "enum": list(UNITS)}},
        {"name": "sens", "type": "string", "title": "Sens",
         "description": "up : plus haut est mieux ; down : plus bas est mieux ; neutral",
         "constraints": {"enum": ["up", "down", "neutral"]}},
        {"name": "ratio", "type": "boolean", "title": "Ratio",
         "description": "true : la valeur est un taux calculé d'un numérateur et d'un "
                        "dénominateur"},
    ],
    STRUCTURES: [
        {"name": "code", "type": "string", "title": "Code", "constraints": {"required": True,
                                                                           "unique": True}},
        {"name": "nom_fr", "type": "string", "title": "Nom (français)"},
        {"name": "nom_en", "type": "string", "title": "Nom (anglais)"},
        {"name": "type", "type": "string", "title": "Type",
         "description": "ministere, agence, presidence, institution ou operateur"},
    ],
}
_ORDER = {RESULTS: RESULT_FIELDS, KPIS: KPI_FIELDS, STRUCTURES: STRUCTURE_FIELDS}
_TITLES = {RESULTS: "Résultats validés", KPIS: "Indicateurs", STRUCTURES: "Structures"}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def table_csv(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> bytes:
    """One table as standard CSV: UTF-8 without BOM, ``,``, ``.`` decimals, header first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    writer.writerows([_cell(row.get(name)) for name in fields] for row in rows)
    return out.getvalue().encode("utf-8")


def package_name(release: OpenDataRelease) -> str:
    """``cdsi-resultats-2025-t3-e1`` (``-2025-e2`` for a year): lower case, as the spec asks."""
    period = f"{release.year}-t{release.quarter}" if release.quarter else str(release.year)
    return f"cdsi-resultats-{period}-e{release.edition}"


def _coverage(release: OpenDataRelease) -> tuple[date, date]:
    if release.quarter == WHOLE_YEAR:
        return date(release.year, 1, 1), date(release.year, 12, 31)
    period = Quarter(release.year, release.quarter)
    return period.start, period.end


def package_files(release: OpenDataRelease) -> dict[str, bytes]:
    """The files of the release's data package, by name: ``datapackage.json`` and the CSVs."""
    content = release_contents(release)
    files = {f"{name}.csv": table_csv(content[name], _ORDER[name])
             for name in (RESULTS, KPIS, STRUCTURES)}
    start, end = _coverage(release)
    period = (f"T{release.quarter} {release.year}" if release.quarter
              else f"l'année {release.year}")
    resources = []
    for name in (RESULTS, KPIS, STRUCTURES):
        schema: dict[str, Any] = {"fields": _FIELDS[name], "missingValues": MISSING}
        if name == RESULTS:
            schema["primaryKey"] = ["structure", "indicateur", "annee", "trimestre"]
            schema["foreignKeys"] = [
                {"fields": "structure", "reference": {"resource": STRUCTURES, "fields": "code"}},
                {"fields": "indicateur", "reference": {"resource": KPIS, "fields": "code"}}]
        else:
            schema["primaryKey"] = ["code"]
        data = files[f"{name}.csv"]
        resources.append({
            "name": name, "path": f"{name}.csv", "title": _TITLES[name],
            "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv",
            "encoding": "utf-8", "bytes": len(data),
            "hash": hashlib.md5(data, usedforsecurity=False).hexdigest(),
            "dialect": {"delimiter": ",", "header": True, "quoteChar": "\""},
            "schema": schema})
    descriptor = {
        "profile": "tabular-data-package",
        "name": package_name(release),
        "id": f"urn:cdsi:resultats:{release.content_hash}",
        "title": f"Conférence des DSI — résultats validés, {period} (édition {release.edition})",
        "description": (
            f"Résultats trimestriels des indicateurs de la Conférence des DSI du Bénin pour "
            f"{period}, tels que validés par l'ASIN et publiés le "
            f"{release.published_at.date().isoformat()}. Seuls les résultats validés y "
            f"figurent. Une correction ultérieure fait l'objet d'une nouvelle édition."
            + (f"\n\nNote de version :\n{release.change_note}" if release.change_note else "")),
        "version": f"{release.edition}.0.0",
        "licenses": [LICENSE],
        "sources": [SOURCE],
        "contributors": [{"title": PUBLISHER, "role": "publisher"},
                         {"title": release.published_by, "role": "author"}],
        "keywords": ["Bénin", "administration numérique", "indicateurs", "DSI", "ASIN"],
        "language": "fr",
        "created": release.published_at.isoformat(timespec="seconds"),
        "temporal": {"start": start.isoformat(), "end": end.isoformat()},
        "edition": release.edition,
        "changeNote": release.change_note,
        "contentHash": f"sha256:{release.content_hash}",
        "resources": resources,
    }
    files["datapackage.json"] = (json.dumps(descriptor, ensure_ascii=False, indent=2)
                                 + "\n").encode("utf-8")
    return files


def package_zip(release: OpenDataRelease) -> bytes:
    """The data package as one zip (a folder named after the package), dated as published."""
    name = package_name(release)
    stamp = release.published_at.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for filename, data in sorted(package_files(release).items()):
            info = zipfile.ZipInfo(f"{name}/{filename}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def write_package(release: OpenDataRelease, folder: Path) -> list[Path]:
    """The data package's files written into ``folder`` (created when missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, data in package_files(release).items():
        path = folder / filename
        path.write_bytes(data)
        written.append(path)
    return written
