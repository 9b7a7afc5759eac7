"""The bundled observed data (UCDP country-years, UCDP GED Nigeria, Powell-Thyne coups) and
its loaders."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.bundled import data_file
from sim.studies.observed import (
    COUPS_FILE,
    GED_NIGERIA_FILE,
    ISO3_BY_COW_CODE,
    ISO3_BY_UCDP_NAME,
    MODEL_COUNTRIES,
    UCDP_FILE,
    VIOLENCE_TYPES,
    coup_base_rate,
    ged_battle_deaths,
    ged_by_region,
    ged_monthly,
    load_coups,
    load_ged_nigeria,
    load_ucdp,
)


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


# --- the guard against out-of-sample years ------------------------------------------------


def _with_a_2020_row(source, tmp_path, name: str):
    """A copy of ``source`` whose last row is moved to 2020 (dates too, where there are any)."""
    frame = pd.read_csv(source)
    frame.loc[frame.index[-1], "year"] = 2020
    if "date_start" in frame.columns:
        frame.loc[frame.index[-1], "date_start"] = "2020-01-15"
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("loader", "source"),
    [(load_ucdp, UCDP_FILE), (load_coups, COUPS_FILE), (load_ged_nigeria, GED_NIGERIA_FILE)],
)
def test_every_loader_refuses_years_after_2019(loader, source, tmp_path) -> None:
    path = _with_a_2020_row(source, tmp_path, "later.csv")
    with pytest.raises(ValueError, match=r"later\.csv.*2020"):
        loader(path)
    loader(source)  # the bundled file itself passes


# --- coups ----------------------------------------------------------------------------------


def test_coups_are_the_files_attempts_in_the_ten_countries() -> None:
    coups = load_coups()
    assert list(coups.columns) == ["country", "year", "month", "day", "successful"]
    assert set(coups["country"]) == set(MODEL_COUNTRIES)
    with COUPS_FILE.open(newline="") as fh:
        ours = [r for r in csv.DictReader(fh) if int(r["ccode"]) in ISO3_BY_COW_CODE]
    assert len(coups) == len(ours)
    assert int(coups["successful"].sum()) == sum(r["coup"] == "2" for r in ours)
    # hand-checked: Mali 22 March 2012 succeeded, the counter-coup of 1 May 2012 failed
    mali_2012 = coups[(coups["country"] == "MLI") & (coups["year"] == 2012)]
    assert mali_2012[["month", "day", "successful"]].values.tolist() == [
        [3, 22, True],
        [5, 1, False],
    ]


def test_coup_base_rate_counts_successful_coups_per_country_year() -> None:
    with COUPS_FILE.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for first, last in [(1990, 2019), (2012, 2019)]:
        rate = coup_base_rate(first, last)
        expected = sum(
            1
            for r in rows
            if int(r["ccode"]) in ISO3_BY_COW_CODE
            and r["coup"] == "2"
            and first <= int(r["year"]) <= last
        )
        assert rate.coups == expected == sum(rate.by_country.values())
        assert rate.country_years == 10 * (last - first + 1)
        assert rate.rate == pytest.approx(expected / rate.country_years)
    # 2012-2019: Mali (March 2012) and Burkina Faso (October 2014)
    recent = coup_base_rate(2012, 2019)
    assert {c: n for c, n in recent.by_country.items() if n} == {"MLI": 1, "BFA": 1}
    assert coup_base_rate(2012, 2019, countries=["MLI"]).rate == pytest.approx(1 / 8)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((2012, 2020), {}, "2019"),
        ((2019, 2012), {}, "first_year"),
        ((2012, 2019), {"countries": ["FRA"]}, "FRA"),
    ],
)
def test_coup_base_rate_rejects_bad_windows_and_countries(args, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        coup_base_rate(*args, **kwargs)


# --- UCDP GED, Nigeria ----------------------------------------------------------------------


def test_ged_events_keep_the_published_values() -> None:
    events = load_ged_nigeria()
    assert list(events.columns) == [
        "date_start", "year", "month", "type_of_violence", "adm_1",
        "best", "low", "high", "side_a", "side_b",
        "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
    ]  # fmt: skip
    raw = pd.read_csv(GED_NIGERIA_FILE)
    assert len(events) == len(raw) == 3734
    assert events["date_start"].is_monotonic_increasing
    assert sorted(events["year"].unique()) == list(range(2012, 2020))
    for code, name in VIOLENCE_TYPES.items():
        mine = events[events["type_of_violence"] == name]
        theirs = raw[raw["type_of_violence"] == code]
        assert len(mine) == len(theirs)
        for column in ("best", "low", "high"):
            assert mine[column].sum() == theirs[column].sum()
    # kept as published, quirks included: in 64 events best lies outside low-high
    outside = (events["best"] < events["low"]) | (events["best"] > events["high"])
    assert outside.sum() == 64


def test_ged_battle_deaths_split_the_state_based_deaths() -> None:
    """Soldiers, fighters, civilians and unknown add up to each year's state-based deaths
    (UCDP's best estimate is the sum of its parts), and the government's side is Nigeria's
    (or, in a few border events, Cameroon's)."""
    events = load_ged_nigeria()
    battles = ged_battle_deaths(events)
    assert list(battles.columns) == [
        "country", "year", "soldiers", "fighters", "civilians", "unknown"
    ]  # fmt: skip
    assert battles["year"].tolist() == list(range(2012, 2020))
    state_based = events[events["type_of_violence"] == "state_based"]
    per_year = state_based.groupby("year")["best"].sum()
    parts = battles.set_index("year")[["soldiers", "fighters", "civilians", "unknown"]]
    assert (parts.sum(axis=1) == per_year).all()
    assert set(state_based["side_a"]) <= {"Government of Nigeria", "Government of Cameroon"}
    # the insurgents lost more than the state in every year
    assert (battles["fighters"] > battles["soldiers"]).all()


def test_ged_monthly_and_by_region_add_up_to_the_events() -> None:
    events = load_ged_nigeria()
    monthly = ged_monthly(events)
    regions = ged_by_region(events)
    assert len(monthly) == 8 * 12
    assert monthly["month"].is_monotonic_increasing and monthly["month"].dt.day.eq(1).all()
    for table in (monthly, regions):
        parts = table[list(VIOLENCE_TYPES.values())].sum(axis=1)
        assert (parts == table["deaths"]).all()
        for name in VIOLENCE_TYPES.values():
            expected = events.loc[events["type_of_violence"] == name, "best"].sum()
            assert table[name].sum() == expected
    # one month checked against the events directly: March 2014
    march = events[(events["year"] == 2014) & (events["month"] == 3)]
    row = monthly[monthly["month"] == pd.Timestamp("2014-03-01")].iloc[0]
    assert row["deaths"] == march["best"].sum()
    # Borno is the state hit hardest in 2014, the year of Chibok and Gwoza
    in_2014 = regions[regions["year"] == 2014].set_index("adm_1")["deaths"]
    assert in_2014.idxmax() == "Borno state"
    high = ged_monthly(events, estimate="high")
    assert (high["deaths"] >= monthly["deaths"]).all()


def test_ged_monthly_fills_months_without_events_with_zeros() -> None:
    events = load_ged_nigeria()
    only_july = events[(events["year"] == 2013) & (events["month"] == 7)]
    monthly = ged_monthly(only_july)
    assert len(monthly) == 12
    assert (monthly.loc[monthly["month"].dt.month != 7, "deaths"] == 0).all()
    assert monthly.loc[monthly["month"].dt.month == 7, "deaths"].item() == only_july["best"].sum()


def test_ged_rejects_unknown_violence_types_and_estimates(tmp_path) -> None:
    bad = pd.read_csv(GED_NIGERIA_FILE)
    bad.loc[0, "type_of_violence"] = 4
    path = tmp_path / "ged.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"ged\.csv.*type_of_violence"):
        load_ged_nigeria(path)
    with pytest.raises(ValueError, match="estimate"):
        ged_monthly(load_ged_nigeria(), estimate="median")


# --- periphery area shares (data/periphery.csv, scripts/make_periphery.py) -----------------

ROOT = Path(__file__).resolve().parents[1]
PERIPHERY_FILE = ROOT / "data" / "periphery.csv"
MAKE_PERIPHERY = ROOT / "scripts" / "make_periphery.py"


def _make_periphery(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MAKE_PERIPHERY), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_periphery_file_is_what_the_script_writes(tmp_path) -> None:
    out = tmp_path / "periphery.csv"
    done = _make_periphery("--output", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == PERIPHERY_FILE.read_bytes()


def test_periphery_shares_are_sane() -> None:
    table = pd.read_csv(PERIPHERY_FILE).set_index("iso3")
    assert list(table.columns) == ["regions", "area_share", "source"]
    assert set(MODEL_COUNTRIES) <= set(table.index)
    assert ((table["area_share"] > 0) & (table["area_share"] <= 1)).all()
    assert 0.2 < table.loc["NER", "area_share"] < 0.4
    # the two zones make up Niger's periphery (up to rounding to three decimals)
    zones = table.loc["NER_liptako", "area_share"] + table.loc["NER_lakechad", "area_share"]
    assert zones == pytest.approx(table.loc["NER", "area_share"], abs=0.0015)
    # Lac is a small corner of Chad; Mali's centre and north are most of Mali
    assert table.loc["TCD", "area_share"] < 0.05 < 0.6 < table.loc["MLI", "area_share"]
    # every named unit exists in the admin-1 file
    geo = json.loads(data_file("naturalearth_admin1_10m.geojson").read_text("utf-8"))
    units = {(f["properties"]["adm0_a3"], f["properties"]["name"]) for f in geo["features"]}
    for iso3, row in table.iterrows():
        country = str(iso3).split("_")[0]
        for name in row["regions"].split(";"):
            assert (country, name) in units, (iso3, name)


def test_periphery_script_refuses_a_missing_unit_and_writes_nothing(tmp_path) -> None:
    geo = json.loads(data_file("naturalearth_admin1_10m.geojson").read_text("utf-8"))
    geo["features"] = [f for f in geo["features"] if f["properties"]["name"] != "Diffa"]
    bad = tmp_path / "admin1.geojson"
    bad.write_text(json.dumps(geo), encoding="utf-8")
    out = tmp_path / "periphery.csv"
    done = _make_periphery("--input", str(bad), "--output", str(out))
    assert done.returncode == 2
    assert "admin1.geojson" in done.stderr and "Diffa" in done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]
