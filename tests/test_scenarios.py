"""Scenario files: bundled scenarios, ``extends``, events, and one test per error message."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.errors import Problem, ScenarioError
from sim.scenario import (
    bundled_scenarios,
    load_scenario,
    month_index,
    scenario_hash,
    validate_data,
)
from sim.world.model import SahelModel
from tests.worlds import tiny_data

BUNDLED = sorted(bundled_scenarios())


def write(folder: Path, name: str, content: str | dict[str, Any]) -> Path:
    """Write a YAML file: ``content`` is YAML text (dedented) or data to dump."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(path: Path | str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


# --- bundled scenarios --------------------------------------------------------------------------


def test_the_brief_s_scenarios_are_bundled():
    assert {"baseline_2024", "us_withdraws", "us_stays"} <= set(BUNDLED)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_validates_and_runs(name):
    scn = load_scenario(name)
    assert scn.name == name  # the file's name and its `name:` agree
    assert scn == load_scenario(bundled_scenarios()[name])  # by name or by path
    model = SahelModel(scn, rng=1, months=3).run()
    regional, countries = model.regional_frame(), model.country_frame()
    assert len(regional) == 3
    assert len(countries) == 3 * len(scn.countries)
    assert set(countries["country"]) == set(scn.countries)
    assert not model.running


def test_load_scenario_overrides_top_level_fields():
    scn = load_scenario("baseline_2024", months=7, seed=99)
    assert (scn.months, scn.seed) == (7, 99)
    assert scn.end == "2024-09"  # start 2024-03 + 7 months - 1


def test_scenario_hash_identifies_what_is_simulated(scenario):
    base = scenario("baseline_2024")
    assert scenario_hash(base) == scenario_hash(load_scenario("baseline_2024"))
    assert scenario_hash(base) != scenario_hash(load_scenario("baseline_2024", seed=1))
    assert scenario_hash(base) != scenario_hash(scenario("us_withdraws"))


# --- extends ------------------------------------------------------------------------------------


@pytest.fixture
def family(tmp_path):
    """parent.yaml (the tiny world with one event) and child.yaml that extends it."""
    parent = tiny_data({"events": [{"at": "2024-03", "do": "deploy", "power": "USA",
                                    "country": "MLI", "troops": 50}]})  # fmt: skip
    write(tmp_path, "parent.yaml", parent)
    child = write(
        tmp_path,
        "child.yaml",
        """\
        name: child
        extends: parent.yaml
        months: 6
        countries:
          NER: {control: 0.5}            # merged into NER: other fields inherited
        groups:
          JNIM: {fighters: {MLI: null}}  # null deletes the parent's entry
        powers:
          USA: {partners: {NER: null}}
        borders: [[NER, MLI]]            # lists replace the parent's
        events:                          # events are appended to the parent's
          - {at: 2024-05, do: withdraw, power: USA, country: MLI}
        """,
    )
    return parent, child


def test_extends_merges_mappings_key_by_key(family):
    parent, child = family
    scn = load_scenario(child)
    assert scn.name == "child" and scn.months == 6
    assert scn.start == parent["start"]  # inherited scalar
    assert scn.description == parent["description"]
    ner = scn.countries["NER"]
    assert ner.control == 0.5
    assert ner.legitimacy == parent["countries"]["NER"]["legitimacy"]
    assert ner.population_m == parent["countries"]["NER"]["population_m"]
    assert set(scn.countries) == {"NER", "MLI", "BFA"}


def test_extends_null_deletes_the_parents_entry(family):
    _, child = family
    scn = load_scenario(child)
    assert scn.groups["JNIM"].fighters == {"NER": 1500}
    assert scn.powers["USA"].partners == {}
    assert scn.powers["USA"].effectiveness == 3.0  # siblings of the deleted key remain


def test_extends_replaces_lists_but_appends_events(family):
    _, child = family
    scn = load_scenario(child)
    assert scn.borders == [("NER", "MLI")]
    assert [(e.at, e.do, e.country) for e in scn.events] == [
        ("2024-03", "deploy", "MLI"),
        ("2024-05", "withdraw", "MLI"),
    ]
    assert scn.extends == "parent.yaml"


def test_extends_chains_and_resolves_paths_relative_to_each_file(tmp_path):
    write(tmp_path, "worlds/base.yaml", tiny_data())
    write(tmp_path, "worlds/middle.yaml", "name: middle\nextends: base.yaml\nseed: 5\n")
    leaf = write(
        tmp_path,
        "runs/leaf.yaml",
        "name: leaf\nextends: ../worlds/middle.yaml\ncountries: {MLI: {control: 0.9}}\n",
    )
    scn = load_scenario(leaf)
    assert (scn.name, scn.seed, scn.countries["MLI"].control) == ("leaf", 5, 0.9)
    assert scn.countries["MLI"].hardship == 0.8


def test_bundled_counterfactuals_differ_from_the_baseline_only_by_events(scenario):
    base = scenario("baseline_2024")
    for name in ("us_withdraws", "us_stays"):
        scn = scenario(name)
        assert scn.countries == base.countries and scn.powers == base.powers
        assert scn.events[: len(base.events)] == base.events
        assert len(scn.events) > len(base.events)


# --- events -------------------------------------------------------------------------------------


def test_every_scheduled_event_fires_once_in_its_month(scenario):
    scn = scenario("us_withdraws")
    model = SahelModel(scn, rng=3).run()
    fired = [e for e in model.event_log if e["scheduled"]]
    expected = sorted(
        (month_index(ev.at) - month_index(scn.start), ev.at, ev.do) for ev in scn.events
    )
    assert sorted((e["month"], e["date"], e["kind"]) for e in fired) == expected
    assert [e["note"] for e in fired if e["kind"] == "withdraw" and e["country"] == "NER"] == [
        ev.note for ev in scn.events if ev.do == "withdraw" and ev.country == "NER"
    ]


def test_an_event_takes_effect_in_its_month_and_not_before(tiny_model):
    patch = {"events": [{"at": "2024-04", "do": "withdraw", "power": "USA", "country": "NER"}]}
    model = tiny_model(patch, rng=2)
    edge = model.powers["USA"].partnerships[model.countries["NER"]]
    troops = []
    for _ in range(6):
        model.step()
        troops.append(edge["troops"])
    assert troops[:3] == [1000.0] * 3  # Jan-Mar 2024
    assert troops[3:] == [0.0] * 3  # from Apr 2024


def test_events_after_the_last_month_run_do_not_fire(tiny_model):
    patch = {"events": [{"at": "2025-06", "do": "coup", "country": "MLI"}]}
    model = tiny_model(patch, rng=2)
    model.run(12)
    assert not [e for e in model.event_log if e["scheduled"]]
    assert model.countries["MLI"].regime == "civilian"


def test_a_scheduled_coup_is_logged_once_and_as_scheduled(tiny_model):
    patch = {
        "events": [
            {"at": "2024-03", "do": "coup", "country": "NER"},
            {"at": "2024-05", "do": "expel", "country": "NER", "power": "USA"},
        ]
    }
    model = tiny_model(patch, rng=1, coup_hazard_scale=0.0).run(6)
    for kind, month in (("coup", 2), ("expel", 4)):
        logged = [e for e in model.event_log if e["kind"] == kind]
        assert [(e["month"], e["scheduled"]) for e in logged] == [(month, True)], kind


# --- errors -------------------------------------------------------------------------------------

# Each case: YAML text extending the tiny world (tiny.yaml), the problem's dotted path, its
# line in that text, and what the message must say (the value found and what was expected).
BAD_INPUT = {
    "unknown field": (
        "montsh: 3\n",
        "montsh",
        3,
        ["unknown field 'montsh'", "expected one of:", "Did you mean 'months'?"],
    ),
    "unknown nested field": (
        "countries:\n  NER: {controll: 0.5}\n",
        "countries.NER.controll",
        4,
        ["unknown field 'controll'", "Did you mean 'control'?"],
    ),
    "unknown event field": (
        "events:\n  - {at: 2024-03, do: withdraw, power: USA, country: NER, shar: 0.5}\n",
        "events[0].shar",
        4,
        ["unknown field 'shar'", "Did you mean 'share'?"],
    ),
    "unknown parameter": (
        "parameters:\n  control_rte: 0.1\n",
        "parameters.control_rte",
        4,
        ["unknown field 'control_rte'", "Did you mean 'control_rate'?"],
    ),
    "wrong type": ("months: lots\n", "months", 3, ["got 'lots'", "valid integer"]),
    "wrong nested type": (
        "countries:\n  MLI:\n    population_m: many\n",
        "countries.MLI.population_m",
        5,
        ["got 'many'", "valid number"],
    ),
    "wrong container type": (
        "borders: {NER: MLI}\n",
        "borders",
        3,
        ["got {'NER': 'MLI'}", "valid list"],
    ),
    "out of range": (
        "countries:\n  NER: {control: 1.5}\n",
        "countries.NER.control",
        4,
        ["got 1.5", "<= 1"],
    ),
    "out of range below": ("months: -5\n", "months", 3, ["got -5", ">= 1"]),
    "parameter out of range": (
        "parameters: {control_rate: 3}\n",
        "parameters.control_rate",
        3,
        ["got 3", "<= 1"],
    ),
    "bad country code": (
        "events:\n  - {at: 2024-03, do: coup, country: ner}\n",
        "events[0].country",
        4,
        ["got 'ner'", "three-letter upper-case country code"],
    ),
    "unknown country in an event": (
        "events:\n  - {at: 2024-07, do: withdraw, power: USA, country: NGR}\n",
        "events[0].country",
        4,
        ["'NGR' is not a country in this scenario", "known: BFA, MLI, NER", "Did you mean 'NER'?"],
    ),
    "unknown power in an event": (
        "events:\n  - {at: 2024-07, do: stay, power: USSA, country: NER}\n",
        "events[0].power",
        4,
        ["'USSA' is not a power", "known: USA", "Did you mean 'USA'?"],
    ),
    "unknown group in an event": (
        "events:\n  - {at: 2024-07, do: arrive, group: JNMI, country: BFA, fighters: 10}\n",
        "events[0].group",
        4,
        ["'JNMI' is not an insurgent group", "Did you mean 'JNIM'?"],
    ),
    "unknown country in a partnership": (
        "powers:\n  USA:\n    partners:\n      NGA: {aid_musd: 5}\n",
        "powers.USA.partners.NGA",
        6,
        ["'NGA' is not a country", "known: BFA, MLI, NER"],
    ),
    "unknown event kind": (
        "events:\n  - {at: 2024-07, do: withdarw, power: USA, country: NER}\n",
        "events[0]",
        4,
        ["got do: 'withdarw'", "expected one of: withdraw, deploy", "Did you mean 'withdraw'?"],
    ),
    "event without a kind": (
        "events:\n  - {at: 2024-07, country: NER}\n",
        "events[0].do",
        4,
        ["required field 'do' is missing", "expected one of:"],
    ),
    "event before the start": (
        "events:\n  - {at: 2023-07, do: coup, country: NER}\n",
        "events[0].at",
        4,
        ["2023-07 is before the scenario's start (2024-01)"],
    ),
    "not a month": (
        "events:\n  - {at: 2024-13, do: coup, country: NER}\n",
        "events[0].at",
        4,
        ["got '2024-13'", "expected a month as YYYY-MM"],
    ),
    "unknown parameter in an event": (
        "events:\n  - {at: 2024-03, do: set_parameter, name: control_rte, value: 0.1}\n",
        "events[0].name",
        4,
        ["'control_rte' is not a parameter", "Did you mean 'control_rate'?"],
    ),
    "parameter event out of range": (
        "events:\n  - {at: 2024-03, do: set_parameter, name: control_rate, value: 5}\n",
        "events[0].value",
        4,
        ["got 5", "less than or equal to 1"],
    ),
    "junta without a junta block": (
        "countries:\n  MLI: {regime: junta}\n",
        "countries.MLI.junta",
        4,
        ["needs a 'junta:' block"],
    ),
    "unknown power in junta preferences": (
        "countries:\n  MLI:\n    regime: junta\n"
        "    junta: {name: CNT, since: 2021-05, preferences: {XXX: 0.6}}\n",
        "countries.MLI.junta.preferences.XXX",
        6,
        ["'XXX' is not a power", "known: USA"],
    ),
    "a country bordering itself": (
        "borders: [[NER, NER]]\n",
        "borders[0]",
        3,
        ["cannot border itself (NER)"],
    ),
    "duplicate key": ("seed: 1\nseed: 2\n", "seed", 4, ["duplicate key 'seed'"]),
    "missing required field": (
        "countries:\n  TGO: {name: Togo, population_m: 9, forces: 12000, capacity: 0.3,\n"
        "        legitimacy: 0.2, control: 0.9, hardship: 0.8}\n",
        "countries.TGO.capital",
        4,
        ["required field is missing"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT), ids=list(BAD_INPUT))
def test_bad_input_gives_an_error_naming_file_path_line_and_expectation(tmp_path, case):
    body, path, line, says = BAD_INPUT[case]
    write(tmp_path, "tiny.yaml", tiny_data())
    bad = write(tmp_path, "bad.yaml", "name: bad\nextends: tiny.yaml\n" + body)
    err = load_error(bad)
    assert isinstance(err, ValueError)  # ScenarioError is a ValueError for API users
    text = str(err)
    assert text.splitlines()[0].endswith("bad.yaml has 1 problem:"), text
    (problem,) = err.problems
    assert (problem.path, problem.line) == (path, line), text
    assert problem.file is not None and problem.file.endswith("bad.yaml")
    for phrase in says:
        assert phrase in problem.message, text
    assert f"  {path} (line {line}): " in text  # rendered as the style guide shows


def test_validate_data_reports_the_same_problems_without_a_file():
    data = tiny_data({"countries": {"NER": {"control": 2.0}}})
    with pytest.raises(ScenarioError) as info:
        validate_data(data)
    assert [p.path for p in info.value.problems] == ["countries.NER.control"]
    assert str(info.value).startswith("<scenario> has 1 problem:")


def test_a_problem_inherited_through_extends_names_the_parent_file(tmp_path):
    write(tmp_path, "parent.yaml", "name: parent\nextends: tiny.yaml\nmonths: 0\n")
    write(tmp_path, "tiny.yaml", tiny_data())
    child = write(tmp_path, "child.yaml", "name: child\nextends: parent.yaml\n")
    err = load_error(child)
    (problem,) = err.problems
    assert problem.path == "months" and problem.line == 3
    assert problem.file is not None and problem.file.endswith("parent.yaml")
    assert "parent.yaml, line 3" in str(err)
    assert str(err).splitlines()[0].endswith("child.yaml has 1 problem:")


def test_several_problems_are_reported_at_once(tmp_path):
    write(tmp_path, "tiny.yaml", tiny_data())
    bad = write(
        tmp_path,
        "bad.yaml",
        """\
        name: bad
        extends: tiny.yaml
        months: -5
        countries:
          NER: {control: 1.5, controll: 0.5}
        events:
          - {at: 2024-07, do: withdraw, power: USA, country: NGR}
          - {at: 2023-01, do: coup, country: MLI}
          - {at: 2024-03, do: set_parameter, name: control_rate, value: 5}
        """,
    )
    err = load_error(bad)
    found = {p.path: p.line for p in err.problems}
    assert found == {
        "months": 3,
        "countries.NER.control": 5,
        "countries.NER.controll": 5,
        "events[0].country": 7,
        "events[1].at": 8,
        "events[2].value": 9,
    }
    lines = str(err).splitlines()
    assert lines[0].endswith("bad.yaml has 6 problems:")
    assert len(lines) == 7 and all(line.startswith("  ") for line in lines[1:])


def test_cycle_in_extends(tmp_path):
    write(tmp_path, "a.yaml", "name: a\nextends: b.yaml\n")
    write(tmp_path, "b.yaml", "name: b\nextends: a.yaml\n")
    err = load_error(tmp_path / "a.yaml")
    (problem,) = err.problems
    assert problem.path == "extends"
    assert problem.file is not None and problem.file.endswith("b.yaml")
    assert problem.line == 2
    assert "cycle in extends" in problem.message
    assert problem.message.count("a.yaml") == 2 and "b.yaml" in problem.message
    assert "expected" in problem.message


def test_a_file_extending_itself_is_a_cycle(tmp_path):
    me = write(tmp_path, "me.yaml", "name: me\nextends: me.yaml\n")
    (problem,) = load_error(me).problems
    assert (problem.path, problem.line) == ("extends", 2)
    assert "cycle in extends" in problem.message


def test_missing_file(tmp_path):
    err = load_error(tmp_path / "nowhere.yaml")
    (problem,) = err.problems
    assert "nowhere.yaml" in str(err).splitlines()[0]
    assert problem.message.startswith("file not found")
    assert "expected a scenario YAML file" in problem.message


def test_missing_bundled_scenario_suggests_the_closest_name():
    err = load_error("us_withdraw")
    assert "us_withdraw.yaml" in str(err).splitlines()[0]
    assert "Did you mean 'us_withdraws'?" in err.problems[0].message


def test_missing_parent_in_extends(tmp_path):
    write(tmp_path, "baseline_2024.yaml", tiny_data())
    child = write(tmp_path, "child.yaml", "name: child\nextends: baseline.yaml\n")
    (problem,) = load_error(child).problems
    assert (problem.path, problem.line) == ("extends", 2)
    assert "parent file 'baseline.yaml' not found" in problem.message
    assert "Did you mean 'baseline_2024.yaml'?" in problem.message


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("name: x\nstart: 2024-01\ncountries:\n\tNER: {}\n", 4, "'\\t'"),
        ("name: x\nmonths: [3\ncountries: {}\n", 3, "line 2"),
        ("name: x\n  months: 3\n", 2, "mapping values are not allowed"),
        ("name: 'x\n", 2, "found unexpected end of stream"),
    ],
    ids=["tab", "unclosed bracket", "bad indentation", "unclosed quote"],
)
def test_malformed_yaml_names_the_line(tmp_path, text, line, says):
    err = load_error(write(tmp_path, "broken.yaml", text))
    (problem,) = err.problems
    assert problem.path == ""
    assert problem.line == line
    assert problem.message.startswith("malformed YAML")
    assert says in problem.message
    assert str(err).endswith(f"broken.yaml (line {line}): {problem.message}")  # one line


def test_an_empty_file_is_an_error(tmp_path):
    (problem,) = load_error(write(tmp_path, "empty.yaml", "# nothing here\n")).problems
    assert "empty" in problem.message and "expected a mapping" in problem.message


def test_a_scenario_needs_at_least_one_country(tmp_path):
    data = tiny_data()
    data["countries"] = {}
    data["powers"]["USA"]["partners"] = {}
    data["groups"] = {}
    data["borders"] = []
    (problem,) = load_error(write(tmp_path, "void.yaml", data)).problems
    assert problem.path == "countries"
    assert "expected at least one country" in problem.message


# --- YAML tags that would construct objects -----------------------------------------------------


@pytest.mark.parametrize(
    ("template", "path", "line"),
    [
        ("name: !!python/object/apply:os.system [{cmd!r}]\n", "name", 1),
        ("!!python/object/apply:os.system [{cmd!r}]\n", "", 1),
        ("name: x\ndescription: !!python/object/apply:os.system\n  args: [{cmd!r}]\n",
         "description", 2),
        ("name: x\ncountries: !!python/object/new:os.system [{cmd!r}]\n", "countries", 2),
        ("name: x\nseed: !!python/name:os.system\n", "seed", 2),
        ("name: x\nstart: !!python/object:collections.OrderedDict {{}}\n", "start", 2),
    ],
    ids=["on a value", "on the document", "on a mapping", "new", "name", "object"],
)  # fmt: skip
def test_object_construction_tags_are_rejected_not_executed(tmp_path, template, path, line):
    marker = tmp_path / "executed"
    cmd = f"touch {marker}"
    err = load_error(write(tmp_path, "evil.yaml", template.format(cmd=cmd)))
    assert not marker.exists()
    tagged = [p for p in err.problems if "unsupported YAML tag" in p.message]
    assert [(p.path, p.line) for p in tagged] == [(path, line)], str(err)
    assert "!!python/" in tagged[0].message


def test_problem_renders_path_file_and_line():
    problem = Problem("events[1].country", "bad", file="parent.yaml", line=7)
    assert problem.render("child.yaml") == "events[1].country (parent.yaml, line 7): bad"
    assert problem.render("parent.yaml") == "events[1].country (line 7): bad"
    assert Problem("", "oops").render() == "<file>: oops"
