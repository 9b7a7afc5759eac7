"""The Solara dashboard: Mesa's SolaraViz around :class:`~sim.world.model.SahelModel`.

In a browser (``sahel viz us_withdraws``, which runs ``solara run sim.views.app``) or in Jupyter::

    from sim.views.app import page
    page                                   # the dashboard, with the default scenario

    from sim.views.app import make_page
    make_page("us_stays", seed=7)           # another scenario or seed

The sidebar holds Mesa's controls (Reset, Play/Pause, Step; the play and render intervals)
and the model parameters: a scenario chooser, sliders for key mechanism parameters and the
seed. Moving a slider or choosing another scenario takes effect on **Reset** (Mesa rebuilds the
model with the values shown). One Step is one month. The main area shows the current month and
headline numbers, the network at its capitals, and the regional stability, violence and
influence so far.

Mesa's Step button advances the model by the *render interval* and the plots are drawn after
each such batch, also while playing. The default interval is 1, so a Step is one month; for
long plays raise the "Render Interval" slider (or pass ``render_interval=``) to draw only every
k months. A redraw of the four figures costs about 0.2-0.3 s; the model's month costs < 1 ms.

The scenario that ``page`` starts with comes from the ``SAHEL_VIZ_SCENARIO`` environment
variable (set by ``sahel viz``), else ``us_withdraws``. This module imports Mesa's
visualisation stack (~4 s): ``import sim`` does not import it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz

from sim.scenario import Scenario, bundled_scenarios, load_scenario
from sim.views.figures import network_map
from sim.views.report import network_frames
from sim.world.metrics import regional as regional_metrics
from sim.world.model import SahelModel
from sim.world.parameters import Parameters, parameter_bounds

SCENARIO_ENV = "SAHEL_VIZ_SCENARIO"
"""Environment variable naming the scenario (bundled name or file) the page starts with."""

DEFAULT_SCENARIO = "us_withdraws"

SLIDER_PARAMETERS: tuple[str, ...] = (
    "recruitment_rate",
    "deterrence_scale",
    "isr_troop_equivalent",
    "raid_share",
    "state_abuse_rate",
    "alignment_rate",
    "withdraw_speed",
)
"""Parameters with a slider: recruitment (Epstein), deterrence by security forces, the value of
surveillance hubs (what the US took out of Niger), cross-border raids, abuses by forces, how
fast juntas realign, and how fast forces leave. None is set by a bundled scenario file, so a
slider's value never silently replaces a scenario's own choice."""

SLIDER_SPAN = 4.0
"""A slider runs over the parameter's allowed range, capped at this multiple of its default
(the full ranges, e.g. 0-1000 recruits per million, are too coarse to steer with)."""

SEED_MAX = 9999
PLAY_INTERVAL_MS = 150
"""Pause between played steps (Mesa's "Play Interval"), in milliseconds."""
RENDER_INTERVAL = 1
"""Months per Step click and per redraw while playing (Mesa's "Render Interval")."""

COLOURS = {
    "stability": "#0072B2",
    "fatalities": "#D55E00",
    "western": "#0072B2",
    "russian": "#D55E00",
    "other": "#999999",
}  # Okabe-Ito, as in sim.views.figures

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


def slider_spec(name: str, value: float) -> dict[str, Any]:
    """Mesa's ``SliderFloat`` description for parameter ``name`` starting at ``value``.

    The range is the parameter's allowed range (``parameter_bounds``), its top capped at
    :data:`SLIDER_SPAN` times the default (but never below ``value``).
    """
    lo, hi = parameter_bounds(name)
    default = float(Parameters.model_fields[name].default)
    top = min(hi, max(SLIDER_SPAN * default, value, lo + 1e-9))
    return {
        "type": "SliderFloat",
        "label": name.replace("_", " "),  # the unit is in the docstring table (README)
        "value": float(value),
        "min": lo,
        "max": top,
        "step": _nice_step(top - lo),
    }


def scenario_choices(current: str) -> list[str]:
    """The bundled scenario names, plus ``current`` when it is a file of the user's."""
    names = list(bundled_scenarios())
    return names if current in names else [current, *names]


def model_params(scenario: str = DEFAULT_SCENARIO, seed: int | None = None) -> dict[str, Any]:
    """SolaraViz ``model_params``: the scenario chooser, the sliders and the seed.

    Sliders start at ``scenario``'s values; the seed at ``seed`` or the scenario's own.
    """
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
    """The keyword arguments Mesa's Reset would pass for these ``model_params`` untouched."""
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


def headline(model: SahelModel) -> dict[str, Any]:
    """The numbers the status panel shows, for the current state of ``model``.

    ``date`` is the month about to be simulated (``YYYY-MM``), ``month`` its index (0 =
    start), ``stability`` the population-weighted regional stability (0-1), ``fatalities``
    the conflict deaths of the last simulated month (0 before the first), ``western`` and
    ``russian`` the regional influence shares (0-1) and ``juntas`` the number of countries
    ruled by a junta.
    """
    values = model.regional or regional_metrics(model)
    return {
        "date": model.date,
        "month": model.month,
        "months": model.n_months,
        "stability": float(values["regional_stability"]),
        "fatalities": float(values["total_fatalities"]) if model.regional else 0.0,
        "western": float(values["western_influence"]),
        "russian": float(values["russian_influence"]),
        "juntas": int(values["n_juntas"]),
    }


# --- figures (matplotlib Figure objects, never pyplot: the server draws in threads) --------------


def _timeline_axes(model: SahelModel, title: str, ylabel: str) -> tuple[Figure, Any]:
    fig = Figure(figsize=(6.0, 3.4), dpi=80)
    fig.subplots_adjust(left=0.12, right=0.97, top=0.9, bottom=0.12)  # constrained: 2x slower
    ax = fig.add_subplot()
    ax.set_title(title, fontsize=11)
    ax.set_ylabel(ylabel)
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
    fig, ax = _timeline_axes(model, "Regional stability", "index (0-1)")
    values = recorded(model, "regional_stability")
    ax.plot(month_dates(model, len(values)), values, color=COLOURS["stability"], lw=2)
    ax.set_ylim(0, 1)
    return fig


def violence_figure(model: SahelModel) -> Figure:
    """Conflict fatalities in the region, deaths per month, by month so far."""
    fig, ax = _timeline_axes(model, "Violence", "fatalities per month")
    values = recorded(model, "total_fatalities")
    ax.plot(month_dates(model, len(values)), values, color=COLOURS["fatalities"], lw=2)
    ax.set_ylim(bottom=0, top=max([1.0, *values]) * 1.1)
    return fig


def influence_figure(model: SahelModel) -> Figure:
    """Regional influence shares (0-1): Western powers and Russia in bold, others thin."""
    fig, ax = _timeline_axes(model, "Influence", "regional share (0-1)")
    n = len(recorded(model, "western_influence"))
    dates = month_dates(model, n)
    ax.plot(dates, recorded(model, "western_influence"), color=COLOURS["western"], lw=2,
            label="Western (US, France, EU)")  # fmt: skip
    ax.plot(dates, recorded(model, "russian_influence"), color=COLOURS["russian"], lw=2,
            label="Russia")  # fmt: skip
    for pid, power in model.powers.items():
        if pid != "RUS" and not power.western:
            ax.plot(dates, recorded(model, f"regional_influence_{pid}"), lw=1, ls="--",
                    label=pid)  # fmt: skip
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
    (draw or network_map)(nodes, edges, ax=ax, title=f"Network, {model.date}")
    return fig


# --- Solara components ---------------------------------------------------------------------------


def _figure_component(build: Callable[[SahelModel], Figure]) -> Callable[[SahelModel], Any]:
    """A SolaraViz component drawing ``build(model)``; redrawn only when the month changes."""

    def component(model: SahelModel) -> Any:
        fig = solara.use_memo(lambda: build(model), [model, model.month])
        return solara.FigureMatplotlib(fig, dependencies=[model, model.month], format="png")

    component.__name__ = build.__name__.replace("_figure", "_view")
    return component


def status_panel(model: SahelModel) -> Any:
    """The current month and headline numbers, as text (``data-*`` attributes for tests)."""
    h = headline(model)
    rows = [
        ("Month", f"{h['date']} (step {h['month']} of {h['months']})"),
        ("Regional stability", f"{h['stability']:.4f}"),
        ("Fatalities last month", f"{h['fatalities']:.0f}"),
        ("Influence: Western / Russia", f"{h['western']:.3f} / {h['russian']:.3f}"),
        ("Countries ruled by juntas", f"{h['juntas']}"),
    ]
    body = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{k}</th><td>{v}</td></tr>"
        for k, v in rows
    )
    html = (
        f"<div class='sahel-status' data-month='{h['date']}' data-step='{h['month']}' "
        f"data-stability='{h['stability']:.6f}' data-fatalities='{h['fatalities']:.3f}'>"
        f"<h3 style='margin:0 0 .5em'>{model.spec.name}: {h['date']}</h3>"
        f"<table>{body}</table></div>"
    )
    return solara.HTML(tag="div", unsafe_innerHTML=html)


stability_view = _figure_component(stability_figure)
violence_view = _figure_component(violence_figure)
influence_view = _figure_component(influence_figure)
network_view = _figure_component(network_figure)

COMPONENTS: list[Callable[[SahelModel], Any]] = [
    status_panel,
    network_view,
    stability_view,
    violence_view,
    influence_view,
]


@solara.component
def Dashboard(
    scenario: str = DEFAULT_SCENARIO,
    seed: int | None = None,
    render_interval: int = RENDER_INTERVAL,
    play_interval: int = PLAY_INTERVAL_MS,
) -> None:
    """The dashboard for ``scenario`` (a bundled name or a file), starting with ``seed``.

    Each session (browser tab or notebook output) builds its own model.
    """
    params = solara.use_memo(lambda: model_params(scenario, seed), [scenario, seed])
    model = solara.use_memo(lambda: DashboardModel(**initial_kwargs(params)), [params])
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=params,
        name="Sahel: influence and stability",
        render_interval=render_interval,
        play_interval=play_interval,
    )


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
    "make_page",
    "model_params",
    "network_figure",
    "page",
]
