"""Run one scenario for one or more replicates, through the experiment engine.

Replicate ``r`` of a run with root seed ``S`` gets the seed ``replicate_seed(S, r)``, which
depends only on ``S`` and ``r``: the same replicate of two scenarios shares its random
streams (common random numbers), and adding replicates never changes the earlier ones.

Like every study, a run executes in batches (in this process, on a local process pool or on
a Dask cluster) into an experiment store; with ``out`` that store is the results folder
itself, so re-running the same command resumes an interrupted run, ``sahel status`` reports
its progress, and each table opens with ``pd.read_parquet(out / "regional")`` (also
``"countries"``, ``"events"`` and ``"summary"``, one row per run). The folder also gets
``summary_region.csv``, ``summary_countries.csv``, ``key_metrics.png`` and, on request, every
table as CSV; its ``manifest.json`` records the resolved scenario, seeds, versions and every
file written.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.core import make_run
from sim.engine.outputs import OutputFolder
from sim.scenario import Scenario, load_scenario, scenario_hash, with_parameters
from sim.studies.provenance import manifest
from sim.studies.simulator import EVENT_COLUMNS, TABLES, SahelSimulator

Progress = Callable[[int, int], Any]

BOOKKEEPING = ("run_id", "point")
"""Store columns that say nothing in a single-scenario run (one design point)."""


@dataclass
class RunResult:
    """Everything a scenario run produced.

    Attributes:
        scenario: the resolved scenario that was run (overrides included).
        regional: one row per replicate and month (``replicate``, ``seed``, ``date``,
            ``month`` and the regional metrics).
        countries: one row per replicate, month and country.
        events: what happened (coups, expulsions, bloc moves, scheduled events) per replicate.
        seeds: the seed of each replicate, in order.
        root_seed: the seed replicate seeds were derived from.
        seconds: seconds of simulation, summed over batches (workers in parallel count each).
        folder: the results folder, or ``None`` when nothing was written.
    """

    scenario: Scenario
    regional: pd.DataFrame
    countries: pd.DataFrame
    events: pd.DataFrame
    seeds: list[int]
    root_seed: int
    seconds: float = 0.0
    folder: Path | None = None


def run_scenario(
    scenario: Scenario | str | Path,
    *,
    reps: int = 1,
    seed: int | None = None,
    months: int | None = None,
    parameters: dict[str, float] | None = None,
    out: Path | str | None = None,
    force: bool = False,
    csv: bool = False,
    figure: bool = True,
    backend: Any = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Run ``reps`` replicates of a scenario and return their stacked tables.

    Args:
        scenario: a Scenario, a bundled scenario name or a path to a YAML file.
        reps: number of replicates (independent random streams), >= 1.
        seed: root seed (default: the scenario's ``seed``).
        months: months to simulate (default: the scenario's ``months``).
        parameters: parameter overrides ``{name: value}`` (recorded in the resolved scenario).
        out: results folder; re-running the same run there resumes it. ``None``: nothing is
            kept on disk.
        force: start afresh in ``out``, deleting what an earlier experiment wrote there (and
            nothing else).
        csv: also write every table as CSV (``regional.csv``...).
        figure: draw ``key_metrics.png`` into ``out``.
        backend, workers, scheduler: where runs execute (see ``sim.engine.execute``); by
            default in this process.
        progress: called with (runs done, runs total).
    """
    from sim.engine.execute import execute

    spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if parameters:
        spec = with_parameters(spec, **parameters)  # the result records what was run
    if reps < 1:
        raise ValueError(f"reps must be at least 1, got {reps}")
    root = spec.seed if seed is None else seed
    sim = SahelSimulator(spec, months=months)
    runs = [
        make_run(sim, point=0, replicate=r, root_seed=root, label=sim.name) for r in range(reps)
    ]
    payload = {
        "scenario": spec.name,
        "description": spec.description,
        "scenario_hash": scenario_hash(spec),
        "identity": sim.identity(),
        "start": spec.start,
        "months": sim.months,
        "replicates": reps,
        "root_seed": root,
        "seeds": [r.seed for r in runs],
        "parameters": spec.parameters.model_dump(),
        "resolved_scenario": spec.model_dump(mode="json"),
    }
    record = manifest("run", payload, runs)
    with tempfile.TemporaryDirectory() as tmp:
        folder = OutputFolder(out if out is not None else Path(tmp) / "run")
        folder.claim(record, force=force)
        store = folder.store(".")
        report = execute(sim, runs, store, backend=backend, workers=workers,
                         scheduler=scheduler, progress=progress)  # fmt: skip
        tables = {name: _read(store, name) for name in TABLES}
    result = RunResult(
        scenario=spec, **tables, seeds=[r.seed for r in runs], root_seed=root,
        seconds=report.busy_seconds, folder=Path(out) if out is not None else None,
    )  # fmt: skip
    if out is not None:
        _write_outputs(result, OutputFolder(out), csv=csv, figure=figure)
    return result


run = run_scenario
"""Alias: ``sim.run("us_withdraws", reps=10)``."""


def _read(store: Any, table: str) -> pd.DataFrame:
    """A table of the store without the bookkeeping columns (an empty events table when no
    run had any event)."""
    try:
        frame = store.read(table)
    except KeyError:
        if table != "events":
            raise
        return pd.DataFrame(columns=["replicate", "seed", *EVENT_COLUMNS])
    return frame.drop(columns=[c for c in BOOKKEEPING if c in frame.columns])


def _write_outputs(result: RunResult, folder: OutputFolder, *, csv: bool, figure: bool) -> None:
    """The summaries, CSV copies and the figure of a finished run."""
    regional, countries = summarise(result)
    folder.write_csv(regional, "summary_region.csv")
    folder.write_csv(countries, "summary_countries.csv", index=True)
    if csv:
        for name in TABLES:
            folder.write_csv(getattr(result, name), f"{name}.csv")
    if figure:
        from sim.views.figures import key_metrics

        fig = key_metrics(
            result.regional, result.countries,
            title=f"{result.scenario.name}: {len(result.seeds)} replicate(s)",
        )  # fmt: skip
        folder.write_figure(fig, "key_metrics.png")
    folder.update_manifest(timings={"seconds_simulated": round(result.seconds, 4)})


def summarise(result: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Headline numbers, averaged over replicates: (regional summary, per-country summary).

    ``result`` is anything with ``regional``, ``countries``, ``events`` tables and ``seeds``
    (a :class:`RunResult`, or one scenario of a results folder). Regional: mean stability,
    fatalities per year, final Western and Russian influence, final number of juntas, coups
    per run. Per country: fatalities per year, final control, final stability and final
    insurgent strength.
    """
    reg = result.regional
    last = reg[reg["month"] == reg["month"].max()]
    years = (reg["month"].max() + 1) / 12.0
    coups = result.events[result.events["kind"] == "coup"].groupby("replicate").size()
    regional = pd.DataFrame(
        {
            "stability (mean)": [reg["regional_stability"].mean()],
            "fatalities per year": [
                reg.groupby("replicate")["total_fatalities"].sum().mean() / years
            ],
            "Western influence (end)": [last["western_influence"].mean()],
            "Russian influence (end)": [last["russian_influence"].mean()],
            "juntas (end)": [last["n_juntas"].mean()],
            "coups per run": [coups.reindex(range(len(result.seeds)), fill_value=0).mean()],
        }
    )
    cty = result.countries
    end = cty[cty["month"] == cty["month"].max()].groupby("country", observed=True)
    per_year = cty.groupby(["country", "replicate"], observed=True)["fatalities"].sum()
    countries = pd.DataFrame(
        {
            "fatalities per year": per_year.groupby("country", observed=True).mean() / years,
            "control (end)": end["control"].mean(),
            "stability (end)": end["stability"].mean(),
            "insurgents (end)": end["insurgent_strength"].mean(),
        }
    )
    return regional, countries
