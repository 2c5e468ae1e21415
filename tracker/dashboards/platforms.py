"""Adoption of the national platforms: the stages each structure has reached, derived from its
validated KPIs. The stages of every platform are defined here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tracker.core.formats import quarter_key


@dataclass(frozen=True)
class Stage:
    """A stage is reached in the first quarter where ``kpi`` has a value ≥ ``at_least``
    (for ratio KPIs: the rate in %)."""

    key: str
    kpi: str
    at_least: float


@dataclass(frozen=True)
class Platform:
    key: str
    stages: tuple[Stage, ...]  # in order; stage 0 (none) is implicit


PLATFORMS: tuple[Platform, ...] = (
    Platform("xroad", (Stage("xroad_server", "XRD_SS", 1),
                       Stage("xroad_published", "XRD_SVC_PUB", 1),
                       Stage("xroad_consumed", "XRD_SVC_CONS", 1))),
    Platform("pki", (Stage("pki_certificates", "PKI_CERT", 1),
                     Stage("pki_all_staff", "PKI_CERT", 50))),
    Platform("esign", (Stage("esign_used", "PKI_DOCS", 1),
                       Stage("esign_routine", "PKI_DOCS", 500))),
    Platform("hosting", (Stage("hosting_some", "CLD_HEB", 1),
                         Stage("hosting_half", "CLD_HEB", 50),
                         Stage("hosting_all", "CLD_HEB", 100))),
    Platform("portal", (Stage("portal_eservices", "ESV_PUB", 1),
                        Stage("portal_listed", "ESV_PORTAIL", 50),
                        Stage("portal_digital", "ESV_DEMAT", 60))),
)


def stage_frame(per_quarter: pd.DataFrame) -> pd.DataFrame:
    """From per-structure, per-quarter figures (columns code, kpi, year, quarter, value — the rate
    for ratio KPIs) to one row per structure × platform: stage index reached, stage key, and the
    quarter it was first reached (stages are kept once reached: adoption does not un-happen in
    the record; a later drop shows in the KPI trends)."""
    ordered = per_quarter.dropna(subset=["value"]).sort_values(["year", "quarter"])
    codes = sorted(per_quarter["code"].unique())
    first_reached: dict[tuple[str, str, float], tuple[int, int]] = {}
    for stage in {s for p in PLATFORMS for s in p.stages}:
        hits = ordered[(ordered["kpi"] == stage.kpi) & (ordered["value"] >= stage.at_least)]
        for code, year, quarter in hits.groupby("code")[["year", "quarter"]].first(
                ).itertuples():
            first_reached[(code, stage.kpi, stage.at_least)] = (int(year), int(quarter))
    rows = []
    for code in codes:
        for platform in PLATFORMS:
            reached, key, since = 0, "none", None
            for index, stage in enumerate(platform.stages, start=1):
                when = first_reached.get((code, stage.kpi, stage.at_least))
                if when is None:
                    break
                reached, key, since = index, stage.key, quarter_key(*when)
            rows.append({"code": code, "platform": platform.key, "stage": reached,
                         "stage_key": key, "since": since, "stages": len(platform.stages)})
    return pd.DataFrame(rows, columns=["code", "platform", "stage", "stage_key", "since",
                                       "stages"])
