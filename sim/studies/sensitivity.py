"""Global sensitivity analysis of a Sahel scenario: Morris screening or Sobol indices.

The design (SALib) is executed through the experiment engine into a store that is the
results folder itself (resumable, ``sahel status``); the folder also gets ``indices.csv``,
``noise.csv`` (the share of each output's variance that is replicate noise) and one bar
figure per output.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.outputs import OutputFolder
from sim.scenario import Scenario
from sim.studies.simulator import SahelSimulator
from sim.studies.sweep import PARAMETERS_HINT, Progress, execute_design


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
    force: bool = False,
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
    extra = {"method": method, "params": list(params), "n": n, "reps": reps,
             "root_seed": root, "outputs": list(outputs)}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = OutputFolder(out if out is not None else Path(tmp) / "sensitivity")
        summary = execute_design("sensitivity", sim, runs, folder, force=force,
                                 backend=backend, workers=workers, scheduler=scheduler,
                                 progress=progress, extra=extra)  # fmt: skip
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
    if out is not None:
        _write_sensitivity(indices, noise, method, OutputFolder(out))
    return SensitivityResult(indices, noise, len(runs), Path(out) if out is not None else None)


def _write_sensitivity(
    indices: pd.DataFrame, noise: dict[str, float], method: str, folder: OutputFolder
) -> None:
    from sim.engine.sensitivity import sensitivity_figure

    folder.write_csv(indices, "indices.csv")
    noise_table = pd.DataFrame(
        {"output": list(noise), "replicate_noise_share": list(noise.values())}
    )
    folder.write_csv(noise_table, "noise.csv")
    for output, table in indices.groupby("output", sort=False):
        fig = sensitivity_figure(table.drop(columns=["output"]), method, str(output))
        folder.write_figure(fig, f"indices_{output}.png")
