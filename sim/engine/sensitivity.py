"""Global sensitivity analysis with SALib: Morris screening and Sobol variance indices.

The flow is: :func:`sensitivity_design` gives a SALib ``problem`` and a design matrix ``X``
(one row per design point); :func:`design_points` turns ``X`` into parameter dicts for
:func:`sim.engine.design.design_runs`; the runs' scalar outputs, one row per run with
its ``point`` index, go to :func:`analyse`.

SALib's estimators use only the *order* of the outputs: ``Y[i]`` must belong to row ``i`` of
``X``. Results gathered in arrival order would silently corrupt the indices, so
:func:`analyse` averages replicates per ``point`` and puts the means in point order, and
refuses outputs that miss or repeat a point.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.engine.design import ParamRange
from sim.engine.errors import EngineError

Method = Literal["morris", "sobol"]
METHODS: tuple[str, ...] = ("morris", "sobol")

#: Columns of :func:`analyse`'s table per method (after ``parameter``).
INDEX_COLUMNS: dict[str, tuple[str, ...]] = {
    "morris": ("mu", "mu_star", "mu_star_conf", "sigma"),
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
}


class DesignOutputError(EngineError):
    """Run outputs do not match the design: a point is missing, repeated or has no value."""


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise EngineError(f"unknown sensitivity method {method!r}; use 'morris' or 'sobol'")


def _check_n(method: str, n: int) -> None:
    if n < 1 or int(n) != n:
        what = "trajectories" if method == "morris" else "base samples"
        raise EngineError(f"the number of {what} must be a whole number >= 1, got {n}")
    if method == "sobol" and n & (n - 1):
        below = 1 << (int(n).bit_length() - 1)
        raise EngineError(
            f"Sobol base samples must be a power of 2 for the Sobol' sequence to be balanced; "
            f"got {n}, use {below} or {below * 2}"
        )


def design_size(method: Method, k: int, n: int, second_order: bool = False) -> int:
    """Number of design points (simulations per replicate) a sensitivity design needs.

    Args:
        method: ``"morris"`` or ``"sobol"``.
        k: number of parameters varied.
        n: Morris trajectories, or Sobol base samples (a power of 2).
        second_order: Sobol only: also estimate second-order indices.

    Returns:
        Morris ``n * (k + 1)``; Sobol ``n * (k + 2)``, or ``n * (2k + 2)`` with second order.
    """
    _check_method(method)
    _check_n(method, n)
    if k < 1:
        raise EngineError(f"a sensitivity design needs at least one parameter, got {k}")
    if method == "morris":
        return n * (k + 1)
    return n * (2 * k + 2) if second_order else n * (k + 2)


def sensitivity_design(
    method: Method,
    ranges: Sequence[ParamRange],
    n: int,
    seed: int,
    levels: int = 4,
    second_order: bool = False,
) -> tuple[dict[str, Any], np.ndarray]:
    """A SALib problem and its design matrix.

    Args:
        method: ``"morris"`` (elementary-effects screening) or ``"sobol"`` (variance-based
            first-order and total indices, Saltelli/Sobol' sampling).
        ranges: the parameters to vary over ``[lo, hi]`` (``n`` of each range is ignored);
            each needs ``lo < hi`` and a distinct name.
        n: Morris trajectories, or Sobol base samples (a power of 2).
        seed: seed of the sampler; the same seed gives the same matrix.
        levels: Morris only: grid levels per parameter (even, >= 2).
        second_order: Sobol only: size the design to also estimate second-order indices.

    Returns:
        ``(problem, X)``: ``problem`` is SALib's problem dict (``num_vars``, ``names``,
        ``bounds``) plus ``method``, ``n``, ``seed``, ``num_levels`` and
        ``calc_second_order``, which :func:`analyse` reads back; ``X`` has one row per
        design point (:func:`design_size` rows) and one column per parameter, in
        parameter units.

    Raises:
        EngineError: on an unknown method, no ranges, repeated names, ``lo >= hi``, a bad
            ``n`` or odd ``levels``.
    """
    _check_method(method)
    _check_n(method, n)
    if not ranges:
        raise EngineError("a sensitivity design needs at least one parameter range")
    problems = []
    names = [r.name for r in ranges]
    for name in sorted({x for x in names if names.count(x) > 1}):
        problems.append(f"{name}: given more than once")
    for r in ranges:
        if not r.lo < r.hi:
            problems.append(
                f"{r.name}: a sensitivity factor needs lo < hi, got {r.lo:g}:{r.hi:g} "
                "(leave a fixed parameter out of the design)"
            )
    if method == "morris" and (levels < 2 or levels % 2):
        problems.append(f"Morris levels must be an even number >= 2, got {levels}")
    if problems:
        raise EngineError("\n".join(problems))
    problem: dict[str, Any] = {
        "num_vars": len(ranges),
        "names": names,
        "bounds": [[float(r.lo), float(r.hi)] for r in ranges],
        "method": method,
        "n": int(n),
        "seed": int(seed),
        "num_levels": int(levels),
        "calc_second_order": bool(second_order),
    }
    salib_problem = copy.deepcopy(problem)  # SALib adds keys to the dict it is given
    if method == "morris":
        X = morris_sample.sample(salib_problem, n, num_levels=levels, seed=seed)
    else:
        X = sobol_sample.sample(salib_problem, n, calc_second_order=second_order, seed=seed)
    return problem, np.asarray(X, dtype=float)


def design_points(problem: Mapping[str, Any], X: np.ndarray) -> list[dict[str, float]]:
    """The rows of ``X`` as ``{parameter name: value}`` dicts, in row (point) order."""
    names = list(problem["names"])
    return [dict(zip(names, map(float, row), strict=True)) for row in np.asarray(X)]


def point_means(outputs: pd.DataFrame, output: str, n_points: int) -> np.ndarray:
    """Mean of ``output`` over replicates for each point ``0 .. n_points - 1``, in point order.

    Rows are keyed by their ``point`` column, never by their order in ``outputs``.

    Raises:
        EngineError: if ``output`` or ``point`` is not a column.
        DesignOutputError: if a point is missing, out of range, has the same replicate twice
            (when a ``replicate`` column is present) or an output that is not a number.
    """
    if "point" not in outputs.columns:
        raise EngineError("run outputs need a 'point' column (the design point index)")
    if output not in outputs.columns:
        known = [c for c in outputs.columns if c not in ("point", "replicate")]
        raise EngineError(f"unknown output {output!r}; the runs have: {', '.join(map(str, known))}")
    point = pd.to_numeric(outputs["point"], errors="coerce")
    if point.isna().any() or (point != np.round(point)).any():
        raise DesignOutputError("the 'point' column must hold whole-number point indices")
    frame = pd.DataFrame(
        {"point": point.astype(np.int64), "y": pd.to_numeric(outputs[output], errors="coerce")}
    )
    problems = []
    if "replicate" in outputs.columns:
        keys = pd.DataFrame({"point": frame["point"], "replicate": outputs["replicate"]})
        dup = keys[keys.duplicated(keep=False)].drop_duplicates()
        if len(dup):
            pairs = ", ".join(f"{p}/{r}" for p, r in dup.head(10).itertuples(index=False))
            problems.append(f"{len(dup)} (point/replicate) pairs appear more than once: {pairs}")
    bad = frame.loc[~np.isfinite(frame["y"].to_numpy(dtype=float)), "point"]
    if len(bad):
        problems.append(
            f"{len(bad)} runs have no finite value of {output!r} (points {_few(bad.unique())})"
        )
    present = set(frame["point"].unique().tolist())
    expected = set(range(n_points))
    missing = sorted(expected - present)
    extra = sorted(present - expected)
    if missing:
        problems.append(f"{len(missing)} of {n_points} design points have no runs: {_few(missing)}")
    if extra:
        problems.append(f"points outside the design (0..{n_points - 1}): {_few(extra)}")
    if problems:
        raise DesignOutputError(
            f"the run outputs do not match the {n_points}-point design:\n  " + "\n  ".join(problems)
        )
    means = frame.groupby("point")["y"].mean().sort_index()
    assert means.index.tolist() == list(range(n_points)), "every point exactly once, in order"
    return means.to_numpy(dtype=float)


def _few(values: Sequence[Any] | np.ndarray, limit: int = 10) -> str:
    """The first ``limit`` values, comma separated, with an ellipsis for the rest."""
    values = list(values)
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


def analyse(
    method: Method,
    problem: Mapping[str, Any],
    X: np.ndarray,
    outputs: pd.DataFrame,
    output: str,
    seed: int,
    levels: int | None = None,
    second_order: bool | None = None,
) -> pd.DataFrame:
    """Sensitivity indices of one output, from the runs of a :func:`sensitivity_design`.

    Args:
        method: ``"morris"`` or ``"sobol"``, as the design was made.
        problem, X: what :func:`sensitivity_design` returned.
        outputs: one row per run with columns ``point`` (row of ``X``), ``replicate`` and
            the outputs; rows may come in any order. Replicates are averaged per point.
        output: the output column to analyse.
        seed: seed of SALib's bootstrap confidence intervals.
        levels, second_order: override ``problem["num_levels"]`` /
            ``problem["calc_second_order"]`` (needed only for a hand-made problem).

    Returns:
        One row per parameter, in problem order: ``parameter`` and, for Morris, ``mu``
        (mean elementary effect, output units per parameter range), ``mu_star`` (mean
        absolute effect), ``mu_star_conf`` (95% bootstrap half-width) and ``sigma``
        (spread of effects: interactions/non-linearity); for Sobol ``S1`` (first-order share
        of output variance), ``ST`` (total share, interactions included) and their 95%
        half-widths ``S1_conf`` and ``ST_conf``.

    Raises:
        EngineError: unknown method or output, or ``X`` not shaped like the problem's design.
        DesignOutputError: a point missing or repeated in ``outputs`` (see :func:`point_means`).
    """
    _check_method(method)
    if problem.get("method", method) != method:
        raise EngineError(f"the design was made for {problem['method']!r}, not {method!r}")
    X = np.asarray(X, dtype=float)
    k = int(problem["num_vars"])
    if X.ndim != 2 or X.shape[1] != k:
        raise EngineError(f"X must have one column per parameter ({k}), got shape {X.shape}")
    levels = int(problem.get("num_levels", 4) if levels is None else levels)
    if second_order is None:
        second_order = bool(problem.get("calc_second_order", False))
    step = k + 1 if method == "morris" else (2 * k + 2 if second_order else k + 2)
    if len(X) == 0 or len(X) % step:
        raise EngineError(
            f"a {method} design of {k} parameters has a multiple of {step} rows, got {len(X)}"
        )
    Y = point_means(outputs, output, len(X))
    salib_problem = copy.deepcopy(dict(problem))
    names = list(problem["names"])
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "morris":
            res = morris_analyze.analyze(salib_problem, X, Y, num_levels=levels, seed=seed)
        else:
            res = sobol_analyze.analyze(salib_problem, Y, calc_second_order=second_order, seed=seed)
    table = pd.DataFrame({"parameter": names})
    for col in INDEX_COLUMNS[method]:
        table[col] = np.ma.filled(np.ma.asarray(res[col], dtype=float), np.nan)
    return table


def replicate_noise_share(outputs: pd.DataFrame, output: str) -> float:
    """Share of an output's variance that is replicate noise (within-point), 0 to 1.

    The mean over points of the within-point variance of ``output`` (between replicates of
    the same point) divided by its total variance over all runs (both with ``ddof=1``).
    Near 0: the design points explain the output; near 1: the seed does, and indices from
    point means need more replicates. Missing values are ignored; points with one
    replicate add nothing to the numerator. Returns NaN when no point has two replicates or
    the output does not vary; clipped to at most 1 (sampling error can push it above).

    Raises:
        EngineError: if ``point`` or ``output`` is not a column of ``outputs``.
    """
    for col in ("point", output):
        if col not in outputs.columns:
            raise EngineError(f"run outputs have no {col!r} column")
    y = pd.to_numeric(outputs[output], errors="coerce")
    frame = pd.DataFrame({"point": outputs["point"], "y": y}).dropna()
    if len(frame) < 2:
        return float("nan")
    total = float(frame["y"].var(ddof=1))
    within = frame.groupby("point")["y"].var(ddof=1).dropna()
    if within.empty or not np.isfinite(total) or total <= 0:
        return float("nan")
    return float(min(1.0, within.mean() / total))


def sensitivity_figure(table: pd.DataFrame, method: Method, output: str) -> Figure:
    """Horizontal bar chart of a sensitivity table from :func:`analyse`.

    Morris: one bar of ``mu_star`` per parameter with ``mu_star_conf`` error bars. Sobol:
    bars of ``S1`` and ``ST`` per parameter with their confidence half-widths. Parameters
    are sorted so the most influential is at the top. Drawn on an Agg canvas (no display).
    """
    _check_method(method)
    if method == "morris":
        order = table.sort_values("mu_star", ascending=True, kind="stable")
        series = [("mu_star", "mu_star_conf", "μ*", "tab:blue")]
        xlabel = f"μ* (mean |elementary effect| on {output}, output units)"
        title = f"Morris screening of {output}"
    else:
        order = table.sort_values("ST", ascending=True, kind="stable")
        series = [
            ("S1", "S1_conf", "S1 (first order)", "tab:blue"),
            ("ST", "ST_conf", "ST (total)", "tab:orange"),
        ]
        xlabel = f"Sobol index (share of the variance of {output})"
        title = f"Sobol indices of {output}"
    names = order["parameter"].astype(str).tolist()
    fig = Figure(figsize=(7.0, 1.2 + 0.45 * len(names) * len(series)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    y = np.arange(len(names), dtype=float)
    height = 0.8 / len(series)
    for i, (col, conf, label, color) in enumerate(series):
        offset = (i - (len(series) - 1) / 2) * height
        err = np.nan_to_num(order[conf].to_numpy(dtype=float), nan=0.0)
        ax.barh(
            y + offset,
            order[col].to_numpy(dtype=float),
            height=height,
            xerr=err,
            capsize=3,
            color=color,
            label=label,
        )
    ax.set_yticks(y, names)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("parameter")
    ax.set_title(title)
    ax.axvline(0.0, color="black", linewidth=0.8)
    if len(series) > 1:
        ax.legend(loc="lower right")
    return fig
