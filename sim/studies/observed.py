"""Observed conflict data bundled with the project (``data/``), as tidy DataFrames.

The UCDP Country-Year Dataset on Organized Violence within Country Borders (v25.1, CC BY 4.0)
gives deaths from organised violence per country and year; ``data/ucdp_sahel_2012_2019.csv``
holds its subset for the model's ten countries, 2012-2019 (see ``data/README.md`` for the
source, licence and citation). These are the years the model is calibrated on.

Two more observed series serve calibration and the pattern tests: the UCDP Georeferenced
Event Dataset for Nigeria, 2012-2019 (deaths per event, by type of violence, date and state:
:func:`load_ged_nigeria`, :func:`ged_monthly`, :func:`ged_by_region`), and Powell and
Thyne's coup attempts to 2019 (:func:`load_coups`, :func:`coup_base_rate`).

No year after :data:`LAST_OBSERVED_YEAR` is ever used: those years are the out-of-sample
period. Every loader refuses a file with a row dated later (``ValueError`` naming the file).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.bundled import data_file

UCDP_FILE = data_file("ucdp_sahel_2012_2019.csv")
"""UCDP deaths per country and year, 2012-2019 (the file as published, unedited)."""

GED_NIGERIA_FILE = data_file("ucdp_ged_nigeria_2012_2019.csv")
"""UCDP GED v20.1 events in Nigeria, 2012-2019 (the file as published, unedited)."""

COUPS_FILE = data_file("powell_thyne_coups_1950_2019.csv")
"""Powell and Thyne's coup attempts worldwide, 1950-2019 (the file as published, unedited)."""

LAST_OBSERVED_YEAR = 2019
"""The last year of observed data the project may use; later years are out of sample."""

UCDP_CITATION = (
    "Davies, Shawn, Therese Pettersson, Margareta Sollenberg & Magnus Oberg (2025). Organized "
    "violence 1989-2024, and the challenges of identifying civilian victims. Journal of Peace "
    "Research 62(4): 1223-1240. Data: UCDP Country-Year Dataset on Organized Violence within "
    "Country Borders, v25.1, https://ucdp.uu.se/downloads/ (CC BY 4.0)."
)
"""How to cite the UCDP data, as its data note asks."""

ISO3_BY_UCDP_NAME: dict[str, str] = {
    "Benin": "BEN",
    "Burkina Faso": "BFA",
    "Chad": "TCD",
    "Ghana": "GHA",
    "Ivory Coast": "CIV",
    "Mali": "MLI",
    "Mauritania": "MRT",
    "Niger": "NER",
    "Nigeria": "NGA",
    "Togo": "TGO",
}
"""UCDP's country names mapped to the ISO 3166-1 alpha-3 codes the model uses."""

MODEL_COUNTRIES: tuple[str, ...] = tuple(sorted(ISO3_BY_UCDP_NAME.values()))
"""The model's ten countries (ISO3), alphabetically."""

ISO3_BY_COW_CODE: dict[int, str] = {
    432: "MLI",
    434: "BEN",
    435: "MRT",
    436: "NER",
    437: "CIV",
    439: "BFA",
    452: "GHA",
    461: "TGO",
    475: "NGA",
    483: "TCD",
}
"""Correlates of War country codes (Powell and Thyne's ``ccode``) of the ten countries."""

VIOLENCE_TYPES: dict[int, str] = {1: "state_based", 2: "non_state", 3: "one_sided"}
"""UCDP's ``type_of_violence`` codes and the names the project gives the categories."""

UCDP_COLUMNS = {
    "deaths_best": "deaths",
    "deaths_low": "deaths_low",
    "deaths_high": "deaths_high",
    "state_based_best": "state_based",
    "non_state_best": "non_state",
    "one_sided_best": "one_sided",
}


def load_ucdp(path: str | Path = UCDP_FILE) -> pd.DataFrame:
    """UCDP deaths from organised violence per country and year, one row per country-year.

    Columns: ``country`` (ISO3, e.g. ``MLI``), ``name`` (UCDP's name), ``year`` (int);
    ``deaths`` (best estimate, all organised violence, persons per year), ``deaths_low`` and
    ``deaths_high`` (UCDP's low and high estimates), and the best estimate by type of violence:
    ``state_based``, ``non_state`` and ``one_sided``. Sorted by country and year.

    Raises:
        ValueError: if the file has a country the model does not know, misses a column or
            has a year after :data:`LAST_OBSERVED_YEAR`.
    """
    raw = pd.read_csv(path)
    _require_columns(raw, ("country", "year", *UCDP_COLUMNS), path)
    _refuse_later_years(raw["year"], path)
    unknown = sorted(set(raw["country"]) - set(ISO3_BY_UCDP_NAME))
    if unknown:
        raise ValueError(f"{path}: unknown country name(s) {', '.join(unknown)}")
    out = pd.DataFrame(
        {
            "country": raw["country"].map(ISO3_BY_UCDP_NAME),
            "name": raw["country"],
            "year": raw["year"].astype(int),
        }
    )
    for source, target in UCDP_COLUMNS.items():
        out[target] = raw[source].astype(float)
    return out.sort_values(["country", "year"], ignore_index=True)


def _require_columns(raw: pd.DataFrame, columns: Iterable[str], path: str | Path) -> None:
    """Raise ``ValueError`` naming the file and the columns it lacks."""
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")


def _refuse_later_years(years: pd.Series, path: str | Path) -> None:
    """Raise ``ValueError`` if any year is after :data:`LAST_OBSERVED_YEAR`.

    The bundled files end in 2019; this guards against a replaced or extended file
    bringing out-of-sample years into calibration.
    """
    later = sorted({int(y) for y in years[years > LAST_OBSERVED_YEAR]})
    if later:
        shown = ", ".join(str(y) for y in later)
        raise ValueError(
            f"{path}: year(s) {shown} after {LAST_OBSERVED_YEAR}; years after "
            f"{LAST_OBSERVED_YEAR} are the out-of-sample period and are never used"
        )


# --- Coups (Powell and Thyne) ---------------------------------------------------------------


def load_coups(path: str | Path = COUPS_FILE) -> pd.DataFrame:
    """Powell and Thyne's coup attempts in the model's ten countries, one row per attempt.

    Countries are matched on the Correlates of War code (``ccode``; see
    :data:`ISO3_BY_COW_CODE`), not the name. Columns: ``country`` (ISO3), ``year``, ``month``,
    ``day`` (ints: the date of the attempt) and ``successful`` (bool: the file's ``coup`` is
    2 for a successful coup, 1 for a failed one). Sorted by date.

    Raises:
        ValueError: if the file misses a column, has a ``coup`` value other than 1 or 2, or
            has an attempt (in any country) after :data:`LAST_OBSERVED_YEAR`.
    """
    raw = pd.read_csv(path)
    _require_columns(raw, ("ccode", "year", "month", "day", "coup"), path)
    _refuse_later_years(raw["year"], path)
    bad = sorted(set(raw["coup"]) - {1, 2})
    if bad:
        raise ValueError(f"{path}: column coup: expected 1 (failed) or 2 (successful), got {bad}")
    ours = raw[raw["ccode"].isin(ISO3_BY_COW_CODE)]
    out = pd.DataFrame(
        {
            "country": ours["ccode"].map(ISO3_BY_COW_CODE),
            "year": ours["year"].astype(int),
            "month": ours["month"].astype(int),
            "day": ours["day"].astype(int),
            "successful": ours["coup"] == 2,
        }
    )
    return out.sort_values(["year", "month", "day", "country"], ignore_index=True)


@dataclass(frozen=True)
class CoupBaseRate:
    """Successful coups per country-year over a window of years.

    ``rate = coups / country_years``, where ``country_years`` is the number of countries times
    the number of years in the window (first and last year included): every one of the ten
    countries was independent throughout 1961-2019.
    """

    first_year: int
    last_year: int
    countries: tuple[str, ...]
    coups: int
    """Successful coups in the window, all countries together."""
    country_years: int
    rate: float
    """Successful coups per country-year."""
    by_country: dict[str, int]
    """Successful coups in the window per country (zeros included)."""


def coup_base_rate(
    first_year: int,
    last_year: int,
    countries: Iterable[str] | None = None,
    path: str | Path = COUPS_FILE,
) -> CoupBaseRate:
    """The observed base rate of successful coups per country-year, ``first_year`` to
    ``last_year`` inclusive, pooled over ``countries`` (ISO3; default the model's ten).

    For example ``coup_base_rate(1990, 2019)`` and ``coup_base_rate(2012, 2019)``. Failed
    attempts are not counted.

    Raises:
        ValueError: if the window is empty, starts before 1961 or ends after
            :data:`LAST_OBSERVED_YEAR`, or names a country outside the model's ten.
    """
    chosen = MODEL_COUNTRIES if countries is None else tuple(countries)
    unknown = sorted(set(chosen) - set(MODEL_COUNTRIES))
    if unknown:
        raise ValueError(f"countries: unknown ISO3 code(s) {', '.join(unknown)}")
    if not chosen:
        raise ValueError("countries: expected at least one country")
    if not 1961 <= first_year <= last_year <= LAST_OBSERVED_YEAR:
        raise ValueError(
            f"window {first_year}-{last_year}: expected 1961 <= first_year <= last_year <= "
            f"{LAST_OBSERVED_YEAR}"
        )
    coups = load_coups(path)
    hits = coups[
        coups["successful"]
        & coups["country"].isin(chosen)
        & coups["year"].between(first_year, last_year)
    ]
    by_country = {c: int((hits["country"] == c).sum()) for c in chosen}
    country_years = len(chosen) * (last_year - first_year + 1)
    return CoupBaseRate(
        first_year=first_year,
        last_year=last_year,
        countries=chosen,
        coups=len(hits),
        country_years=country_years,
        rate=len(hits) / country_years,
        by_country=by_country,
    )


# --- UCDP GED events in Nigeria -------------------------------------------------------------

GED_COLUMNS = (
    "year", "date_start", "type_of_violence", "country", "adm_1",
    "best", "low", "high", "side_a", "side_b",
    "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
)  # fmt: skip


def load_ged_nigeria(path: str | Path = GED_NIGERIA_FILE) -> pd.DataFrame:
    """UCDP GED events in Nigeria, 2012-2019, one row per event.

    Columns: ``date_start`` (datetime: the first day of the event), ``year`` and ``month``
    (ints, of ``date_start``), ``type_of_violence`` (``"state_based"``, ``"non_state"`` or
    ``"one_sided"``: UCDP's codes 1, 2 and 3), ``adm_1`` (UCDP's name of the state, e.g.
    ``"Borno state"``; missing for events not placed in a state), ``best``, ``low`` and
    ``high`` (deaths, persons: UCDP's estimates), ``side_a`` and ``side_b``, and the best
    estimate split by who died: ``deaths_a`` (side A's people; the government's in
    state-based events), ``deaths_b`` (side B's: the insurgents'), ``deaths_civilians`` and
    ``deaths_unknown``. Sorted by date and UCDP event id.

    Raises:
        ValueError: if the file misses a column, has an event outside Nigeria, an unknown
            ``type_of_violence`` or an event dated after :data:`LAST_OBSERVED_YEAR`.
    """
    raw = pd.read_csv(path)
    _require_columns(raw, (*GED_COLUMNS, "id"), path)
    start = pd.to_datetime(raw["date_start"], format="%Y-%m-%d")
    _refuse_later_years(raw["year"], path)
    _refuse_later_years(start.dt.year, path)
    others = sorted(set(raw["country"]) - {"Nigeria"})
    if others:
        raise ValueError(f"{path}: column country: expected only Nigeria, got {others}")
    unknown = sorted(set(raw["type_of_violence"]) - set(VIOLENCE_TYPES))
    if unknown:
        raise ValueError(f"{path}: column type_of_violence: expected 1, 2 or 3, got {unknown}")
    out = pd.DataFrame(
        {
            "id": raw["id"].astype(int),
            "date_start": start,
            "year": start.dt.year.astype(int),
            "month": start.dt.month.astype(int),
            "type_of_violence": raw["type_of_violence"].map(VIOLENCE_TYPES),
            "adm_1": raw["adm_1"],
            "best": raw["best"].astype(float),
            "low": raw["low"].astype(float),
            "high": raw["high"].astype(float),
            "side_a": raw["side_a"],
            "side_b": raw["side_b"],
            **{k: raw[k].astype(float) for k in GED_COLUMNS[-4:]},
        }
    )
    return out.sort_values(["date_start", "id"], ignore_index=True).drop(columns="id")


def _by_category(events: pd.DataFrame, keys: list[str], estimate: str) -> pd.DataFrame:
    """Deaths summed over ``keys`` with one column per category and their total."""
    if estimate not in ("best", "low", "high"):
        raise ValueError(f"estimate: expected 'best', 'low' or 'high', got {estimate!r}")
    wide = events.pivot_table(
        index=keys,
        columns="type_of_violence",
        values=estimate,
        aggfunc="sum",
        fill_value=0.0,
        dropna=False,
        observed=True,
    )
    wide = wide.reindex(columns=list(VIOLENCE_TYPES.values()), fill_value=0.0).astype(float)
    wide["deaths"] = wide.sum(axis=1)
    wide.columns.name = None
    return wide


def ged_monthly(events: pd.DataFrame, estimate: str = "best") -> pd.DataFrame:
    """Deaths per calendar month by type of violence, from :func:`load_ged_nigeria` events.

    One row per month from January of the first year to December of the last year in
    ``events`` (months without events are zeros). Columns: ``month`` (timestamp of the
    month's first day), ``state_based``, ``non_state``, ``one_sided`` and ``deaths`` (their
    sum), in persons per month. An event counts in the month of its ``date_start``;
    ``estimate`` picks UCDP's ``best`` (default), ``low`` or ``high`` figure.
    """
    tagged = events.assign(month_start=events["date_start"].dt.to_period("M").dt.to_timestamp())
    wide = _by_category(tagged, ["month_start"], estimate)
    first, last = int(events["year"].min()), int(events["year"].max())
    months = pd.date_range(f"{first}-01-01", f"{last}-12-01", freq="MS")
    wide = wide.reindex(months, fill_value=0.0)
    wide.index.name = "month"
    return wide.reset_index()


def ged_by_region(events: pd.DataFrame, estimate: str = "best") -> pd.DataFrame:
    """Deaths per state (``adm_1``) and year by type of violence, from
    :func:`load_ged_nigeria` events.

    One row for every state in ``events`` and every year in ``events`` (zeros where the
    state had no event that year); events without a state are kept under a missing
    ``adm_1``, so the rows add up to the national total. Columns: ``adm_1``,
    ``year``, ``state_based``, ``non_state``, ``one_sided`` and ``deaths`` (their sum), in
    persons per year; ``estimate`` as for :func:`ged_monthly`.
    """
    wide = _by_category(events, ["adm_1", "year"], estimate)
    return wide.reset_index().sort_values(["adm_1", "year"], ignore_index=True)


def ged_battle_deaths(events: pd.DataFrame, country: str = "NGA") -> pd.DataFrame:
    """Who died in state-based violence, per year, from :func:`load_ged_nigeria` events.

    One row per year in ``events``. Columns: ``country`` (``country``, the ISO3 code the
    events are of), ``year``, ``soldiers`` (the government side's dead: UCDP's
    ``deaths_a``), ``fighters`` (the insurgents': ``deaths_b``), ``civilians`` and
    ``unknown``, persons per year, best estimates. In 2012-2019 Nigeria lost 2,324 soldiers
    and the insurgents 12,981 fighters in the events UCDP records.
    """
    battles = events[events["type_of_violence"] == "state_based"]
    sums = battles.groupby("year")[["deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown"]]
    out = sums.sum().reindex(sorted(events["year"].unique()), fill_value=0.0)
    out.columns = ["soldiers", "fighters", "civilians", "unknown"]
    out = out.reset_index()
    out.insert(0, "country", country)
    return out
