"""Calibration and back-test of the model against observed conflict deaths (UCDP).

The historical scenario (``scenarios/historical_2012.yaml``, January 2012 to December 2024,
real timeline, scheduled coups) is run for the calibration years 2012-2019 only, and a small
set of free parameters (:data:`FREE_PARAMETERS`) is fitted so that the model's yearly deaths
per country match UCDP's, in all and by category. The loss (:func:`log_deaths_loss`) works
on log(10 + deaths per year), the model's value the mean over replicates: the squared
distance of each country-year's total from UCDP's low-high range, plus the squared error of
each of UCDP's three categories (state-based, non-state, one-sided). On the log scale it
weighs a country with 200 deaths a year against one with 2,000 by ratios, lets quiet years
(0 against 3 deaths) count little, and penalises a model that is right on average but wildly
noisy. Years from 2020 on are
never looked at during calibration; the back-test
(:func:`backtest`) then runs the calibrated model to 2024 and reports them as out of sample.

The fitted values go into a parameter file (``scenarios/parameters/calibrated.yaml``) that the
bundled scenarios name in their ``parameter_file`` field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.bundled import calibrated_parameter_file, checkout_root
from sim.engine import files
from sim.engine.calibrate import CalibrationResult, FreeParameter, calibrate
from sim.engine.core import make_run, replicate_seed
from sim.engine.outputs import OutputFolder
from sim.errors import UsageError
from sim.scenario import Scenario, load_scenario, with_parameters
from sim.studies.observed import UCDP_CITATION, UCDP_FILE, load_ucdp
from sim.studies.provenance import manifest as study_manifest
from sim.studies.simulator import SahelSimulator
from sim.world.parameters import Parameters

HISTORICAL = "historical_2012"
"""The bundled scenario the model is calibrated and back-tested on."""

CALIBRATION_YEARS: tuple[int, ...] = tuple(range(2012, 2020))
"""Years fitted (UCDP 2012-2019); later years are out of sample."""

PARAMETER_FILE = calibrated_parameter_file()
"""The parameter file the bundled scenarios use (``parameter_file:``)."""

FREE_PARAMETERS: tuple[FreeParameter, ...] = (
    FreeParameter("recruitment_rate", 1e-5, 1e-2, log=True),
    FreeParameter("armed_share", 1e-3, 0.8, log=True),
    FreeParameter("kill_rate", 1e-3, 0.3, log=True),
    FreeParameter("search_fighters", 100.0, 100000.0, log=True),
    FreeParameter("holding_visibility", 0.002, 1.0, log=True),
    FreeParameter("insurgent_fire", 5e-4, 0.2, log=True),
    FreeParameter("collateral_ratio", 0.01, 3.0, log=True),
    FreeParameter("insurgent_selective", 5e-4, 0.3, log=True),
    FreeParameter("insurgent_terror", 1e-4, 0.3, log=True),
    FreeParameter("state_abuse_rate", 1e-3, 0.5, log=True),
    FreeParameter("massacre_rate", 0.002, 1.0, log=True),
    FreeParameter("fighter_weight", 0.3, 300.0, log=True),
    FreeParameter("deterrence_scale", 0.03, 15.0, log=True),
    FreeParameter("raid_share", 0.002, 0.5, log=True),
    FreeParameter("seed_rate", 0.003, 0.8, log=True),
    FreeParameter("militia_rate", 1e-5, 0.02, log=True),
)
"""The free parameters and their search ranges (log scale, two to three orders of magnitude
each, wide enough that a fitted value near a bound says the data push it there). Why these:
recruitment and the armed share set how fast and how far groups grow (Epstein's pool);
the kill rate, the search scale, the visibility of insurgents who hold ground and insurgent
fire the two sides' attrition (Deitchman; Kress and Szechtman);
the collateral ratio and the state abuse rate the state side's violence against civilians,
the selective, terror and massacre rates the insurgents' (Kalyvas), which together fix the
split of deaths between UCDP's categories; the fighter weight how fast insurgents take
territory; deterrence how strongly troops who can identify insurgents suppress joining;
the raid share and seed rate how violence crosses borders (Burkina Faso's and Tillaberi's
insurgencies began as spill-over from Mali); the militia rate how fast militias form
(non-state violence). Everything else keeps its documented value."""

BAND = (0.05, 0.95)
"""Quantiles of the 90% band over replicates."""


class YearlyDeathsSimulator(SahelSimulator):
    """The Sahel simulator summarised as deaths per country and year (``deaths_<ISO3>_<year>``)."""

    def identity(self) -> dict[str, Any]:
        """As the Sahel simulator's, plus the kind of summary."""
        return {**super().identity(), "summary": "yearly_deaths_and_battle_losses"}

    def summarise(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        """Deaths per year in each country, in all and by UCDP category
        (``deaths_<ISO3>_<year>``, ``state_based_<ISO3>_<year>``, ...), and the fighters and
        soldiers killed (``fighters_killed_<ISO3>_<year>``, ``soldiers_killed_<ISO3>_<year>``);
        only whole calendar years simulated."""
        cty = tables["countries"]
        months = cty.groupby(cty["date"].dt.year)["month"].nunique()
        deaths = yearly_deaths(cty)
        deaths = deaths[deaths["year"].isin(months[months == 12].index)]
        out: dict[str, float] = {}
        for column in ("deaths", *CATEGORIES):
            for iso, year, d in deaths[["country", "year", column]].itertuples(index=False):
                out[f"{column}_{iso}_{year}"] = float(d)
        battles = cty.groupby([cty["country"].astype(str), cty["date"].dt.year], observed=True)[
            list(BATTLE_LOSSES)
        ].sum()
        whole_years = set(months[months == 12].index)
        for iso, year, *losses in battles.reset_index().itertuples(index=False):
            if year in whole_years:
                for name, value in zip(BATTLE_LOSSES.values(), losses, strict=True):
                    out[f"{name}_{iso}_{year}"] = float(value)
        return out


def deaths_from_summaries(summary: pd.DataFrame, by: str) -> pd.DataFrame:
    """The ``deaths_<ISO3>_<year>`` columns of run summaries as a long table: ``by`` (the
    column naming the run, e.g. ``replicate``), country, year, deaths."""
    columns = [c for c in summary.columns if c.startswith("deaths_")]
    long = summary.melt(id_vars=[by], value_vars=columns, value_name="deaths")
    parts = long["variable"].str.extract(r"deaths_(?P<country>[A-Z]{3})_(?P<year>\d{4})")
    return pd.DataFrame(
        {by: long[by], "country": parts["country"], "year": parts["year"].astype(int),
         "deaths": long["deaths"]}
    )  # fmt: skip


CATEGORIES: tuple[str, ...] = ("state_based", "non_state", "one_sided")
"""UCDP's three categories of organised violence, as columns of the yearly tables."""


def observed_table(years: Sequence[int] = CALIBRATION_YEARS) -> pd.DataFrame:
    """UCDP deaths per country and year for ``years``: columns country, year, deaths,
    deaths_low, deaths_high and the three categories."""
    obs = load_ucdp()
    keep = ["country", "year", "deaths", "deaths_low", "deaths_high", *CATEGORIES]
    return obs[obs["year"].isin(years)][keep].reset_index(drop=True)


BATTLE_LOSSES: dict[str, str] = {"fighters_killed": "fighters_killed",
                                 "soldier_deaths": "soldiers_killed"}  # fmt: skip
"""Country metric -> summary name of the two sides' losses that the exchange ratio compares."""

EXCHANGE_COUNTRY = "NGA"
"""The country whose exchange ratio is fitted: the one with UCDP event data bundled."""


def observed_exchange(years: Sequence[int] = CALIBRATION_YEARS) -> float:
    """UCDP's fighters killed per government soldier killed in Nigeria's state-based events
    over ``years`` (:func:`sim.studies.patterns.exchange_ratio`; 5.6 for 2012-2019)."""
    from sim.studies.observed import ged_battle_deaths, load_ged_nigeria
    from sim.studies.patterns import exchange_ratio

    table = ged_battle_deaths(load_ged_nigeria(), EXCHANGE_COUNTRY)
    ratio = exchange_ratio(table, EXCHANGE_COUNTRY, years)
    assert isinstance(ratio, float)  # the observed table has no replicates
    return ratio


LOSS_OFFSET = 10.0
"""Deaths per year added before taking logs in the loss: differences between quiet years
(0 against 3 deaths) count little, differences between 100 and 1,000 deaths count fully."""


def log_deaths_loss(
    observed: pd.DataFrame, offset: float = LOSS_OFFSET, exchange: float | None = None
) -> Callable[[pd.DataFrame], float]:
    """The loss against ``observed`` (UCDP country-years, :func:`observed_table`).

    With m(x) = mean over replicates of log(offset + x) for a model quantity x:
        loss = mean over country-years of d(m(deaths), [log(offset + low), log(offset + high)])^2
             + mean over country-years and categories of (m(category) - log(offset + UCDP))^2
             + (log(Fbar / Sbar) - log(exchange))^2,
    d the distance from the interval (0 inside UCDP's low-high range of the total). The
    first term asks for totals within UCDP's uncertainty, the second for the split between
    state-based, non-state and one-sided violence, the third (when ``exchange`` is given)
    for the exchange ratio of :data:`EXCHANGE_COUNTRY` over the observed years: Fbar and
    Sbar the mean over replicates of the fighters and soldiers killed there, summed over
    the years. No total of deaths can tell forces that wear insurgents down from forces
    that lose soldiers and kill bystanders; the exchange ratio can.
    """
    keys = list(zip(observed["country"], observed["year"], strict=True))
    totals = [f"deaths_{c}_{y}" for c, y in keys]
    low = np.log(offset + observed["deaths_low"].to_numpy(dtype=float))
    high = np.log(offset + observed["deaths_high"].to_numpy(dtype=float))
    parts = [[f"{k}_{c}_{y}" for c, y in keys] for k in CATEGORIES]
    targets = [np.log(offset + observed[k].to_numpy(dtype=float)) for k in CATEGORIES]

    def loss(summary: pd.DataFrame) -> float:
        model = np.log(offset + summary.reindex(columns=totals).to_numpy(dtype=float)).mean(0)
        outside = np.maximum(low - model, 0.0) + np.maximum(model - high, 0.0)
        value = float(np.mean(outside**2))
        split = 0.0
        for columns, target in zip(parts, targets, strict=True):
            m = np.log(offset + summary.reindex(columns=columns).to_numpy(dtype=float)).mean(0)
            split += float(np.mean((m - target) ** 2))
        value += split / len(CATEGORIES)
        if exchange is not None:
            years = sorted(set(observed["year"]))
            fighters = [f"fighters_killed_{EXCHANGE_COUNTRY}_{y}" for y in years]
            soldiers = [f"soldiers_killed_{EXCHANGE_COUNTRY}_{y}" for y in years]
            f = summary.reindex(columns=fighters).to_numpy(dtype=float).sum(1).mean()
            s = summary.reindex(columns=soldiers).to_numpy(dtype=float).sum(1).mean()
            value += float(np.log((f + offset) / (s + offset)) - np.log(exchange)) ** 2
        return value

    return loss


def yearly_deaths(countries: pd.DataFrame) -> pd.DataFrame:
    """Deaths per country and calendar year (and per replicate if the countries table has a
    ``replicate`` column): columns [replicate,] country, year, deaths and, when the table
    records them, the three UCDP categories (state_based, non_state, one_sided)."""
    keys = [k for k in ("replicate",) if k in countries.columns]
    year = countries["date"].dt.year.rename("year")
    grouped = countries.groupby([*(countries[k] for k in keys), countries["country"], year],
                                observed=True)  # fmt: skip
    columns = {"fatalities": "deaths"}
    columns.update({f"deaths_{k}": k for k in CATEGORIES if f"deaths_{k}" in countries})
    out = grouped[list(columns)].sum().rename(columns=columns).reset_index()
    out["country"] = out["country"].astype(str)
    return out


def band_table(deaths: pd.DataFrame) -> pd.DataFrame:
    """Median and 90% band over replicates: columns country, year, median, low, high."""
    grouped = deaths.groupby(["country", "year"], observed=True)["deaths"]
    out = pd.DataFrame(
        {
            "median": grouped.median(),
            "low": grouped.quantile(BAND[0]),
            "high": grouped.quantile(BAND[1]),
        }
    ).reset_index()
    out["country"] = out["country"].astype(str)
    return out.sort_values(["country", "year"], ignore_index=True)


@dataclass
class Calibration:
    """The result of :func:`calibrate_historical`: the search, the fit and where it went."""

    result: CalibrationResult
    fit: pd.DataFrame
    folder: Path
    parameter_file: Path | None


def calibrate_historical(
    out: Path | str,
    *,
    scenario: Scenario | str = HISTORICAL,
    reps: int = 10,
    lhs_points: int = 250,
    local_evals: int = 250,
    fit_reps: int = 40,
    seed: int | None = None,
    install: bool = False,
    force: bool = False,
    backend: Any = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> Calibration:
    """Fit :data:`FREE_PARAMETERS` of the historical scenario to UCDP deaths 2012-2019.

    Writes into ``out``: the runs (an experiment store, ``runs/``, so a re-run resumes),
    ``history.csv`` (every point tried and its loss), ``fit.csv`` (per country and year:
    observed deaths, the fitted model's median and 90% band over ``fit_reps`` replicates),
    ``fit.png``, ``calibrated.yaml`` (the fitted values) and ``manifest.json`` (method, loss
    before and after, runs, timings, every file written).

    Args:
        install: also write the fitted values into the bundled parameter file
            (:data:`PARAMETER_FILE`, which the bundled scenarios use). Only in a source
            checkout: an installed package's files are never rewritten.
        force: start afresh in ``out`` (deleting only what an earlier experiment wrote).

    Raises:
        UsageError: ``install`` in an installed package (not a source checkout).
    """
    if install:
        check_installable()
    spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    months = (CALIBRATION_YEARS[-1] - int(spec.start[:4]) + 1) * 12 - (int(spec.start[5:]) - 1)
    # The runs set every free parameter themselves: simulate a scenario whose free parameters
    # hold their documented defaults, so that the runs' identity (and a resumed calibration)
    # does not depend on the values a previous calibration wrote into the parameter file.
    defaults = {f.name: Parameters.model_fields[f.name].default for f in FREE_PARAMETERS}
    base = with_parameters(spec, **defaults)
    sim = YearlyDeathsSimulator(base, months=months)
    observed = observed_table()
    exchange = observed_exchange()
    root = spec.seed if seed is None else seed
    settings = {"scenario": spec.name, "simulator": sim.identity(), "root_seed": root,
                "reps": reps, "lhs_points": lhs_points, "local_evals": local_evals,
                "free": [f.__dict__ for f in FREE_PARAMETERS]}  # fmt: skip
    folder = OutputFolder(out)
    folder.claim(study_manifest("calibration", settings, []), force=force)
    store = folder.store("runs", study_manifest("calibration runs", settings, []))
    start = defaults  # "loss before" is the loss at the documented defaults
    result = calibrate(
        sim, FREE_PARAMETERS, log_deaths_loss(observed, exchange=exchange), store,
        reps=reps, root_seed=root,
        lhs_points=lhs_points, local_evals=local_evals, start=start, backend=backend,
        workers=workers, scheduler=scheduler, progress=progress,
    )  # fmt: skip
    fit = fit_table(base, result.best, months=months, reps=fit_reps, seed=root)
    folder.write_csv(result.history, "history.csv")
    folder.write_csv(fit, "fit.csv")
    _write_fit_figure(
        fit[["country", "year", "median", "low", "high"]], observed, folder, "fit.png",
        title="Calibration fit: model (median, 90% band) vs UCDP, 2012-2019",
    )  # fmt: skip
    summary = _summary(spec, result, observed, exchange, fit_reps=fit_reps, months=months)
    info = folder.update_manifest(**summary)
    folder.write_text("calibrated.yaml", parameter_file_text(result.best, info))
    folder.finish()
    written = None
    if install:
        written = files.write_text(PARAMETER_FILE, parameter_file_text(result.best, info))
    return Calibration(result=result, fit=fit, folder=Path(out), parameter_file=written)


def check_installable() -> None:
    """Refuse to rewrite the bundled parameter file of an installed package.

    Raises:
        UsageError: the package is not a source checkout.
    """
    if checkout_root() is None:
        raise UsageError(
            f"--install rewrites the bundled {PARAMETER_FILE.name}, which only a source "
            "checkout may do; this sahel is an installed package. The fitted values are in "
            "--out/calibrated.yaml; name that file in a scenario's parameter_file to use them"
        )


def fit_table(
    spec: Scenario, params: dict[str, float], *, months: int, reps: int, seed: int
) -> pd.DataFrame:
    """Observed deaths next to the model's median and 90% band with ``params``, per country
    and calibration year."""
    sim = YearlyDeathsSimulator(spec, months=months)
    runs = pd.DataFrame(
        [{"replicate": r, **sim.summarise(sim.simulate(params, replicate_seed(seed, r)))}
         for r in range(reps)]
    )  # fmt: skip
    bands = band_table(deaths_from_summaries(runs, "replicate"))
    obs = observed_table()
    return obs.merge(bands, on=["country", "year"], how="left").rename(
        columns={"deaths": "observed"}
    )


def parameter_file_text(values: dict[str, float], manifest: dict[str, Any]) -> str:
    """A parameter file (YAML: a comment header, ``calibration:`` and ``parameters:``)."""
    import yaml

    header = (
        "# Calibrated parameter values, written by `sahel calibrate`; do not edit by hand.\n"
        "# Fitted to UCDP deaths per country and year, 2012-2019 (data/ucdp_sahel_2012_2019.csv)\n"
        "# on scenarios/historical_2012.yaml; see docs/ODD.md, section Calibration.\n"
    )
    info = {
        k: manifest[k]
        for k in ("method", "loss", "loss_before", "runs", "seconds", "created", "observed")
    }
    body = yaml.safe_dump(
        {"calibration": info, "parameters": {k: float(f"{v:.6g}") for k, v in values.items()}},
        sort_keys=False,
        width=100,
    )
    return header + body


def _summary(
    spec: Scenario,
    result: CalibrationResult,
    observed: pd.DataFrame,
    exchange: float,
    *,
    fit_reps: int,
    months: int,
) -> dict[str, Any]:
    """What the calibration found, for its manifest."""
    from sim.scenario import scenario_hash

    return {
        "scenario_hash": scenario_hash(spec),
        "months": months,
        "years": [CALIBRATION_YEARS[0], CALIBRATION_YEARS[-1]],
        "observed": f"{UCDP_FILE.name}: deaths_low-deaths_high and the best estimate by"
        f" category, {len(observed)} country-years",
        "observed_citation": UCDP_CITATION,
        "loss_definition": "mean over country-years of the squared distance of the mean over"
        f" replicates of log({LOSS_OFFSET:g} + model deaths per year) from UCDP's"
        f" [log({LOSS_OFFSET:g} + low), log({LOSS_OFFSET:g} + high)], plus the mean over"
        " country-years and UCDP categories of the squared log difference by category, plus"
        f" the squared log difference of {EXCHANGE_COUNTRY}'s exchange ratio (fighters per"
        f" soldier killed, {CALIBRATION_YEARS[0]}-{CALIBRATION_YEARS[-1]}) from UCDP GED's"
        f" {exchange:.2f}",
        "method": result.method,
        "settings": result.settings,
        "loss_before": round(result.start_loss, 6) if result.start_loss is not None else None,
        "loss": round(result.loss, 6),
        "best": result.best,
        "position_in_range": {k: round(v, 3) for k, v in result.position.items()},
        "runs": result.runs,
        "runs_executed": result.runs_executed,
        "points": len(result.history),
        "fit_reps": fit_reps,
        "seconds": round(result.seconds, 1),
    }


# --- back-test ----------------------------------------------------------------------------------


def backtest(
    *, scenario: Scenario | str = HISTORICAL, reps: int = 40, seed: int | None = None,
    backend: Any = "local", workers: int | None = None, scheduler: str | None = None,
    out: Path | str | None = None, force: bool = False,
) -> pd.DataFrame:  # fmt: skip
    """Run the (calibrated) historical scenario with ``reps`` replicates and return yearly
    deaths per country, 2012-2024: columns country, year, median, low, high (90% band).

    With ``out``, the runs go through the experiment layer into ``out/runs`` (a re-run
    resumes) and ``out`` receives ``backtest.csv`` (that table) and ``backtest.png`` (against
    UCDP's 2012-2019 deaths, later years shaded as out of sample); ``force`` starts afresh.
    """
    import tempfile

    from sim.engine.execute import execute

    spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    sim = YearlyDeathsSimulator(spec)
    root = spec.seed if seed is None else seed
    runs = [
        make_run(sim, point=0, replicate=r, root_seed=root, label=spec.name) for r in range(reps)
    ]
    payload = {"scenario": spec.name, "identity": sim.identity(), "reps": reps,
               "root_seed": root}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = OutputFolder(out if out is not None else Path(tmp) / "backtest")
        folder.claim(study_manifest("backtest", payload, runs), force=force)
        store = folder.store("runs", study_manifest("runs", payload, runs))
        execute(sim, runs, store, backend=backend, workers=workers, scheduler=scheduler)
        summary = store.read("summary")
    summary = summary[summary["run_id"].isin({r.run_id for r in runs})]
    deaths = deaths_from_summaries(summary, "run_id")
    table = band_table(deaths)
    if out is not None:
        done = OutputFolder(out)
        done.write_csv(table, "backtest.csv")
        _write_fit_figure(
            table, observed_table(), done, "backtest.png",
            title=f"Back-test: model (median, 90% band, {reps} replicates) vs UCDP;"
            f" calibrated on {CALIBRATION_YEARS[0]}-{CALIBRATION_YEARS[-1]}",
        )  # fmt: skip
        done.finish()
    return table


def _write_fit_figure(
    table: pd.DataFrame, observed: pd.DataFrame, folder: OutputFolder, name: str, *, title: str
) -> None:
    from sim.views.figures import model_vs_observed

    fig = model_vs_observed(table, observed, title=title, last_fitted_year=CALIBRATION_YEARS[-1])
    folder.write_figure(fig, name)
