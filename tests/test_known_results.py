"""Known results: worlds whose outcome can be stated by hand, and formulas checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.scenario import validate_data
from sim.world.model import SahelModel

SEEDS = [0, 1, 2]


def without_groups(data: dict) -> dict:
    data["groups"] = {}
    data["rivalries"] = []
    data["events"] = [e for e in data["events"] if e["do"] != "arrive"]
    return data


def without_foreign_engagement(data: dict, *, drop_powers: bool = False) -> dict:
    """No troops, aid, surveillance or economic ties anywhere, and no power will come."""
    if drop_powers:
        data["powers"] = {}
        for country in data["countries"].values():
            if country.get("junta"):
                country["junta"]["preferences"] = {}
    else:
        for power in data["powers"].values():
            power["partners"] = {}
            power["offer_troops"] = 0.0
    data["events"] = [e for e in data["events"] if e.get("power") is None]
    return data


# --- no insurgents: no deaths, no change of control ----------------------------------------------


@pytest.mark.parametrize("name", ["baseline_2024", "us_withdraws"])
@pytest.mark.parametrize("seed", SEEDS)
def test_no_insurgent_groups_means_no_deaths_and_control_unchanged(scenario_data, name, seed):
    scn = validate_data(without_groups(scenario_data(name)))
    model = SahelModel(scn, rng=seed).run()
    c = model.country_frame()
    assert len(c) == scn.months * len(scn.countries)
    assert (c["fatalities"] == 0.0).all()
    assert (c["insurgent_strength"] == 0.0).all()
    assert (model.regional_frame()["total_fatalities"] == 0.0).all()
    start = {iso: spec.control for iso, spec in scn.countries.items()}
    assert (c["control"] == c["country"].map(start)).all()


def test_groups_with_no_fighters_are_the_same_as_no_groups(scenario_data):
    data = scenario_data("baseline_2024")
    for group in data["groups"].values():
        group["fighters"] = {}
    c = SahelModel(validate_data(data), rng=4).run().country_frame()
    assert (c["fatalities"] == 0.0).all() and (c["insurgent_strength"] == 0.0).all()


# --- no foreign engagement: no influence ---------------------------------------------------------


@pytest.mark.parametrize("drop_powers", [False, True], ids=["no partners", "no powers"])
def test_no_foreign_engagement_anywhere_means_no_influence(scenario_data, drop_powers):
    scn = validate_data(
        without_foreign_engagement(scenario_data("baseline_2024"), drop_powers=drop_powers)
    )
    for seed in SEEDS:
        model = SahelModel(scn, rng=seed).run()
        c, r = model.country_frame(), model.regional_frame()
        influence = [col for col in c if col.startswith("influence_")]
        assert len(influence) == (0 if drop_powers else len(scn.powers))
        assert (c[influence].to_numpy() == 0.0).all()
        assert (r["western_influence"] == 0.0).all() and (r["russian_influence"] == 0.0).all()
        assert not any(e["kind"] == "invite" for e in model.event_log)


def test_influence_only_where_a_power_is_engaged(tiny_model):
    c = tiny_model(rng=3).run().country_frame()
    engaged = c["country"] == "NER"
    assert (c.loc[engaged, "influence_USA"] > 0.0).all()
    assert (c.loc[~engaged, "influence_USA"] == 0.0).all()


# --- coups off ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["baseline_2024", "us_withdraws"])
def test_no_endogenous_coups_when_the_hazard_is_switched_off(scenario, name):
    for seed in SEEDS:
        model = SahelModel(scenario(name), rng=seed, coup_hazard_scale=0.0).run()
        assert (model.country_frame()["coup_hazard"] == 0.0).all()
        coups = [e for e in model.event_log if e["kind"] == "coup"]
        assert all(e["scheduled"] for e in coups)
        juntas = model.regional_frame()["n_juntas"]
        assert juntas.iloc[-1] <= juntas.iloc[0]  # only scheduled civilian rule changes it


def test_endogenous_coups_do_happen_when_the_hazard_is_high(tiny_model):
    """The counterpart of the test above: the same check finds coups when they are likely."""
    model = tiny_model(rng=5, coup_base_hazard=0.01, coup_hazard_max=0.5).run(12)
    coups = [e for e in model.event_log if e["kind"] == "coup"]
    assert coups and not any(e["scheduled"] for e in coups)
    assert (model.country_frame()["coup_hazard"] > 0.0).all()


# --- formulas checked by hand --------------------------------------------------------------------


def test_security_and_deterrence_at_the_start_follow_the_documented_formula(tiny_model):
    model = tiny_model()
    p, ner = model.p, model.countries["NER"]
    spec = model.spec.countries["NER"]
    usa = model.spec.powers["USA"].partners["NER"]
    national = spec.forces * spec.capacity * min(1.0, p.ci_commitment + 1.0 - spec.control)
    foreign = (
        usa.troops * model.spec.powers["USA"].effectiveness
        + p.isr_troop_equivalent
        + usa.aid_musd * p.aid_troop_equivalent
    )
    assert ner.security == pytest.approx(national + foreign, rel=1e-12)
    fighters = p.fighter_weight * 1500.0
    deterrence = 1.0 - math.exp(
        -p.deterrence_scale * ner.security / (fighters + p.engagement_half_fighters)
    )
    assert ner.deterrence == pytest.approx(deterrence, rel=1e-12)
    # MLI has no partner: national forces alone.
    mli = model.countries["MLI"]
    mspec = model.spec.countries["MLI"]
    assert mli.security == pytest.approx(
        mspec.forces * mspec.capacity * min(1.0, p.ci_commitment + 1.0 - mspec.control)
    )


def test_influence_at_the_start_is_the_share_of_engagement(tiny_model):
    model = tiny_model()
    p, ner = model.p, model.countries["NER"]
    spec = model.spec.countries["NER"]
    engagement = 1000 * 3.0 + p.isr_troop_equivalent + 20 * p.aid_troop_equivalent
    expected = engagement / (p.autonomy_weight * spec.forces * spec.capacity + engagement)
    assert ner.influence["USA"] == pytest.approx(expected, rel=1e-12)


def test_coup_hazard_of_a_quiet_country_follows_the_documented_formula(tiny_model):
    """No violence, no coup history, no protection: h = s h0 exp(b_L (1-L) + b_C (1-c))."""
    model = tiny_model()
    p, bfa = model.p, model.countries["BFA"]
    expected = (
        p.coup_hazard_scale
        * p.coup_base_hazard
        * math.exp(
            p.coup_legitimacy_weight * (1 - bfa.legitimacy)
            + p.coup_control_weight * (1 - bfa.control)
        )
    )
    assert bfa.hazard_of_coup() == pytest.approx(expected, rel=1e-12)


def test_deaths_are_expected_deaths_rounded_stochastically(tiny_model):
    """With no recruitment, abuses or noise, a month's deaths in NER are the expected
    lethality x fighters x (base + contest x 4c(1-c)), rounded down or up, and the rounding
    keeps the mean.
    """
    patch = {
        "groups": {"JNIM": {"fighters": {"MLI": None}}},
        "powers": {"USA": {"civilian_harm": 0.0}},
        "borders": [],
    }
    knobs = {
        "recruitment_rate": 0.0,
        "fatality_dispersion": 0.0,
        "state_abuse_rate": 0.0,
    }
    deaths = []
    for seed in range(300):
        model = tiny_model(patch, rng=seed, **knobs)
        model.step()
        deaths.append(model.countries["NER"].fatalities)
    p, c = model.p, model.spec.countries["NER"].control
    expected = 1500 * (p.base_lethality + p.contest_lethality * 4 * c * (1 - c))
    assert set(deaths) == {math.floor(expected), math.ceil(expected)}
    q = expected - math.floor(expected)  # chance of rounding up
    assert np.mean(deaths) == pytest.approx(expected, abs=4 * math.sqrt(q * (1 - q) / 300))
