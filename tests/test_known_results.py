"""Known results: worlds whose outcome can be stated by hand, and formulas checked by hand."""

from __future__ import annotations

import itertools
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
    model = SahelModel(scn, rng=seed)
    start = {iso: (k.control, k.zone_control) for iso, k in model.countries.items()}
    c = model.run().country_frame()
    assert len(c) == scn.months * len(scn.countries)
    deaths = ["fatalities", "deaths_state_based", "deaths_non_state", "deaths_one_sided"]
    deaths += ["soldier_deaths", "fighters_killed", "civilian_deaths"]
    deaths += [col for col in c if col.startswith("killed_by_")]
    assert (c[deaths].to_numpy() == 0.0).all()
    assert (c["insurgent_strength"] == 0.0).all()
    assert (model.regional_frame()["total_fatalities"] == 0.0).all()
    assert (c["control"] == c["country"].map(lambda iso: start[iso][0])).all()
    assert (c["zone_control"] == c["country"].map(lambda iso: start[iso][1])).all()
    # the stated control, up to the round trip through the contested zone
    for iso, spec in scn.countries.items():
        if spec.control >= 1.0 - spec.periphery_area:
            assert start[iso][0] == pytest.approx(spec.control, abs=1e-12)


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


def aimed_share(base: float, z: float, p, n_isr: float) -> float:
    """iota = 1 - (1 - iota_0 z) exp(-g_ISR n_ISR), the documented aimed share."""
    return 1.0 - (1.0 - base * z) * math.exp(-p.isr_gain * n_isr)


def hand_forces(model: SahelModel, iso: str) -> dict[str, tuple[float, float, float]]:
    """actor -> (troops, effectiveness, aimed share) at the start, from the muster docstring,
    for a country with no militia, no bloc and no air support."""
    p, spec = model.p, model.spec.countries[iso]
    z = max(0.0, 1.0 - (1.0 - spec.control) / spec.periphery_area)
    n_isr = aid = 0.0
    foreign = []
    for pid, power in model.spec.powers.items():
        ps = power.partners.get(iso)
        if ps is not None:
            n_isr += 1.0 if ps.isr else 0.0
            aid += ps.aid_musd
            foreign.append((pid, ps.troops, power.effectiveness))
    aid_effect = p.aid_gain * aid / (aid + p.aid_half_musd) if aid > 0 else 0.0
    engaged = min(1.0, p.ci_commitment + 1.0 - z)
    out = {
        "state": (
            spec.forces * engaged,
            spec.capacity * (1.0 + aid_effect),
            aimed_share(p.army_intelligence, z, p, n_isr),
        )
    }
    for pid, troops, effectiveness in foreign:
        if troops > 0:
            out[pid] = (troops, effectiveness, aimed_share(p.foreign_intelligence, z, p, n_isr))
    return out


def test_muster_at_the_start_follows_the_documented_formula(tiny_model):
    """Forces, effectiveness, aimed shares, security, balance, base defence and Epstein's
    arrest probability of NER (army + US troops, aid and surveillance) by hand."""
    model = tiny_model()
    p, ner = model.p, model.countries["NER"]
    hand = hand_forces(model, "NER")
    got = {f.actor: (f.troops, f.effectiveness, f.intelligence) for f in ner.forces_engaged}
    assert set(got) == set(hand) == {"state", "USA"}
    for actor, values in hand.items():
        assert got[actor] == pytest.approx(values, rel=1e-12), actor
    security = sum(t * e for t, e, _ in hand.values())
    assert ner.security == pytest.approx(security, rel=1e-12)
    weighted = p.fighter_weight * 1.0 * 1500.0  # JNIM's lethality is 1
    assert ner.balance == pytest.approx(security / (security + weighted), rel=1e-12)
    assert ner.base_defence == pytest.approx(
        math.exp(-(p.base_defence_isr * 1 + p.base_defence_qrf * 1000 / 1000.0)), rel=1e-12
    )
    watchers = sum(t * i for t, _, i in hand.values())
    deterrence = 1.0 - math.exp(
        -p.deterrence_scale * watchers / (1500.0 + p.deterrence_half_fighters)
    )
    assert ner.deterrence == pytest.approx(deterrence, rel=1e-12)
    # MLI has no partner: its army alone, no base defence.
    mli = model.countries["MLI"]
    ((actor, troops, eff, iota),) = [
        (f.actor, f.troops, f.effectiveness, f.intelligence) for f in mli.forces_engaged
    ]
    assert (actor, troops, eff, iota) == pytest.approx(
        ("state", *hand_forces(model, "MLI")["state"])
    )
    assert mli.base_defence == 1.0


def test_surveillance_raises_the_aimed_share_and_base_defence(tiny_model):
    """The same world without the US hub: every force aims less, base defence is weaker by
    exactly exp(-d_ISR)."""
    with_isr = tiny_model().countries["NER"]
    without = tiny_model({"powers": {"USA": {"partners": {"NER": {"isr": False}}}}}).countries[
        "NER"
    ]
    for a, b in zip(with_isr.forces_engaged, without.forces_engaged, strict=True):
        assert a.intelligence > b.intelligence
    p = with_isr.model.p
    assert without.base_defence == pytest.approx(
        with_isr.base_defence * math.exp(p.base_defence_isr), rel=1e-12
    )


def test_zone_control_and_national_control_follow_the_periphery_area(tiny_model):
    """z = 1 - (1 - control) / a; control = 1 - a (1 - z); a stated control that loses more
    land than the zone holds means the zone is wholly lost."""
    patch = {
        "countries": {
            "NER": {"periphery_area": 0.4, "control": 0.7},
            "MLI": {"periphery_area": 0.4, "control": 0.5},
        }
    }
    model = tiny_model(patch)
    ner, mli, bfa = (model.countries[k] for k in ("NER", "MLI", "BFA"))
    assert ner.zone_control == pytest.approx(0.25, abs=1e-12)
    assert ner.control == pytest.approx(0.7, abs=1e-12)
    assert mli.zone_control == 0.0 and mli.control == pytest.approx(0.6, abs=1e-12)
    assert bfa.zone_control == pytest.approx(bfa.control, abs=1e-12)  # a = 1
    model.run(6)
    for k in (ner, mli, bfa):
        assert k.control == pytest.approx(1.0 - k.periphery_area * (1.0 - k.zone_control))


def test_influence_at_the_start_is_the_share_of_engagement(tiny_model):
    """E_USA = its troops' power + the army power its aid adds + the aimed fire its hub adds;
    influence = E / (autonomy x national security + E)."""
    model = tiny_model()
    p, ner = model.p, model.countries["NER"]
    spec = model.spec.countries["NER"]
    z = ner.zone_control
    army_troops, army_eff, army_iota = hand_forces(model, "NER")["state"]
    army_power = army_troops * army_eff
    aid_effect = p.aid_gain * 20 / (20 + p.aid_half_musd)
    engagement = (
        1000 * 3.0
        + army_power * aid_effect / (1.0 + aid_effect)
        + army_power * (army_iota - aimed_share(p.army_intelligence, z, p, 0.0))
    )
    national = army_troops * spec.capacity
    expected = engagement / (p.autonomy_weight * national + engagement)
    assert ner.influence["USA"] == pytest.approx(expected, rel=1e-12)


# --- Epstein's rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hardship", "legitimacy", "abuse", "risk", "threshold"),
    [
        (0.8, 0.3, 0.0, 0.1, 0.1),  # P <= g - T
        (0.8, 0.3, 0.4, 0.6, 0.1),  # P > g - T
        (0.5, 0.6, 0.0, 0.05, 0.1),  # g close to T
        (0.3, 0.7, 0.0, 0.2, 0.1),  # g <= T: nobody
        (0.9, 0.1, 0.0, 0.0, 0.2),  # no risk at all
    ],
)
def test_willing_share_is_epstein_s_rule_over_the_population(
    tiny_model, hardship, legitimacy, abuse, risk, threshold
):
    """The closed form of Country.willing_share against a Monte Carlo estimate of
    P(H (1 - L') - R P > T), H ~ U(0, h), R ~ U(0, 1), L' = L (1 - a x abuse)."""
    model = tiny_model(join_threshold=threshold)
    ner = model.countries["NER"]
    ner.hardship, ner.legitimacy, ner.abuse, ner.deterrence = hardship, legitimacy, abuse, risk
    perceived = legitimacy * (1.0 - model.p.abuse_alienation * abuse)
    rng = np.random.default_rng(0)
    n = 400_000
    h = rng.uniform(0.0, hardship, n)
    r = rng.uniform(0.0, 1.0, n)
    estimate = np.mean(h * (1.0 - perceived) - r * risk > threshold)
    se = math.sqrt(max(estimate * (1.0 - estimate), 1.0 / n) / n)
    q = ner.willing_share()
    assert 0.0 <= q <= 1.0
    assert q == pytest.approx(estimate, abs=5 * se + 1e-12)


def test_willing_share_falls_with_risk_and_rises_with_grievance(tiny_model):
    ner = tiny_model().countries["NER"]
    ner.abuse = 0.0
    shares = []
    for risk in (0.0, 0.1, 0.3, 0.6, 1.0):
        ner.deterrence = risk
        shares.append(ner.willing_share())
    assert all(a > b for a, b in itertools.pairwise(shares))
    ner.deterrence = 0.3
    by_hardship = []
    for h in (0.4, 0.6, 0.8, 1.0):
        ner.hardship = h
        by_hardship.append(ner.willing_share())
    assert all(a < b for a, b in itertools.pairwise(by_hardship))


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


CALM = {  # one group in NER, no raids, no recruitment, no abuses, no events, no noise
    "violence_dispersion": 0.0,
    "armed_share": 0.0001,  # the ceiling is below the fighters: no recruits
    "state_abuse_rate": 0.0,
    "insurgent_selective": 0.0,
    "insurgent_terror": 0.0,
    "mass_attack_rate": 0.0,
    "massacre_rate": 0.0,
    "offensive_rate": 0.0,
    "mobilisation_rate": 0.0,
    "militia_rate": 0.0,
}
ALONE = {
    "groups": {"JNIM": {"fighters": {"MLI": None}}},
    "powers": {"USA": {"civilian_harm": 0.0}},
    "borders": [],
}


def expected_clash(model: SahelModel, fighters: float) -> dict[str, float]:
    """The clash's expected deaths in NER from the violence docstring:
    K = mu sum_j P_j (iota_j A / (A + H) + v (1 - z) + (1 - iota_j) A / N), at most A / 2;
    C = mu c_r sum_j P_j pi (1 - iota_j) h_j (1 - A / N); D = beta lambda A."""
    p, ner = model.p, model.countries["NER"]
    a = fighters
    n = ner.exposed_people
    found, hidden = a / (a + p.search_fighters), a / n
    spec = model.spec.countries["NER"]
    z = max(0.0, 1.0 - (1.0 - spec.control) / spec.periphery_area)  # at the clash
    open_ground = p.holding_visibility * (1.0 - z)  # insurgents fighting in the open
    intensity = a / (a + p.engagement_half_fighters)
    killed = collateral = 0.0
    for actor, (troops, eff, iota) in hand_forces(model, "NER").items():
        power = troops * eff
        killed += p.kill_rate * power * (iota * found + open_ground + (1.0 - iota) * hidden)
        harm = 1.0 if actor == "state" else 0.0  # the US harm profile is 0 in ALONE
        collateral += (
            p.kill_rate * p.collateral_ratio * power * intensity * (1 - iota) * harm * (1 - hidden)
        )
    return {
        "fighters": min(killed, 0.5 * a),
        "civilians": collateral,
        "soldiers": p.insurgent_fire * 1.0 * a,
    }


def test_deaths_are_expected_deaths_rounded_stochastically(tiny_model):
    """With no recruitment, abuses, events or noise, a month's fighters, bystanders and
    soldiers killed in NER are the documented expectations rounded down or up, the rounding
    keeps the mean, and the three add up to the month's deaths (all state-based)."""
    seeds = 300
    got: dict[str, list[float]] = {"fighters": [], "civilians": [], "soldiers": []}
    for seed in range(seeds):
        model = tiny_model(ALONE, rng=seed, **CALM)
        model.step()
        ner = model.countries["NER"]
        toll = ner.toll
        got["fighters"].append(toll.fighters)
        got["civilians"].append(toll.civilians)
        got["soldiers"].append(toll.soldiers)
        assert ner.fatalities == toll.fighters + toll.civilians + toll.soldiers
        assert toll.state_based == ner.fatalities
        assert toll.non_state == toll.one_sided == 0.0
        assert sum(toll.by.values()) == pytest.approx(ner.fatalities)
        assert toll.by.get("JNIM", 0.0) == pytest.approx(toll.soldiers)
    expected = expected_clash(model, 1500.0)
    for kind, values in got.items():
        x = expected[kind]
        assert x > 0.5, kind  # a test of something
        assert set(values) <= {math.floor(x), math.ceil(x)}, kind
        q = x - math.floor(x)  # chance of rounding up
        sd = math.sqrt(q * (1 - q) / seeds)
        assert np.mean(values) == pytest.approx(x, abs=4 * sd + 1e-9), kind


def test_fighters_killed_are_capped_at_half_those_present(tiny_model):
    """An overwhelming state side kills at most half the fighters in a month."""
    model = tiny_model(ALONE, rng=1, kill_rate=0.5, **CALM)
    assert expected_clash(model, 1500.0)["fighters"] == 750.0  # the cap binds
    model.step()
    assert model.countries["NER"].toll.fighters == 750.0


def test_fighters_killed_leave_the_group(tiny_model):
    """The fighters the clash kills are the group's losses (before desertion)."""
    model = tiny_model(ALONE, rng=2, desertion_rate=0.0, **CALM)
    jnim, ner = model.groups["JNIM"], model.countries["NER"]
    model.step()
    assert jnim.presence[ner]["fighters"] == pytest.approx(1500.0 - ner.toll.fighters)
