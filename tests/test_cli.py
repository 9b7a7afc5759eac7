"""End-to-end runs of the `sahel` command on bundled scenarios: files, exit codes, messages.

The commands run in-process through the console script's entry point (the ``cli`` fixture of
``tests/conftest.py``); one test runs the installed script as a separate process, and
``tests/test_install.py`` runs a built wheel from an empty folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sim.scenario import bundled_scenarios, load_scenario, scenario_hash
from sim.studies.results import open_results
from tests.conftest import CliResult
from tests.support import ROOT, sahel

Cli = Callable[..., CliResult]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["us_withdraws", "us_stays"])
def test_run_writes_tables_manifest_and_figure(tmp_path: Path, name: str, cli: Cli) -> None:
    out = tmp_path / name
    res = cli("run", name, "--reps", "3", "--months", "14", "--seed", "5", "--out", str(out),
                "--csv")  # fmt: skip
    assert res.returncode == 0, res.stderr
    for file in ("regional", "countries", "events"):
        assert (out / file).is_dir()
        assert (out / f"{file}.csv").is_file()
    assert (out / "key_metrics.png").stat().st_size > 10_000
    regional = open_results(out).runs["run"].regional
    countries = pd.read_parquet(out / "countries")
    assert len(regional) == 3 * 14 and sorted(regional["replicate"].unique()) == [0, 1, 2]
    assert len(countries) == 3 * 14 * 10
    assert regional["date"].min() == pd.Timestamp("2024-03-01")
    assert regional["date"].max() == pd.Timestamp("2025-04-01")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"] == name
    assert manifest["scenario_hash"] == scenario_hash(load_scenario(name))
    assert manifest["root_seed"] == 5 and len(manifest["seeds"]) == 3
    assert len(set(manifest["seeds"])) == 3
    assert manifest["months"] == 14
    assert manifest["versions"]["mesa"].startswith("3.")
    assert set(manifest["parameters"]) >= {"recruitment_rate", "coup_base_hazard"}
    assert manifest["timings"]["seconds_simulated"] > 0
    assert {"summary_region.csv", "key_metrics.png", "regional.csv"} <= set(manifest["files"])
    # The summary table names the countries; the folder's CSV matches the Parquet table.
    assert "NER" in res.stdout and "fatalities per year" in res.stdout
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "regional.csv").drop(columns=["date"]),
        regional.drop(columns=["date"]),
        check_dtype=False,
    )


def test_the_same_command_gives_identical_tables(tmp_path: Path, cli: Cli) -> None:
    for k in (1, 2):
        assert cli("run", "us_withdraws", "--reps", "2", "--months", "6", "--out",
                     str(tmp_path / f"r{k}"), "-q").returncode == 0  # fmt: skip
    a, b = (open_results(tmp_path / f"r{k}").runs["run"] for k in (1, 2))
    for file in ("regional", "countries", "events"):
        pd.testing.assert_frame_equal(getattr(a, file), getattr(b, file), check_exact=True)


def test_existing_output_is_kept_without_force(tmp_path: Path, cli: Cli) -> None:
    out = tmp_path / "run"
    assert cli("run", "us_stays", "--months", "3", "--out", str(out), "-q").returncode == 0
    before = (out / "manifest.json").read_text()
    res = cli("run", "us_stays", "--months", "4", "--out", str(out), "-q")
    assert res.returncode == 2
    assert "already holds experiment" in res.stderr and "--force" in res.stderr
    assert "Traceback" not in res.stderr
    assert (out / "manifest.json").read_text() == before
    res = cli("run", "us_stays", "--months", "4", "--out", str(out), "-q", "--force")
    assert res.returncode == 0, res.stderr
    assert json.loads((out / "manifest.json").read_text())["months"] == 4


def test_parameter_override_is_recorded_and_checked(tmp_path: Path, cli: Cli) -> None:
    out = tmp_path / "p"
    res = cli("run", "baseline_2024", "--months", "3", "-p", "recruitment_rate=0.0003",
                "--out", str(out), "-q")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert (
        json.loads((out / "manifest.json").read_text())["parameters"]["recruitment_rate"] == 0.0003
    )
    bad = cli("run", "baseline_2024", "-p", "recruitmnt_rate=3", "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "Did you mean 'recruitment_rate'" in bad.stderr
    out_of_range = cli("run", "baseline_2024", "-p", "control_rate=5", "--out",
                         str(tmp_path / "y"))  # fmt: skip
    assert out_of_range.returncode == 2 and "control_rate" in out_of_range.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_validate_reports_every_problem_with_file_path_and_line(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "child.yaml").write_text(
        "name: child\n"
        f"extends: {ROOT / 'scenarios' / 'us_withdraws.yaml'}\n"
        "months: -5\n"
        "events:\n"
        "  - {at: 2024-07, do: withdraw, power: USA, country: NRE}\n"
        "  - {at: 2024-07, do: widthraw, power: USA, country: NER}\n"
    )
    res = cli("validate", "child.yaml", cwd=tmp_path)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    err = res.stderr
    assert "child.yaml has 3 problems" in err
    assert "months (line 3): got -5; expected a number >= 1" in err
    # Events are numbered as written in this file, not in the inherited timeline.
    assert "events[0].country (line 5): 'NRE' is not a country" in err
    assert "Did you mean 'NER'?" in err
    assert "events[1] (line 6): got do: 'widthraw'" in err and "Did you mean 'withdraw'" in err


@pytest.mark.parametrize("parent", ["us_withdraws", "us_withdraws.yaml"])
def test_a_file_anywhere_extends_a_bundled_scenario_by_name(
    tmp_path: Path, parent: str, cli: Cli
) -> None:
    (tmp_path / "late.yaml").write_text(
        f"name: late\nextends: {parent}\nmonths: 20\nparameters: {{raid_share: 0.03}}\n"
    )
    res = cli("validate", "late.yaml", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    scn = load_scenario(tmp_path / "late.yaml")
    bundled = load_scenario("us_withdraws")
    assert scn.extends == parent and scn.months == 20 and scn.parameters.raid_share == 0.03
    assert scn.events == bundled.events and scn.countries == bundled.countries
    # Other parameters are the bundled scenario's (its calibrated parameter file included).
    assert scn.parameters.recruitment_rate == bundled.parameters.recruitment_rate


def test_a_file_next_to_the_child_wins_over_a_bundled_name(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "us_withdraws.yaml").write_text(
        f"name: mine\nextends: {ROOT / 'scenarios' / 'us_stays.yaml'}\n"
    )
    (tmp_path / "child.yaml").write_text("name: child\nextends: us_withdraws.yaml\n")
    assert load_scenario(tmp_path / "child.yaml").events == load_scenario("us_stays").events
    (tmp_path / "orphan.yaml").write_text("name: orphan\nextends: us_withdrawn\n")
    res = cli("validate", "orphan.yaml", cwd=tmp_path)
    assert res.returncode == 2 and "us_withdrawn" in res.stderr
    assert "bundled scenario" in res.stderr and "Did you mean 'us_withdraws.yaml'?" in res.stderr


def test_validate_accepts_every_bundled_scenario(cli: Cli) -> None:
    names = list(bundled_scenarios())
    res = cli("validate", *names)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("ok: ") == len(names)


def test_validate_missing_file_and_bad_yaml(tmp_path: Path, cli: Cli) -> None:
    missing = cli("validate", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "nope.yaml" in missing.stderr
    (tmp_path / "broken.yaml").write_text("name: x\nmonths: [1, 2\n")
    broken = cli("validate", str(tmp_path / "broken.yaml"))
    assert broken.returncode == 2 and "malformed YAML" in broken.stderr
    assert "line" in broken.stderr and "Traceback" not in broken.stderr


def test_scenarios_lists_bundled_scenarios_with_descriptions(cli: Cli) -> None:
    res = cli("scenarios")
    assert res.returncode == 0
    for name in ("baseline_2024", "us_withdraws", "us_stays"):
        assert name in res.stdout
    assert "Agadez" in res.stdout  # from us_withdraws' description


@pytest.mark.parametrize("command", ["run", "validate", "scenarios", "schema", "parameters"])
def test_help_explains_each_command(command: str, cli: Cli) -> None:
    res = cli(command, "--help")
    assert res.returncode == 0
    assert "Usage" in res.stdout


def test_run_help_explains_every_option(cli: Cli) -> None:
    text = cli("run", "--help").stdout
    for option in ("--reps", "--seed", "--months", "--out", "--param", "--csv", "--force",
                   "--quiet"):  # fmt: skip
        assert option in text


def test_usage_errors_exit_2_without_traceback() -> None:
    # The installed console script in its own process: the entry point and its exit codes.
    res = sahel("run", "us_withdraws", "--reps", "0")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    res = sahel("run", "no_such_scenario")
    assert res.returncode == 2 and "not found" in res.stderr


def test_schema_is_json_with_the_event_kinds(cli: Cli) -> None:
    res = cli("schema")
    schema = json.loads(res.stdout)
    assert "events" in schema["properties"]
    assert "withdraw" in res.stdout and "set_parameter" in res.stdout


def test_parameters_lists_units_and_justifications(cli: Cli) -> None:
    res = cli("parameters")
    assert res.returncode == 0
    assert "recruitment_rate" in res.stdout and "willing pool" in res.stdout
    res = sahel("parameters", "--scenario", "us_withdraws")  # one scenario, with the reasons
    assert res.returncode == 0 and "Epstein" in res.stdout
