"""Calibration against UCDP and the back-test, end to end on the bundled historical scenario."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.errors import UsageError
from sim.scenario import load_scenario
from sim.studies.calibration import (
    CALIBRATION_YEARS,
    CATEGORIES,
    FREE_PARAMETERS,
    PARAMETER_FILE,
    YearlyDeathsSimulator,
    log_deaths_loss,
    observed_exchange,
    observed_table,
)
from tests.support import ROOT, sahel


def _observed_summary(obs: pd.DataFrame, total: str = "deaths") -> pd.DataFrame:
    """One replicate whose totals are the column ``total`` and whose categories are UCDP's."""
    row = {}
    for c, y, d, *cats in obs[["country", "year", total, *CATEGORIES]].itertuples(False):
        row[f"deaths_{c}_{y}"] = d
        for k, v in zip(CATEGORIES, cats, strict=True):
            row[f"{k}_{c}_{y}"] = v
    return pd.DataFrame([row])


def test_loss_is_zero_at_the_observations_and_inside_the_range() -> None:
    obs = observed_table()
    loss = log_deaths_loss(obs)
    assert loss(_observed_summary(obs)) == 0.0
    assert loss(_observed_summary(obs, "deaths_low")) == 0.0  # totals at UCDP's low end
    assert loss(_observed_summary(obs, "deaths_high")) == 0.0


def test_loss_grows_with_the_distance_from_the_range_and_the_category_error() -> None:
    obs = observed_table()
    loss = log_deaths_loss(obs)
    exact = _observed_summary(obs)
    high = _observed_summary(obs, "deaths_high")
    # totals a factor e above UCDP's high (on the 10 + deaths scale), categories exact: 1
    totals = [c for c in high.columns if c.startswith("deaths_")]
    above = high.copy()
    above[totals] = np.exp(np.log(10.0 + high[totals]) + 1.0) - 10.0
    assert loss(above) == pytest.approx(1.0)
    # every category a factor e off, totals inside the range: 1 (mean over three categories)
    cats = exact.copy()
    split = [c for c in cats.columns if not c.startswith("deaths_")]
    cats[split] = np.exp(np.log(10.0 + cats[split]) + 1.0) - 10.0
    assert loss(cats) == pytest.approx(1.0)
    # half the replicates off by e on the log scale: their mean log is off by 1/2
    assert loss(pd.concat([exact, cats])) == pytest.approx(0.25)


def test_exchange_term_is_the_squared_log_error_of_the_ratio() -> None:
    """With the categories and totals exact, the loss is the exchange term alone: zero at
    UCDP's ratio, (log 2)^2 at twice or half of it (on the offset scale), and absent without
    an observed ratio."""
    obs = observed_table()
    years = sorted(set(obs["year"]))
    seen = observed_exchange()
    assert 3.0 < seen < 8.0
    loss = log_deaths_loss(obs, exchange=seen)

    def with_losses(factor: float) -> pd.DataFrame:
        summary = _observed_summary(obs)
        soldiers = 100.0  # per year: (8 x 100 + 10) soldiers, the fighters to match
        fighters = (factor * seen * (len(years) * soldiers + 10.0) - 10.0) / len(years)
        for y in years:
            summary[f"soldiers_killed_NGA_{y}"] = soldiers
            summary[f"fighters_killed_NGA_{y}"] = fighters
        return summary

    assert loss(with_losses(1.0)) == pytest.approx(0.0, abs=1e-12)
    assert loss(with_losses(2.0)) == pytest.approx(np.log(2.0) ** 2)
    assert loss(with_losses(0.5)) == pytest.approx(np.log(2.0) ** 2)
    assert log_deaths_loss(obs)(with_losses(0.5)) == 0.0


def test_yearly_deaths_summary_matches_the_country_table() -> None:
    sim = YearlyDeathsSimulator("historical_2012", months=24)
    tables = sim.simulate({}, seed=4)
    summary = sim.summarise(tables)
    cty = tables["countries"]
    mali_2013 = cty[(cty["country"] == "MLI") & (cty["date"].dt.year == 2013)]["fatalities"].sum()
    assert summary["deaths_MLI_2013"] == mali_2013
    # deaths, three categories, fighters and soldiers killed; two years, ten countries
    assert len(summary) == 6 * 2 * 10
    nga = cty[(cty["country"] == "NGA") & (cty["date"].dt.year == 2012)]
    assert summary["fighters_killed_NGA_2012"] == nga["fighters_killed"].sum()
    assert summary["soldiers_killed_NGA_2012"] == nga["soldier_deaths"].sum()
    assert summary["deaths_MLI_2013"] == pytest.approx(
        sum(summary[f"{k}_MLI_2013"] for k in CATEGORIES)
    )


def test_bundled_scenarios_use_the_calibrated_parameter_file() -> None:
    data = yaml.safe_load(PARAMETER_FILE.read_text())
    fitted = data["parameters"]
    assert sorted(fitted) == sorted(f.name for f in FREE_PARAMETERS)
    assert data["calibration"]["loss"] < data["calibration"]["loss_before"]
    for name in ("historical_2012", "baseline_2024", "us_withdraws", "us_stays"):
        spec = load_scenario(name)
        for key, value in fitted.items():
            assert getattr(spec.parameters, key) == pytest.approx(value), (name, key)
    assert load_scenario("historical_2012").coups == "scheduled"


@pytest.mark.slow
def test_calibrate_on_a_tiny_budget_improves_its_loss_and_resumes(tmp_path) -> None:
    out = tmp_path / "cal"
    params = out / "calibrated.yaml"
    bundled = PARAMETER_FILE.read_bytes()
    # the historical scenario without the bundled fit: the search starts from the defaults
    text = (ROOT / "scenarios" / "historical_2012.yaml").read_text()
    uncalibrated = tmp_path / "historical_uncalibrated.yaml"
    uncalibrated.write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("parameter_file:"))
    )
    args = ["calibrate", "--scenario", str(uncalibrated), "--out", str(out), "--reps", "2",
            "--lhs", "6", "--local-evals", "8", "--fit-reps", "3", "--workers", "2"]  # fmt: skip
    first = sahel(*args)
    assert first.returncode == 0, first.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["loss"] < manifest["loss_before"]
    assert manifest["runs"] == 2 * len(pd.read_csv(out / "history.csv").drop_duplicates(
        [f.name for f in FREE_PARAMETERS]))  # fmt: skip
    written = yaml.safe_load(params.read_text())
    assert sorted(written["parameters"]) == sorted(f.name for f in FREE_PARAMETERS)
    assert written["calibration"]["loss"] == manifest["loss"]
    fit = pd.read_csv(out / "fit.csv")
    assert len(fit) == 10 * len(CALIBRATION_YEARS)
    assert (fit["low"] <= fit["median"]).all() and (fit["median"] <= fit["high"]).all()
    assert (out / "fit.png").stat().st_size > 10_000
    # the same command again resumes: nothing is simulated twice
    again = sahel(*args)
    assert again.returncode == 0, again.stderr
    assert "(0 executed now)" in again.stderr
    assert json.loads((out / "manifest.json").read_text())["best"] == manifest["best"]
    assert PARAMETER_FILE.read_bytes() == bundled  # only --install rewrites the bundled one


@pytest.mark.slow
def test_backtest_writes_yearly_deaths_2012_to_2024(tmp_path) -> None:
    out = tmp_path / "bt"
    done = sahel("backtest", "--out", str(out), "--reps", "4", "--workers", "2")
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "backtest.csv")
    assert list(table.columns) == ["country", "year", "median", "low", "high"]
    assert len(table) == 10 * 13
    assert sorted(table["year"].unique()) == list(range(2012, 2025))
    assert (table["low"] <= table["median"]).all() and (table["median"] <= table["high"]).all()
    assert (table[["median", "low", "high"]] >= 0).all().all()
    assert (out / "backtest.png").stat().st_size > 10_000


def test_calibrate_rejects_bad_budgets() -> None:
    done = sahel("calibrate", "--reps", "0")
    assert done.returncode == 2


def test_calibrate_without_install_leaves_the_bundled_parameter_file_alone(tmp_path) -> None:
    bundled = PARAMETER_FILE.read_bytes()
    out = tmp_path / "cal"
    done = sahel("calibrate", "--out", str(out), "--reps", "1", "--lhs", "1",
                 "--local-evals", "0", "--fit-reps", "1", "--backend", "serial")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert PARAMETER_FILE.read_bytes() == bundled
    assert str(PARAMETER_FILE) not in done.stderr  # said only when it is written
    written = yaml.safe_load((out / "calibrated.yaml").read_text())
    assert sorted(written["parameters"]) == sorted(f.name for f in FREE_PARAMETERS)
    assert "position in range" in done.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert {"history.csv", "fit.csv", "fit.png", "calibrated.yaml"} <= set(manifest["files"])
    assert manifest["stores"] == ["runs"] and manifest["loss"] == pytest.approx(
        written["calibration"]["loss"]
    )


def test_install_is_refused_outside_a_source_checkout(monkeypatch, tmp_path) -> None:
    import sim.studies.calibration as calibration

    monkeypatch.setattr(calibration, "checkout_root", lambda: None)
    with pytest.raises(UsageError, match="installed package"):
        calibration.calibrate_historical(tmp_path / "cal", install=True, lhs_points=1)
    assert not (tmp_path / "cal").exists()  # refused before any work
