"""Figure functions on a small result set: axes, labels, series counts, no empty panel, formats."""

from __future__ import annotations

import io
import subprocess
import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from scipy import stats

from sim.engine.compare import difference_over_time
from sim.studies.run import RunResult, run_scenario
from sim.views import figures as plots
from sim.views.report import network_frames
from sim.world import metrics
from sim.world.model import SahelModel

REPS, MONTHS = 3, 8


@pytest.fixture(scope="module")
def runs() -> dict[str, RunResult]:
    """us_stays and us_withdraws, 3 paired replicates of 8 months (withdrawals in months 4-6)."""
    return {
        name: run_scenario(name, reps=REPS, months=MONTHS, seed=11)
        for name in ("us_stays", "us_withdraws")
    }


@pytest.fixture(scope="module")
def result(runs: dict[str, RunResult]) -> RunResult:
    return runs["us_withdraws"]


@pytest.fixture(scope="module")
def over_time(runs: dict[str, RunResult]) -> dict[str, pd.DataFrame]:
    a, b = runs["us_stays"], runs["us_withdraws"]
    out = {"total_fatalities": difference_over_time(a.regional, b.regional, "total_fatalities")}
    for iso in ("NER", "MLI"):
        ca, cb = (
            a.countries[a.countries["country"] == iso],
            b.countries[b.countries["country"] == iso],
        )
        out[f"fatalities ({iso})"] = difference_over_time(ca, cb, "fatalities")
    return out


@pytest.fixture(scope="module")
def network() -> tuple[pd.DataFrame, pd.DataFrame, SahelModel]:
    model = SahelModel("us_withdraws", rng=3)
    model.run(6)
    nodes, edges = network_frames(model)
    return nodes, edges, model


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _table(name: str) -> metrics.Metric:
    """The metric table's own record (patterns resolved by hand, not by the code under test)."""
    return metrics.METRICS[name]


def _with_unit(m: metrics.Metric, label: str | None = None) -> str:
    """Label and unit as the table states them: "Stability (index, 0-1)"."""
    unit = f"{m.unit}, {m.range.split(',')[0]}" if m.range[0].isdigit() else m.unit
    return f"{label or m.label} ({unit})"


def _has_data(ax) -> bool:
    return bool(ax.lines or ax.collections or ax.patches or ax.images)


def _panels(fig) -> list:
    """Axes that are panels (not colour bars)."""
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


# --- time series -------------------------------------------------------------------------------


def test_time_series_regional_mean_and_t_interval(result: RunResult) -> None:
    fig = plots.time_series(result.regional, "total_fatalities")
    (ax,) = fig.axes
    assert len(ax.lines) == 1 and len(ax.collections) == 1
    assert ax.get_ylabel() == "Conflict deaths, region (deaths per month)"
    assert ax.get_ylabel() == _with_unit(_table("total_fatalities"))
    assert ax.get_xlabel() == "date"
    assert ax.get_title() == _table("total_fatalities").label
    mean = result.regional.groupby("date")["total_fatalities"].mean()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), mean.to_numpy())
    # the band is the t-based 95% CI of the mean over the 3 replicates
    grouped = result.regional.groupby("date")["total_fatalities"]
    half = stats.t.ppf(0.975, REPS - 1) * grouped.std(ddof=1) / np.sqrt(REPS)
    ys = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert ys.max() == pytest.approx(float((mean + half).max()))
    assert ys.min() == pytest.approx(float((mean - half).min()))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "mean over 3 replicates" in labels
    assert any("95% confidence interval" in text for text in labels)


def test_time_series_band_options(result: RunResult) -> None:
    ax = plots.time_series(result.regional, "regional_stability", band=None).axes[0]
    assert len(ax.collections) == 0
    assert (
        ax.get_ylabel()
        == _with_unit(_table("regional_stability"))
        == ("Regional stability (index, 0-1)")
    )
    ax = plots.time_series(result.regional, "regional_stability", band="range").axes[0]
    q95 = result.regional.groupby("date")["regional_stability"].quantile(0.95)
    assert ax.collections[0].get_paths()[0].vertices[:, 1].max() == pytest.approx(q95.max())
    with pytest.raises(ValueError, match="band"):
        plots.time_series(result.regional, "regional_stability", band="sd")


def test_time_series_one_line_per_country_with_full_names(result: RunResult) -> None:
    fig = plots.time_series(result.countries, "stability", countries=["NER", "MLI", "BFA"])
    (ax,) = fig.axes
    assert len(ax.lines) == 3 and len(ax.collections) == 3
    assert [line.get_label() for line in ax.lines] == ["Niger", "Mali", "Burkina Faso"]
    assert ax.get_ylabel() == _with_unit(_table("stability"))
    colours = [matplotlib.colors.to_hex(line.get_color()) for line in ax.lines]
    assert colours == [plots.COUNTRY_COLOURS[c].lower() for c in ("NER", "MLI", "BFA")]
    niger = result.countries[result.countries["country"] == "NER"].groupby("date")["stability"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), niger.mean().to_numpy())
    every = plots.time_series(result.countries, "fatalities", band=None).axes[0]
    assert len(every.lines) == result.countries["country"].nunique()


def test_time_series_overlays_into_given_axes(runs: dict[str, RunResult]) -> None:
    fig = plots.time_series(runs["us_stays"].regional, "total_fatalities", label="us_stays")
    plots.time_series(runs["us_withdraws"].regional, "total_fatalities", ax=fig.axes[0],
                      label="us_withdraws", color=plots.OKABE_ITO[1])  # fmt: skip
    assert [line.get_label() for line in fig.axes[0].lines] == ["us_stays", "us_withdraws"]


def test_time_series_rejects_unknown_metric_and_country(result: RunResult) -> None:
    with pytest.raises(ValueError, match="Did you mean 'total_fatalities'"):
        plots.time_series(result.regional, "total_fatality")
    with pytest.raises(ValueError, match="XYZ"):
        plots.time_series(result.countries, "stability", countries=["XYZ"])
    with pytest.raises(ValueError, match="not numeric"):
        plots.time_series(result.countries, "regime")


# --- paired difference -------------------------------------------------------------------------


def test_paired_difference_regional(over_time: dict[str, pd.DataFrame]) -> None:
    fig = plots.paired_difference(over_time, "total_fatalities", label_a="us_stays",
                                  label_b="us_withdraws")  # fmt: skip
    (ax,) = [ax for ax in fig.axes if ax.get_visible()]
    unit = _table("total_fatalities").unit
    assert ax.get_ylabel() == f"Difference, us_withdraws - us_stays ({unit})"
    assert ax.get_title() == _table("total_fatalities").label
    assert any(np.all(np.asarray(line.get_ydata()) == 0) for line in ax.lines)  # the zero line
    np.testing.assert_allclose(ax.lines[-1].get_ydata(), over_time["total_fatalities"]["diff"])
    assert len(ax.collections) == 1
    assert fig.get_suptitle() == "us_withdraws minus us_stays (paired replicates)"


def test_paired_difference_one_panel_per_country(over_time: dict[str, pd.DataFrame]) -> None:
    fig = plots.paired_difference(over_time, "fatalities", title="withdraws - stays")
    panels = [ax for ax in fig.axes if ax.get_visible()]
    label = _table("fatalities").label
    assert [ax.get_title() for ax in panels] == [f"{label}, Niger", f"{label}, Mali"]
    assert all(_has_data(ax) for ax in panels)
    assert fig.get_suptitle() == "withdraws - stays"
    only = plots.paired_difference(over_time, "fatalities", countries=["MLI"])
    assert len([ax for ax in only.axes if ax.get_visible()]) == 1
    stacked = pd.concat(over_time, names=["metric"]).reset_index(level=0)
    assert len(plots.paired_difference(stacked, "total_fatalities").axes) == 1
    with pytest.raises(ValueError, match="Did you mean 'fatalities'"):
        plots.paired_difference(over_time, "fatality")


# --- influence shares --------------------------------------------------------------------------


def test_influence_shares_small_multiples(result: RunResult) -> None:
    fig = plots.influence_shares(result.countries)
    panels = fig.axes
    countries = list(dict.fromkeys(result.countries["country"].astype(str)))
    assert len(panels) == len(countries)  # no empty panel is left
    powers = [c.removeprefix("influence_") for c in result.countries if c.startswith("influence_")]
    for ax, iso in zip(panels, countries, strict=True):
        assert ax.get_title() == plots.country_name(iso)
        assert len(ax.collections) == len(powers)
        assert all(len(c.get_paths()) > 0 for c in ax.collections)
    assert panels[0].get_ylabel() == _with_unit(_table("influence_<POWER>"), "Influence share")
    colours = [tuple(c.get_facecolor()[0][:3]) for c in panels[0].collections]
    expected = [matplotlib.colors.to_rgb(plots.POWER_COLOURS[p]) for p in plots.POWER_COLOURS]
    assert [tuple(np.round(c, 3)) for c in colours] == [tuple(np.round(e, 3)) for e in expected]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [plots.POWER_NAMES[p] for p in plots.POWER_COLOURS]


def test_influence_shares_at_a_month(result: RunResult) -> None:
    fig = plots.influence_shares(result.countries, countries=["NER", "TCD"], date="2024-08")
    (ax,) = fig.axes
    assert len(ax.patches) == 2 * 6  # one bar per country and power
    cty = result.countries
    niger = cty[(cty["country"] == "NER") & (cty["date"] == pd.Timestamp("2024-08-01"))]
    total = sum(niger[f"influence_{p}"].mean() for p in plots.POWER_COLOURS)
    niger_bars = ax.patches[0::2]  # powers in turn, Niger then Chad
    assert niger_bars[-1].get_x() + niger_bars[-1].get_width() == pytest.approx(total)
    with pytest.raises(ValueError, match="no rows at 2030-01"):
        plots.influence_shares(result.countries, date="2030-01")


# --- network map --------------------------------------------------------------------------------


def test_to_frames_matches_the_graph(network) -> None:
    nodes, edges, model = network
    counts = model.network.edge_counts()
    assert edges["type"].value_counts().to_dict() == {k: v for k, v in counts.items() if v}
    niger = nodes.set_index("id").loc["NER"]
    assert (niger["lat"], niger["lon"]) == tuple(model.spec.countries["NER"].capital)
    assert niger["stability"] == model.countries["NER"].stability
    assert nodes["kind"].value_counts().to_dict() == {
        "country": len(model.countries), "power": len(model.powers),
        "group": len(model.groups), "bloc": len(model.blocs),
    }  # fmt: skip
    assert {"source", "target", "type", "troops", "target_troops", "fighters"} <= set(edges)


def test_network_map_draws_every_node_and_edge_type(network) -> None:
    nodes, edges, model = network
    fig = plots.network_map(nodes, edges, title="month 6")
    (ax,) = _panels(fig)
    assert len(fig.axes) == 2  # the map and its stability colour bar
    assert fig.axes[1].get_ylabel() == _with_unit(_table("stability"))
    assert ax.get_title() == "month 6"
    assert ax.get_xlabel() == "longitude (degrees east)"
    assert ax.get_ylabel() == "latitude (degrees north)"
    labels = {t.get_text() for t in ax.texts}
    assert labels == set(nodes["id"])  # every node is labelled
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    drawn = sum(len(c.get_segments()) for c in lines)
    assert drawn == (edges["type"] != "rivalry").sum()
    assert len(ax.patches) == (edges["type"] == "rivalry").sum()
    # countries sit at their capitals, coloured by stability
    country_dots = next(c for c in ax.collections if isinstance(c, PathCollection)
                        and c.get_array() is not None)  # fmt: skip
    expected = [(c.capital[1], c.capital[0]) for c in model.countries_in_order]
    np.testing.assert_allclose(country_dots.get_offsets(), expected)
    np.testing.assert_allclose(country_dots.get_array(),
                               [c.stability for c in model.countries_in_order])  # fmt: skip
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "land border" in legend and "external power" in legend


def test_network_map_needs_columns(network) -> None:
    nodes, edges, _ = network
    with pytest.raises(ValueError, match="'kind'"):
        plots.network_map(nodes.drop(columns="kind"), edges)


# --- event timeline -----------------------------------------------------------------------------


def test_event_timeline_rows_markers_and_replicate_counts(result: RunResult) -> None:
    events = result.events
    fig = plots.event_timeline(events, title="Events")
    (ax,) = fig.axes
    shown = events[~events["kind"].isin(["presence", "presence_ends", "arrive", "set_parameter"])]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    expected = sorted({plots.country_name(c) for c in shown["country"] if c})
    assert rows[: len(expected)] == expected
    markers = sum(len(c.get_offsets()) for c in ax.collections)
    keys = ["date", "country", "kind", "actor", "scheduled"]
    assert markers == len(shown.drop_duplicates(keys))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "scheduled (every replicate)" in legend
    assert f"model-driven, in 1 of {REPS} replicates" in legend
    assert "withdrawal" in legend and "actor: United States" in legend
    # sizes of model-driven markers grow with the share of replicates
    endogenous = shown[~shown["scheduled"]]
    counts = endogenous.groupby(keys[:-1])["replicate"].nunique()
    sizes = np.concatenate([c.get_sizes() for c in ax.collections if len(c.get_sizes()) > 1
                            or c.get_sizes()[0] != 90])  # fmt: skip
    assert sorted(np.round(sizes, 6)) == sorted(np.round(25 + 65 * counts.to_numpy() / REPS, 6))


def test_event_timeline_without_events_is_an_error(result: RunResult) -> None:
    with pytest.raises(ValueError, match="no events"):
        plots.event_timeline(result.events.iloc[0:0])


# --- common -------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_every_figure_saves(fmt: str, result: RunResult, over_time, network) -> None:
    for fig in _every_figure(result, over_time, network):
        assert all(_has_data(ax) for ax in _panels(fig) if ax.get_visible())
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt)
        assert buffer.tell() > 1000


def _texts(fig) -> list[str]:
    """Every text a reader sees: titles, axis labels, tick labels' axes, legends, colour bars."""
    out = [fig.get_suptitle()] if fig._suptitle is not None else []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.texts]
        if ax.get_legend():
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    for legend in fig.legends:
        out += [t.get_text() for t in legend.get_texts()]
    return [t for t in out if t]


def _every_figure(result, over_time, network) -> list:
    nodes, edges, _model = network
    return [
        plots.time_series(result.regional, "total_fatalities"),
        plots.time_series(result.regional, "western_influence"),
        plots.time_series(result.countries, "control", countries=["NER"]),
        plots.time_series(result.countries, "insurgent_strength"),
        plots.paired_difference(over_time, "fatalities"),
        plots.paired_difference(over_time, "total_fatalities"),
        plots.influence_shares(result.countries),
        plots.influence_shares(result.countries, date="2024-08"),
        plots.network_map(nodes, edges),
        plots.country_map(result.countries, "fatalities", edges=edges),
        plots.event_timeline(result.events),
        plots.key_metrics(result.regional, result.countries),
    ]


def test_no_figure_shows_a_raw_column_name(result: RunResult, over_time, network) -> None:
    columns = {c for c in (*result.regional.columns, *result.countries.columns) if "_" in c}
    assert {"total_fatalities", "influence_RUS", "insurgent_strength"} <= columns
    for fig in _every_figure(result, over_time, network):
        texts = _texts(fig)
        assert texts
        raw = [t for t in texts if any(c in t for c in columns)]
        assert raw == [], raw


def test_legends_lie_inside_the_saved_figure(result: RunResult, over_time, network) -> None:
    for fig in _every_figure(result, over_time, network):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        page = fig.bbox
        legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
        assert legends, fig
        for legend in legends:
            box = legend.get_window_extent(renderer)
            assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1, (box, page)
            assert page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1, (box, page)
        for ax in fig.axes:  # titles and axis labels too
            for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
                if text.get_text():
                    box = text.get_window_extent(renderer)
                    assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1, text.get_text()


def test_metric_table_resolves_patterns_with_names() -> None:
    assert plots.metric_unit("influence_RUS") == _table("influence_<POWER>").unit
    assert plots.metric_title("regional_influence_FRA") == "Regional influence of France"
    assert plots.metric_title("bloc_size_AES") == "Members of Alliance of Sahel States (AES)"
    assert plots.axis_label("n_juntas") == _with_unit(_table("n_juntas"))
    assert plots.metric_title("my_reporter") == "my reporter"  # unknown: words, never the name
    for metric in (*metrics.COUNTRY_METRICS, *metrics.REGIONAL_METRICS):
        assert metric.label and "_" not in metric.label, metric.name


def _lab(colour: str) -> np.ndarray:
    """CIE L*a*b* (D65) of an sRGB colour."""
    rgb = np.asarray(matplotlib.colors.to_rgb(colour))
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ lin / np.array([0.9505, 1.0, 1.089])  # fmt: skip
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _closest_pair(colours: dict[str, str]) -> float:
    labs = {k: _lab(c) for k, c in colours.items()}
    keys = list(labs)
    return min(
        float(np.linalg.norm(labs[a] - labs[b])) for i, a in enumerate(keys) for b in keys[i + 1 :]
    )


def test_palette_is_distinct_for_every_power_country_and_bloc() -> None:
    assert set(plots.POWER_COLOURS) == {"USA", "FRA", "RUS", "CHN", "TUR", "EU"}
    assert set(plots.POWER_COLOURS.values()) <= set(plots.OKABE_ITO)
    assert _closest_pair(plots.POWER_COLOURS) > 25  # CIE76 colour difference
    model = SahelModel("historical_2012")
    assert set(model.countries) <= set(plots.COUNTRY_COLOURS)
    assert set(model.blocs) <= set(plots.BLOC_COLOURS)
    assert _closest_pair(plots.COUNTRY_COLOURS) > 15
    assert _closest_pair(plots.BLOC_COLOURS) > 25
    assert set(plots.COUNTRY_NAMES) == set(plots.COUNTRY_COLOURS)


def test_plots_import_neither_the_model_nor_pyplot() -> None:
    code = (
        "import sys, sim.views.figures; "
        "bad = [m for m in ('sim.world.model', 'mesa', 'matplotlib.pyplot') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_backend_rule_is_agg_only_without_a_display_or_a_choice() -> None:
    from sim.views.style import backend_rule

    none: dict[str, object] = {}
    assert backend_rule({}, none, "linux") == "Agg"
    assert backend_rule({"DISPLAY": ":0"}, none, "linux") is None
    assert backend_rule({"WAYLAND_DISPLAY": "wayland-0"}, none, "linux") is None
    assert backend_rule({"MPLBACKEND": "svg"}, none, "linux") is None
    assert backend_rule({}, {"ipykernel": object()}, "linux") is None
    assert backend_rule({}, {"matplotlib.pyplot": object()}, "linux") is None
    assert backend_rule({}, none, "darwin") is None


@pytest.mark.slow
def test_agg_only_when_no_backend_was_chosen() -> None:
    code = (
        "import os, matplotlib; os.environ.pop('MPLBACKEND', None); "
        "os.environ.pop('DISPLAY', None); os.environ.pop('WAYLAND_DISPLAY', None); "
        "from sim.views import figures as plots; plots._pyplot(); print(matplotlib.get_backend())"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.stdout.strip().lower() == "agg", res.stderr
    code = (
        "import os; os.environ['MPLBACKEND'] = 'svg'; import matplotlib; "
        "from sim.views import figures as plots; plots._pyplot(); print(matplotlib.get_backend())"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.stdout.strip().lower() == "svg", res.stderr


def test_poly_collection_is_the_band(result: RunResult) -> None:
    ax = plots.time_series(result.regional, "n_juntas").axes[0]
    assert all(isinstance(c, PolyCollection) for c in ax.collections)


def test_model_vs_observed_has_one_full_panel_per_country() -> None:
    years = list(range(2012, 2016))
    table = pd.DataFrame(
        [{"country": c, "year": y, "median": m * (y - 2011), "low": 0.5 * m * (y - 2011),
          "high": 2 * m * (y - 2011)} for c, m in (("MLI", 100), ("NER", 10), ("GHA", 0))
         for y in years]
    )  # fmt: skip
    observed = pd.DataFrame(
        [{"country": c, "year": y, "deaths": 5.0} for c in ("MLI", "NER", "GHA") for y in years[:2]]
    )
    fig = plots.model_vs_observed(table, observed, title="fit", last_fitted_year=2013)
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["Mali", "Niger", "Ghana"]  # by total, largest first
    for ax in axes:
        assert ax.get_ylabel() == "deaths per year"
        median, points = ax.get_lines()
        assert list(median.get_xdata()) == years
        assert list(points.get_xdata()) == years[:2]
        assert len(ax.collections) == 1 and len(ax.patches) == 1  # band; out-of-sample span
        assert ax.get_ylim()[1] >= 30
    plt.close(fig)


# --- the country map ----------------------------------------------------------------------------


def test_country_map_one_patch_per_outline_coloured_by_the_metric(result: RunResult) -> None:
    import json

    from matplotlib.patches import PathPatch

    from sim.bundled import data_file

    geo = json.loads(data_file("naturalearth_countries_50m.geojson").read_text("utf-8"))
    isos = {f["properties"]["iso3"] for f in geo["features"]}
    assert isos == set(result.countries["country"].astype(str))
    fig = plots.country_map(result.countries, "stability", month="2024-08")
    ax = _panels(fig)[0]
    patches = {p.get_gid(): p for p in ax.patches if isinstance(p, PathPatch) and p.get_gid()}
    assert set(patches) == isos and len(patches) == len(isos)
    # each outline is the country's own polygons: Nigeria's has as many closed rings
    nga = next(f for f in geo["features"] if f["properties"]["iso3"] == "NGA")
    rings = sum(len(poly) for poly in nga["geometry"]["coordinates"])
    closes = (patches["NGA"].get_path().codes == 79).sum()  # CLOSEPOLY
    assert closes == rings == 2
    cty = result.countries
    at = cty[cty["date"] == pd.Timestamp("2024-08-01")].groupby("country", observed=True)
    viridis = matplotlib.colormaps["viridis"]
    for iso, value in at["stability"].mean().items():
        np.testing.assert_allclose(patches[str(iso)].get_facecolor(), viridis(value), atol=1e-6)
    assert ax.get_title() == f"{_table('stability').label}, August 2024"
    assert fig.axes[1].get_ylabel() == _with_unit(_table("stability"))  # the colour bar


def test_country_map_draws_partners_presence_and_blocs(network) -> None:
    from matplotlib.patches import PathPatch

    nodes, edges, _model = network
    values = nodes[nodes["kind"] == "country"].set_index("id")["fatalities"].to_dict()
    values.pop("GHA")
    fig = plots.country_map(values, "fatalities", edges=edges, title="six months")
    ax = _panels(fig)[0]
    assert ax.get_title() == "six months"
    gha = next(p for p in ax.patches if p.get_gid() == "GHA")
    assert gha.get_hatch() == "//"  # no value
    squares = [line for line in ax.lines if line.get_marker() == "s"]
    amounts = edges[["troops", "aid_musd", "econ_musd"]].fillna(0).sum(axis=1)
    shown = edges[(edges["type"] == "partnership") & (amounts > 0)]
    assert len(squares) == len(shown)
    filled = [s for s in squares if s.get_markerfacecolor() != "white"]
    deployed = shown[(shown["troops"] > 0) & (shown["posture"] == "active")]
    assert len(filled) == len(deployed)
    members = edges[edges["type"] == "membership"]
    outlines = [p for p in ax.patches if isinstance(p, PathPatch) and not p.get_gid()]
    assert len(outlines) == len(members)
    ecowas = matplotlib.colors.to_rgba(plots.BLOC_COLOURS["ECOWAS"])
    assert any(np.allclose(p.get_edgecolor(), ecowas) for p in outlines)
    notes = " ".join(t.get_text() for t in ax.texts)
    strongest = edges[edges["type"] == "presence"].sort_values("fighters").iloc[-1]
    assert f"{strongest['source']} {strongest['fighters'] / 1000:.1f}k" in notes
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "Russia" in legend and "member of ECOWAS" in legend and "no value" in legend


def test_country_map_rejects_unknown_metric_and_month(result: RunResult) -> None:
    with pytest.raises(ValueError, match="Did you mean 'stability'"):
        plots.country_map(result.countries, "stabilty")
    with pytest.raises(ValueError, match="no rows at 2031-01"):
        plots.country_map(result.countries, "stability", month="2031-01")
