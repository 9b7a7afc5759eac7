"""Paired comparisons of two scenarios run with common random numbers.

Replicate ``r`` of scenario A and replicate ``r`` of scenario B share their seed, so their
difference removes most of the noise the two runs have in common. For each metric we report
the mean of each scenario, the mean paired difference B - A with a 95% confidence interval
(Student t over replicates), and how much narrower that interval is than the one an unpaired
comparison (Welch) of the same runs would give.

Everything here works on tables with a ``replicate`` column, a time column (``month``) and
optional grouping columns; nothing knows what is simulated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd
from scipy import stats

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def window_means(
    table: pd.DataFrame,
    horizon: int,
    *,
    start: int = 0,
    by: Sequence[str] = (),
    time: str = "month",
) -> pd.DataFrame:
    """Mean of every numeric column over times ``start``..``horizon`` (both inclusive), per
    replicate and group: one row per (replicate, *by).

    Args:
        table: one row per replicate, time (and group).
        horizon: last time of the window.
        start: first time of the window (default 0: from the first time); a comparison
            starts its windows where the two experiments first differ.

    Raises:
        ValueError: ``start`` after ``horizon`` (an empty window).
    """
    if start > horizon:
        raise ValueError(f"window start {start} is after its end {horizon}; nothing to average")
    window = table[(table[time] >= start) & (table[time] <= horizon)]
    keys = ["replicate", *by]
    numeric = [
        c
        for c in window.select_dtypes("number").columns
        if c not in {*keys, time, "seed", "point"} and not c.startswith("param_")
    ]
    return window.groupby(keys, observed=True, sort=True)[numeric].mean().reset_index()


def paired_difference(
    a: pd.DataFrame,
    b: pd.DataFrame,
    *,
    by: Sequence[str] = (),
    values: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Compare per-replicate values of A and B, paired on ``replicate`` (and ``by``).

    Args:
        a, b: one row per replicate (and group), e.g. from :func:`window_means`.
        by: grouping columns (e.g. a country code), compared separately.
        values: the value columns (default: every numeric column other than the keys).

    Returns one row per group and metric: ``mean_a``, ``mean_b``, ``diff`` (mean of B - A),
    ``ci_low``, ``ci_high``, ``se``, ``n`` (pairs), ``unpaired_halfwidth``,
    ``paired_halfwidth`` and ``narrowing`` (1 - paired/unpaired half-width: the share of the
    interval that pairing removed; 0 when pairing does not help, close to 1 when it does).
    """
    keys = ["replicate", *by]
    if values is None:
        values = [c for c in a.select_dtypes("number").columns if c not in keys]
    merged = a[[*keys, *values]].merge(b[[*keys, *values]], on=keys, suffixes=("_a", "_b"))
    if merged.empty:
        raise ValueError("no replicate appears in both tables; nothing to pair")
    rows = []
    groups = merged.groupby(list(by), observed=True, sort=True) if by else [((), merged)]
    for group, frame in groups:
        group_values = group if isinstance(group, tuple) else (group,)
        for metric in values:
            xa = frame[f"{metric}_a"].to_numpy(dtype=float)
            xb = frame[f"{metric}_b"].to_numpy(dtype=float)
            rows.append(
                {**dict(zip(by, group_values, strict=True)), "metric": metric,
                 **_paired_stats(xa, xb, confidence)}
            )  # fmt: skip
    return pd.DataFrame(rows)


def _paired_stats(xa: np.ndarray, xb: np.ndarray, confidence: float) -> dict[str, float]:
    n = len(xa)
    d = xb - xa
    mean_a, mean_b, diff = float(xa.mean()), float(xb.mean()), float(d.mean())
    if n < 2:
        nan = float("nan")
        return {"mean_a": mean_a, "mean_b": mean_b, "diff": diff, "ci_low": nan, "ci_high": nan,
                "se": nan, "n": n, "paired_halfwidth": nan, "unpaired_halfwidth": nan,
                "narrowing": nan}  # fmt: skip
    t = float(stats.t.ppf(0.5 + confidence / 2, n - 1))
    se = float(d.std(ddof=1) / np.sqrt(n))
    paired = t * se
    va, vb = xa.var(ddof=1) / n, xb.var(ddof=1) / n
    se_u = float(np.sqrt(va + vb))
    if se_u > 0:  # Welch-Satterthwaite degrees of freedom
        df = (va + vb) ** 2 / ((va**2 + vb**2) / (n - 1)) if va + vb > 0 else n - 1
        unpaired = float(stats.t.ppf(0.5 + confidence / 2, df)) * se_u
    else:
        unpaired = 0.0
    narrowing = 1.0 - paired / unpaired if unpaired > 0 else (0.0 if paired == 0 else np.nan)
    return {
        "mean_a": mean_a,
        "mean_b": mean_b,
        "diff": diff,
        "ci_low": diff - paired,
        "ci_high": diff + paired,
        "se": se,
        "n": n,
        "paired_halfwidth": paired,
        "unpaired_halfwidth": unpaired,
        "narrowing": float(narrowing),
    }


SUM_OF_PARTS = "sum of channels"
"""The row of :func:`knockout_contributions` holding the sum of the channels' contributions."""

INTERACTION = "interaction"
"""The row of :func:`knockout_contributions` holding what the channels' sum leaves over."""

_ALL = "__all__"
"""Name of the one group when :func:`knockout_contributions` has no grouping columns."""


def knockout_contributions(
    full: tuple[pd.DataFrame, pd.DataFrame],
    knocked_out: Mapping[str, tuple[pd.DataFrame, pd.DataFrame]],
    *,
    by: Sequence[str] = (),
    values: Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Split the paired effect B - A into the contributions of channels, by knocking out
    each channel in turn under common random numbers.

    The effect is the mean over replicates of ``B - A`` (replicate ``r`` of every run shares
    its seed). With channel ``k`` switched off in both A and B, the effect left is the mean
    of ``B_k - A_k``; the channel's contribution is what switching it off removes::

        contribution_k = mean_r[(B - A)_r - (B_k - A_k)_r]

    a paired quantity per replicate, so its confidence interval (Student t over replicates)
    is as narrow as common random numbers make it. A channel whose knock-out leaves both
    runs unchanged contributes exactly 0. The contributions need not add up to the effect
    (channels interact, and one knock-out may remove what several channels do together):
    the row :data:`SUM_OF_PARTS` is their sum, and :data:`INTERACTION` is the effect minus
    that sum, each with its paired interval.

    Args:
        full: (A, B) per-replicate values with every channel on, e.g. from
            :func:`window_means`.
        knocked_out: ``{channel: (A_k, B_k)}``, the same tables with that channel off.
        by: grouping columns, compared separately.
        values: the value columns (default: every numeric column of A other than the keys).

    Returns one row per group, metric and part (each channel in the given order, then the
    sum and the interaction): ``channel``, ``contribution`` (mean), ``ci_low``,
    ``ci_high``, ``share_of_effect`` (contribution / effect; NaN when the effect is 0),
    ``n`` (replicates present in every run), ``effect`` (B - A with every channel on) and
    ``effect_off`` (B_k - A_k; NaN for the sum and the interaction).
    """
    keys = ["replicate", *by]
    if values is None:
        values = [c for c in full[0].select_dtypes("number").columns if c not in keys]
    cols = list(values)

    def effect(pair: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
        xa, xb = (t.set_index(keys)[cols].astype(float) for t in pair)
        return xb - xa

    d_full = effect(full)
    d_off = {k: effect(pair) for k, pair in knocked_out.items()}
    common = d_full.dropna(how="all").index
    for d in d_off.values():
        common = common.intersection(d.dropna(how="all").index)
    if common.empty:
        raise ValueError("no replicate appears in every run; nothing to pair")
    d_full = d_full.loc[common].sort_index()
    offs = {k: d.loc[d_full.index] for k, d in d_off.items()}
    parts = {k: d_full - d for k, d in offs.items()}
    total = sum(parts.values(), start=d_full * 0.0)
    parts[SUM_OF_PARTS] = total
    parts[INTERACTION] = d_full - total

    def per_group(frame: pd.DataFrame, how: str) -> pd.Series:
        """``how`` (mean, std, count) per group and metric, as one long Series."""
        if by:
            grouped = frame.groupby(level=list(by), observed=True, sort=True)
        else:
            grouped = frame.groupby(pd.Index(np.zeros(len(frame), dtype=int), name=_ALL))
        table = grouped.agg(how)
        table.columns.name = "metric"
        return cast("pd.Series", table.stack())

    effects = per_group(d_full, "mean")
    out = []
    for part, frame in parts.items():
        mean, sd, n = (per_group(frame, how) for how in ("mean", "std", "count"))
        counts = n.to_numpy(dtype=float)
        t = stats.t.ppf(0.5 + confidence / 2, np.maximum(counts - 1, 1))
        half = np.where(counts >= 2, t * sd.to_numpy(dtype=float) / np.sqrt(counts), np.nan)
        full_effect = effects.reindex(mean.index).to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(full_effect != 0, mean.to_numpy() / full_effect, np.nan)
        rows = pd.DataFrame(
            {"channel": part, "contribution": mean, "ci_low": mean - half,
             "ci_high": mean + half, "share_of_effect": share, "n": n.astype(int),
             "effect": full_effect,
             "effect_off": per_group(offs[part], "mean") if part in offs else np.nan},
            index=mean.index,
        )  # fmt: skip
        out.append(rows.reset_index())
    table = pd.concat(out, ignore_index=True)
    order = [*by, "metric", "channel", "contribution", "ci_low", "ci_high", "share_of_effect",
             "n", "effect", "effect_off"]  # fmt: skip
    return table[order]


NEGLIGIBLE_PERCENT = 1.0
"""A difference is *negligible* when its size is below this share of A's mean, in percent:
``|B - A| / |mean of A| < 1%``. This is the one place the rule is defined."""

ASSESSMENTS = ("no difference", "within noise", "negligible", "increase", "decrease")
"""The words :func:`assess` uses, in order of the rule it applies."""


def assess(
    diff: float, ci_low: float, ci_high: float, relative_change_pct: float,
    negligible: float = NEGLIGIBLE_PERCENT,
) -> str:  # fmt: skip
    """Say in words what a paired difference B - A amounts to.

    * ``no difference``: B and A are identical in every pair (the interval is [0, 0]);
    * ``within noise``: the confidence interval includes zero (or cannot be computed);
    * ``negligible``: the interval excludes zero but the size is below ``negligible``
      percent of A's mean (:data:`NEGLIGIBLE_PERCENT`): real, but too small to matter;
    * ``increase`` / ``decrease``: the interval excludes zero and the change is not
      negligible (when A's mean is 0 the relative change is undefined and any change the
      interval shows counts).

    Args:
        diff, ci_low, ci_high: the mean difference and its confidence interval.
        relative_change_pct: ``100 * diff / |mean_a|`` in percent (NaN when A's mean is 0).
    """
    if diff == 0 and ci_low == 0 and ci_high == 0:
        return "no difference"
    if not (np.isfinite(ci_low) and np.isfinite(ci_high)) or ci_low <= 0 <= ci_high:
        return "within noise"
    if np.isfinite(relative_change_pct) and abs(relative_change_pct) < negligible:
        return "negligible"
    return "increase" if diff > 0 else "decrease"


def with_assessment(table: pd.DataFrame, negligible: float = NEGLIGIBLE_PERCENT) -> pd.DataFrame:
    """``table`` (from :func:`paired_difference`) with ``relative_change_pct`` (B - A in percent
    of A's mean; NaN where A's mean is 0) and ``assessment`` (:func:`assess`) columns."""
    mean_a = table["mean_a"].to_numpy(dtype=float)
    diff = table["diff"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(mean_a != 0, 100.0 * diff / np.abs(mean_a), np.nan)
    out = table.copy()
    out["relative_change_pct"] = relative
    out["assessment"] = [
        assess(d, lo, hi, r, negligible)
        for d, lo, hi, r in zip(diff, table["ci_low"], table["ci_high"], relative, strict=True)
    ]
    return out


def difference_over_time(
    a: pd.DataFrame,
    b: pd.DataFrame,
    metric: str,
    *,
    time: str = "month",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per time step: mean paired difference B - A of ``metric`` and its confidence band.

    Both tables have one row per (replicate, time); a ``date`` column is carried along when
    present.
    """
    keys = ["replicate", time]
    extra = ["date"] if "date" in a.columns else []
    merged = a[[*keys, *extra, metric]].merge(b[[*keys, metric]], on=keys, suffixes=("_a", "_b"))
    merged["d"] = merged[f"{metric}_b"] - merged[f"{metric}_a"]
    grouped = merged.groupby(time, sort=True)
    out = grouped["d"].agg(diff="mean", sd="std", n="count").reset_index()
    if extra:
        out["date"] = grouped["date"].first().to_numpy()
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(out["n"] - 1, 1))
    half = t * out["sd"].fillna(0.0) / np.sqrt(out["n"])
    out["ci_low"], out["ci_high"] = out["diff"] - half, out["diff"] + half
    return out.drop(columns=["sd"])


def difference_figure(
    series: dict[str, pd.DataFrame], *, label_a: str, label_b: str, units: dict[str, str]
) -> Figure:
    """One panel per metric: the paired difference B - A over time with its 95% band."""
    import os
    import sys

    import matplotlib

    # Agg unless the user or Jupyter chose a backend (never switch a notebook's backend)
    if not (
        "matplotlib.pyplot" in sys.modules
        or os.environ.get("MPLBACKEND")
        or "ipykernel" in sys.modules
    ):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(series)
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.8 * cols, 3.4 * rows), squeeze=False,
                             constrained_layout=True)  # fmt: skip
    import matplotlib.dates as mdates

    for ax, (metric, frame) in zip(axes.flat, series.items(), strict=False):
        x = pd.to_datetime(frame["date"]) if "date" in frame else frame["month"]
        if "date" in frame:
            locator = mdates.AutoDateLocator()
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.axhline(0.0, color="0.5", lw=0.8)
        ax.plot(x, frame["diff"], color="#0072B2", lw=1.8, label="mean difference")
        ax.fill_between(x, frame["ci_low"], frame["ci_high"], color="#0072B2", alpha=0.2, lw=0,
                        label="95% confidence interval")  # fmt: skip
        ax.set_title(metric)
        ax.set_ylabel(f"difference ({units.get(metric, 'units of the metric')})")
        ax.set_xlabel("date" if "date" in frame else "month")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8, loc="best")
    fig.suptitle(f"{label_b} minus {label_a} (paired replicates)")
    return fig
