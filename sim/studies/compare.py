"""Paired comparison of two Sahel scenarios: replicate r of both shares its seed.

:func:`compare_scenarios` runs A and B through the experiment engine (each into its own
store, ``runs/a`` and ``runs/b``, so an interrupted comparison resumes) and compares every
metric: the means of A and B, the paired difference B - A with its 95% confidence interval,
the relative change, and in words whether the difference is real and large enough to matter
(:func:`sim.engine.compare.assess`: *negligible* means below
:data:`~sim.engine.compare.NEGLIGIBLE_PERCENT` percent of A's mean). Each metric's unit comes
from the model's metric table (:mod:`sim.world.metrics`).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.compare import (
    difference_figure,
    difference_over_time,
    paired_difference,
    window_means,
    with_assessment,
)
from sim.engine.core import make_run
from sim.engine.outputs import OutputFolder
from sim.scenario import Scenario, load_scenario, month_index
from sim.studies.provenance import manifest
from sim.studies.simulator import SahelSimulator

Progress = Callable[[int, int], Any]

HEADLINE = ("total_fatalities", "regional_stability", "western_influence", "russian_influence")
"""Regional metrics whose difference over time is kept and drawn."""

FOCUS_METRICS = ("fatalities", "insurgent_strength", "control", "security")
"""Country metrics followed over time in the countries the two timelines treat differently."""


def metric_unit(name: str) -> str:
    """The unit of a metric column as the model's metric table gives it ("" if unknown);
    ``influence_USA`` and the like resolve through the table's ``influence_<POWER>`` rows."""
    from sim.world.metrics import COUNTRY_METRICS, REGIONAL_METRICS

    for metric in (*REGIONAL_METRICS, *COUNTRY_METRICS):
        if metric.name == name:
            return metric.unit
    for metric in (*REGIONAL_METRICS, *COUNTRY_METRICS):
        prefix = metric.name.split("<")[0]
        if "<" in metric.name and name.startswith(prefix) and name != prefix:
            return metric.unit
    return ""


@dataclass
class Comparison:
    """The result of :func:`compare_scenarios`.

    Attributes:
        table: one row per horizon, table (``regional`` or ``countries``), country and
            metric, with ``unit``, ``mean_a``, ``mean_b``, ``diff`` (B - A), ``ci_low``/
            ``ci_high`` (95%), ``relative_change`` (percent of A's mean), ``assessment``
            (``no difference``, ``within noise``, ``negligible``, ``increase``,
            ``decrease``), ``paired_halfwidth``, ``unpaired_halfwidth`` and ``narrowing``.
        over_time: paired difference per month for the headline metrics.
        folder: where the runs, tables and figure were written (None if not written).
    """

    table: pd.DataFrame
    over_time: dict[str, pd.DataFrame]
    folder: Path | None
    label_a: str
    label_b: str


def _horizon_index(scn: Scenario, months: int, horizon: str | None) -> int:
    if horizon is None:
        return months - 1
    index = month_index(horizon) - month_index(scn.start)
    if not 0 <= index < months:
        from sim.errors import UsageError

        raise UsageError(
            f"--horizon {horizon}: expected a month between {scn.start} and the last simulated "
            f"month ({pd.Period(scn.start, 'M') + months - 1})"
        )
    return index


def _focus_countries(a: Scenario, b: Scenario) -> list[str]:
    """Countries named by events that differ between the two timelines."""
    ea = {e.model_dump_json() for e in a.events}
    eb = {e.model_dump_json() for e in b.events}
    out: list[str] = []
    for e in [*a.events, *b.events]:
        if (e.model_dump_json() in ea) != (e.model_dump_json() in eb):
            iso = getattr(e, "country", None)
            if iso and iso not in out:
                out.append(iso)
    return out


def compare_scenarios(
    a: Scenario | str,
    b: Scenario | str,
    *,
    reps: int = 30,
    seed: int | None = None,
    months: int | None = None,
    horizons: Sequence[str] | None = None,
    out: Path | str | None = None,
    force: bool = False,
    backend: Any = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> Comparison:
    """Run A and B with paired seeds and compare every metric.

    Args:
        a, b: scenarios (objects, bundled names or paths); the difference reported is B - A.
        reps: replicates per scenario (pairs).
        seed: root seed (default: A's scenario seed); replicate r of both gets the same seed.
        months: months to simulate (default: the shorter of the two scenarios).
        horizons: months ``YYYY-MM`` at which to report window means from the start
            (default: the last month).
        out: results folder; re-running the same comparison there resumes it.
        force: start afresh in ``out`` (deleting only what an earlier experiment wrote).
        backend, workers, scheduler: where runs execute (see ``sim.engine.execute``).
        progress: called with (runs done, runs total).
    """
    from sim.engine.execute import execute

    spec_a = a if isinstance(a, Scenario) else load_scenario(a)
    spec_b = b if isinstance(b, Scenario) else load_scenario(b)
    if spec_a.start != spec_b.start:
        from sim.errors import UsageError

        raise UsageError(
            f"{spec_a.name} starts {spec_a.start} but {spec_b.name} starts {spec_b.start}; "
            "paired comparison needs the same start month"
        )
    n_months = months if months is not None else min(spec_a.months, spec_b.months)
    root = spec_a.seed if seed is None else seed
    sims = {
        "a": SahelSimulator(spec_a, months=n_months),
        "b": SahelSimulator(spec_b, months=n_months),
    }
    runs = {
        k: [make_run(s, point=0, replicate=r, root_seed=root, label=s.name) for r in range(reps)]
        for k, s in sims.items()
    }
    horizon_idx = [_horizon_index(spec_a, n_months, h) for h in (horizons or [None])]
    record = manifest(
        "compare",
        {"a": spec_a.name, "b": spec_b.name, "reps": reps, "root_seed": root,
         "months": n_months,
         "resolved_scenarios": {"a": spec_a.model_dump(mode="json"),
                                "b": spec_b.model_dump(mode="json")}},
        [*runs["a"], *runs["b"]],
    )  # fmt: skip
    tables: dict[str, dict[str, pd.DataFrame]] = {}
    started = time.perf_counter()
    total = sum(len(r) for r in runs.values())
    done_before = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = OutputFolder(out if out is not None else Path(tmp) / "compare")
        folder.claim(record, force=force)
        for key, sim in sims.items():
            store = folder.store(
                f"runs/{key}",
                manifest("runs", {"scenario": sim.name, "identity": sim.identity()}, runs[key]),
            )

            def step(done: int, _total: int, offset: int = done_before) -> None:
                if progress is not None:
                    progress(offset + done, total)

            execute(sim, runs[key], store, backend=backend, workers=workers,
                    scheduler=scheduler, progress=step)  # fmt: skip
            done_before += len(runs[key])
            tables[key] = {name: store.read(name) for name in ("regional", "countries")}
    seconds = time.perf_counter() - started

    rows = []
    for h in horizon_idx:
        label = str(pd.Period(spec_a.start, "M") + h)
        for table, by in (("regional", ()), ("countries", ("country",))):
            wa = window_means(tables["a"][table], h, by=by)
            wb = window_means(tables["b"][table], h, by=by)
            diff = paired_difference(wa, wb, by=by)
            diff.insert(0, "table", table)
            diff.insert(0, "horizon", label)
            if not by:
                diff.insert(2, "country", "")
            rows.append(diff)
    table = with_assessment(pd.concat(rows, ignore_index=True))
    table.insert(table.columns.get_loc("metric") + 1, "unit", table["metric"].map(metric_unit))
    order = ["horizon", "table", "country", "metric", "unit", "mean_a", "mean_b", "diff",
             "ci_low", "ci_high", "relative_change", "assessment"]  # fmt: skip
    table = table[[*order, *(c for c in table.columns if c not in order)]]

    over_time = {
        m: difference_over_time(tables["a"]["regional"], tables["b"]["regional"], m)
        for m in HEADLINE
    }
    for iso in _focus_countries(spec_a, spec_b):
        ca = tables["a"]["countries"]
        cb = tables["b"]["countries"]
        for metric in FOCUS_METRICS:
            over_time[f"{metric} ({iso})"] = difference_over_time(
                ca[ca["country"] == iso], cb[cb["country"] == iso], metric
            )
    result = Comparison(
        table, over_time, Path(out) if out is not None else None, spec_a.name, spec_b.name
    )
    if out is not None:
        _write_comparison(result, OutputFolder(out), seconds=seconds)
    return result


def _write_comparison(result: Comparison, folder: OutputFolder, *, seconds: float) -> None:
    folder.write_parquet(result.table, "comparison.parquet")
    folder.write_csv(result.table, "comparison.csv")
    series = pd.concat({k: v for k, v in result.over_time.items()}, names=["metric"]).reset_index(
        level=0
    )
    folder.write_csv(series, "difference_over_time.csv")
    units = {k: metric_unit(k.split(" (")[0]) for k in result.over_time}
    fig = difference_figure(result.over_time, label_a=result.label_a, label_b=result.label_b,
                            units=units)  # fmt: skip
    folder.write_figure(fig, "difference.png")
    horizons = sorted(set(result.table["horizon"]))
    folder.update_manifest(horizons=horizons, timings={"seconds_total": round(seconds, 3)})
