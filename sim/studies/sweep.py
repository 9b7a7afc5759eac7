"""Parameter sweeps of a Sahel scenario: a grid or a Latin hypercube, with replicates.

Every design point has the same replicate seeds (common random numbers). Runs go through the
experiment engine into a store that is the results folder itself: ``runs.csv`` (one row per
run: point, replicate, seed, parameter values and summary outputs), ``points.csv`` (means per
point) and the per-month tables (``pd.read_parquet(out / "regional")``); re-running the same
command resumes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.core import Run
from sim.engine.outputs import OutputFolder
from sim.scenario import Scenario
from sim.studies.provenance import manifest
from sim.studies.simulator import SahelSimulator

Progress = Callable[[int, int], Any]

PARAMETERS_HINT = "run `sahel parameters` to list the known parameters"


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
    force: bool = False,
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
        out, force: results folder (resumed when it holds the same sweep) and whether to
            start afresh there.
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
    extra = {"params": list(params), "lhs": lhs, "reps": reps, "root_seed": root}
    with tempfile.TemporaryDirectory() as tmp:
        folder = OutputFolder(out if out is not None else Path(tmp) / "sweep")
        summary = execute_design("sweep", sim, runs, folder, force=force, backend=backend,
                                 workers=workers, scheduler=scheduler, progress=progress,
                                 extra=extra)  # fmt: skip
    by_point = summary.drop(columns=["run_id", "replicate", "seed"], errors="ignore")
    per_point = by_point.groupby("point", sort=True).mean(numeric_only=True).reset_index()
    if out is not None:
        done = OutputFolder(out)
        done.write_csv(per_point, "points.csv")
        done.write_csv(summary, "runs.csv")
    return SweepResult(summary, per_point, Path(out) if out is not None else None)


def execute_design(
    kind: str,
    sim: SahelSimulator,
    runs: list[Run],
    folder: OutputFolder,
    *,
    force: bool,
    backend: Any,
    workers: int | None,
    scheduler: str | None,
    progress: Progress | None,
    extra: dict[str, Any],
) -> pd.DataFrame:
    """Execute a design's runs into ``folder`` (itself the store; resuming what is there)
    and return the summary table, one row per (point, replicate) asked for."""
    from sim.engine.execute import execute

    payload = {"scenario": sim.name, "identity": sim.identity(), **extra}
    folder.claim(manifest(kind, payload, runs), force=force)
    store = folder.store(".")
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
