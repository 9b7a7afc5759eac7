"""Run a scenario for one or more replicates in this process and gather tidy DataFrames.

Replicate ``r`` of a run with root seed ``S`` gets the seed ``replicate_seed(S, r)``, which
depends only on ``S`` and ``r``: the same replicate of two scenarios shares its random
streams (common random numbers), and adding replicates never changes the earlier ones.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.core import replicate_seed
from sim.scenario import Scenario, load_scenario, with_parameters
from sim.studies.simulator import TABLES, SahelSimulator


@dataclass
class RunResult:
    """Everything a scenario run produced.

    Attributes:
        scenario: the resolved scenario that was run.
        regional: one row per replicate and month (``replicate``, ``seed``, ``date``,
            ``month`` and the regional metrics).
        countries: one row per replicate, month and country.
        events: what happened (coups, expulsions, bloc moves, scheduled events) per replicate.
        seeds: the seed of each replicate, in order.
        root_seed: the seed replicate seeds were derived from.
        seconds: wall-clock seconds per replicate.
    """

    scenario: Scenario
    regional: pd.DataFrame
    countries: pd.DataFrame
    events: pd.DataFrame
    seeds: list[int]
    root_seed: int
    seconds: list[float] = field(default_factory=list)


def run_scenario(
    scenario: Scenario | str | Path,
    *,
    reps: int = 1,
    seed: int | None = None,
    months: int | None = None,
    parameters: dict[str, float] | None = None,
    on_replicate: Callable[[int], Any] | None = None,
) -> RunResult:
    """Run ``reps`` replicates of a scenario and return their stacked tables.

    Args:
        scenario: a Scenario, a bundled scenario name or a path to a YAML file.
        reps: number of replicates (independent random streams), >= 1.
        seed: root seed (default: the scenario's ``seed``).
        months: months to simulate (default: the scenario's ``months``).
        parameters: parameter overrides ``{name: value}``.
        on_replicate: called with the replicate index after each one finishes (progress).
    """
    spec = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if parameters:
        spec = with_parameters(spec, **parameters)  # the result records what was run
    if reps < 1:
        raise ValueError(f"reps must be at least 1, got {reps}")
    root = spec.seed if seed is None else seed
    seeds = [replicate_seed(root, r) for r in range(reps)]
    simulator = SahelSimulator(spec, months=months)
    tables: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    seconds = []
    for r, rep_seed in enumerate(seeds):
        t0 = time.perf_counter()
        for name, frame in simulator.simulate({}, rep_seed).items():
            frame.insert(0, "seed", np.uint64(rep_seed))
            frame.insert(0, "replicate", r)
            tables[name].append(frame)
        seconds.append(time.perf_counter() - t0)
        if on_replicate is not None:
            on_replicate(r)
    return RunResult(
        scenario=spec,
        **{name: pd.concat(frames, ignore_index=True) for name, frames in tables.items()},
        seeds=seeds,
        root_seed=root,
        seconds=seconds,
    )


run = run_scenario
"""Alias: ``sim.run("us_withdraws", reps=10)``."""


def summarise(result: RunResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Headline numbers, averaged over replicates: (regional summary, per-country summary).

    Regional: mean stability, fatalities per year, final Western and Russian influence,
    final number of juntas, coups per run. Per country: fatalities per year, final control,
    final stability and final insurgent strength.
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
