"""The dashboard at widget level (no browser): rendered with ``solara.render``, driven by
clicking its buttons and setting its inputs as the browser would."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from sim.scenario import bundled_scenarios, load_scenario, month_index
from sim.world.parameters import parameter_bounds
from tests.support import ROOT, sahel

pytestmark = pytest.mark.slow  # importing mesa.visualization alone takes seconds

solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")
app = pytest.importorskip("sim.views.app")


def _render(element: Any) -> Any:
    _, rc = solara.render(solara.AppLayout(children=[element]), handle_error=False)
    return rc


def _button(rc: Any, label: str) -> Any:
    return rc.find(v.Btn, children=[label]).widget


def _status(rc: Any) -> str:
    """The status panel's HTML (month, step and headline numbers)."""
    from solara.widgets import HTML

    for widget in rc.find(HTML).widgets:
        html = getattr(widget, "unsafe_innerHTML", "") or ""
        if "sahel-status" in html:
            return html
    raise AssertionError("no status panel")


def _step_and_month(rc: Any) -> tuple[int, str]:
    """The step (months simulated) and the month (``YYYY-MM``) the status panel shows."""
    html = _status(rc)
    step = int(html.split("data-step='")[1].split("'")[0])
    month = html.split("data-month='")[1].split("'")[0]
    return step, month


def test_step_advances_one_month_and_reset_returns_to_start() -> None:
    rc = _render(app.make_page("us_withdraws"))
    step0, month0 = _step_and_month(rc)
    assert step0 == 0 and month0 == load_scenario("us_withdraws").start
    _button(rc, "Step").click()
    _button(rc, "Step").click()
    step, month = _step_and_month(rc)
    assert step == 2
    assert month_index(month) - month_index(month0) == 2
    assert "Fatalities last month" in _status(rc)
    _button(rc, "Reset").click()
    assert _step_and_month(rc) == (0, month0)


def test_plots_and_network_are_drawn_and_redrawn_after_a_step() -> None:
    import ipywidgets

    rc = _render(app.make_page("us_stays"))
    images = rc.find(ipywidgets.Image).widgets
    assert len(images) == 4  # network, stability, violence, influence
    before = [bytes(w.value) for w in images]
    assert all(b.startswith(b"\x89PNG") and len(b) > 5_000 for b in before)
    _button(rc, "Step").click()
    after = [bytes(w.value) for w in rc.find(ipywidgets.Image).widgets]
    assert all(a != b for a, b in zip(after, before, strict=True))


def test_changing_a_slider_and_the_scenario_rebuilds_the_model_on_reset() -> None:
    rc = _render(app.make_page("us_withdraws"))
    seen: list[app.DashboardModel] = []
    original = app.DashboardModel.__init__

    def spy(self: app.DashboardModel, **kwargs: Any) -> None:  # keywords only, as Mesa checks
        original(self, **kwargs)
        seen.append(self)

    lo, hi = parameter_bounds("recruitment_rate")
    slider = rc.find(v.Slider, label="recruitment rate").widget
    select = rc.find(v.Select, label="scenario").widget
    assert select.items == list(bundled_scenarios())
    slider.v_model = 40.0
    select.v_model = "us_stays"
    app.DashboardModel.__init__ = spy  # type: ignore[method-assign]
    try:
        _button(rc, "Step").click()
        _button(rc, "Reset").click()
    finally:
        app.DashboardModel.__init__ = original  # type: ignore[method-assign]
    assert len(seen) == 1
    rebuilt = seen[0]
    assert rebuilt.spec.name == "us_stays"
    assert rebuilt.p.recruitment_rate == 40.0
    assert lo <= 40.0 <= hi
    assert rebuilt.month == 0
    assert "us_stays" in _status(rc)


def test_model_params_take_the_scenario_values_and_allowed_ranges() -> None:
    params = app.model_params("historical_2012")
    spec = load_scenario("historical_2012")
    assert params["scenario_name"]["value"] == "historical_2012"
    assert params["rng"]["value"] == spec.seed
    for name in app.SLIDER_PARAMETERS:
        lo, hi = parameter_bounds(name)
        slider = params[name]
        assert slider["value"] == getattr(spec.parameters, name)
        assert lo <= slider["min"] <= slider["value"] <= slider["max"] <= hi
    kwargs = app.initial_kwargs(params)
    model = app.DashboardModel(**kwargs)
    assert model.spec.name == "historical_2012"
    assert model.seed == spec.seed


def test_dashboard_model_accepts_mesas_own_scenario_argument() -> None:
    from mesa.experimental.scenarios import Scenario as MesaScenario

    model = app.DashboardModel("us_stays", scenario=MesaScenario(rng=5), recruitment_rate=30.0)
    assert model.spec.name == "us_stays"
    assert model.seed == 5
    assert model.p.recruitment_rate == 30.0


def test_network_figure_takes_a_swappable_drawer() -> None:
    calls: list[tuple[int, int, str]] = []

    def drawer(nodes: Any, edges: Any, *, ax: Any, title: str) -> None:
        calls.append((len(nodes), len(edges), title))

    model = app.DashboardModel("us_withdraws", rng=1)
    model.step()
    app.network_figure(model, drawer)
    n_nodes = model.network.G.number_of_nodes()
    assert calls and calls[0][0] == n_nodes and calls[0][1] > 0
    assert calls[0][2].endswith(model.date)
    nodes, _ = app.network_frames(model)
    countries = nodes[nodes["kind"] == "country"].set_index("id")
    assert countries.loc["NER", "stability"] == pytest.approx(model.countries["NER"].stability)
    assert countries["lat"].notna().all()
    assert app.network_figure(model).axes  # the default drawing: sim.views.figures.network_map


def test_viz_rejects_an_unknown_scenario_before_starting_a_server() -> None:
    result = sahel("viz", "no_such_scenario", "--no-browser", "--port", "1")
    assert result.returncode == 2
    assert "error:" in result.stderr and "no_such_scenario" in result.stderr


def test_importing_sim_does_not_import_the_dashboard() -> None:
    code = "import sim, sys; print('sim.views.app' in sys.modules, 'solara' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"], out.stderr
