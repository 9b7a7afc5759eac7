"""What users are told matches what runs: ``sahel parameters`` shows the values the scenarios
use and where they come from."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from typer.testing import CliRunner

from sim.bundled import calibrated_parameter_file
from sim.cli import app
from sim.scenario import SCENARIO_DIR, bundled_scenarios
from sim.scenario.resolution import parameter_uses, resolved_parameters
from sim.studies.calibration import FREE_PARAMETERS
from sim.world.parameters import Parameters
from tests.support import ROOT, sahel

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


CHILD = (
    "name: child\nextends: {parent}\nparameters:\n  coup_hazard_scale: 0.5\n  offensive_rate: 0.2\n"
)


def test_a_scenarios_own_value_is_reported_with_its_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "child.yaml"
    path.write_text(CHILD.format(parent=SCENARIO_DIR / "us_withdraws.yaml"))
    records = {r.name: r for r in resolved_parameters(path)}
    own = yaml.safe_load(path.read_text())["parameters"]
    text = path.read_text().splitlines()
    for name, value in own.items():
        rec = records[name]
        assert (rec.source, rec.value) == ("scenario", value)
        assert rec.file is not None and rec.file.endswith("child.yaml")
        assert rec.line is not None and text[rec.line - 1].strip().startswith(f"{name}:")


def test_layers_of_a_user_scenario(tmp_path: Path) -> None:
    """Defaults <- parameter file <- the scenario's own values, through `extends`."""
    (tmp_path / "mine.yaml").write_text("parameters:\n  desertion_rate: 0.01\n")
    (tmp_path / "child.yaml").write_text(
        f"name: child\nextends: {SCENARIO_DIR / 'us_withdraws.yaml'}\n"
        "parameter_file: mine.yaml\n"
        "parameters:\n  recruitment_rate: 0.0001\n"
        "events:\n  - {at: 2025-01, do: set_parameter, name: raid_share, value: 0.1}\n"
    )
    records = {r.name: r for r in resolved_parameters(tmp_path / "child.yaml")}
    assert (records["recruitment_rate"].source, records["recruitment_rate"].value) == (
        "scenario",
        0.0001,
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
    assert records["min_presence_fighters"].source == "default"
    assert (
        records["min_presence_fighters"].value
        == Parameters.model_fields["min_presence_fighters"].default
    )


def test_parameter_uses_group_scenarios_with_the_same_value(tmp_path: Path) -> None:
    path = tmp_path / "child.yaml"
    path.write_text(CHILD.format(parent=SCENARIO_DIR / "us_withdraws.yaml"))
    by = {name: resolved_parameters(name) for name in ("historical_2012", "us_withdraws")}
    by["child"] = resolved_parameters(path)
    uses = {u.name: u.uses for u in parameter_uses(by)}
    assert uses["coup_hazard_scale"] == (
        (1.0, "default", ("historical_2012", "us_withdraws")),
        (0.5, "scenario", ("child",)),
    )
    assert uses["raid_share"] == (
        (calibrated()["raid_share"], "calibrated", ("historical_2012", "us_withdraws", "child")),
    )


def test_parameters_of_one_scenario_in_detail() -> None:
    res = runner.invoke(app, ["parameters", "--scenario", "historical_2012"])
    assert res.exit_code == 0, res.output
    assert "calibrated" in res.stdout and "Epstein" in res.stdout
    records = parameters_json("--scenario", "us_withdraws")
    assert isinstance(records, list) and len(records) == len(Parameters.model_fields)


def test_parameters_of_an_unknown_scenario_is_a_usage_error() -> None:
    res = sahel("parameters", "--scenario", "no_such_scenario")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "not found" in res.stderr


# --- no static prose states a result ---------------------------------------------------------

DOCS = [ROOT / "README.md", ROOT / "notebooks" / "README.md"]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

RESULT_WORDS = re.compile(r"\b(?:deaths?|fatalities|killed|casualties|loss|recruits|fighters)\b")
"""Words naming a model output; a number next to one in prose states a result."""
NUMBER = re.compile(r"(?<![\w.])[+−]?\d[\d,]*(?:\.\d+)?(?![\w])")


def prose(markdown: str) -> str:
    """Markdown without code blocks and inline code (examples, not statements)."""
    markdown = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    return re.sub(r"`[^`\n]*`", " ", markdown)


def stated_results(markdown: str) -> list[str]:
    """Passages of ``markdown`` that state a model result with a number: a signed number
    (a difference, ``+22``) or a number within a few words of an output word (``240 deaths``,
    ``the loss from 1.18``). Years, and numbers in formulas (``log(10 + deaths)``) are not."""
    text = prose(markdown)
    found = []
    for m in NUMBER.finditer(text):
        number = m.group(0)
        if re.fullmatch(r"(?:19|20)\d\d", number):
            continue
        # the words around the number, within its sentence
        after = re.split(r"[.!?;:](?:\s|$)", text[m.end() : m.end() + 60])[0]
        before = re.split(r"[.!?;:]\s", text[max(0, m.start() - 60) : m.start()])[-1]
        if re.match(r"\s*[+×*/=]", after):  # a term of a formula
            continue
        if re.match(r"%\)?\s*(?:confidence|CI|band|interval|bootstrap|quantile)", after):
            continue  # the level of an interval
        near = " ".join(before.split()[-3:] + after.lstrip("%").split()[:3])
        if number[0] in "+−" or RESULT_WORDS.search(near):
            found.append(" ".join(text[max(0, m.start() - 40) : m.end() + 40].split()))
    return found


def markdown_of(path: Path) -> list[str]:
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return [c.source for c in nb.cells if c.cell_type == "markdown"]
    return [path.read_text(encoding="utf-8")]


@pytest.mark.parametrize(
    "text",
    [
        'Suppose it read "**+22 deaths per month in Niger [21, 23]**". That means:',
        "- that the real US withdrawal caused 22 deaths per month in Niger.",
        "it misses the level of that rise (about 240 deaths in 2019 against UCDP's 1,246)",
        "the calibration took 2 min 19 s and lowered the loss from 1.18 to 0.36.",
        "- that every history has +22: single pairs of runs differ",
    ],
)
def test_the_scan_catches_results_stated_in_prose(text: str) -> None:
    assert stated_results(text), text


@pytest.mark.parametrize(
    "text",
    [
        "the mean over the 80 country-years of the squared difference of log(10 + deaths per "
        "year), the model's value averaged over replicates",
        "The band is the **95% confidence interval of that mean**",
        "Run the same replicates with a recruitment rate 40% higher than the one in use.",
        "`sahel compare us_stays us_withdraws --reps 30` (paired differences with 95% CIs)",
        "**Next:** notebook 02 compares the two scenarios. Deaths are a number in the model.",
        "UCDP deaths per country and year, 2012-2019, with 30 paired replicates",
        "```\nDeaths: 1,246 in 2019\n```",
    ],
)
def test_the_scan_leaves_definitions_and_examples_alone(text: str) -> None:
    assert stated_results(text) == []


@pytest.mark.parametrize("path", DOCS + NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_result_is_stated_in_static_prose(path: Path) -> None:
    """README and notebook text word results from computed numbers (a code cell's f-string, a
    generated table), never from numbers typed into the prose, which a model change would
    leave lying."""
    stated = [s for text in markdown_of(path) for s in stated_results(text)]
    assert stated == [], f"{path.name} states results in prose: {stated}"


# --- examples span the values in use ---------------------------------------------------------

RANGE = re.compile(r"\b([a-z_]+)=(-?[\d.]+(?:e[+-]?\d+)?):(-?[\d.]+(?:e[+-]?\d+)?)(?::(\d+))?")


def range_examples(path: Path) -> list[tuple[str, float, float]]:
    """Every ``name=lo:hi[:n]`` written in a file (prose, code blocks and notebook code)."""
    if path.suffix == ".ipynb":
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    else:
        text = path.read_text(encoding="utf-8")
    names = set(Parameters.model_fields)
    return [
        (m.group(1), float(m.group(2)), float(m.group(3)))
        for m in RANGE.finditer(text)
        if m.group(1) in names
    ]


def test_the_example_scan_finds_the_readme_examples() -> None:
    assert len(range_examples(ROOT / "README.md")) >= 3


@pytest.mark.parametrize("path", DOCS + NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_parameter_ranges_in_examples_span_the_values_in_use(path: Path) -> None:
    in_use = {
        name: {r.name: r.value for r in resolved_parameters(name)}
        for name in ("baseline_2024", "us_withdraws", "us_stays")
    }
    outside = [
        (name, lo, hi, scenario, values[name])
        for name, lo, hi in range_examples(path)
        for scenario, values in in_use.items()
        if not lo <= values[name] <= hi
    ]
    assert outside == [], f"{path.name}: ranges that exclude the value in use: {outside}"


# --- the ODD's calibration results are generated ---------------------------------------------


@pytest.mark.slow
def test_odd_calibration_results_are_generated_from_the_model() -> None:
    """docs/ODD.md states its calibration results (section 8) from the values in use and from
    runs of the calibrated model, through docs/make_results.py; a model change or a new
    calibration that leaves them stale fails here."""
    res = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_results.py"), "--check"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr


def test_odd_results_sit_inside_generated_blocks() -> None:
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    for name in ("calibration", "fit", "backtest", "baseline-balance"):
        start, end = f"<!-- results:{name}:start -->", f"<!-- results:{name}:end -->"
        assert text.count(start) == 1 and text.count(end) == 1, name
        assert text.index(start) < text.index(end), name
        body = text[text.index(start) + len(start) : text.index(end)]
        assert body.strip(), f"block {name} is empty"
