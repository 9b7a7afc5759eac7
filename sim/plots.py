"""Figures: DataFrame in, matplotlib Figure out. Never imports the model.

Colours follow the Okabe-Ito palette (colour-blind safe). Bands show the 5th-95th
percentile across replicates; lines show the mean.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def _band(ax, frame: pd.DataFrame, column: str, *, label: str, color: str) -> None:
    """Mean line and 5-95% band of ``column`` across replicates, by date."""
    grouped = frame.groupby("date")[column]
    mean = grouped.mean()
    ax.plot(mean.index, mean.to_numpy(), color=color, label=label, lw=1.8)
    if frame["replicate"].nunique() > 1:
        lo, hi = grouped.quantile(0.05), grouped.quantile(0.95)
        ax.fill_between(mean.index, lo.to_numpy(), hi.to_numpy(), color=color, alpha=0.2, lw=0)


def key_metrics(regional: pd.DataFrame, countries: pd.DataFrame, *, title: str = "") -> Figure:
    """Six panels: regional stability, fatalities, influence, juntas; fatalities and control
    in the five most violent countries. Expects the tables written by ``sahel run``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5), sharex=True, constrained_layout=True)
    ax = axes[0, 0]
    _band(ax, regional, "regional_stability", label="region", color=OKABE_ITO[0])
    ax.set(title="Stability (population-weighted)", ylabel="index (0-1)")
    ax = axes[0, 1]
    _band(ax, regional, "total_fatalities", label="region", color=OKABE_ITO[1])
    ax.set(title="Conflict fatalities, region", ylabel="deaths per month")
    ax = axes[0, 2]
    _band(ax, regional, "western_influence", label="Western (US, France, EU)", color=OKABE_ITO[0])
    _band(ax, regional, "russian_influence", label="Russia", color=OKABE_ITO[1])
    ax.set(title="Regional influence", ylabel="share (0-1)")
    ax.legend(loc="best", fontsize=8)
    ax = axes[1, 0]
    _band(ax, regional, "n_juntas", label="juntas", color=OKABE_ITO[3])
    ax.set(title="Countries ruled by juntas", ylabel="count")
    top = countries.groupby("country", observed=True)["fatalities"].sum().nlargest(5).index.tolist()
    for k, iso in enumerate(top):
        sub = countries[countries["country"] == iso]
        _band(axes[1, 1], sub, "fatalities", label=iso, color=OKABE_ITO[k])
        _band(axes[1, 2], sub, "control", label=iso, color=OKABE_ITO[k])
    axes[1, 1].set(title="Fatalities, most violent countries", ylabel="deaths per month")
    axes[1, 2].set(title="Territorial control", ylabel="share (0-1)")
    axes[1, 1].legend(loc="best", fontsize=8, ncols=2)
    axes[1, 2].legend(loc="best", fontsize=8, ncols=2)
    for ax in axes[1]:
        ax.set_xlabel("date")
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    if title:
        fig.suptitle(title)
    return fig
