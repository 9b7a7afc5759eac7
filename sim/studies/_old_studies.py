"""Studies of the Sahel model: paired comparisons, sweeps and sensitivity analyses.

Plain Python functions returning DataFrames (for notebooks); ``sahel compare``, ``sahel
sweep`` and ``sahel sensitivity`` are thin shells over them. They connect the Sahel model
(:class:`~sim.studies.simulator.SahelSimulator`) to the generic experiment layer
(:mod:`sim.engine`): runs are content-addressed, executed in batches on a local process
pool or a Dask cluster, and stream to a results folder that can be resumed.
"""

from __future__ import annotations

import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.compare import (
    difference_figure,
    difference_over_time,
    paired_difference,
    window_means,
)
from sim.engine.core import Run, content_hash, make_run
from sim.scenario import Scenario, load_scenario, month_index
from sim.studies.simulator import SahelSimulator

Progress = Callable[[int, int], Any]

PARAMETERS_HINT = "run `sahel parameters` to list the known parameters"

UNITS = {
    "total_fatalities": "deaths per month",
    "regional_stability": "index",
    "western_influence": "share",
    "russian_influence": "share",
    "fatalities": "deaths per month",
    "insurgent_strength": "fighters",
    "control": "share",
    "stability": "index",
    "security": "troop-equivalents",
}


@dataclass
class Comparison:
    """The result of :func:`compare_scenarios`.

    Attributes:
        table: one row per horizon, table (``regional`` or ``countries``), country and
            metric, with ``mean_a``, ``mean_b``, ``diff`` (B - A), ``ci_low``/``ci_high``
            (95%), ``paired_halfwidth``, ``unpaired_halfwidth`` and ``narrowing``.
        over_time: paired difference per month for the headline metrics.
        folder: where the runs, tables and figure were written (None if not written).
    """

    table: pd.DataFrame
    over_time: dict[str, pd.DataFrame]
    folder: Path | None
    label_a: str
    label_b: str


def _versions() -> dict[str, str]:
    from sim.studies._old_results import package_versions

    return package_versions()


def _manifest(kind: str, payload: dict[str, Any], runs: Sequence[Run]) -> dict[str, Any]:
    from sim.studies._old_results import git_commit

    return {
        "kind": kind,
        "experiment_id": content_hash({"kind": kind, **payload, "runs": [r.run_id for r in runs]}),
        **payload,
        "runs": [
            {
                "run_id": r.run_id,
                "point": r.point,
                "replicate": r.replicate,
                "seed": r.seed,
                "params": dict(r.params),
                "label": r.label,
            }
            for r in runs
        ],
        "command": ["sahel", *sys.argv[1:]] if sys.argv and "sahel" in sys.argv[0] else sys.argv,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "versions": _versions(),
        "git": git_commit(),
    }


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
        backend, workers, scheduler: where runs execute (see ``sim.engine.execute``).
        progress: called with (runs done, runs total).
    """
    from sim.engine.execute import execute
    from sim.engine.store import ExperimentStore

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
    folder = Path(out) if out is not None else None
    tables: dict[str, dict[str, pd.DataFrame]] = {}
    started = time.perf_counter()
    total = sum(len(r) for r in runs.values())
    done_before = 0
    with tempfile.TemporaryDirectory() as tmp:
        for key, sim in sims.items():
            store = ExperimentStore((folder or Path(tmp)) / "runs" / key)
            store.create(
                _manifest("runs", {"scenario": sim.name, "identity": sim.identity()}, runs[key])
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
    table = pd.concat(rows, ignore_index=True)

    headline = ["total_fatalities", "regional_stability", "western_influence", "russian_influence"]
    over_time = {
        m: difference_over_time(tables["a"]["regional"], tables["b"]["regional"], m)
        for m in headline
    }
    for iso in _focus_countries(spec_a, spec_b):
        ca = tables["a"]["countries"]
        cb = tables["b"]["countries"]
        for metric in ("fatalities", "insurgent_strength", "control", "security"):
            over_time[f"{metric} ({iso})"] = difference_over_time(
                ca[ca["country"] == iso], cb[cb["country"] == iso], metric
            )
    result = Comparison(table, over_time, folder, spec_a.name, spec_b.name)
    if folder is not None:
        _write_comparison(result, folder, reps=reps, root=root, months=n_months,
                          seconds=seconds, runs=[*runs["a"], *runs["b"]],
                          specs=(spec_a, spec_b))  # fmt: skip
    return result


def _write_comparison(
    result: Comparison, folder: Path, *, reps: int, root: int, months: int, seconds: float,
    runs: list[Run], specs: tuple[Scenario, Scenario],
) -> None:  # fmt: skip
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    result.table.to_parquet(folder / "comparison.parquet", index=False)
    result.table.to_csv(folder / "comparison.csv", index=False)
    series = pd.concat({k: v for k, v in result.over_time.items()}, names=["metric"]).reset_index(
        level=0
    )
    series.to_csv(folder / "difference_over_time.csv", index=False)
    units = {k: UNITS.get(k.split(" (")[0], "") for k in result.over_time}
    fig = difference_figure(result.over_time, label_a=result.label_a, label_b=result.label_b,
                            units=units)  # fmt: skip
    fig.savefig(folder / "difference.png", dpi=120)
    plt.close(fig)
    manifest = _manifest(
        "compare",
        {"a": result.label_a, "b": result.label_b, "reps": reps, "root_seed": root,
         "months": months, "timings": {"seconds_total": round(seconds, 3)},
         "resolved_scenarios": {"a": specs[0].model_dump(mode="json"),
                                "b": specs[1].model_dump(mode="json")}},
        runs,
    )  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))


# --- sweeps ------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    """The result of :func:`sweep`.

    Attributes:
        summary: one row per run: ``point``, ``replicate``, ``seed``, ``param_<name>`` and
            the run's summary outputs (see :meth:`SahelSimulator.summarise`).
        points: one row per design point: parameter values and the mean of each output
            over replicates.
        folder: the results folder (per-month tables are under it).
    """

    summary: pd.DataFrame
    points: pd.DataFrame
    folder: Path | None


def sweep(
    scenario: Scenario | str,
    params: Sequence[str],
    *,
    lhs: int | None = None,
    reps: int = 1,
    seed: int | None = None,
    months: int | None = None,
    out: Path | str | None = None,
    backend: Any = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Grid or Latin-hypercube sweep over model parameters.

    Args:
        scenario: the scenario to sweep.
        params: ``name=lo:hi:n`` (grid with n values), ``name=lo:hi`` (LHS range) or
            ``name=value`` (fixed); names are the model's parameters (``sahel parameters``).
        lhs: if given, draw this many Latin-hypercube points instead of a full grid.
        reps: replicates per design point (common random numbers across points).
    """
    from sim.engine.design import (
        design_runs,
        grid,
        latin_hypercube,
        parse_param_specs,
        validate_ranges,
    )

    sim = SahelSimulator(scenario, months=months)
    ranges = parse_param_specs(params, kind="lhs" if lhs else "grid")
    validate_ranges(ranges, sim.parameter_bounds(), hint=PARAMETERS_HINT)
    root = sim.scenario.seed if seed is None else seed
    points = latin_hypercube(ranges, lhs, seed=root) if lhs else grid(ranges)
    runs = design_runs(sim, points, reps, root, label=sim.name)
    summary = _execute_and_read(
        "sweep", sim, runs, out, backend=backend, workers=workers, scheduler=scheduler,
        progress=progress, extra={"params": list(params), "lhs": lhs, "reps": reps,
                                  "root_seed": root},
    )  # fmt: skip
    by_point = summary.drop(columns=["run_id", "replicate", "seed"], errors="ignore")
    per_point = by_point.groupby("point", sort=True).mean(numeric_only=True).reset_index()
    folder = Path(out) if out is not None else None
    if folder is not None:
        per_point.to_csv(folder / "points.csv", index=False)
        summary.to_csv(folder / "runs.csv", index=False)
    return SweepResult(summary, per_point, folder)


def _execute_and_read(
    kind: str,
    sim: SahelSimulator,
    runs: list[Run],
    out: Path | str | None,
    *,
    backend: Any,
    workers: int | None,
    scheduler: str | None,
    progress: Progress | None,
    extra: dict[str, Any],
) -> pd.DataFrame:
    """Execute ``runs`` into a store (resuming what is there) and return the summary table."""
    import tempfile

    from sim.engine.execute import execute
    from sim.engine.store import ExperimentStore

    payload = {"scenario": sim.name, "identity": sim.identity(), **extra}
    with tempfile.TemporaryDirectory() as tmp:
        store = ExperimentStore(Path(out) if out is not None else Path(tmp) / "store")
        store.create(_manifest(kind, payload, runs))
        execute(sim, runs, store, backend=backend, workers=workers, scheduler=scheduler,
                progress=progress)  # fmt: skip
        summary = store.read("summary")
    # Identical runs (the same parameters and seed at two design points) are simulated once;
    # map each result back to every (point, replicate) that asked for it.
    wanted = pd.DataFrame(
        {"run_id": [r.run_id for r in runs], "point": [r.point for r in runs],
         "replicate": [r.replicate for r in runs]}
    )  # fmt: skip
    values = summary.drop(columns=["point", "replicate"], errors="ignore")
    values = values.drop_duplicates("run_id")
    return wanted.merge(values, on="run_id", how="left", validate="many_to_one")


# --- sensitivity analysis ----------------------------------------------------------------------


@dataclass
class SensitivityResult:
    """The result of :func:`sensitivity`.

    Attributes:
        indices: one row per output and parameter: Morris ``mu``, ``mu_star``,
            ``mu_star_conf``, ``sigma`` or Sobol ``S1``, ``S1_conf``, ``ST``, ``ST_conf``.
        noise: per output, the share of its variance that is replicate noise (0-1).
        runs: number of simulations behind the indices.
        folder: the results folder.
    """

    indices: pd.DataFrame
    noise: dict[str, float]
    runs: int
    folder: Path | None


def sensitivity_plan(
    scenario: Scenario | str,
    params: Sequence[str],
    *,
    method: str = "morris",
    n: int = 10,
    reps: int = 2,
    months: int | None = None,
    workers: int | None = None,
    second_order: bool = False,
) -> dict[str, Any]:
    """How big a sensitivity design is and roughly how long it will take, before running it.

    Returns ``points``, ``runs`` (points x replicates), ``seconds_per_run`` (one run timed
    here) and ``estimated_seconds`` for ``workers`` processes.
    """
    import os

    from sim.engine.design import parse_param_specs, validate_ranges
    from sim.engine.sensitivity import design_size

    sim = SahelSimulator(scenario, months=months)
    ranges = parse_param_specs(params, kind="sensitivity")
    validate_ranges(ranges, sim.parameter_bounds(), hint=PARAMETERS_HINT)
    points = design_size(method, len(ranges), n, second_order)
    started = time.perf_counter()
    sim.simulate({}, seed=0)
    per_run = time.perf_counter() - started
    w = workers or os.cpu_count() or 1
    return {
        "points": points,
        "runs": points * reps,
        "seconds_per_run": per_run,
        "estimated_seconds": points * reps * per_run / (0.9 * w),
        "workers": w,
    }


def sensitivity(
    scenario: Scenario | str,
    params: Sequence[str],
    *,
    method: str = "morris",
    n: int = 10,
    reps: int = 2,
    seed: int | None = None,
    months: int | None = None,
    outputs: Sequence[str] = ("fatalities_per_year", "mean_stability"),
    second_order: bool = False,
    out: Path | str | None = None,
    backend: Any = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> SensitivityResult:
    """Global sensitivity analysis (Morris screening or Sobol indices, via SALib).

    Args:
        params: ``name=lo:hi`` ranges of the parameters to study.
        method: ``morris`` (elementary effects; ``n`` trajectories) or ``sobol`` (``n`` base
            samples).
        reps: replicates per design point; indices use the mean over replicates, and the
            share of variance that is replicate noise is reported.
        outputs: summary outputs to analyse (see :meth:`SahelSimulator.summarise`).
    """
    from sim.engine.design import design_runs, parse_param_specs, validate_ranges
    from sim.engine.sensitivity import (
        analyse,
        design_points,
        replicate_noise_share,
        sensitivity_design,
    )

    sim = SahelSimulator(scenario, months=months)
    ranges = parse_param_specs(params, kind="sensitivity")
    validate_ranges(ranges, sim.parameter_bounds(), hint=PARAMETERS_HINT)
    root = sim.scenario.seed if seed is None else seed
    problem, x = sensitivity_design(method, ranges, n, seed=root, second_order=second_order)
    points = design_points(problem, x)
    runs = design_runs(sim, points, reps, root, label=sim.name)
    summary = _execute_and_read(
        "sensitivity", sim, runs, out, backend=backend, workers=workers, scheduler=scheduler,
        progress=progress, extra={"method": method, "params": list(params), "n": n,
                                  "reps": reps, "root_seed": root, "outputs": list(outputs)},
    )  # fmt: skip
    missing = [o for o in outputs if o not in summary.columns]
    if missing:
        from sim.errors import UsageError

        known = sorted(c for c in summary.columns if not c.startswith(("param_", "run_id")))
        raise UsageError(f"unknown output(s) {missing}; known: {', '.join(known)}")
    tables, noise = [], {}
    for output in outputs:
        table = analyse(method, problem, x, summary, output, seed=root)
        table.insert(0, "output", output)
        tables.append(table)
        noise[output] = replicate_noise_share(summary, output)
    indices = pd.concat(tables, ignore_index=True)
    folder = Path(out) if out is not None else None
    if folder is not None:
        _write_sensitivity(indices, noise, method, folder)
    return SensitivityResult(indices, noise, len(runs), folder)


def _write_sensitivity(
    indices: pd.DataFrame, noise: dict[str, float], method: str, folder: Path
) -> None:
    import matplotlib.pyplot as plt

    from sim.engine.sensitivity import sensitivity_figure

    indices.to_csv(folder / "indices.csv", index=False)
    pd.DataFrame({"output": list(noise), "replicate_noise_share": list(noise.values())}).to_csv(
        folder / "noise.csv", index=False
    )
    for output, table in indices.groupby("output", sort=False):
        fig = sensitivity_figure(table.drop(columns=["output"]), method, output)
        fig.savefig(folder / f"indices_{output}.png", dpi=120)
        plt.close(fig)
