"""Scenario features added for the historical run: parameter files, theatres, exposure, and the
``split`` and ``mobilise`` events. Each is checked for what it does and for its errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.errors import ScenarioError
from sim.scenario import load_scenario, validate_data
from sim.scenario.schema import Mobilise, Split
from sim.world.events import apply_event
from sim.world.model import SahelModel
from tests.worlds import tiny_data


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# --- parameter_file ---------------------------------------------------------------------------


def test_parameter_file_sets_values_and_the_scenario_s_own_take_precedence(tmp_path) -> None:
    fitted = {"parameters": {"recruitment_rate": 0.0315, "raid_share": 0.05}}
    write(tmp_path / "fitted.yaml", fitted)
    scn = write(
        tmp_path / "world.yaml",
        tiny_data({"parameter_file": "fitted.yaml", "parameters": {"raid_share": 0.3}}),
    )
    spec = load_scenario(scn)
    assert spec.parameters.recruitment_rate == 0.0315  # from the file
    assert spec.parameters.raid_share == 0.3  # the scenario's own value wins


def test_a_missing_parameter_file_names_the_scenario_field_and_the_path(tmp_path) -> None:
    scn = write(tmp_path / "world.yaml", tiny_data({"parameter_file": "nowhere.yaml"}))
    with pytest.raises(ScenarioError) as info:
        load_scenario(scn)
    (problem,) = info.value.problems
    assert problem.path == "parameter_file"
    assert problem.file.endswith("world.yaml") and problem.line is not None
    assert "nowhere.yaml" in problem.message and "not found" in problem.message


def test_an_unknown_parameter_in_the_file_is_reported_at_its_line_in_that_file(tmp_path) -> None:
    text = "parameters:\n  recruitment_rate: 0.03\n  raid_shar: 0.1\n"
    (tmp_path / "fitted.yaml").write_text(text)
    scn = write(tmp_path / "world.yaml", tiny_data({"parameter_file": "fitted.yaml"}))
    with pytest.raises(ScenarioError) as info:
        load_scenario(scn)
    (problem,) = info.value.problems
    assert problem.path == "parameters.raid_shar"
    assert problem.file.endswith("fitted.yaml") and problem.line == 3
    assert "raid_share" in problem.message  # did you mean


def test_a_parameter_file_without_a_parameters_mapping_is_an_error(tmp_path) -> None:
    (tmp_path / "fitted.yaml").write_text("recruitment_rate: 30\n")
    scn = write(tmp_path / "world.yaml", tiny_data({"parameter_file": "fitted.yaml"}))
    with pytest.raises(ScenarioError, match="parameters"):
        load_scenario(scn)


# --- theatre and exposure ---------------------------------------------------------------------


def test_a_theatre_names_known_countries() -> None:
    data = tiny_data({"groups": {"JNIM": {"theatre": ["NER", "XYZ"]}}})
    with pytest.raises(ScenarioError) as info:
        validate_data(data)
    assert [p.path for p in info.value.problems] == ["groups.JNIM.theatre[1]"]


def test_a_group_raids_and_spreads_only_inside_its_theatre() -> None:
    spec = validate_data(tiny_data({"groups": {"JNIM": {"theatre": ["NER", "MLI"]}}}))
    model = SahelModel(spec, rng=2)
    jnim = model.groups["JNIM"]
    bfa = model.countries["BFA"]
    assert all(bfa not in reach for reach in jnim.reach.values())
    model.run(24)
    assert bfa not in jnim.presence and bfa not in jnim.raids


def recruits_at_start(patch: dict) -> tuple[float, float]:
    """(recruits JNIM gains in NER in its first recruitment with mean noise, the documented
    expectation rho W (F_g / F) max(0, 1 - F / (phi W)) x exp(-sd^2 / 2))."""
    spec = validate_data(tiny_data(patch))
    model = SahelModel(spec, rng=5)  # the world is mustered at construction
    ner, jnim = model.countries["NER"], model.groups["JNIM"]
    p = model.p
    before = jnim.presence[ner]["fighters"]
    pool = ner.willing_share() * ner.exposed_people * max(ner.threat, p.access_floor)
    local = ner.fighters
    room = max(0.0, 1.0 - local / (p.armed_share * pool))
    sd = p.recruitment_dispersion
    expected = p.recruitment_rate * pool * (before / local) * room * np.exp(-0.5 * sd * sd)
    jnim.recruit(np.zeros(len(model.countries_in_order)))  # the same (mean) noise
    return jnim.presence[ner]["fighters"] - before, expected


@pytest.mark.parametrize("exposure", [1.0, 0.5, 0.2])
def test_recruitment_follows_the_documented_formula_at_any_exposure(exposure) -> None:
    """The willing pool is the exposed people (population x exposure) times Epstein's share
    and the state's lost share of the zone; recruits are rho x pool x room."""
    got, expected = recruits_at_start(
        {"countries": {"NER": {"exposure": exposure}}, "parameters": {"armed_share": 0.05}}
    )
    assert expected > 0.0
    assert got == pytest.approx(expected, rel=1e-9)


def test_recruitment_is_proportional_to_exposure_far_from_the_ceiling() -> None:
    """Same seed, same state, a ceiling far away: half the exposed people, half the recruits."""
    far = {"armed_share": 1.0, "recruitment_dispersion": 0.0}
    full, _ = recruits_at_start({"countries": {"NER": {"exposure": 1.0}}, "parameters": far})
    half, _ = recruits_at_start({"countries": {"NER": {"exposure": 0.5}}, "parameters": far})
    assert full > 0
    assert half == pytest.approx(0.5 * full, rel=0.01)


def test_no_recruits_at_the_ceiling() -> None:
    """Growth stops when the fighters reach phi x the willing pool."""
    got, expected = recruits_at_start({"parameters": {"armed_share": 0.0001}})
    assert expected == 0.0 and got == 0.0


# --- split and mobilise -----------------------------------------------------------------------


def test_split_needs_known_groups() -> None:
    event = {"at": "2024-03", "do": "split", "group": "ISWAP", "parent": "JNIM",
             "country": "NER", "share": 0.5}  # fmt: skip
    with pytest.raises(ScenarioError) as info:
        validate_data(tiny_data({"events": [event]}))
    assert [p.path for p in info.value.problems] == ["events[0].group"]


def test_split_moves_fighters_without_creating_any() -> None:
    spec = validate_data(
        tiny_data({"groups": {"ISSP": {"name": "IS Sahel", "affiliation": "Islamic State"}}})
    )
    model = SahelModel(spec, rng=1)
    ner = model.countries["NER"]
    before = model.groups["JNIM"].presence[ner]["fighters"]
    apply_event(model, Split(at="2024-01", do="split", group="ISSP", parent="JNIM",
                             country="NER", share=0.25))  # fmt: skip
    assert model.groups["ISSP"].presence[ner]["fighters"] == pytest.approx(0.25 * before)
    assert model.groups["JNIM"].presence[ner]["fighters"] == pytest.approx(0.75 * before)


def test_mobilise_changes_forces_never_below_zero_and_sets_capacity() -> None:
    model = SahelModel(validate_data(tiny_data()), rng=1)
    ner = model.countries["NER"]
    apply_event(model, Mobilise(at="2024-01", do="mobilise", country="NER", troops=5000,
                                capacity=0.5))  # fmt: skip
    assert (ner.forces, ner.capacity) == (25000, 0.5)
    apply_event(model, Mobilise(at="2024-01", do="mobilise", country="NER", troops=-99999))
    assert ner.forces == 0 and ner.capacity == 0.5
    assert [e["kind"] for e in model.event_log[-2:]] == ["mobilise", "mobilise"]


# --- air support ------------------------------------------------------------------------------


def check_air_support(model: SahelModel, without: SahelModel) -> None:
    """NER's forces with one air detachment against the same world without: every force's
    effectiveness x (1 + g_air), base defence x exp(-d_air)."""
    p = model.p
    ner, bare = model.countries["NER"], without.countries["NER"]
    assert ner.contributions["USA"].air == 1.0
    for force, plain in zip(ner.forces_engaged, bare.forces_engaged, strict=True):
        assert force.effectiveness == pytest.approx(plain.effectiveness * (1 + p.air_gain))
    assert ner.base_defence == pytest.approx(bare.base_defence * np.exp(-p.base_defence_air))


def test_air_support_at_the_start_multiplies_effectiveness_and_base_defence() -> None:
    flying = {"powers": {"USA": {"partners": {"NER": {"air": True}}}}}
    model = SahelModel(validate_data(tiny_data(flying)), rng=1)
    check_air_support(model, SahelModel(validate_data(tiny_data()), rng=1))


def test_a_deployment_with_air_support_multiplies_effectiveness_and_base_defence() -> None:
    deploy = {"at": "2024-01", "do": "deploy", "country": "NER", "power": "USA", "troops": 0,
              "air": True}  # fmt: skip
    model = SahelModel(validate_data(tiny_data({"events": [deploy]})), rng=1)
    model.step()
    assert model.powers["USA"].partnerships[model.countries["NER"]]["air"]
    # compare the month's forces with the same state's forces less the air support
    ner = model.countries["NER"]
    ner.muster()  # from the state at the end of the month
    usa = ner.contributions["USA"]
    assert usa.air == 1.0
    flying = [f.effectiveness for f in ner.forces_engaged]
    defence = ner.base_defence
    usa.air = 0.0
    ner.muster()
    p = model.p
    assert ner.base_defence == pytest.approx(defence * np.exp(p.base_defence_air))
    for f, e in zip(ner.forces_engaged, flying, strict=True):
        assert e == pytest.approx(f.effectiveness * (1 + p.air_gain))
