"""Calibration: fit a few free parameters of a simulator to observations.

A two-stage search that is standard for stochastic simulation models (e.g. Thiele, Kurth and
Grimm 2014, JASSS 17(3) 11): a Latin hypercube over the free parameters' box (global,
embarrassingly parallel), then Nelder-Mead from the best point found (local, bounded). Every
point is simulated with the same replicates and seeds (common random numbers), so the loss is
a deterministic function of the parameters and the local search is not chasing noise.

Runs go through :func:`~sim.engine.execute.execute` into an
:class:`~sim.engine.store.ExperimentStore`: they are parallel (a process pool or Dask)
and content-addressed, so an interrupted calibration re-run with the same settings finds its
runs done and replays the same search to where it stopped. Nothing here knows what is
simulated; the loss is a function the caller gives, from one point's per-replicate summaries
to a number.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.stats import qmc

from sim.engine.core import Run, Simulator, make_run
from sim.engine.errors import EngineError
from sim.engine.execute import execute, reusable_backend
from sim.engine.store import SUMMARY, ExperimentStore

Loss = Callable[[pd.DataFrame], float]
"""A point's loss from its summary table (one row per replicate); lower is better."""


@dataclass(frozen=True)
class FreeParameter:
    """A parameter the calibration may move, within ``[lo, hi]``.

    ``log=True`` searches ``log(value)`` uniformly (for rates spanning orders of magnitude;
    ``lo`` must then be positive).
    """

    name: str
    lo: float
    hi: float
    log: bool = False

    def __post_init__(self) -> None:
        if not self.lo < self.hi:
            raise EngineError(
                f"free parameter {self.name}: expected lo < hi, got {self.lo}, {self.hi}"
            )
        if self.log and self.lo <= 0:
            raise EngineError(f"free parameter {self.name}: a log-scale range needs lo > 0")

    def value(self, unit: float) -> float:
        """The parameter value at position ``unit`` in [0, 1] of its range."""
        u = min(1.0, max(0.0, float(unit)))
        if self.log:
            value = math.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo)))
        else:
            value = self.lo + u * (self.hi - self.lo)
        return min(self.hi, max(self.lo, value))  # never outside [lo, hi] by rounding

    def unit(self, value: float) -> float:
        """Inverse of :meth:`value`."""
        if self.log:
            return (math.log(value) - math.log(self.lo)) / (math.log(self.hi) - math.log(self.lo))
        return (value - self.lo) / (self.hi - self.lo)


@dataclass
class CalibrationResult:
    """What :func:`calibrate` found.

    Attributes:
        best: the fitted parameter values.
        position: where each fitted value lies in its search range, 0-1 (on the log scale
            for log-scaled parameters); 0 or 1 means the box, not the data, stopped the search.
        loss: the loss at ``best``.
        start_loss: the loss at ``start`` (the values before calibration), if given.
        history: one row per evaluated point, in order: ``stage`` (``start``, ``lhs`` or
            ``nelder-mead``), ``point``, the free parameters' values and ``loss``.
        runs: simulations behind the history (distinct runs, including ones found done).
        runs_executed: simulations executed by this call (the rest were in the store).
        seconds: wall-clock time of the call.
        method: a one-line description of the method and its settings.
    """

    best: dict[str, float]
    position: dict[str, float]
    loss: float
    start_loss: float | None
    history: pd.DataFrame
    runs: int
    runs_executed: int
    seconds: float
    method: str
    settings: dict[str, Any] = field(default_factory=dict)


class _Evaluator:
    """Simulates points (all replicates, common seeds) and caches their summaries."""

    def __init__(
        self,
        simulator: Simulator,
        store: ExperimentStore,
        loss: Loss,
        *,
        reps: int,
        root_seed: int,
        backend: Any,
        workers: int | None,
        progress: Callable[[int, float], None] | None,
    ) -> None:
        self.simulator, self.store, self.loss = simulator, store, loss
        self.reps, self.root_seed = reps, root_seed
        self.backend, self.workers = backend, workers
        self.progress = progress
        self.rows: dict[str, dict[str, Any]] = {}
        self.read_parts: set[str] = set()
        self.history: list[dict[str, Any]] = []
        self.run_ids: set[str] = set()
        self.executed = 0
        self.seconds_per_run: float | None = None

    def runs_for(self, point: int, params: Mapping[str, float]) -> list[Run]:
        return [
            make_run(self.simulator, point=point, replicate=r, root_seed=self.root_seed,
                     params=params, label="calibration")
            for r in range(self.reps)
        ]  # fmt: skip

    def evaluate_many(self, stage: str, points: Sequence[Mapping[str, float]]) -> list[float]:
        """Losses of several points, simulated together (one parallel execution)."""
        first = len(self.history)
        runs_by_point = [self.runs_for(first + k, p) for k, p in enumerate(points)]
        todo = [run for runs in runs_by_point for run in runs if run.run_id not in self.rows]
        if todo:
            report = execute(
                self.simulator,
                todo,
                self.store,
                backend=self.backend,
                workers=self.workers,
                seconds_per_run=self.seconds_per_run,
            )
            self.executed += report.runs_done
            if report.runs_done:
                self.seconds_per_run = report.busy_seconds / report.runs_done
            self._read_new_parts()
        losses = []
        for k, (params, runs) in enumerate(zip(points, runs_by_point, strict=True)):
            table = pd.DataFrame([self.rows[run.run_id] for run in runs])
            table["replicate"] = [run.replicate for run in runs]
            value = float(self.loss(table))
            if not math.isfinite(value):
                value = math.inf
            self.run_ids.update(run.run_id for run in runs)
            self.history.append({"stage": stage, "point": first + k, **params, "loss": value})
            losses.append(value)
            if self.progress is not None:
                self.progress(len(self.history), min(h["loss"] for h in self.history))
        return losses

    def _read_new_parts(self) -> None:
        for part in self.store.parts(SUMMARY):
            if part.name in self.read_parts:
                continue
            frame = pd.read_parquet(part)
            for row in frame.to_dict("records"):
                self.rows.setdefault(str(row["run_id"]), {str(k): v for k, v in row.items()})
            self.read_parts.add(part.name)


def calibrate(
    simulator: Simulator,
    free: Sequence[FreeParameter],
    loss: Loss,
    store: ExperimentStore,
    *,
    reps: int = 8,
    root_seed: int = 0,
    lhs_points: int = 64,
    local_evals: int = 120,
    start: Mapping[str, float] | None = None,
    backend: Any = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> CalibrationResult:
    """Fit ``free`` parameters by minimising ``loss``: Latin hypercube, then Nelder-Mead.

    Args:
        simulator: the model behind the experiment layer; its summaries feed ``loss``.
        free: the free parameters and their search ranges.
        loss: a point's loss from its per-replicate summary table.
        store: where the runs go (resumable: runs already there are not simulated again).
        reps: replicates per point (the same seeds at every point).
        root_seed: root of the replicate seeds.
        lhs_points: points of the Latin hypercube (stage 1); the design is seeded by
            ``root_seed``.
        local_evals: most loss evaluations of the Nelder-Mead stage (0 skips it).
        start: parameter values before calibration, to evaluate first for reference.
        backend, workers, scheduler: as for :func:`~sim.engine.execute.execute`.
        progress: called as ``progress(points_evaluated, best_loss_so_far)``.
    """
    if not free:
        raise EngineError("calibration needs at least one free parameter")
    if reps < 1 or lhs_points < 1 or local_evals < 0:
        raise EngineError("calibration needs reps >= 1, lhs_points >= 1 and local_evals >= 0")
    t0 = time.perf_counter()
    names = [f.name for f in free]

    def values(unit: Sequence[float]) -> dict[str, float]:
        return {f.name: f.value(u) for f, u in zip(free, unit, strict=True)}

    with reusable_backend(backend, scheduler, workers) as back:
        ev = _Evaluator(simulator, store, loss, reps=reps, root_seed=root_seed, backend=back,
                        workers=workers, progress=progress)  # fmt: skip
        start_loss = None
        if start is not None:
            start_values = {n: float(start[n]) for n in names}
            start_loss = ev.evaluate_many("start", [start_values])[0]

        design = qmc.LatinHypercube(d=len(free), rng=root_seed).random(lhs_points)
        lhs_losses = ev.evaluate_many("lhs", [values(u) for u in design])
        best_unit = np.asarray(design[int(np.argmin(lhs_losses))], dtype=float)

        if local_evals > 0:
            cache: dict[tuple[float, ...], float] = {}

            def objective(unit: np.ndarray) -> float:
                key = tuple(float(x) for x in np.clip(unit, 0.0, 1.0))
                if key not in cache:
                    cache[key] = ev.evaluate_many("nelder-mead", [values(key)])[0]
                return cache[key]

            step = 0.1
            simplex = [best_unit]
            for k in range(len(free)):
                vertex = best_unit.copy()
                vertex[k] = vertex[k] + step if vertex[k] + step <= 1.0 else vertex[k] - step
                simplex.append(vertex)
            optimize.minimize(
                objective,
                best_unit,
                method="Nelder-Mead",
                bounds=[(0.0, 1.0)] * len(free),
                options={"maxfev": local_evals, "initial_simplex": np.array(simplex),
                         "xatol": 1e-3, "fatol": 1e-4},
            )  # fmt: skip

    history = pd.DataFrame(ev.history)
    # The start point competes too when it lies inside the searched box: a calibration never
    # reports a fit worse than the point it started from.
    inside = np.ones(len(history), dtype=bool)
    for f in free:
        inside &= history[f.name].between(f.lo, f.hi).to_numpy()
    searched = history[(history["stage"] != "start") | inside]
    best_row = searched.iloc[int(np.nanargmin(searched["loss"].to_numpy(dtype=float)))]
    method = (
        f"Latin hypercube ({lhs_points} points) then bounded Nelder-Mead (at most {local_evals}"
        f" evaluations) over {len(free)} free parameters; {reps} replicates per point with"
        f" common random numbers (root seed {root_seed})"
    )
    best = {n: float(best_row[n]) for n in names}
    return CalibrationResult(
        best=best,
        position={f.name: f.unit(best[f.name]) for f in free},
        loss=float(best_row["loss"]),
        start_loss=start_loss,
        history=history,
        runs=len(ev.run_ids),
        runs_executed=ev.executed,
        seconds=time.perf_counter() - t0,
        method=method,
        settings={"reps": reps, "root_seed": root_seed, "lhs_points": lhs_points,
                  "local_evals": local_evals,
                  "free": [{"name": f.name, "lo": f.lo, "hi": f.hi, "log": f.log} for f in free]},
    )  # fmt: skip
