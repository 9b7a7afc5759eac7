"""Input checked before work starts: non-finite and out-of-bounds scenario values, strict
types, event dates inside the scenario, scenario names, months and horizons on the command
line, design specs and their size, and hostile files (size, encoding, expansion, nesting)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from sim.errors import ScenarioError
from sim.scenario import load_scenario
from tests.worlds import tiny_data


def _child(folder: Path, body: str) -> Path:
    """A scenario extending the tiny world, with ``body`` from line 3 on (line 2 when it
    sets the name itself)."""
    (folder / "tiny.yaml").write_text(yaml.safe_dump(tiny_data(), sort_keys=False))
    path = folder / "bad.yaml"
    head = "extends: tiny.yaml\n" + ("" if body.startswith("name:") else "name: bad\n")
    path.write_text(head + textwrap.dedent(body), encoding="utf-8")
    return path


def _problem(path: Path):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert len(err.problems) == 1, err.render()
    return err.problems[0], err.render()


# --- scenario values: finite, physical, strictly typed --------------------------------------

BAD_VALUES = {
    "infinite population": (
        "countries:\n  NER:\n    population_m: .inf\n",
        "countries.NER.population_m",
        5,
        "finite",
    ),
    "NaN population": (
        "countries:\n  NER:\n    population_m: .nan\n",
        "countries.NER.population_m",
        5,
        "finite",
    ),
    "population of the whole world": (
        "countries:\n  NER:\n    population_m: 8000\n",
        "countries.NER.population_m",
        5,
        "<= 2000",
    ),
    "zero population": (
        "countries:\n  NER:\n    population_m: 0\n",
        "countries.NER.population_m",
        5,
        "> 0",
    ),
    "huge effectiveness": (
        "powers:\n  USA:\n    effectiveness: 1.0e308\n",
        "powers.USA.effectiveness",
        5,
        "<= 100",
    ),
    "infinite troops": (
        "powers:\n  USA:\n    partners:\n      NER: {troops: .inf}\n",
        "powers.USA.partners.NER.troops",
        6,
        "finite",
    ),
    "negative forces": (
        "countries:\n  NER:\n    forces: -5\n",
        "countries.NER.forces",
        5,
        ">= 0",
    ),
    "a mobilise event with NaN troops": (
        "events:\n  - {at: 2024-05, do: mobilise, country: NER, troops: .nan}\n",
        "events[0].troops",
        4,
        "finite",
    ),
    "months: true": ("months: true\n", "months", 3, "valid integer"),
    "months as a fraction": ("months: 12.5\n", "months", 3, "valid integer"),
    "a boolean for a number": (
        "countries:\n  NER:\n    forces: true\n",
        "countries.NER.forces",
        5,
        "valid number",
    ),
    "a quoted number": (
        "countries:\n  NER:\n    forces: '20000'\n",
        "countries.NER.forces",
        5,
        "valid number",
    ),
    "a parameter set to infinity": (
        "parameters:\n  recruitment_rate: .inf\n",
        "parameters.recruitment_rate",
        4,
        "finite",
    ),
    "a parameter set to true": (
        "parameters:\n  recruitment_rate: true\n",
        "parameters.recruitment_rate",
        4,
        "expected a number",
    ),
    "a last coup after the start": (
        "countries:\n  NER:\n    last_coup: 2030-01\n",
        "countries.NER.last_coup",
        5,
        "after the scenario's start (2024-01)",
    ),
    "an event after the scenario's end": (
        "events:\n  - {at: 2026-01, do: expel, country: NER, power: USA}\n",
        "events[0].at",
        4,
        "after the scenario's last month (2025-12",
    ),
    "a periphery of no area": (
        "countries:\n  NER:\n    periphery_area: 0\n",
        "countries.NER.periphery_area",
        5,
        "> 0",
    ),
    "a periphery larger than the country": (
        "countries:\n  NER:\n    periphery_area: 1.5\n",
        "countries.NER.periphery_area",
        5,
        "<= 1",
    ),
    "an unknown coup mode": ("coups: sometimes\n", "coups", 3, "'endogenous' or 'scheduled'"),
    "a militia with negative members": (
        "countries:\n  NER:\n    militia: {name: VDP, members: -3}\n",
        "countries.NER.militia.members",
        5,
        ">= 0",
    ),
    "air support that is not a flag": (
        "powers:\n  USA:\n    partners:\n      NER: {air: maybe}\n",
        "powers.USA.partners.NER.air",
        6,
        "valid boolean",
    ),
    "a deployment's air support that is not a flag": (
        "events:\n  - {at: 2024-05, do: deploy, country: NER, power: USA, troops: 10, air: 3}\n",
        "events[0].air",
        4,
        "valid boolean",
    ),
    "a name that climbs out of results/": ("name: ..\n", "name", 2, "letters, digits"),
    "an empty name": ("name: ''\n", "name", 2, "letters, digits"),
    "an absolute path as name": ("name: /tmp/x\n", "name", 2, "letters, digits"),
}


@pytest.mark.parametrize("case", list(BAD_VALUES), ids=list(BAD_VALUES))
def test_bad_values_are_refused_with_file_field_and_line(tmp_path, case):
    body, field, line, says = BAD_VALUES[case]
    problem, text = _problem(_child(tmp_path, body))
    assert (problem.path, problem.line) == (field, line), text
    assert problem.file is not None and problem.file.endswith("bad.yaml"), text
    assert says in problem.message, text


def test_an_event_in_the_last_month_is_accepted(tmp_path):
    path = _child(tmp_path, "events:\n  - {at: 2025-12, do: expel, country: NER, power: USA}\n")
    assert load_scenario(path).events[0].at == "2025-12"


def test_a_shorter_run_asked_for_by_an_override_keeps_later_events(tmp_path):
    """Event dates are checked against the scenario as written, not a shorter run."""
    path = _child(tmp_path, "events:\n  - {at: 2025-06, do: expel, country: NER, power: USA}\n")
    assert load_scenario(path, months=3).months == 3


def test_a_name_with_letters_digits_underscore_and_dash_is_accepted(tmp_path):
    path = _child(tmp_path, "")
    path.write_text(path.read_text().replace("name: bad", "name: Bad-name_2"))
    assert load_scenario(path).name == "Bad-name_2"


# --- hostile files: any bytes, encoding, size, expansion, nesting ------------------------------

HOSTILE = {
    "billion laughs": (
        b'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        + b"".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n".encode()
            for i in range(9)
        ),
        "more than 20,000 values",
    ),
    "deep flow nesting": (b"[" * 100_000 + b"]" * 100_000, "nested more than 50 levels"),
    "deep block nesting": (
        "".join("  " * i + f"k{i}:\n" for i in range(200)).encode(),
        "nested more than 50 levels",
    ),
    "an alias inside its own anchor": (b"a: &a [*a]\n", "refers to a value that contains it"),
    "a NUL byte": (b"name: x\x00\n", "malformed YAML"),
    "Latin-1 text": ("name: caf\xe9\n".encode("latin-1"), "not UTF-8 text"),
    "UTF-16 text": ("name: x\n".encode("utf-16"), "not UTF-8 text"),
    "a list as a key": (b"? [a, b]\n: 1\n", "expected a plain key"),
    "a file over 5 MB": (b"#" * (5 * 1024 * 1024 + 1), "expected at most 5 MB"),
    "many values": ("".join(f"k{i}: {i}\n" for i in range(30_000)).encode(), "20,000"),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_files_get_one_line_naming_the_file_quickly(tmp_path, case):
    import time

    content, says = HOSTILE[case]
    path = tmp_path / "evil.yaml"
    path.write_bytes(content)
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    seconds = time.perf_counter() - started
    text = info.value.render()
    assert len(text.splitlines()) == 1, text
    assert text.startswith(str(path)) or "evil.yaml" in text.split(":")[0], text
    assert says in text, text
    assert seconds < 2.0, f"{case} took {seconds:.2f} s"


@pytest.mark.parametrize("target", ["/dev/zero", "folder"])
def test_something_that_is_not_a_regular_file_is_refused_without_reading_it(tmp_path, target):
    path = tmp_path if target == "folder" else Path(target)
    if not path.exists():
        pytest.skip(f"{path} does not exist here")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "expected a scenario YAML file" in info.value.render()


def test_unreadable_values_are_problems_not_exceptions(tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text("name: x\nstart: 2024-13-01\nmonths: " + "9" * 5000 + "\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    fields = {p.path for p in info.value.problems}
    assert {"start", "months"} <= fields, info.value.render()


def test_a_file_with_thousands_of_problems_lists_twenty_and_counts_the_rest(tmp_path):
    body = "".join(f"  - {{at: 2024-01, do: nope{i}}}\n" for i in range(2000))
    path = tmp_path / "many.yaml"
    path.write_text("name: x\nstart: 2024-01\nmonths: 3\ncountries: {}\nevents:\n" + body)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    lines = info.value.render().splitlines()
    assert len(info.value.problems) > 2000
    assert len(lines) == 1 + 20 + 1 and lines[-1].strip().startswith("and "), lines[-3:]


def test_loading_time_grows_linearly_with_the_number_of_problems(tmp_path):
    """Ten times the problems must not take a hundred times as long."""
    import time

    def seconds(n: int) -> float:
        body = "".join(f"  - {{at: 2024-01, do: expel, country: X{i:02d}}}\n" for i in range(n))
        path = tmp_path / f"n{n}.yaml"
        path.write_text("name: x\nstart: 2024-01\nmonths: 3\ncountries: {}\nevents:\n" + body)
        started = time.perf_counter()
        with pytest.raises(ScenarioError):
            load_scenario(path)
        return time.perf_counter() - started

    small, large = min(seconds(200) for _ in range(2)), min(seconds(2000) for _ in range(2))
    assert large < 30 * small + 0.2, (small, large)


def test_numbers_written_without_an_exponent_sign_are_numbers(tmp_path):
    """YAML 1.1 reads ``1e5`` as a string; scenario files read it as the number it is."""
    path = _child(tmp_path, "countries:\n  NER:\n    forces: 2.5e4\n")
    assert load_scenario(path).countries["NER"].forces == 25000.0


# --- command-line options, checked before any run or folder -----------------------------------

BAD_OPTIONS = {
    "a year as horizon": (
        ["compare", "us_stays", "us_withdraws", "--horizon", "2025"],
        "--horizon '2025': expected a month as YYYY-MM",
    ),
    "month 13": (
        ["compare", "us_stays", "us_withdraws", "--horizon", "2025-13"],
        "--horizon '2025-13': expected a month as YYYY-MM",
    ),
    "a horizon after the run": (
        ["compare", "us_stays", "us_withdraws", "--horizon", "2030-01"],
        "--horizon 2030-01: outside the run; expected a month from 2024-03 to 2028-12",
    ),
    "a horizon after a shorter run": (
        ["compare", "us_stays", "us_withdraws", "--months", "6", "--horizon", "2024-12"],
        "expected a month from 2024-03 to 2024-08",
    ),
    "a horizon before the start": (
        ["compare", "us_stays", "us_withdraws", "--horizon", "2024-06,2023-01"],
        "--horizon 2023-01: outside the run",
    ),
    "an unknown sensitivity output": (
        ["sensitivity", "us_withdraws", "-p", "raid_share=0:0.5", "--output", "fatalities"],
        "--output 'fatalities' is not a summary output",
    ),
    "a range outside the declared one": (
        ["sensitivity", "us_withdraws", "-p", "raid_share=0:5"],
        "outside the allowed range",
    ),
    "an unknown parameter": (
        ["sweep", "us_withdraws", "-p", "raid_shar=0:0.5:3"],
        "did you mean raid_share",
    ),
    "a grid without a number of values": (
        ["sweep", "us_withdraws", "-p", "raid_share=0:0.5"],
        "a grid needs a number of values",
    ),
    "an unknown method": (
        ["sensitivity", "us_withdraws", "-p", "raid_share=0:0.5", "--method", "sobel"],
        "--method 'sobel': expected morris or sobol",
    ),
    "a grid of two million runs": (
        [
            "sweep",
            "us_withdraws",
            "-p",
            "raid_share=0:0.5:1000",
            "-p",
            "seed_rate=0:1:1000",
            "--reps",
            "2",
        ],
        "the design has 2,000,000 runs (1,000,000 points x 2 replicates)",
    ),
    "a Latin hypercube of two million points": (
        ["sweep", "us_withdraws", "-p", "raid_share=0:0.5", "--lhs", "2000000"],
        "pass --yes",
    ),
    "a network month 13": (["plot", "nowhere", "--month", "2025-13"], "--month '2025-13'"),
}


@pytest.mark.parametrize("case", list(BAD_OPTIONS), ids=list(BAD_OPTIONS))
def test_bad_options_exit_2_in_one_line_before_anything_runs(tmp_path, monkeypatch, case):
    from typer.testing import CliRunner

    from sim.cli import app

    args, says = BAD_OPTIONS[case]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sim.studies.simulator.SahelSimulator.simulate", _no_runs, raising=True)
    if case == "an unknown sensitivity output":  # listing the outputs needs one short run
        monkeypatch.undo()
        monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert says in lines[0], lines[0]
    assert not (tmp_path / "results").exists()  # no folder made, none replaced


def _no_runs(*args, **kwargs):
    raise AssertionError("a run started before the options were checked")


def test_a_design_over_the_limit_is_accepted_with_yes():
    from sim.options import design_runs

    spec = load_scenario("us_withdraws")
    params = ["raid_share=0:0.5:1000", "seed_rate=0:1:1000"]
    with pytest.raises(Exception, match="pass --yes"):
        design_runs(spec, params, kind="grid", reps=2)
    assert design_runs(spec, params, kind="grid", reps=2, yes=True) == 2_000_000
    assert design_runs(spec, ["raid_share=0:0.5"], kind="sensitivity", n=4, reps=3) == 4 * 2 * 3


@pytest.mark.parametrize("text", ["2025", "2025-13", "2025-00", "2025-1", "25-01", "0000-05", ""])
def test_months_are_read_strictly(text):
    from sim.errors import UsageError
    from sim.options import month
    from sim.scenario import month_index

    with pytest.raises(UsageError):
        month(text)
    with pytest.raises(ValueError):
        month_index(text)


def test_default_output_folders_stay_directly_under_results():
    from sim.errors import UsageError
    from sim.options import default_out

    assert default_out("us_stays", "vs", "us_withdraws") == Path("results/us_stays_vs_us_withdraws")
    for name in ("..", "/etc", "a/b", ""):
        with pytest.raises(UsageError):
            default_out(name)


# --- one list of event kinds --------------------------------------------------------------------


def test_event_kinds_come_from_the_schema_and_each_has_a_handler():
    from typing import get_args

    from sim.scenario import schema
    from sim.world.events import HANDLERS

    union = get_args(get_args(schema.Event)[0])
    assert list(schema.EVENT_CLASSES.values()) == list(union)
    assert schema.EVENT_KINDS == tuple(c.model_fields["do"].annotation.__args__[0] for c in union)
    assert list(HANDLERS) == list(schema.EVENT_KINDS)
    assert all(HANDLERS[kind].__name__ == kind for kind in schema.EVENT_KINDS)


def test_an_unknown_event_kind_lists_the_schema_kinds(tmp_path):
    from sim.scenario.schema import EVENT_KINDS

    problem, _ = _problem(
        _child(tmp_path, "events:\n  - {at: 2024-05, do: invade, country: NER}\n")
    )
    assert problem.path == "events[0]" and ", ".join(EVENT_KINDS) in problem.message


# --- the top-level handler ----------------------------------------------------------------------


def _bug(*args, **kwargs):
    raise ZeroDivisionError("float division by zero")


def test_an_internal_error_is_one_line_saying_it_is_a_bug(monkeypatch):
    from typer.testing import CliRunner

    from sim.cli import app

    monkeypatch.setattr("sim.scenario.load_scenario", _bug)
    monkeypatch.delenv("SAHEL_DEBUG", raising=False)
    result = CliRunner().invoke(app, ["validate", "us_withdraws"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # handled, not escaped
    (line,) = [x for x in result.output.splitlines() if x.strip()]
    assert "ZeroDivisionError" in line and "bug" in line and "--debug" in line, line
    assert "Traceback" not in result.output


@pytest.mark.parametrize("how", ["option", "environment"])
def test_debug_shows_the_original_exception(monkeypatch, how):
    from typer.testing import CliRunner

    from sim.cli import app

    monkeypatch.setattr("sim.scenario.load_scenario", _bug)
    if how == "environment":
        monkeypatch.setenv("SAHEL_DEBUG", "1")
        args = ["validate", "us_withdraws"]
    else:
        monkeypatch.delenv("SAHEL_DEBUG", raising=False)
        args = ["--debug", "validate", "us_withdraws"]
    result = CliRunner().invoke(app, args)
    assert isinstance(result.exception, ZeroDivisionError)
    monkeypatch.setattr("sim.scenario.load_scenario", load_scenario)
    assert CliRunner().invoke(app, [*args[:-1], "nowhere.yaml"]).exit_code == 2  # input: still 2


def test_extends_merging_is_linear_in_the_size_of_the_files(tmp_path):
    """A child overriding thousands of its parent's entries: five times the entries must not
    take twenty-five times as long (it took 23 s for 3,000 before the merge was linear)."""
    import time

    def seconds(n: int, attempt: int = 0) -> float:
        folder = tmp_path / f"{n}-{attempt}"
        folder.mkdir()
        rows = "".join(f"  k{i}: {{a: 1}}\n" for i in range(n))
        (folder / "p.yaml").write_text("name: p\nx:\n" + rows)
        (folder / "c.yaml").write_text("name: c\nextends: p.yaml\nx:\n" + rows.replace("1}", "2}"))
        started = time.perf_counter()
        with pytest.raises(ScenarioError):  # x is not a scenario field; merged first
            load_scenario(folder / "c.yaml")
        return time.perf_counter() - started

    # best of three, so that a busy machine (other jobs on the cores) does not decide
    small = min(seconds(600, k) for k in range(3))
    large = min(seconds(3000, k) for k in range(3))
    assert large < 12 * small + 0.3 and large < 5.0, (small, large)


def test_a_child_that_shortens_its_parent_keeps_the_parents_later_events(tmp_path):
    """Each event lies inside the scenario of the file that declares it."""
    base = _child(tmp_path, "events:\n  - {at: 2025-06, do: expel, country: NER, power: USA}\n")
    short = tmp_path / "short.yaml"
    short.write_text("name: short\nextends: bad.yaml\nmonths: 4\n")
    assert load_scenario(short).months == 4
    short.write_text(
        "name: short\nextends: bad.yaml\nmonths: 4\n"
        "events:\n  - {at: 2024-06, do: expel, country: MLI, power: USA}\n"
    )
    problem, text = _problem(short)
    assert (problem.path, problem.line) == ("events[0].at", 5), text
    assert problem.file is not None and problem.file.endswith("short.yaml")
    assert base.exists()
