"""What users are told matches what runs: ``sahel parameters`` shows the values the scenarios
use and where they come from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sim.bundled import calibrated_parameter_file
from sim.cli import app
from sim.scenario import SCENARIO_DIR, bundled_scenarios
from sim.scenario.resolution import parameter_uses, resolved_parameters
from sim.studies.calibration import FREE_PARAMETERS
from sim.world.parameters import Parameters
from tests.support import sahel

runner = CliRunner()


def calibrated() -> dict[str, float]:
    """The parameter values in the bundled calibrated parameter file."""
    data = yaml.safe_load(calibrated_parameter_file().read_text(encoding="utf-8"))
    return {k: float(v) for k, v in data["parameters"].items()}


def scenarios_with_the_calibrated_file() -> list[str]:
    """Bundled scenarios that name the calibrated file, themselves or through ``extends``."""
    out = []
    for name, path in bundled_scenarios().items():
        while path is not None:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if data.get("parameter_file") == "parameters/calibrated.yaml":
                out.append(name)
                break
            path = path.parent / data["extends"] if data.get("extends") else None
    return out


def parameters_json(*args: str) -> object:
    res = runner.invoke(app, ["parameters", "--json", *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_the_bundled_scenarios_use_the_calibrated_file() -> None:
    # The premise of the tests below: otherwise they would check nothing.
    assert {"us_withdraws", "us_stays", "baseline_2024"} <= set(
        scenarios_with_the_calibrated_file()
    )
    assert calibrated(), "the calibrated parameter file holds no values"


def test_parameters_lists_the_calibrated_values_with_their_source() -> None:
    res = runner.invoke(app, ["parameters"])
    assert res.exit_code == 0, res.output
    lines = {line.split("│")[1].strip(): line for line in res.stdout.splitlines() if "│" in line}
    for name, value in calibrated().items():
        # every bundled scenario names the calibrated file, so the row shows one use, for all
        assert f"{value:.6g}: calibrated" in lines[name], lines[name]


def test_parameters_json_gives_value_source_and_ranges_per_scenario() -> None:
    blob = parameters_json()
    assert isinstance(blob, dict)
    assert sorted(blob) == sorted(bundled_scenarios())
    values = calibrated()
    searched = {f.name: [f.lo, f.hi] for f in FREE_PARAMETERS}
    for scenario in scenarios_with_the_calibrated_file():
        records = {r["name"]: r for r in blob[scenario]}
        assert list(records) == list(Parameters.model_fields)
        for name, value in values.items():
            rec = records[name]
            assert rec["value"] == pytest.approx(value, rel=1e-12)
            assert rec["source"] == "calibrated"
            assert rec["file"] == "parameters/calibrated.yaml" and rec["line"] > 0
            assert rec["default"] == Parameters.model_fields[name].default
            assert rec["searched"] == searched[name]
            assert rec["searched"][0] <= rec["value"] <= rec["searched"][1]
            assert rec["declared"][0] <= rec["value"] <= rec["declared"][1]
        for name, rec in records.items():
            if name not in values and rec["source"] == "default":
                assert rec["value"] == Parameters.model_fields[name].default
                assert rec["file"] is None and rec["searched"] is None


def test_a_scenarios_own_value_is_reported_with_its_file_and_line() -> None:
    # historical_2012 switches endogenous coups off under its own `parameters:`.
    records = {r.name: r for r in resolved_parameters("historical_2012")}
    own = yaml.safe_load((SCENARIO_DIR / "historical_2012.yaml").read_text())["parameters"]
    assert own, "historical_2012 sets no parameters of its own"
    text = (SCENARIO_DIR / "historical_2012.yaml").read_text().splitlines()
    for name, value in own.items():
        rec = records[name]
        assert (rec.source, rec.value, rec.file) == ("scenario", value, "historical_2012.yaml")
        assert rec.line is not None and text[rec.line - 1].strip().startswith(f"{name}:")


def test_layers_of_a_user_scenario(tmp_path: Path) -> None:
    """Defaults <- parameter file <- the scenario's own values, through `extends`."""
    (tmp_path / "mine.yaml").write_text("parameters:\n  desertion_rate: 0.01\n")
    (tmp_path / "child.yaml").write_text(
        f"name: child\nextends: {SCENARIO_DIR / 'us_withdraws.yaml'}\n"
        "parameter_file: mine.yaml\n"
        "parameters:\n  recruitment_rate: 40\n"
        "events:\n  - {at: 2025-01, do: set_parameter, name: raid_share, value: 0.1}\n"
    )
    records = {r.name: r for r in resolved_parameters(tmp_path / "child.yaml")}
    assert (records["recruitment_rate"].source, records["recruitment_rate"].value) == (
        "scenario",
        40.0,
    )
    assert records["recruitment_rate"].file is not None
    assert records["recruitment_rate"].file.endswith("child.yaml")
    assert (records["desertion_rate"].source, records["desertion_rate"].value) == (
        "parameter file",
        0.01,
    )
    # inherited from us_withdraws' parent, which names the calibrated file
    assert records["raid_share"].source == "calibrated"
    assert records["raid_share"].value == pytest.approx(calibrated()["raid_share"])
    assert records["raid_share"].changes == (("2025-01", 0.1),)
    assert records["seed_rate"].source == "default"
    assert records["seed_rate"].value == Parameters.model_fields["seed_rate"].default


def test_parameter_uses_group_scenarios_with_the_same_value() -> None:
    by = {name: resolved_parameters(name) for name in ("historical_2012", "us_withdraws")}
    uses = {u.name: u.uses for u in parameter_uses(by)}
    hist = {r.name: r for r in by["historical_2012"]}["coup_hazard_scale"]
    assert uses["coup_hazard_scale"] == (
        (1.0, "default", ("us_withdraws",)),
        (hist.value, "scenario", ("historical_2012",)),
    )
    assert uses["raid_share"] == (
        (calibrated()["raid_share"], "calibrated", ("historical_2012", "us_withdraws")),
    )


def test_parameters_of_one_scenario_in_detail() -> None:
    res = runner.invoke(app, ["parameters", "--scenario", "historical_2012"])
    assert res.exit_code == 0, res.output
    assert "historical_2012.yaml" in res.stdout and "Epstein" in res.stdout
    records = parameters_json("--scenario", "us_withdraws")
    assert isinstance(records, list) and len(records) == len(Parameters.model_fields)


def test_parameters_of_an_unknown_scenario_is_a_usage_error() -> None:
    res = sahel("parameters", "--scenario", "no_such_scenario")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "not found" in res.stderr
