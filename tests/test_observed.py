"""The bundled UCDP data and its loader."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from sim.studies.observed import ISO3_BY_UCDP_NAME, UCDP_FILE, load_ucdp


def test_loader_returns_one_row_per_country_and_year() -> None:
    obs = load_ucdp()
    assert len(obs) == 80
    assert sorted(obs["country"].unique()) == sorted(ISO3_BY_UCDP_NAME.values())
    assert sorted(obs["year"].unique()) == list(range(2012, 2020))
    assert not obs.duplicated(["country", "year"]).any()
    assert list(obs.columns) == [
        "country", "name", "year", "deaths", "deaths_low", "deaths_high",
        "state_based", "non_state", "one_sided",
    ]  # fmt: skip


def test_loader_keeps_the_published_values() -> None:
    """Every value equals the file's, read independently with the csv module."""
    obs = load_ucdp().set_index(["name", "year"])
    with UCDP_FILE.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(obs)
    for row in rows:
        got = obs.loc[(row["country"], int(row["year"]))]
        assert got["deaths"] == float(row["deaths_best"])
        assert got["deaths_low"] == float(row["deaths_low"])
        assert got["deaths_high"] == float(row["deaths_high"])
        assert got["one_sided"] == float(row["one_sided_best"])
    # a hand-checked value: Mali, 2013 (Serval), best estimate 881
    assert obs.loc[("Mali", 2013), "deaths"] == 881


def test_bounds_and_composition() -> None:
    obs = load_ucdp()
    assert (obs["deaths_low"] <= obs["deaths"]).all()
    assert (obs["deaths"] <= obs["deaths_high"]).all()
    parts = obs[["state_based", "non_state", "one_sided"]].sum(axis=1)
    assert (parts == obs["deaths"]).all()


def test_unknown_country_is_an_error(tmp_path) -> None:
    bad = pd.read_csv(UCDP_FILE)
    bad.loc[0, "country"] = "Atlantis"
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(ValueError, match="Atlantis"):
        load_ucdp(path)
