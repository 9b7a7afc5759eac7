"""Figures: DataFrame in, matplotlib Figure out. Never imports the model.

Every function takes the tables a run writes (``regional``, ``countries``, ``events``; see
``sim/results.py``) or frames derived from them, and returns a :class:`matplotlib.figure.Figure`:

- :func:`time_series`: a metric over time, mean over replicates with a band;
- :func:`paired_difference`: scenario B minus scenario A over time, with its 95% CI;
- :func:`influence_shares`: each power's influence share, one panel per country;
- :func:`network_map`: the typed network at one month, countries at their capitals;
- :func:`country_map`: the countries' real outlines coloured by a metric, with partners,
  insurgent presence and blocs drawn over them;
- :func:`event_timeline`: coups, withdrawals, deployments, expulsions, bloc changes, sanctions;
- :func:`key_metrics`: the six-panel overview ``sahel run`` writes.

Everything about how they look lives in :mod:`sim.views.style`: one colour per power,
country and bloc in every figure, names for legends, titles and axis labels from the metric
table (:data:`sim.world.metrics.METRICS`, never a column name), and the one backend rule
(Agg when there is no display; a notebook's or the user's own backend is left alone). Dates
are real months on the x axes; legends sit inside the figure (constrained layout).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from sim.errors import did_you_mean
from sim.views import style
from sim.views.style import (
    BLOC_COLOURS,
    COUNTRY_COLOURS,
    COUNTRY_NAMES,
    OKABE_ITO,
    POWER_COLOURS,
    POWER_NAMES,
    bloc_colour,
    bloc_name,
    country_colour,
    country_name,
    metric_info,
    power_colour,
    power_name,
)

__all__ = [  # the palette and names are re-exported from sim.views.style for old callers
    "BLOC_COLOURS",
    "COUNTRY_COLOURS",
    "COUNTRY_NAMES",
    "OKABE_ITO",
    "POWER_COLOURS",
    "POWER_NAMES",
    "axis_label",
    "channel_contributions",
    "country_map",
    "country_outlines",
    "event_timeline",
    "influence_shares",
    "key_metrics",
    "metric_title",
    "metric_unit",
    "model_vs_observed",
    "network_map",
    "paired_difference",
    "time_series",
]

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _pyplot() -> Any:
    """``matplotlib.pyplot`` under the one backend rule (:func:`sim.views.style.pyplot`)."""
    return style.pyplot()


def metric_title(metric: str) -> str:
    """The metric table's label of ``metric`` (``total_fatalities`` -> "Conflict deaths,
    region")."""
    return metric_info(metric).label


def metric_unit(metric: str) -> str:
    """The metric table's unit of ``metric`` ("" if the table does not know it)."""
    return metric_info(metric).unit


def axis_label(metric: str) -> str:
    """The metric table's label with unit: "Conflict deaths (deaths per month)"."""
    return metric_info(metric).axis_label


def _date_axis(ax: Axes) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _halo() -> list[Any]:
    """A white outline around text, so labels stay readable over lines and fills."""
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=3, foreground="white")]


def _legend_below(ax: Axes, handles: list[Any], own_figure: bool) -> None:
    """A legend under the axes: the figure's (placed by constrained layout, never clipped)
    when the axes are the figure's only ones, else the axes' own just below them."""
    if own_figure:
        ax.figure.legend(handles=handles, fontsize=8, loc="outside lower center", ncols=3)
    else:
        ax.legend(handles=handles, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1),
                  ncols=3)  # fmt: skip


def _legend_marker(**style: Any) -> Any:
    """A legend entry that is a marker alone (no line): ``marker``, ``color``, ``label``..."""
    from matplotlib.lines import Line2D

    return Line2D([], [], ls="", **style)


def _check_metric(frame: pd.DataFrame, metric: str, what: str = "table") -> None:
    if metric not in frame.columns:
        numeric = [c for c in frame.select_dtypes("number").columns if c not in _KEYS]
        hint = did_you_mean(metric, numeric)
        raise ValueError(
            f"{metric!r} is not a column of this {what}; known: {', '.join(numeric)}.{hint}"
        )
    if not pd.api.types.is_numeric_dtype(frame[metric]):
        raise ValueError(f"{metric!r} is not numeric; only numeric metrics can be plotted")


_KEYS = frozenset({"replicate", "seed", "month", "point", "run_id"})


def _summary(
    frame: pd.DataFrame, metric: str, band: str | None
) -> tuple[pd.Series, pd.Series | None, pd.Series | None, int]:
    """Mean of ``metric`` by date, the band's low and high edges, and the replicate count."""
    grouped = frame.groupby("date", sort=True)[metric]
    mean = grouped.mean()
    n = int(frame["replicate"].nunique()) if "replicate" in frame else 1
    if band is None or n < 2:
        return mean, None, None, n
    if band == "ci":
        from scipy import stats

        count = grouped.count()
        sd = grouped.std(ddof=1).fillna(0.0)
        half = stats.t.ppf(0.975, np.maximum(count - 1, 1)) * sd / np.sqrt(count)
        return mean, mean - half, mean + half, n
    if band == "range":
        return mean, grouped.quantile(0.05), grouped.quantile(0.95), n
    raise ValueError(f"band={band!r}: expected 'ci', 'range' or None")


def _band_label(band: str | None, n: int) -> str:
    if band == "ci":
        return f"95% confidence interval of the mean ({n} replicates)"
    return f"5-95% of {n} replicates"


# --- time series -----------------------------------------------------------------------------


def time_series(
    frame: pd.DataFrame,
    metric: str,
    *,
    countries: Sequence[str] | None = None,
    band: str | None = "ci",
    ax: Axes | None = None,
    title: str | None = None,
    label: str | None = None,
    color: str | None = None,
) -> Figure:
    """A metric over time: the mean over replicates and a band.

    Args:
        frame: a regional table (one row per replicate and date) or a countries table (one
            row per replicate, date and ``country``; then one line per country).
        metric: a numeric column of ``frame`` (``total_fatalities``, ``stability``...).
        countries: ISO3 codes to draw from a countries table (default: all, in table order).
        band: ``"ci"`` (95% confidence interval of the mean, Student t over replicates),
            ``"range"`` (5th-95th percentile of the replicates) or ``None``. No band is drawn
            for a single replicate.
        ax: draw into these axes (e.g. to overlay two scenarios); default: a new figure.
        title: axes title (default: the metric's title).
        label: legend label of a regional line (default: "mean over N replicates").
        color: colour of a regional line (default: Okabe-Ito blue).

    Returns:
        The figure (``ax.figure`` when ``ax`` is given).
    """
    _check_metric(frame, metric)
    if "date" not in frame.columns:
        raise ValueError("the table has no 'date' column; expected a regional or countries table")
    frame = frame.assign(date=pd.to_datetime(frame["date"]))
    if ax is None:
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(8, 4.5), constrained_layout=True)
    fig = cast("Figure", ax.figure)
    from matplotlib.patches import Patch

    handles: list[Any] = []
    n = 1
    if "country" in frame.columns:
        present = list(dict.fromkeys(frame["country"].astype(str)))
        chosen = list(countries) if countries is not None else present
        unknown = [c for c in chosen if c not in present]
        if unknown:
            raise ValueError(f"no rows for {', '.join(unknown)}; known: {', '.join(present)}")
        if not chosen:
            raise ValueError("countries=[] selects nothing to plot")
        for k, iso in enumerate(chosen):
            sub = frame[frame["country"].astype(str) == iso]
            mean, lo, hi, n = _summary(sub, metric, band)
            colour = country_colour(iso, k)
            (line,) = ax.plot(
                mean.index, mean.to_numpy(), color=colour, lw=1.8, label=country_name(iso)
            )
            handles.append(line)
            if lo is not None and hi is not None:
                ax.fill_between(
                    mean.index, lo.to_numpy(), hi.to_numpy(), color=colour, alpha=0.15, lw=0
                )
        if band is not None and n > 1:
            handles.append(Patch(color="0.6", alpha=0.4, label=_band_label(band, n)))
        ax.legend(handles=handles, fontsize=8, loc="best", ncols=2 if len(chosen) > 5 else 1)
    else:
        if countries is not None:
            raise ValueError("countries= needs a countries table (with a 'country' column)")
        mean, lo, hi, n = _summary(frame, metric, band)
        colour = color or OKABE_ITO[0]
        text = label or (f"mean over {n} replicates" if n > 1 else "one replicate")
        (line,) = ax.plot(mean.index, mean.to_numpy(), color=colour, lw=1.8, label=text)
        if lo is not None and hi is not None:
            ax.fill_between(
                mean.index,
                lo.to_numpy(),
                hi.to_numpy(),
                color=colour,
                alpha=0.2,
                lw=0,
                label=f"{text}: {_band_label(band, n)}" if label else _band_label(band, n),
            )
        ax.legend(fontsize=8, loc="best")
    ax.set_title(title if title is not None else metric_title(metric))
    ax.set_ylabel(axis_label(metric))
    ax.set_xlabel("date")
    _date_axis(ax)
    ax.grid(alpha=0.3)
    return fig


# --- paired difference -----------------------------------------------------------------------


def paired_difference(
    over_time: Mapping[str, pd.DataFrame] | pd.DataFrame,
    metric: str,
    *,
    countries: Sequence[str] | None = None,
    title: str | None = None,
    label_a: str = "A",
    label_b: str = "B",
) -> Figure:
    """Scenario B minus scenario A over time, with its 95% confidence band and a zero line.

    Args:
        over_time: ``Comparison.over_time`` (``{key: frame with month, date, diff, ci_low,
            ci_high, n}``, keys ``total_fatalities`` or ``fatalities (NER)``), or the same
            stacked in one frame with a ``metric`` column (``difference_over_time.csv``).
        metric: a regional metric (``total_fatalities``) or a country metric (``fatalities``;
            one panel per country).
        countries: ISO3 codes for a country metric (default: every country compared).
        title: figure title (default: "B minus A (paired replicates)").
        label_a, label_b: scenario names for the title.

    One panel per series: title and unit from the metric table, the legend below the panels.
    """
    if isinstance(over_time, pd.DataFrame):
        over_time = {str(k): g.drop(columns="metric") for k, g in over_time.groupby("metric")}
    if countries is not None:
        keys = [f"{metric} ({iso})" for iso in countries]
    elif metric in over_time:
        keys = [metric]
    else:
        keys = [k for k in over_time if k.startswith(f"{metric} (")]
    missing = [k for k in keys if k not in over_time]
    if not keys or missing:
        known = ", ".join(over_time)
        hint = did_you_mean(metric, [k.split(" (")[0] for k in over_time])
        raise ValueError(f"no paired difference for {missing or metric!r}; known: {known}.{hint}")
    plt = _pyplot()
    n = len(keys)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.8 * cols, 3.4 * rows + 0.6), squeeze=False,
                             sharex=True, constrained_layout=True)  # fmt: skip
    for ax, key in zip(axes.flat, keys, strict=False):
        frame = over_time[key]
        base, _, iso = key.partition(" (")
        info = metric_info(base)
        x = pd.to_datetime(frame["date"]) if "date" in frame else frame["month"]
        ax.axhline(0.0, color="0.5", lw=0.8)
        ax.plot(x, frame["diff"], color=OKABE_ITO[0], lw=1.8, label="mean difference")
        ax.fill_between(x, frame["ci_low"], frame["ci_high"], color=OKABE_ITO[0], alpha=0.2,
                        lw=0, label="95% confidence interval")  # fmt: skip
        ax.set_title(f"{info.label}, {country_name(iso.rstrip(')'))}" if iso else info.label)
        ax.set_ylabel(f"Difference, {label_b} - {label_a} ({info.unit or 'units'})")
        ax.grid(alpha=0.3)
        if "date" in frame:
            _date_axis(ax)
    for ax in list(axes.flat)[n:]:
        ax.remove()
    for ax in axes[-1]:
        ax.set_xlabel("date" if "date" in over_time[keys[0]] else "month")
    handles, texts = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncols=2, fontsize=9)
    fig.suptitle(title if title is not None else f"{label_b} minus {label_a} (paired replicates)")
    return fig


def channel_contributions(
    channels: pd.DataFrame,
    metric: str,
    group: str,
    *,
    window: str | None = None,
    label_a: str = "A",
    label_b: str = "B",
) -> Figure:
    """How much of the difference B - A each causal channel carries: one horizontal bar per
    channel plus the interaction, with 95% confidence intervals, and the whole effect as a
    dashed line.

    Args:
        channels: the channel table of a comparison (``channels.csv``: ``metric``,
            ``group``, ``window``, ``channel``, ``label``, ``contribution``, ``ci_low``,
            ``ci_high``, ``effect``...).
        metric, group: the metric and the group (an ISO3 code, or ``region``) shown.
        window: which window (default: the last in the table).
        label_a, label_b: scenario names for the title.
    """
    from sim.engine.compare import INTERACTION, SUM_OF_PARTS

    rows = channels[(channels["metric"] == metric) & (channels["group"] == group)]
    if rows.empty:
        raise ValueError(f"no channel contributions for {metric!r} in {group!r}")
    shown_window = window if window is not None else str(rows["window"].iloc[-1])
    rows = rows[(rows["window"] == shown_window) & (rows["channel"] != SUM_OF_PARTS)]
    info = metric_info(metric)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(rows) + 1.8), constrained_layout=True)
    y = np.arange(len(rows))[::-1]
    value = rows["contribution"].to_numpy(dtype=float)
    low = np.nan_to_num(value - rows["ci_low"].to_numpy(dtype=float))  # no CI with 1 pair
    high = np.nan_to_num(rows["ci_high"].to_numpy(dtype=float) - value)
    colours = [
        "0.65" if c == INTERACTION else OKABE_ITO[5] if v < 0 else OKABE_ITO[0]
        for c, v in zip(rows["channel"], value, strict=True)
    ]
    ax.barh(y, value, color=colours, height=0.6, xerr=np.vstack([low, high]),
            error_kw={"ecolor": "0.25", "capsize": 3, "lw": 1},
            label="contribution (95% CI)")  # fmt: skip
    ax.set_yticks(y, list(rows["label"]))
    ax.axvline(0.0, color="0.5", lw=0.8)
    effect = float(rows["effect"].iloc[0])
    ax.axvline(effect, color="0.2", lw=1.2, ls="--", label=f"whole effect, {label_b} - {label_a}")
    where = country_name(group) if group != "region" else "the region"
    ax.set_title(f"{info.label}, {where}: what each channel carries\n{label_b} minus {label_a}, "
                 f"means over {shown_window.replace('/', ' to ')}")  # fmt: skip
    ax.set_xlabel(f"Contribution to the difference ({info.unit or 'units of the metric'})")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return fig


# --- influence shares ------------------------------------------------------------------------


def _influence_axis() -> str:
    """The table's ``influence_<POWER>`` label and unit, for an axis shared by every power."""
    return replace(metric_info("influence_<POWER>"), label="Influence share").axis_label


def _powers_in(frame: pd.DataFrame, prefix: str = "influence_") -> list[str]:
    found = [c[len(prefix) :] for c in frame.columns if c.startswith(prefix)]
    order = {p: k for k, p in enumerate(POWER_COLOURS)}
    return sorted(found, key=lambda p: (order.get(p, len(order)), p))


def influence_shares(
    countries_frame: pd.DataFrame,
    *,
    countries: Sequence[str] | None = None,
    date: str | pd.Timestamp | None = None,
) -> Figure:
    """Each power's share of influence per country, mean over replicates.

    Args:
        countries_frame: a countries table with ``influence_<POWER>`` columns.
        countries: ISO3 codes to show (default: all, in table order).
        date: without it, small multiples over time: one panel per country, stacked areas
            of the powers' shares. With a month (``"2026-12"``), one panel of stacked
            horizontal bars, one bar per country, at that month.

    The shares sum to at most 1; the rest (up to 1) is the country's autonomy.
    """
    powers = _powers_in(countries_frame)
    if not powers:
        raise ValueError("the table has no influence_<POWER> columns; expected a countries table")
    frame = countries_frame.assign(
        date=pd.to_datetime(countries_frame["date"]),
        country=countries_frame["country"].astype(str),
    )
    present = list(dict.fromkeys(frame["country"]))
    chosen = list(countries) if countries is not None else present
    unknown = [c for c in chosen if c not in present]
    if unknown or not chosen:
        raise ValueError(
            f"no rows for {', '.join(unknown) or 'any country'}; known: {', '.join(present)}"
        )
    columns = [f"influence_{p}" for p in powers]
    means = frame.groupby(["country", "date"], sort=True)[columns].mean()
    n = int(frame["replicate"].nunique()) if "replicate" in frame else 1
    plt = _pyplot()
    from matplotlib.patches import Patch

    handles = [
        Patch(color=power_colour(p, k), label=POWER_NAMES.get(p, p)) for k, p in enumerate(powers)
    ]
    colours = [h.get_facecolor() for h in handles]
    if date is not None:
        when = pd.Timestamp(pd.Period(str(date)[:7], "M").to_timestamp())
        snap = means.xs(when, level="date") if when in means.index.get_level_values(1) else None
        if snap is None:
            dates = means.index.get_level_values(1)
            raise ValueError(
                f"no rows at {when:%Y-%m}; the table covers {dates.min():%Y-%m} to "
                f"{dates.max():%Y-%m}"
            )
        snap = snap.reindex(chosen)
        fig, ax = plt.subplots(figsize=(8, 0.45 * len(chosen) + 1.8), constrained_layout=True)
        left = np.zeros(len(chosen))
        labels = [country_name(c) for c in chosen]
        for col, colour, power in zip(columns, colours, powers, strict=True):
            values = snap[col].to_numpy()
            ax.barh(labels, values, left=left, color=colour, label=POWER_NAMES.get(power, power))
            left += values
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"{_influence_axis()}; the rest is autonomy")
        ax.set_title(f"Influence shares, {when:%B %Y} (mean over {n} replicate(s))")
        ax.legend(handles=handles, fontsize=8, loc="lower right")
        ax.grid(axis="x", alpha=0.3)
        return fig
    cols = min(5, len(chosen))
    rows = math.ceil(len(chosen) / cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(3.2 * cols, 2.6 * rows + 0.9),
        sharex=True,
        sharey=True,
        squeeze=False,
        constrained_layout=True,
    )
    for ax, iso in zip(axes.flat, chosen, strict=False):
        sub = means.xs(iso, level="country")
        ax.stackplot(sub.index, *[sub[c].to_numpy() for c in columns], colors=colours, lw=0)
        ax.set_title(country_name(iso), fontsize=10)
        ax.grid(alpha=0.3)
        _date_axis(ax)
    for ax in list(axes.flat)[len(chosen) :]:
        ax.remove()
    for row in axes:
        row[0].set_ylabel(_influence_axis())
    top = float(means.sum(axis=1).max())
    axes.flat[0].set_ylim(0, min(1.0, max(0.05, top * 1.1)))
    fig.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles),
        fontsize=9,
        title=f"Mean over {n} replicate(s); the rest of each country's alignment is autonomy",
        title_fontsize=9,
    )
    fig.suptitle("Influence of external powers by country")
    return fig


# --- network map ------------------------------------------------------------------------------

EDGE_STYLES: dict[str, dict[str, Any]] = {
    "border": {"color": "0.55", "ls": "-", "label": "land border"},
    "partnership": {
        "color": None,
        "ls": "-",
        "label": "partnership (power's colour; width: troops)",
    },
    "presence": {"color": "#000000", "ls": "--", "label": "insurgent presence (width: fighters)"},
    "membership": {"color": "0.35", "ls": ":", "label": "bloc membership"},
    "rivalry": {"color": "#CC79A7", "ls": "-.", "label": "rivalry between groups"},
}
"""How :func:`network_map` draws each edge type."""


def _spread(values: Sequence[float], lo: float, hi: float) -> list[float]:
    """``len(values)`` evenly spaced positions between lo and hi, in the order of ``values``."""
    n = len(values)
    if n == 0:
        return []
    order = np.argsort(np.asarray(values, dtype=float), kind="stable")
    slots = np.linspace(lo, hi, n + 2)[1:-1] if n > 1 else np.array([(lo + hi) / 2])
    out = np.empty(n)
    out[order] = slots
    return [float(x) for x in out]


def _layout(nodes: pd.DataFrame, edges: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Countries at their capitals; powers in a row above the map, insurgent groups in a row
    below, blocs in a column on the left; each row ordered by where its partners lie."""
    is_country = (nodes["kind"] == "country") & nodes["lat"].notna() & nodes["lon"].notna()
    pos = {
        str(r.id): (float(cast(float, r.lon)), float(cast(float, r.lat)))
        for r in nodes[is_country].itertuples()
    }
    if pos:
        xs, ys = zip(*pos.values(), strict=True)
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    else:
        x0, x1, y0, y1 = 0.0, 10.0, 0.0, 10.0
    width, height = max(x1 - x0, 1.0), max(y1 - y0, 1.0)

    def mean_of(node: str, axis: int) -> float:
        linked = edges[(edges["source"] == node) | (edges["target"] == node)]
        other = [
            t if s == node else s for s, t in zip(linked["source"], linked["target"], strict=True)
        ]
        values = [pos[o][axis] for o in other if o in pos]
        return float(np.mean(values)) if values else (x0 + x1) / 2 if axis == 0 else (y0 + y1) / 2

    placements = {
        "power": (0, y1 + 0.28 * height),
        "group": (0, y0 - 0.28 * height),
        "bloc": (1, x0 - 0.22 * width),
    }
    others = nodes[~is_country]
    for kind in [*placements, *sorted(set(others["kind"]) - set(placements))]:
        ids = [str(i) for i in others.loc[others["kind"] == kind, "id"]]
        if not ids:
            continue
        axis, fixed = placements.get(kind, (0, y1 + 0.5 * height))
        if axis == 0:
            xs_ = _spread([mean_of(i, 0) for i in ids], x0 - 0.05 * width, x1 + 0.05 * width)
            pos.update({i: (x, fixed) for i, x in zip(ids, xs_, strict=True)})
        else:
            ys_ = _spread([mean_of(i, 1) for i in ids], y0, y1)
            pos.update({i: (fixed, y) for i, y in zip(ids, ys_, strict=True)})
    return pos


def _number(row: Any, name: str) -> float:
    value = getattr(row, name, 0.0)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if math.isnan(value) else value


def network_map(
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """The typed network at one month, drawn over longitude and latitude.

    Args:
        nodes: one row per actor (see :meth:`sim.world.network.SahelNetwork.to_frames`): ``id``,
            ``kind`` (``country``, ``power``, ``group``, ``bloc``), ``name``, ``lat`` and
            ``lon`` (capital, degrees; countries only), and optionally ``stability``
            (0-1, countries: node colour) and ``regime`` (a junta gets a vermillion ring).
        edges: one row per edge: ``source``, ``target``, ``type`` (``border``,
            ``partnership``, ``presence``, ``membership``, ``rivalry``) and optionally
            ``troops`` (partnership line width), ``posture`` (not ``active``: dotted),
            ``fighters`` (presence line width) and ``status`` (membership; ``leaving``:
            faint).
        title: axes title (default: "Network").
        ax: axes to draw into (default: a new figure).

    Countries sit at their capitals; powers in a row above the map, insurgent groups in a
    row below, blocs in a column on the left. Every node is labelled.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_rgba
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch

    for col in ("id", "kind"):
        if col not in nodes.columns:
            raise ValueError(f"nodes needs an {col!r} column (see SahelNetwork.to_frames)")
    for col in ("source", "target", "type"):
        if col not in edges.columns:
            raise ValueError(f"edges needs a {col!r} column (see SahelNetwork.to_frames)")
    if nodes.empty:
        raise ValueError("no nodes to draw")
    nodes = nodes.assign(id=nodes["id"].astype(str))
    if "lat" not in nodes.columns or "lon" not in nodes.columns:
        nodes = nodes.assign(lat=np.nan, lon=np.nan)
    pos = _layout(nodes, edges)
    own_figure = ax is None or len(ax.figure.axes) == 1  # then the legend is the figure's
    if ax is None:
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(10, 7.5), constrained_layout=True)
    fig = cast("Figure", ax.figure)
    handles: list[Any] = []
    for kind, edge_style in EDGE_STYLES.items():
        sub = edges[(edges["type"] == kind) & edges["source"].isin(pos) & edges["target"].isin(pos)]
        if sub.empty:
            continue
        segments, colours, widths, styles, alphas = [], [], [], [], []
        for row in sub.itertuples():
            segments.append([pos[str(row.source)], pos[str(row.target)]])
            colour = edge_style["color"] or power_colour(str(row.source))
            width, ls, alpha = 1.0, edge_style["ls"], 0.8
            if kind == "partnership":
                width = 0.7 + 1.1 * math.log10(1.0 + _number(row, "troops") / 50.0)
                if str(getattr(row, "posture", "active")) != "active":
                    ls, alpha = ":", 0.6
            elif kind == "presence":
                width = 0.5 + 1.0 * math.log10(1.0 + _number(row, "fighters") / 100.0)
            elif kind == "membership" and str(getattr(row, "status", "member")) != "member":
                alpha = 0.35
            elif kind == "border":
                width = 1.4
            colours.append(colour)
            widths.append(width)
            styles.append(ls)
            alphas.append(alpha)
        if kind == "rivalry":
            for (a, b), colour in zip(segments, colours, strict=True):
                ax.add_patch(
                    FancyArrowPatch(
                        a,
                        b,
                        arrowstyle="-",
                        connectionstyle="arc3,rad=0.35",
                        color=colour,
                        ls=edge_style["ls"],
                        lw=1.4,
                        zorder=1,
                    )
                )
        else:
            rgba = [to_rgba(c, a) for c, a in zip(colours, alphas, strict=True)]
            ax.add_collection(
                LineCollection(
                    segments,
                    colors=rgba,
                    linewidths=widths,
                    linestyles=styles,
                    zorder=0.5 if kind == "border" else 1,
                    label=edge_style["label"],
                )
            )
        handles.append(
            Line2D(
                [],
                [],
                color=edge_style["color"] or "0.2",
                ls=edge_style["ls"],
                lw=1.6,
                label=edge_style["label"],
            )
        )

    countries = nodes[nodes["kind"] == "country"]
    cx = [pos[i][0] for i in countries["id"] if i in pos]
    cy = [pos[i][1] for i in countries["id"] if i in pos]
    placed = countries[countries["id"].isin(pos)]
    stability = (
        pd.to_numeric(placed["stability"], errors="coerce").to_numpy()
        if "stability" in placed.columns
        else np.full(len(placed), np.nan)
    )
    junta = (
        (placed["regime"].astype(str) == "junta").to_numpy()
        if "regime" in placed.columns
        else np.zeros(len(placed), dtype=bool)
    )
    edgecolors = ["#D55E00" if j else "#000000" for j in junta]
    linewidths = [2.6 if j else 0.8 for j in junta]
    if len(placed):
        known = ~np.isnan(stability)
        if known.any():
            sc = ax.scatter(
                np.asarray(cx)[known],
                np.asarray(cy)[known],
                c=stability[known],
                cmap="viridis",
                vmin=0.0,
                vmax=1.0,
                s=320,
                zorder=3,
                edgecolors=list(np.asarray(edgecolors)[known]),
                linewidths=list(np.asarray(linewidths)[known]),
            )
            fig.colorbar(sc, ax=ax, shrink=0.7, label=axis_label("stability"))
        if (~known).any():
            ax.scatter(
                np.asarray(cx)[~known],
                np.asarray(cy)[~known],
                c="0.75",
                s=320,
                zorder=3,
                edgecolors=list(np.asarray(edgecolors)[~known]),
                linewidths=list(np.asarray(linewidths)[~known]),
            )
        handles.append(
            _legend_marker(
                marker="o",
                color="0.6",
                markeredgecolor="black",
                markersize=10,
                label=f"country (colour: {metric_title('stability').lower()})",
            )
        )
        if junta.any():
            handles.append(
                _legend_marker(
                    marker="o",
                    color="white",
                    markersize=10,
                    markeredgecolor="#D55E00",
                    markeredgewidth=2.6,
                    label="ruled by a junta",
                )
            )
    markers = {"power": ("s", None), "group": ("^", "#000000"), "bloc": ("D", "white")}
    names = {"power": "external power", "group": "insurgent group", "bloc": "regional bloc"}
    for kind, (marker, colour) in markers.items():
        sub = nodes[(nodes["kind"] == kind) & nodes["id"].isin(pos)]
        if sub.empty:
            continue
        colours = [colour or power_colour(i, k) for k, i in enumerate(sub["id"])]
        ax.scatter(
            [pos[i][0] for i in sub["id"]],
            [pos[i][1] for i in sub["id"]],
            c=colours,
            marker=marker,
            s=260,
            edgecolors="black",
            linewidths=0.8,
            zorder=3,
        )
        handles.append(
            _legend_marker(
                marker=marker,
                color=colour or "0.6",
                markersize=10,
                markeredgecolor="black",
                label=names[kind],
            )
        )
    for node in nodes.itertuples():
        if node.id not in pos:
            continue
        x, y = pos[str(node.id)]
        ax.annotate(
            str(node.id),
            (x, y),
            xytext=(0, -15 if node.kind == "country" else 13),
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=9,
            fontweight="bold" if node.kind == "country" else "normal",
            zorder=4,
            path_effects=_halo(),
        )
    xs, ys = zip(*pos.values(), strict=True)
    pad = 1.5
    ax.set_xlim(min(xs) - pad, max(xs) + pad)
    ax.set_ylim(min(ys) - pad, max(ys) + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("longitude (degrees east)")
    ax.set_ylabel("latitude (degrees north)")
    ax.set_title(title if title is not None else "Network")
    ax.grid(alpha=0.2)
    _legend_below(ax, handles, own_figure)
    return fig


# --- country map ------------------------------------------------------------------------------

OUTLINES_FILE = "naturalearth_countries_50m.geojson"
"""Natural Earth 1:50m country outlines (public domain), bundled in ``data/``."""


@cache
def country_outlines() -> dict[str, tuple[tuple[tuple[tuple[float, float], ...], ...], ...]]:
    """The bundled outline of each country: ISO3 -> polygons, each a tuple of rings (the
    outer ring, then any holes) of ``(longitude, latitude)`` points in degrees."""
    from sim.bundled import data_file

    path = data_file(OUTLINES_FILE)
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    out = {}
    for feature in features:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        out[str(feature["properties"]["iso3"])] = tuple(
            tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon)
            for polygon in polygons
        )
    return out


@cache
def _outline_path(iso: str) -> Any:
    """One compound matplotlib Path for a country's outline (every polygon and hole)."""
    from matplotlib.path import Path as MplPath

    polygons = country_outlines()[iso]
    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    for polygon in polygons:
        for ring in polygon:
            vertices.extend([*ring, ring[0]])
            codes.extend(
                [int(MplPath.MOVETO)]
                + [int(MplPath.LINETO)] * (len(ring) - 1)
                + [int(MplPath.CLOSEPOLY)]
            )
    return MplPath(vertices, codes)


def _anchor(polygons: Sequence[Sequence[Sequence[tuple[float, float]]]]) -> tuple[float, float]:
    """The area centroid of a country's largest polygon: where its labels go."""
    best = (0.0, 0.0, 0.0)
    for polygon in polygons:
        ring = np.asarray(polygon[0])
        x, y = ring[:, 0], ring[:, 1]
        cross = x * np.roll(y, -1) - np.roll(x, -1) * y
        area = cross.sum() / 2
        if abs(area) > abs(best[0]):
            cx = ((x + np.roll(x, -1)) * cross).sum() / (6 * area)
            cy = ((y + np.roll(y, -1)) * cross).sum() / (6 * area)
            best = (area, float(cx), float(cy))
    return best[1], best[2]


def _values_at(
    values: pd.DataFrame | pd.Series | Mapping[str, float],
    metric: str,
    month: str | pd.Timestamp | None,
) -> tuple[dict[str, float], pd.Timestamp | None]:
    """Country -> value of ``metric``: a mapping as given, or a countries table's mean over
    replicates at ``month`` (default: its last month)."""
    if not isinstance(values, pd.DataFrame):
        return {str(k): float(v) for k, v in dict(values).items()}, None
    _check_metric(values, metric)
    frame = values
    when = None
    if "date" in frame.columns:
        dates = pd.to_datetime(frame["date"])
        when = (
            dates.max()
            if month is None
            else pd.Timestamp(pd.Period(str(month)[:7], "M").to_timestamp())
        )
        if not (dates == when).any():
            raise ValueError(
                f"no rows at {when:%Y-%m}; the table covers {dates.min():%Y-%m} to "
                f"{dates.max():%Y-%m}"
            )
        frame = frame[dates == when]
    if "country" not in frame.columns:
        raise ValueError("a map needs a countries table (with a 'country' column)")
    means = frame.groupby(frame["country"].astype(str))[metric].mean()
    return {str(k): float(v) for k, v in means.items()}, when


LABEL_POINTS: dict[str, tuple[float, float]] = {"TGO": (0.4, 3.6), "BEN": (3.2, 3.6)}
"""Where the labels of countries too narrow to hold them go (longitude, latitude: in the Gulf
of Guinea, joined to the country by a thin line); others are labelled at their centroid."""


def country_map(
    values: pd.DataFrame | pd.Series | Mapping[str, float],
    metric: str = "stability",
    *,
    month: str | pd.Timestamp | None = None,
    edges: pd.DataFrame | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    colorbar: bool = True,
) -> Figure:
    """The countries as a map (Natural Earth outlines) coloured by a metric, with the
    network drawn over it.

    Args:
        values: a countries table (then the mean over replicates at ``month``) or a mapping
            ISO3 -> value.
        metric: the country metric that colours the map (``stability``, ``fatalities``,
            ``influence_RUS``...); its label and unit, from the metric table, title the
            colour bar.
        month: ``YYYY-MM`` of a countries table (default: its last month).
        edges: the network's edges at that month (:func:`sim.views.report.network_frames`
            or :func:`sim.views.report.network_at`). Partnerships are drawn as a square per
            partner power in its colour beside the country's name (filled: troops deployed
            and active; open: aid or trade only, or a suspended partnership), insurgent
            presence as the groups and their fighters under the name, and bloc memberships
            as outlines of the members in the bloc's colour (dashed: leaving).
        ax: axes to draw into (default: a new figure).
        title: axes title (default: the metric's label and the month).
        cmap, vmin, vmax: colour map and its range (default: 0-1 for a metric whose range
            is 0-1, else 0 to the largest value).
        colorbar: draw the colour bar.

    Each country is one patch, its gid the ISO3 code; a country without a value is grey
    and hatched.
    """
    import matplotlib as mpl
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, PathPatch

    outlines = country_outlines()
    shown, when = _values_at(values, metric, month)
    info = metric_info(metric)
    finite = [v for v in shown.values() if not math.isnan(v)]
    low = 0.0 if not finite or min(finite) >= 0 else min(finite)
    vmin = low if vmin is None else vmin
    if vmax is None:
        vmax = 1.0 if info.scale == "0-1" else max([*finite, vmin + 1.0])
    norm = mpl.colors.Normalize(vmin=vmin, vmax=vmax)
    colours = mpl.colormaps[cmap]
    own_figure = ax is None or len(ax.figure.axes) == 1  # then the legend is the figure's
    if ax is None:
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(10, 7.4), constrained_layout=True)
    fig = cast("Figure", ax.figure)
    handles: list[Any] = []
    for iso in outlines:
        value = shown.get(iso, math.nan)
        missing = math.isnan(value)
        patch = PathPatch(
            _outline_path(iso),
            facecolor="0.85" if missing else colours(norm(value)),
            edgecolor="white",
            linewidth=0.8,
            hatch="//" if missing else None,
            zorder=1,
        )
        patch.set_gid(iso)
        ax.add_artist(patch)  # not add_patch: the limits are set below, once
    if any(math.isnan(shown.get(iso, math.nan)) for iso in outlines):
        handles.append(Patch(facecolor="0.85", hatch="//", edgecolor="0.5", label="no value"))
    columns = ["source", "target", "type", "status", "troops", "aid_musd", "econ_musd"]
    edges = pd.DataFrame(columns=[*columns, "posture", "fighters"]) if edges is None else edges
    for column in ("troops", "aid_musd", "econ_musd", "fighters"):
        if column not in edges.columns:
            edges = edges.assign(**{column: np.nan})

    # blocs: the members' outlines in the bloc's colour, a country's first bloc widest
    members = edges[(edges["type"] == "membership") & edges["source"].isin(outlines)]
    drawn: dict[str, int] = {}
    for k, bloc in enumerate(dict.fromkeys(members["target"].astype(str))):
        colour = bloc_colour(bloc, k)
        for row in members[members["target"].astype(str) == bloc].itertuples():
            iso = str(row.source)
            layer = drawn.get(iso, 0)
            drawn[iso] = layer + 1
            leaving = str(getattr(row, "status", "member")) != "member"
            ax.add_artist(
                PathPatch(
                    _outline_path(iso),
                    facecolor="none",
                    edgecolor=colour,
                    linewidth=max(3.4 - 1.5 * layer, 1.0),
                    linestyle="--" if leaving else "-",
                    zorder=2 + layer,
                )
            )
        handles.append(Line2D([], [], color=colour, lw=2.6, label=f"member of {bloc_name(bloc)}"))
    if len(members) and (members["status"].astype(str) != "member").any():
        handles.append(Line2D([], [], color="0.3", lw=1.8, ls="--", label="leaving the bloc"))

    # each country's name, partner powers and insurgent groups, at its label point
    partners = edges[(edges["type"] == "partnership") & edges["target"].isin(outlines)]
    presence = edges[(edges["type"] == "presence") & edges["target"].isin(outlines)]
    powers: list[str] = []
    for iso, polys in outlines.items():
        anchor = _anchor(polys)
        x, y = LABEL_POINTS.get(iso, anchor)
        if (x, y) != anchor:
            ax.plot([anchor[0], x], [anchor[1], y], color="0.3", lw=0.7, zorder=5)
        ax.annotate(
            country_name(iso), (x, y), xytext=(0, 6), textcoords="offset points", ha="center",
            va="bottom", fontsize=8.5, fontweight="bold", zorder=6, path_effects=_halo(),
        )  # fmt: skip
        groups = presence[presence["target"] == iso]
        groups = groups.assign(fighters=pd.to_numeric(groups["fighters"], errors="coerce"))
        groups = groups[groups["fighters"] >= 50].sort_values("fighters", ascending=False)
        if len(groups):
            text = ", ".join(
                f"{g.source} {_number(g, 'fighters') / 1000:.1f}k"
                for g in groups.itertuples(index=False)
            )
            ax.annotate(
                f"▲ {text}", (x, y), xytext=(0, -8), textcoords="offset points", ha="center",
                va="top", fontsize=6.5, zorder=6, path_effects=_halo(),
            )  # fmt: skip
        mine = [
            r
            for r in partners[partners["target"] == iso].itertuples(index=False)
            if _number(r, "troops") or _number(r, "aid_musd") or _number(r, "econ_musd")
        ]
        for k, row in enumerate(mine):
            power = str(row.source)
            if power not in powers:
                powers.append(power)
            colour = power_colour(power, powers.index(power))
            troops = _number(row, "troops")
            deployed = troops > 0 and str(getattr(row, "posture", "active")) == "active"
            shift = mpl.transforms.ScaledTranslation(
                (k - (len(mine) - 1) / 2) * 10 / 72, 0, fig.dpi_scale_trans
            )
            ax.plot(
                [x], [y], marker="s", ls="", ms=7.5 if deployed else 5.5, zorder=7,
                markerfacecolor=colour if deployed else "white", markeredgecolor=colour,
                markeredgewidth=1.5, transform=ax.transData + shift,
            )  # fmt: skip
    for k, power in enumerate(powers):
        handles.append(
            _legend_marker(
                marker="s",
                color=power_colour(power, k),
                markersize=8,
                label=power_name(power),
            )
        )
    if powers:
        handles.append(
            _legend_marker(marker="s", color="0.3", markersize=8, label="filled: troops deployed")
        )
        handles.append(
            _legend_marker(
                marker="s",
                color="white",
                markeredgecolor="0.3",
                markersize=6,
                label="open: aid or trade only, or suspended",
            )
        )
    if len(presence):
        handles.append(
            _legend_marker(
                marker="^",
                color="black",
                markersize=7,
                label="insurgent groups (thousands of fighters)",
            )
        )
    if colorbar:
        scale = mpl.cm.ScalarMappable(norm=norm, cmap=colours)
        fig.colorbar(scale, ax=ax, shrink=0.75, label=info.axis_label)
    xs = [x for polys in outlines.values() for poly in polys for x, _ in poly[0]]
    ys = [y for polys in outlines.values() for poly in polys for _, y in poly[0]]
    ax.set_xlim(min(xs) - 1, max(xs) + 1)
    ax.set_ylim(min(min(ys), *(p[1] for p in LABEL_POINTS.values())) - 1.5, max(ys) + 1)
    ax.set_aspect(1 / math.cos(math.radians((min(ys) + max(ys)) / 2)))
    ax.set_xlabel("longitude (degrees east)")
    ax.set_ylabel("latitude (degrees north)")
    ax.set_facecolor("#F4F7FA")
    when_text = f", {when:%B %Y}" if when is not None else ""
    ax.set_title(title if title is not None else f"{info.label}{when_text}")
    if handles:
        _legend_below(ax, handles, own_figure)
    return fig


# --- event timeline ---------------------------------------------------------------------------

EVENT_CATEGORIES: dict[str, tuple[str, str]] = {
    "coup": ("coup", "X"),
    "civilian_rule": ("return to civilian rule", "P"),
    "withdraw": ("withdrawal", "v"),
    "deploy": ("deployment", "^"),
    "stay": ("deployment", "^"),
    "invite": ("invitation", ">"),
    "expel": ("expulsion", "<"),
    "suspend": ("cooperation suspended or resumed", "s"),
    "resume": ("cooperation suspended or resumed", "s"),
    "join_bloc": ("bloc change", "D"),
    "leave_bloc": ("bloc change", "D"),
    "announce_exit": ("bloc change", "D"),
    "form_bloc": ("bloc change", "D"),
    "dissolve_bloc": ("bloc change", "D"),
    "sanction": ("sanctions", "*"),
    "lift_sanctions": ("sanctions", "*"),
    "abuse": ("massacre", "o"),
}
"""Event kind (``events.kind``) -> (legend label, marker). Kinds not listed are shown as
"other" unless ``skip`` names them (insurgent presence changes are skipped by default)."""


def event_timeline(
    events: pd.DataFrame,
    *,
    title: str | None = None,
    skip: Iterable[str] = ("presence", "presence_ends", "arrive", "set_parameter"),
) -> Figure:
    """What happened when: one row per country and one for regional (bloc) events.

    Args:
        events: an events table (``date`` ``YYYY-MM``, ``kind``, ``country``, ``actor``,
            ``scheduled`` and, for several replicates, ``replicate``).
        title: axes title.
        skip: event kinds to leave out.

    Marker shape is the kind of event, marker colour the actor (each power its colour; blocs
    and juntas dark grey). Scheduled events are part of the scenario and happen in every
    replicate: full-size markers with a black edge. Endogenous events (coups, expulsions,
    bloc moves chosen by the model) vary between replicates: marker size and opacity show
    the share of replicates in which each happened that month, and the legend says so.
    """
    from matplotlib.colors import to_rgba

    skip = set(skip)
    table = events[~events["kind"].isin(skip)].copy()
    if table.empty:
        raise ValueError("no events to show")
    table["date"] = pd.to_datetime(table["date"].astype(str).str[:7], format="%Y-%m")
    table["country"] = table["country"].fillna("").astype(str)
    table["actor"] = table["actor"].fillna("").astype(str)
    if "replicate" not in table.columns:
        table["replicate"] = 0
    if "scheduled" not in table.columns:
        table["scheduled"] = False
    n_reps = int(events["replicate"].nunique()) if "replicate" in events.columns else 1
    keys = ["date", "country", "kind", "actor", "scheduled"]
    counts = table.groupby(keys, sort=True)["replicate"].nunique().rename("reps").reset_index()
    counts["category"] = counts["kind"].map(lambda k: EVENT_CATEGORIES.get(k, ("other", "."))[0])
    counts["marker"] = counts["kind"].map(lambda k: EVENT_CATEGORIES.get(k, ("other", "."))[1])
    rows = sorted({c for c in counts["country"] if c}, key=country_name)
    labels = [country_name(c) for c in rows]
    if (counts["country"] == "").any():
        rows.append("")
        labels.append("region / blocs")
    row_of = {c: k for k, c in enumerate(rows)}
    categories = list(dict.fromkeys(label for label, _ in EVENT_CATEGORIES.values()))
    categories += sorted(set(counts["category"]) - set(categories))
    present = [c for c in categories if c in set(counts["category"])]
    offset = {
        c: (k - (len(present) - 1) / 2) * min(0.12, 0.7 / max(len(present), 1))
        for k, c in enumerate(present)
    }
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(11, 0.45 * len(rows) + 2.6), constrained_layout=True)
    for (marker, scheduled), sub in counts.groupby(["marker", "scheduled"], sort=False):
        share = sub["reps"].to_numpy() / max(n_reps, 1)
        x = sub["date"].to_numpy()
        y = np.array(
            [row_of[c] + offset[g] for c, g in zip(sub["country"], sub["category"], strict=True)]
        )
        colours = [power_colour(a) if a in POWER_COLOURS else "0.3" for a in sub["actor"]]
        if scheduled:
            rgba = [to_rgba(c, 1.0) for c in colours]
            ax.scatter(
                x, y, marker=marker, s=90, c=rgba, edgecolors="black", linewidths=0.9, zorder=3
            )
        else:
            rgba = [to_rgba(c, 0.3 + 0.7 * s) for c, s in zip(colours, share, strict=True)]
            ax.scatter(x, y, marker=marker, s=25 + 65 * share, c=rgba, linewidths=0, zorder=3)
    ax.set_yticks(range(len(rows)), labels)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlabel("date")
    _date_axis(ax)
    ax.grid(alpha=0.3)
    ax.set_title(title if title is not None else "Events")
    handles: list[Any] = []
    for cat in present:
        marker = (
            next(m for lab, m in EVENT_CATEGORIES.values() if lab == cat) if cat != "other" else "."
        )
        handles.append(_legend_marker(marker=marker, color="0.3", markersize=8, label=cat))
    actors = [a for a in POWER_COLOURS if a in set(counts["actor"])]
    for a in actors:
        handles.append(
            _legend_marker(
                marker="o", color=POWER_COLOURS[a], markersize=8, label=f"actor: {POWER_NAMES[a]}"
            )
        )
    handles.append(
        _legend_marker(marker="o", color="0.3", markersize=8, label="actor: a bloc, junta or group")
    )
    handles.append(
        _legend_marker(
            marker="o",
            color="0.3",
            markeredgecolor="black",
            markersize=9,
            label="scheduled (every replicate)",
        )
    )
    if n_reps > 1:
        for k in sorted({1, n_reps}):
            part = k / n_reps
            handles.append(
                _legend_marker(
                    marker="o",
                    markeredgewidth=0,
                    color=(0.3, 0.3, 0.3, 0.3 + 0.7 * part),
                    markersize=math.sqrt(25 + 65 * part),
                    label=f"model-driven, in {k} of {n_reps} replicates",
                )
            )
    else:
        handles.append(
            _legend_marker(
                marker="o",
                markeredgewidth=0,
                color="0.3",
                markersize=math.sqrt(90),
                label="model-driven",
            )
        )
    ax.legend(
        handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0
    )
    return fig


# --- the overview figure of `sahel run` -------------------------------------------------------


def model_vs_observed(
    table: pd.DataFrame,
    observed: pd.DataFrame,
    *,
    title: str = "",
    last_fitted_year: int | None = None,
) -> Figure:
    """Small multiples, one panel per country: a model's median and 90% band of deaths per
    year (``table``: country, year, median, low, high) against observed deaths (``observed``:
    country, year, deaths; dots). Years after ``last_fitted_year`` are shaded as out of
    sample. Symmetric-log y axis, 0 to at least 30 deaths."""
    plt = _pyplot()
    countries = table.groupby("country")["median"].sum().sort_values(ascending=False).index
    ncols = 5
    nrows = math.ceil(len(countries) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.8 * nrows), squeeze=False,
                             constrained_layout=True)  # fmt: skip
    for ax, iso in zip(axes.flat, countries, strict=False):
        sub = table[table["country"] == iso].sort_values("year")
        obs = observed[observed["country"] == iso].sort_values("year")
        ax.fill_between(sub["year"], sub["low"], sub["high"], color=OKABE_ITO[0], alpha=0.25,
                        lw=0, label="model 90% band")  # fmt: skip
        ax.plot(sub["year"], sub["median"], color=OKABE_ITO[0], lw=1.8, label="model median")
        ax.plot(obs["year"], obs["deaths"], "o", color=OKABE_ITO[1], ms=4, label="observed (UCDP)")
        if last_fitted_year is not None and sub["year"].max() > last_fitted_year:
            ax.axvspan(last_fitted_year + 0.5, sub["year"].max() + 0.5, color="0.9", zorder=0,
                       label="out of sample")  # fmt: skip
        top = np.nanmax([sub["high"].max(), obs["deaths"].max(), 0.0])
        ax.set_yscale("symlog", linthresh=10)
        ax.set_ylim(0, max(30.0, 1.5 * top))  # quiet countries: an axis from 0 to 30
        ax.set(title=country_name(str(iso)), xlabel="year", ylabel="deaths per year")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(countries) :]:
        ax.remove()
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


def _band(ax: Axes, frame: pd.DataFrame, column: str, *, label: str, color: str) -> None:
    """Mean line and 5-95% band of ``column`` across replicates, by date."""
    grouped = frame.groupby("date")[column]
    mean = grouped.mean()
    ax.plot(mean.index, mean.to_numpy(), color=color, label=label, lw=1.8)
    if frame["replicate"].nunique() > 1:
        lo, hi = grouped.quantile(0.05), grouped.quantile(0.95)
        ax.fill_between(mean.index, lo.to_numpy(), hi.to_numpy(), color=color, alpha=0.2, lw=0)


def key_metrics(regional: pd.DataFrame, countries: pd.DataFrame, *, title: str = "") -> Figure:
    """Six panels: regional stability, fatalities, influence, juntas; fatalities and control
    in the five most violent countries. Expects the tables written by ``sahel run``.
    Lines are means over replicates, bands the 5th-95th percentiles."""
    plt = _pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5), sharex=True, constrained_layout=True)

    def panel(ax: Axes, metric: str, title: str | None = None) -> None:
        info = metric_info(metric)
        ax.set(title=title or info.label, ylabel=info.axis_label)

    _band(axes[0, 0], regional, "regional_stability", label="region", color=OKABE_ITO[0])
    panel(axes[0, 0], "regional_stability")
    _band(axes[0, 1], regional, "total_fatalities", label="region", color=OKABE_ITO[1])
    panel(axes[0, 1], "total_fatalities")
    ax = axes[0, 2]
    for metric, colour in (("western_influence", "#0072B2"), ("russian_influence", "#D55E00")):
        _band(ax, regional, metric, label=metric_title(metric), color=colour)
    ax.set(title="Regional influence", ylabel=_influence_axis())
    ax.legend(loc="best", fontsize=8)
    _band(axes[1, 0], regional, "n_juntas", label="juntas", color=OKABE_ITO[3])
    panel(axes[1, 0], "n_juntas")
    top = countries.groupby("country", observed=True)["fatalities"].sum().nlargest(5).index.tolist()
    for k, iso in enumerate(top):
        sub = countries[countries["country"] == iso]
        colour = country_colour(str(iso), k)
        _band(axes[1, 1], sub, "fatalities", label=country_name(str(iso)), color=colour)
        _band(axes[1, 2], sub, "control", label=country_name(str(iso)), color=colour)
    panel(axes[1, 1], "fatalities", f"{metric_title('fatalities')}, most violent countries")
    panel(axes[1, 2], "control")
    axes[1, 1].legend(loc="best", fontsize=8, ncols=2)
    axes[1, 2].legend(loc="best", fontsize=8, ncols=2)
    for ax in axes[1]:
        ax.set_xlabel("date")
        _date_axis(ax)
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    if title:
        fig.suptitle(title)
    return fig
