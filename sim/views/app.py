"""The Solara dashboard around :class:`~sim.world.model.SahelModel`, on Mesa's controls.

In a browser (``sahel viz us_withdraws``, which runs ``solara run sim.views.app``) or in Jupyter::

    from sim.views.app import page
    page                                   # the dashboard, with the default scenario

    from sim.views.app import make_page
    make_page("us_stays", seed=7)           # another scenario or seed

The sidebar holds Mesa's controls (Reset, Play/Pause, Step), the months per Step and the
pause while playing, and the model parameters: a scenario chooser, sliders for key mechanism
parameters, each with its value and unit written under it, and the seed. Sliders start at
the values the scenario runs (for the bundled scenarios the calibrated ones of
``scenarios/parameters/calibrated.yaml``) and their ranges contain them. Moving a slider or
choosing another scenario takes effect on **Reset** (the model is rebuilt with the values
shown). The main area shows the month simulated last and headline numbers, a map of the
countries coloured by a chosen metric with partners, insurgent presence and blocs over it,
the network, and the regional stability, violence and influence so far. Titles, axis labels
and legends come from the metric table (:data:`sim.world.metrics.METRICS`). The run ends
with the scenario's last month, the same as ``sahel run``'s; Step and Play stop there.

A Step advances the model by the "months per Step" (default 1) and the figures are drawn
after each such batch, also while playing; raise it (or pass ``render_interval=``) to draw
only every k months. A redraw of the five figures costs about 0.3-0.5 s; the model's month
costs < 1 ms.

The page is laid out here with Mesa's controller, not by Mesa's ``SolaraViz`` (which adds a
"Page 0" tab, a "Use Threads" check box and a "Time: 0.0" line).

The scenario that ``page`` starts with comes from the ``SAHEL_VIZ_SCENARIO`` environment
variable (set by ``sahel viz``), else ``us_withdraws``. This module imports Mesa's
visualisation stack (~4 s): ``import sim`` does not import it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from sim.scenario import Scenario, bundled_scenarios, load_scenario, month_index, month_name
from sim.views import style
from sim.views.figures import country_map, network_map
from sim.views.report import network_frames
from sim.views.style import metric_info
from sim.world.metrics import country_fields
from sim.world.metrics import regional as regional_metrics
from sim.world.model import SahelModel
from sim.world.parameters import Parameters, parameter_bounds, parameter_table

SCENARIO_ENV = "SAHEL_VIZ_SCENARIO"
"""Environment variable naming the scenario (bundled name or file) the page starts with."""

DEFAULT_SCENARIO = "us_withdraws"

SLIDER_PARAMETERS: tuple[str, ...] = (
    "recruitment_rate",
    "deterrence_scale",
    "isr_gain",
    "raid_share",
    "state_abuse_rate",
    "alignment_rate",
    "withdraw_speed",
)
"""Parameters with a slider: recruitment (Epstein), deterrence by security forces, the value of
surveillance hubs (what the US took out of Niger), cross-border raids, abuses by forces, how
fast juntas realign, and how fast forces leave. Recruitment, deterrence and raids are
calibrated (every bundled scenario runs the fitted values); a slider starts at the value the
chosen scenario runs, so the page never silently replaces it."""

SLIDER_SPAN = 4.0
"""A slider runs from the parameter's allowed minimum to this multiple of the value in use
(the full ranges, e.g. 0-1000 recruits per million, are too coarse to steer with)."""

SEED_MAX = 9999
PLAY_INTERVAL_MS = 150
"""Pause between played steps (Mesa's "Play Interval"), in milliseconds."""
RENDER_INTERVAL = 1
"""Months per Step click and per redraw while playing (Mesa's "Render Interval")."""

NetworkDrawer = Callable[..., Any]
"""``draw(nodes, edges, *, ax, title)``: draws the network tables into ``ax``."""


# --- the model as the dashboard builds it --------------------------------------------------------


class DashboardModel(SahelModel):
    """:class:`SahelModel` under the keyword names Mesa's SolaraViz uses to rebuild it.

    Mesa 3.5's Reset passes ``scenario=`` a ``mesa.experimental.scenarios.Scenario`` of its
    own (every ``mesa.Model`` has one, holding the seed), which clashes with SahelModel's
    ``scenario`` argument. Here the Sahel scenario (a bundled name or a file) arrives as
    ``scenario_name``; a Mesa scenario passed as ``scenario`` only contributes its seed when
    ``rng`` is not given. Parameter overrides come as keywords (the sliders).
    """

    def __init__(
        self,
        scenario_name: str | Scenario = DEFAULT_SCENARIO,
        *,
        scenario: Any = None,
        rng: int | np.random.SeedSequence | None = None,
        **parameters: float,
    ) -> None:
        if scenario is not None and not isinstance(scenario, str | Scenario):
            rng = getattr(scenario, "rng", None) if rng is None else rng
        elif scenario is not None:
            scenario_name = scenario
        super().__init__(scenario_name, rng=rng, parameters=parameters)

    def step(self) -> None:
        """One month, unless the run is over: Mesa's Step and Play call ``step`` "months per
        Step" times without looking at ``running``, and the run must end with the scenario's
        last month, as ``sahel run``'s does."""
        if self.running:
            super().step()


# --- model parameters ----------------------------------------------------------------------------


def _nice_step(span: float) -> float:
    """A round slider step giving about 100 positions over ``span``."""
    raw = span / 100.0
    if raw <= 0:
        return 1.0
    magnitude = 10.0 ** np.floor(np.log10(raw))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10.0 * magnitude)


def _resolution(value: float, digits: int = 6) -> float:
    """The power of ten that ``value``, written with ``digits`` significant digits, is a
    whole multiple of (``31.5474`` -> 0.0001, ``1500`` -> 1)."""
    if value == 0 or not math.isfinite(value):
        return 1.0
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    text = f"{value:.{decimals}f}".rstrip("0")
    shown = len(text.split(".")[1]) if "." in text else 0
    return 10.0**-shown


def _on_grid(value: float, lo: float, step: float) -> bool:
    k = (value - lo) / step
    return abs(k - round(k)) < 1e-6


def slider_spec(name: str, value: float) -> dict[str, Any]:
    """Mesa-style ``SliderFloat`` description for parameter ``name`` starting at ``value``.

    The range starts at the parameter's allowed minimum and runs to :data:`SLIDER_SPAN`
    times the value in use (the default when that is 0), within the allowed maximum: the
    value a scenario runs (the calibrated one, for the bundled scenarios) is always inside,
    with room to steer either side. The step is round (about 100 positions) when the value
    lies on it, else the finest decimal the value needs, so that a browser, which snaps a
    slider to its step, never changes the value in use. ``unit`` is the parameter's unit.
    """
    lo, hi = parameter_bounds(name)
    default = float(Parameters.model_fields[name].default)
    anchor = value if value > 0 else default
    top = min(hi, max(SLIDER_SPAN * anchor, value, lo + 1e-9))
    step = _nice_step(top - lo)
    if not (_on_grid(value, lo, step) and _on_grid(lo, 0.0, step)):
        step = min(step, _resolution(value), _resolution(lo) if lo else step)
    return {
        "type": "SliderFloat",
        "label": name.replace("_", " "),
        "value": float(value),
        "min": lo,
        "max": top,
        "step": step,
        "unit": PARAMETER_UNITS.get(name, ""),
    }


def _parameter_units() -> dict[str, str]:
    return {row["name"]: str(row["unit"]) for row in parameter_table()}


PARAMETER_UNITS: dict[str, str] = _parameter_units()
"""Each parameter's unit, from its declaration (:func:`sim.world.parameters.parameter_table`)."""


def value_text(value: float, unit: str) -> str:
    """A slider's value as the page shows it: six significant digits and the unit."""
    return f"{value:.6g} {unit}".strip()


def scenario_choices(current: str) -> list[str]:
    """The bundled scenario names, plus ``current`` when it is a file of the user's."""
    names = list(bundled_scenarios())
    return names if current in names else [current, *names]


def model_params(scenario: str = DEFAULT_SCENARIO, seed: int | None = None) -> dict[str, Any]:
    """The page's ``model_params`` (Mesa's format): the scenario chooser, the sliders and the
    seed. Sliders start at ``scenario``'s values (calibrated ones included); the seed at
    ``seed`` or the scenario's own."""
    spec = load_scenario(scenario)
    values = spec.parameters.model_dump()
    params: dict[str, Any] = {
        "scenario_name": {
            "type": "Select",
            "label": "scenario",
            "value": scenario,
            "values": scenario_choices(scenario),
        }
    }
    for name in SLIDER_PARAMETERS:
        params[name] = slider_spec(name, values[name])
    params["rng"] = {
        "type": "SliderInt",
        "label": "seed",
        "value": int(spec.seed if seed is None else seed) % (SEED_MAX + 1),
        "min": 0,
        "max": SEED_MAX,
        "step": 1,
    }
    return params


def initial_kwargs(params: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments Reset passes for these ``model_params`` untouched."""
    return {
        k: (v["value"] if isinstance(v, dict) and "type" in v else v) for k, v in params.items()
    }


# --- data taken from the live model --------------------------------------------------------------


def month_dates(model: SahelModel, n: int) -> np.ndarray:
    """The first ``n`` simulated months as ``datetime64[M]`` (month 0 is the start)."""
    return np.datetime64(model.start, "M") + np.arange(n).astype("timedelta64[M]")


def recorded(model: SahelModel, name: str) -> list[float]:
    """The values of regional metric ``name`` recorded so far, one per simulated month."""
    return list(model.datacollector.model_vars.get(name, ()))


def last_month(model: SahelModel) -> str:
    """The month the run ends with (``YYYY-MM``): the last of the ``n_months`` months it
    simulates, the same month ``sahel run`` ends with for the scenario."""
    return month_name(month_index(model.start) + model.n_months - 1)


def simulated_month(model: SahelModel) -> str | None:
    """The month simulated last (``YYYY-MM``), ``None`` before the first step."""
    return month_name(month_index(model.start) + model.month - 1) if model.month else None


def headline(model: SahelModel) -> dict[str, Any]:
    """The numbers the status panel shows, for the current state of ``model``.

    ``date`` is the month simulated last (``YYYY-MM``; ``None`` before the first step),
    ``start`` and ``end`` the first and last months of the run (``end`` as in ``sahel
    run``), ``month`` the number of months simulated and ``months`` of the run,
    ``stability`` the population-weighted regional stability (0-1), ``fatalities`` the
    conflict deaths of the last simulated month (0 before the first), ``western`` and
    ``russian`` the regional influence shares (0-1) and ``juntas`` the number of countries
    ruled by a junta.
    """
    values = model.regional or regional_metrics(model)
    return {
        "date": simulated_month(model),
        "start": model.start,
        "end": last_month(model),
        "month": model.month,
        "months": model.n_months,
        "stability": float(values["regional_stability"]),
        "fatalities": float(values["total_fatalities"]) if model.regional else 0.0,
        "western": float(values["western_influence"]),
        "russian": float(values["russian_influence"]),
        "juntas": int(values["n_juntas"]),
    }


def country_values(model: SahelModel, metric: str) -> dict[str, float]:
    """Country -> current value of country metric ``metric`` (as the DataCollector records
    it; also before the first step)."""
    field = country_fields(model)[metric]
    return {
        c.iso3: float(getattr(c, field) if isinstance(field, str) else field(c))
        for c in model.countries_in_order
    }


# --- figures (matplotlib Figure objects, never pyplot: the server draws in threads) --------------


def _timeline_axes(model: SahelModel, title: str, ylabel: str) -> tuple[Figure, Any]:
    fig = Figure(figsize=(6.0, 3.4), dpi=80)
    fig.subplots_adjust(left=0.13, right=0.97, top=0.9, bottom=0.12)  # constrained: 2x slower
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=11)
    ax.set_ylabel(ylabel, fontsize=9)
    end = month_dates(model, max(model.n_months, 1))
    ax.set_xlim(end[0], end[-1])
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)
    if model.month == 0:
        ax.text(0.5, 0.5, "press Step or Play", transform=ax.transAxes, ha="center", color="grey")
    return fig, ax


def stability_figure(model: SahelModel) -> Figure:
    """Population-weighted regional stability (0-1) by month so far."""
    info = metric_info("regional_stability")
    fig, ax = _timeline_axes(model, info.label, info.axis_label)
    values = recorded(model, "regional_stability")
    ax.plot(month_dates(model, len(values)), values, color=style.OKABE_ITO[0], lw=2)
    ax.set_ylim(0, 1)
    return fig


def violence_figure(model: SahelModel) -> Figure:
    """Conflict deaths in the region, deaths per month, by month so far."""
    info = metric_info("total_fatalities")
    fig, ax = _timeline_axes(model, info.label, info.axis_label)
    values = recorded(model, "total_fatalities")
    ax.plot(month_dates(model, len(values)), values, color=style.OKABE_ITO[1], lw=2)
    ax.set_ylim(bottom=0, top=max([1.0, *values]) * 1.1)
    return fig


def influence_figure(model: SahelModel) -> Figure:
    """Regional influence shares (0-1): Western powers and Russia in bold, others thin, each
    power in its colour (:mod:`sim.views.style`)."""
    unit = metric_info("western_influence").unit_text
    fig, ax = _timeline_axes(model, "Regional influence", f"Influence share ({unit})")
    n = len(recorded(model, "western_influence"))
    dates = month_dates(model, n)
    for name, colour in (("western_influence", "USA"), ("russian_influence", "RUS")):
        ax.plot(dates, recorded(model, name), color=style.power_colour(colour), lw=2,
                label=metric_info(name).label)  # fmt: skip
    for k, (pid, power) in enumerate(model.powers.items()):
        if pid != "RUS" and not power.western:
            ax.plot(dates, recorded(model, f"regional_influence_{pid}"), lw=1, ls="--",
                    color=style.power_colour(pid, k), label=style.power_name(pid))  # fmt: skip
    shares = [
        v for name in ("western_influence", "russian_influence") for v in recorded(model, name)
    ]
    ax.set_ylim(0, min(1.0, max([0.2, *shares]) * 1.3))
    ax.legend(loc="upper left", fontsize=8, ncols=2)
    return fig


def network_figure(model: SahelModel, draw: NetworkDrawer | None = None) -> Figure:
    """The network at the current month (countries at their capitals, edges by type, colour
    by stability); ``draw`` defaults to :func:`sim.views.figures.network_map`."""
    fig = Figure(figsize=(7.6, 5.6), dpi=60, layout="constrained")  # room for the legend
    ax = fig.add_subplot()
    nodes, edges = network_frames(model)
    when = simulated_month(model) or f"start ({model.start})"
    (draw or network_map)(nodes, edges, ax=ax, title=f"Network, {when}")
    return fig


def map_figure(model: SahelModel, metric: str = "stability") -> Figure:
    """The countries' outlines coloured by country metric ``metric`` now, with partners,
    insurgent presence and blocs over them (:func:`sim.views.figures.country_map`)."""
    fig = Figure(figsize=(8.4, 7.4), dpi=60, layout="constrained")
    ax = fig.add_subplot()
    _, edges = network_frames(model)
    when = simulated_month(model) or f"start ({model.start})"
    country_map(country_values(model, metric), metric, edges=edges, ax=ax,
                title=f"{metric_info(metric).label}, {when}")  # fmt: skip
    return fig


# --- Solara components ---------------------------------------------------------------------------


def _figure_component(build: Callable[[SahelModel], Figure]) -> Callable[[SahelModel], Any]:
    """A component drawing ``build(model)``; redrawn only when the month changes."""

    def component(model: SahelModel) -> Any:
        fig = solara.use_memo(lambda: build(model), [model, model.month])
        return solara.FigureMatplotlib(fig, dependencies=[model, model.month], format="png")

    component.__name__ = build.__name__.replace("_figure", "_view")
    return component


MAP_METRICS: tuple[str, ...] = (
    "stability",
    "control",
    "legitimacy",
    "grievance",
    "fatalities",
    "insurgent_strength",
    "coup_hazard",
    "influence_RUS",
    "influence_USA",
    "influence_FRA",
    "influence_CHN",
)
"""Country metrics the map can be coloured by (chosen in the page by their labels)."""


@solara.component
def MapView(model: SahelModel) -> None:
    """The map with a chooser of the metric that colours it (labels from the metric table)."""
    update_counter.get()  # a component of its own: redrawn when the controls step the model
    choices = [m for m in MAP_METRICS if m in country_fields(model)]
    labels = {metric_info(m).axis_label: m for m in choices}
    chosen = solara.use_reactive(next(iter(labels)))
    metric = labels.get(chosen.value, choices[0])
    fig = solara.use_memo(lambda: map_figure(model, metric), [model, model.month, metric])
    with solara.Column():
        solara.Select("map colour", value=chosen, values=list(labels))
        solara.FigureMatplotlib(fig, dependencies=[model, model.month, metric], format="png")


def status_panel(model: SahelModel) -> Any:
    """The month simulated last and headline numbers, as text (``data-*`` attributes for
    tests). The run ends with the same month as ``sahel run``."""
    h = headline(model)
    if h["date"] is None:
        when = f"start {h['start']}: nothing simulated yet"
    else:
        when = f"{h['date']} ({h['month']} of {h['months']} months simulated)"
    rows = [
        ("Month", when),
        ("Run", f"{h['start']} to {h['end']}, {h['months']} months"),
        (metric_info("regional_stability").axis_label, f"{h['stability']:.4f}"),
        (f"{metric_info('total_fatalities').label}, last month", f"{h['fatalities']:.0f}"),
        ("Influence: Western / Russia (share, 0-1)", f"{h['western']:.3f} / {h['russian']:.3f}"),
        (metric_info("n_juntas").label, f"{h['juntas']}"),
    ]
    body = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{k}</th><td>{v}</td></tr>"
        for k, v in rows
    )
    html = (
        f"<div class='sahel-status' data-month='{h['date'] or ''}' data-step='{h['month']}' "
        f"data-start='{h['start']}' data-end='{h['end']}' data-months='{h['months']}' "
        f"data-stability='{h['stability']:.6f}' data-fatalities='{h['fatalities']:.3f}'>"
        f"<h3 style='margin:0 0 .5em'>{model.spec.name}: {h['date'] or h['start']}</h3>"
        f"<table>{body}</table></div>"
    )
    return solara.HTML(tag="div", unsafe_innerHTML=html)


stability_view = _figure_component(stability_figure)
violence_view = _figure_component(violence_figure)
influence_view = _figure_component(influence_figure)
network_view = _figure_component(network_figure)

COMPONENTS: list[Callable[[SahelModel], Any]] = [
    status_panel,
    MapView,
    network_view,
    stability_view,
    violence_view,
    influence_view,
]
"""What the main area shows, in order: two a row after the status panel."""


@solara.component
def _Live(component: Callable[[SahelModel], Any], model: SahelModel) -> Any:
    """``component(model)``, drawn again whenever the controls step the model."""
    update_counter.get()
    return component(model)


@solara.component
def ParameterInputs(params: dict[str, Any], values: solara.Reactive[dict[str, Any]]) -> None:
    """The scenario chooser, one slider per parameter (its value and unit written under it)
    and the seed; each change goes into ``values``, which Reset builds the model from."""

    def setter(name: str) -> Callable[[Any], None]:
        return lambda value: values.set({**values.value, name: value})

    for name, spec in params.items():
        current = values.value.get(name, spec["value"])
        if spec["type"] == "Select":
            solara.Select(spec["label"], value=current, values=spec["values"],
                          on_value=setter(name))  # fmt: skip
            continue
        slider = solara.SliderInt if spec["type"] == "SliderInt" else solara.SliderFloat
        slider(spec["label"], value=current, min=spec["min"], max=spec["max"],
               step=spec["step"], on_value=setter(name))  # fmt: skip
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<div class='sahel-slider-value' data-name='{name}' data-value='{current!r}' "
                f"style='margin:-1.2em 0 .6em 1em;font-size:85%;color:#555'>"
                f"{value_text(current, spec.get('unit', ''))}</div>"
            ),
        )


@solara.component
def Dashboard(
    scenario: str = DEFAULT_SCENARIO,
    seed: int | None = None,
    render_interval: int = RENDER_INTERVAL,
    play_interval: int = PLAY_INTERVAL_MS,
) -> None:
    """The dashboard for ``scenario`` (a bundled name or a file), starting with ``seed``.

    Mesa's controls (Reset, Play/Pause, Step: :func:`mesa.visualization.solara_viz.
    ModelController`) drive the model; the page is laid out here rather than by Mesa's
    ``SolaraViz``, which adds a "Page 0" tab, a "Use Threads" box and a "Time: 0.0" line the
    dashboard does not need. Each session (browser tab or notebook output) builds its own
    model.
    """
    params = solara.use_memo(lambda: model_params(scenario, seed), [scenario, seed])
    first = solara.use_memo(lambda: DashboardModel(**initial_kwargs(params)), [params])
    model: solara.Reactive[DashboardModel] = solara.use_reactive(first)
    values = solara.use_reactive(initial_kwargs(params))
    play = solara.use_reactive(play_interval)
    months_per_step = solara.use_reactive(render_interval)
    threads = solara.use_reactive(False)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            ModelController(model, model_parameters=values, play_interval=play,
                            render_interval=months_per_step, use_threads=threads)  # fmt: skip
            solara.SliderInt("months per Step", value=months_per_step, min=1,
                             max=max(24, render_interval), step=1)  # fmt: skip
            solara.Text(f"{months_per_step.value} month(s) per Step and per redraw")
            solara.SliderInt("pause while playing", value=play, min=10,
                             max=max(1000, play_interval), step=10)  # fmt: skip
            solara.Text(f"{play.value} ms between steps while playing")
        with solara.Card("Model parameters (applied on Reset)"):
            ParameterInputs(params, values)
    with solara.Column():
        _Live(COMPONENTS[0], model.value)
        views = COMPONENTS[1:]
        for k in range(0, len(views), 2):
            with solara.Columns([1] * len(views[k : k + 2])):
                for component in views[k : k + 2]:
                    _Live(component, model.value)


TITLE = "Sahel: influence and stability"
"""The page's title (in the app bar)."""


def launch_scenario() -> str:
    """The scenario named by :data:`SCENARIO_ENV`, else :data:`DEFAULT_SCENARIO`."""
    return os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO


@solara.component
def Page() -> None:
    """The page ``solara run sim.views.app`` serves: the dashboard for :func:`launch_scenario`."""
    Dashboard(scenario=launch_scenario())


def make_page(scenario: str = DEFAULT_SCENARIO, **options: Any) -> Any:
    """A dashboard element for Jupyter (``make_page("us_stays", seed=3)``); see
    :func:`Dashboard` for the options."""
    return Dashboard(scenario=scenario, **options)


page = Page()
"""The dashboard element: display it in Jupyter (``from sim.views.app import page; page``)."""

__all__ = [
    "COMPONENTS",
    "Dashboard",
    "DashboardModel",
    "Page",
    "headline",
    "last_month",
    "make_page",
    "map_figure",
    "model_params",
    "network_figure",
    "page",
]
