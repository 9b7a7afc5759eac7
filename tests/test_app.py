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


def _attr(html: str, name: str) -> str:
    return html.split(f"data-{name}='")[1].split("'")[0]


def _step_and_month(rc: Any) -> tuple[int, str]:
    """The step (months simulated) and the month simulated last (``YYYY-MM``, "" before the
    first) the status panel shows."""
    html = _status(rc)
    return int(_attr(html, "step")), _attr(html, "month")


def _texts(rc: Any) -> str:
    """Every label and text in the page's widget tree, joined."""
    import ipywidgets

    out: list[str] = []
    seen: set[int] = set()

    def walk(item: Any) -> None:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, list | tuple):
            for x in item:
                walk(x)
        elif isinstance(item, dict):
            walk(list(item.values()))
        elif isinstance(item, ipywidgets.Widget) and id(item) not in seen:
            seen.add(id(item))
            for attr in ("label", "description", "unsafe_innerHTML", "v_model", "items"):
                value = getattr(item, attr, None)
                if isinstance(value, str | list):
                    walk(value)
            for attr in ("children", "v_slots"):
                walk(getattr(item, attr, None))

    walk(rc.container)
    return "\n".join(out)


def test_step_advances_one_month_and_reset_returns_to_start() -> None:
    spec = load_scenario("us_withdraws")
    rc = _render(app.make_page("us_withdraws"))
    assert _step_and_month(rc) == (0, "")
    assert f"start {spec.start}: nothing simulated yet" in _status(rc)
    _button(rc, "Step").click()
    assert _step_and_month(rc) == (1, spec.start)  # the first month simulated is the start
    _button(rc, "Step").click()
    step, month = _step_and_month(rc)
    assert step == 2
    assert month_index(month) - month_index(spec.start) == 1
    assert "Conflict deaths, region, last month" in _status(rc)
    _button(rc, "Reset").click()
    assert _step_and_month(rc) == (0, "")


def test_the_last_month_is_the_clis() -> None:
    from sim.studies.run import run_scenario

    spec = load_scenario("us_withdraws")
    cli = run_scenario("us_withdraws", reps=1)  # what `sahel run us_withdraws` simulates
    cli_last = f"{cli.regional['date'].max():%Y-%m}"
    assert cli_last == spec.end
    rc = _render(app.make_page("us_withdraws", render_interval=spec.months + 5))
    html = _status(rc)
    assert _attr(html, "end") == cli_last and _attr(html, "months") == str(spec.months)
    _button(rc, "Step").click()  # one Step of more months than the run has
    assert _step_and_month(rc) == (spec.months, cli_last)
    assert _button(rc, "Step").disabled  # the run is over: Step and Play stop there
    assert _button(rc, "▶").disabled
    for name in bundled_scenarios():
        model = app.DashboardModel(name)
        assert app.last_month(model) == load_scenario(name).end


def test_no_mesa_leftovers_on_the_page() -> None:
    rc = _render(app.make_page("us_withdraws"))
    texts = _texts(rc)
    assert "Model parameters" in texts and "Controls" in texts  # the reader works
    for leftover in ("Page 0", "Use Threads", "Time:"):
        assert leftover not in texts, leftover
    assert not rc.find(v.Tab).widgets
    assert not rc.find(v.Checkbox).widgets


def test_sliders_show_their_values_with_units() -> None:
    from sim.world.parameters import parameter_table

    units = {row["name"]: row["unit"] for row in parameter_table()}
    spec = load_scenario("us_withdraws")
    rc = _render(app.make_page("us_withdraws"))
    texts = _texts(rc)
    for name in app.SLIDER_PARAMETERS:
        value = getattr(spec.parameters, name)
        assert units[name] and f"{value:.6g} {units[name]}" in texts, name
    slider = rc.find(v.Slider, label="recruitment rate").widget
    slider.v_model = 0.0004
    assert f"0.0004 {units['recruitment_rate']}" in _texts(rc)
    assert "month(s) per Step" in texts and "ms between steps" in texts


def test_slider_ranges_hold_the_calibrated_values_on_their_steps() -> None:
    import yaml

    from sim.bundled import calibrated_parameter_file

    calibrated = yaml.safe_load(calibrated_parameter_file().read_text())["parameters"]
    assert {"recruitment_rate", "deterrence_scale", "raid_share"} <= set(calibrated)
    for scenario in bundled_scenarios():
        spec = load_scenario(scenario)
        params = app.model_params(scenario)
        for name in app.SLIDER_PARAMETERS:
            slider = params[name]
            in_use = getattr(spec.parameters, name)
            if name in calibrated:
                assert in_use == pytest.approx(calibrated[name], rel=1e-12), (scenario, name)
            assert slider["min"] <= in_use <= slider["max"], (scenario, name, slider)
            assert slider["max"] > in_use or slider["max"] == parameter_bounds(name)[1]
            # a browser snaps a slider to min + k * step: the value in use must be such a point
            k = (in_use - slider["min"]) / slider["step"]
            assert abs(k - round(k)) < 1e-6, (scenario, name, slider)
            assert (slider["max"] - slider["min"]) / slider["step"] >= 50  # room to steer


def test_plots_and_network_are_drawn_and_redrawn_after_a_step() -> None:
    import ipywidgets

    rc = _render(app.make_page("us_stays"))
    images = rc.find(ipywidgets.Image).widgets
    assert len(images) == 5  # map, network, stability, violence, influence
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
    slider.v_model = 0.0004
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
    assert rebuilt.p.recruitment_rate == 0.0004
    assert lo <= 0.0004 <= hi
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
        assert slider["unit"]
    kwargs = app.initial_kwargs(params)
    model = app.DashboardModel(**kwargs)
    assert model.spec.name == "historical_2012"
    assert model.seed == spec.seed


def test_dashboard_model_accepts_mesas_own_scenario_argument() -> None:
    from mesa.experimental.scenarios import Scenario as MesaScenario

    model = app.DashboardModel("us_stays", scenario=MesaScenario(rng=5), recruitment_rate=0.0003)
    assert model.spec.name == "us_stays"
    assert model.seed == 5
    assert model.p.recruitment_rate == 0.0003


def test_network_figure_takes_a_swappable_drawer() -> None:
    calls: list[tuple[int, int, str]] = []

    def drawer(nodes: Any, edges: Any, *, ax: Any, title: str) -> None:
        calls.append((len(nodes), len(edges), title))

    model = app.DashboardModel("us_withdraws", rng=1)
    model.step()
    app.network_figure(model, drawer)
    n_nodes = model.network.G.number_of_nodes()
    assert calls and calls[0][0] == n_nodes and calls[0][1] > 0
    assert app.simulated_month(model) == model.start  # one month simulated: the start month
    assert calls[0][2] == f"Network, {model.start}"
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


def test_the_map_is_coloured_by_the_chosen_metric() -> None:
    import ipywidgets

    rc = _render(app.make_page("us_stays"))
    select = rc.find(v.Select, label="map colour").widget
    from sim.world.metrics import describe

    assert select.v_model == describe("stability").axis_label  # labels, not column names
    assert all("_" not in item for item in select.items)
    before = [bytes(w.value) for w in rc.find(ipywidgets.Image).widgets]
    select.v_model = describe("fatalities").axis_label
    after = [bytes(w.value) for w in rc.find(ipywidgets.Image).widgets]
    assert sum(a != b for a, b in zip(after, before, strict=True)) == 1  # the map only
    model = app.DashboardModel("us_stays", rng=2)
    model.run(4)
    fig = app.map_figure(model, "fatalities")
    patches = {p.get_gid(): p for p in fig.axes[0].patches if p.get_gid()}
    assert set(patches) == set(model.countries)
    assert fig.axes[1].get_ylabel() == describe("fatalities").axis_label


def test_one_command_installs_the_offline_assets(tmp_path, monkeypatch) -> None:
    from sim.views import assets

    installed = assets.cdn_dir()
    required = [a for a in assets.referenced_assets() if not a.reason]
    assert required and all(assets.is_installed(a, installed) for a in required)  # make setup
    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", str(tmp_path))
    assert {a.folder for a in assets.missing_assets()} == {a.folder for a in required}
    check = subprocess.run([sys.executable, "-m", "sim.views.assets", "--check"],
                           capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
    assert check.returncode == 1 and "missing" in check.stderr
    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", str(installed))
    done = sahel("viz", "--install-assets")  # nothing missing: nothing downloaded
    assert done.returncode == 0, done.stderr
    assert f"{len(required)} assets present" in done.stdout
