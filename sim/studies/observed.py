"""Observed conflict data bundled with the project (``data/``), as tidy DataFrames.

The UCDP Country-Year Dataset on Organized Violence within Country Borders (v25.1, CC BY 4.0)
gives deaths from organised violence per country and year; ``data/ucdp_sahel_2012_2019.csv``
holds its subset for the model's ten countries, 2012-2019 (see ``data/README.md`` for the
source, licence and citation). These are the years the model is calibrated on.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.bundled import data_file

UCDP_FILE = data_file("ucdp_sahel_2012_2019.csv")
"""UCDP deaths per country and year, 2012-2019 (the file as published, unedited)."""

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
        ValueError: if the file has a country the model does not know, or misses a column.
    """
    raw = pd.read_csv(path)
    missing = [c for c in ("country", "year", *UCDP_COLUMNS) if c not in raw.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
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
