"""Behaviour tables for the mechanisms the design brief requires (DESIGN section 4).

Deterministic mechanisms are checked directly on agents of a small constructed world;
stochastic ones as paired comparisons over replicates that share their random streams
(common random numbers), so a difference is the intervention's, not noise.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from sim.scenario import Scenario, validate_data
from sim.world.model import SahelModel
from tests.support import assert_clearly_positive, assert_mostly_positive

RUSSIA = {
    "name": "Russia",
    "western": False,
    "troops_available": 1000,
    "effectiveness": 1.0,
    "conditionality": 0.0,
    "regime_protection": 0.8,
    "civilian_harm": 0.3,
    "offer_troops": 300,
}
FRANCE = {
    "name": "France",
    "western": True,
    "troops_available": 1000,
    "effectiveness": 2.0,
    "conditionality": 0.6,
    "regime_protection": 0.1,
    "civilian_harm": 0.02,
    "partners": {"NER": {"troops": 500}},
}
TURKEY = {
    "name": "Turkey",
    "western": False,
    "troops_available": 0,
    "effectiveness": 1.0,
    "conditionality": 0.1,
    "regime_protection": 0.0,
    "civilian_harm": 0.0,
    "partners": {"NER": {"aid_musd": 20}},
}
PARTNERS = {"powers": {"RUS": RUSSIA, "FRA": FRANCE, "TUR": TURKEY}}


def paired_differences(
    a: Scenario,
    b: Scenario,
    summary: Callable[[pd.DataFrame], float | np.ndarray],
    seeds: range,
    months: int | None = None,
) -> np.ndarray:
    """summary(run of b) - summary(run of a), one value per seed (same seed for both)."""
    out = []
    for seed in seeds:
        fa = SahelModel(a, rng=seed, months=months).run().country_frame()
        fb = SahelModel(b, rng=seed, months=months).run().country_frame()
        out.append(summary(fb) - summary(fa))
    return np.array(out)


def window(frame: pd.DataFrame, iso: str, first: str, last: str) -> pd.DataFrame:
    rows = frame[(frame["country"] == iso) & (frame["date"] >= first) & (frame["date"] <= last)]
    assert len(rows) > 0
    return rows


# --- US withdraws vs US stays ---------------------------------------------------------------------

US_WINDOW = ("2024-10-01", "2026-09-01")  # the two years after the withdrawal completes


@pytest.fixture(scope="module")
def us_paired(scenario) -> pd.DataFrame:
    """Niger's mean metrics over US_WINDOW, per seed, in us_withdraws and us_stays."""
    rows = []
    for seed in range(20):
        for name in ("us_withdraws", "us_stays"):
            c = SahelModel(scenario(name), rng=seed).run().country_frame()
            ner = window(c, "NER", *US_WINDOW)
            rows.append(
                {
                    "seed": seed,
                    "scenario": name,
                    "security": ner["security"].mean(),
                    "deterrence": ner["deterrence"].mean(),
                    "insurgent_strength": ner["insurgent_strength"].mean(),
                    "fighters_killed": ner["fighters_killed"].mean(),
                    "control": ner["control"].mean(),
                }
            )
    return pd.DataFrame(rows).pivot(index="seed", columns="scenario")


@pytest.mark.parametrize(
    ("metric", "direction"),
    [
        ("security", -1),
        ("deterrence", -1),
        ("control", -1),
        ("insurgent_strength", +1),
        ("fighters_killed", -1),
    ],
)
def test_us_withdrawal_weakens_security_in_niger(us_paired, metric, direction):
    """Withdrawing minus staying, paired by seed: security falls, fewer fighters are killed
    (the US-enabled aimed fire is gone), the insurgency grows. Deaths are the scenario's
    answer, not a mechanism's direct effect: no test fixes their sign."""
    diff = direction * (us_paired[metric]["us_withdraws"] - us_paired[metric]["us_stays"])
    assert_clearly_positive(diff.to_numpy())


def test_the_two_us_scenarios_share_their_first_month(scenario):
    """Paired runs share random streams: before any event differs, same seed = same world."""
    a = SahelModel(scenario("us_withdraws"), rng=4).run(8).country_frame()
    b = SahelModel(scenario("us_stays"), rng=4).run(8).country_frame()
    pd.testing.assert_frame_equal(a[a["month"] < 1], b[b["month"] < 1], check_exact=True)
    assert not a.equals(b)


# --- removing every foreign security partner ------------------------------------------------------


def without_security_partners(data: dict, iso: str) -> dict:
    """No power has troops, aid, a surveillance hub or a base in ``iso``, nor deploys there."""
    for power in data["powers"].values():
        edge = power["partners"].get(iso)
        if edge is not None:
            edge.update(troops=0.0, aid_musd=0.0, isr=False, base=False)
    data["events"] = [
        e for e in data["events"] if not (e.get("country") == iso and e["do"] == "deploy")
    ]
    return data


def insurgency_summary(iso: str, months: range) -> Callable[[pd.DataFrame], np.ndarray]:
    """(mean fighters present over ``months``, fighters killed in the first three months)
    in ``iso``."""

    def summary(frame: pd.DataFrame) -> np.ndarray:
        rows = frame[(frame["country"] == iso) & frame["month"].isin(months)]
        return np.array(
            [
                rows["insurgent_strength"].mean(),
                rows["fighters_killed"].iloc[:3].sum(),
            ]
        )

    return summary


@pytest.mark.parametrize("iso", ["NER", "TCD"])
def test_removing_every_foreign_partner_raises_insurgency_there(scenario, scenario_data, iso):
    """Without foreign troops, aid, air support and surveillance the state kills fewer
    fighters (at first: later there are more fighters to kill), so more of them are
    present. (Deaths need not rise: in model v2 battle deaths fall with the forces fighting,
    and foreign forces commit one-sided violence of their own; which way the total goes
    depends on calibrated values, so it is left to the pattern tests.)"""
    base = scenario("baseline_2024")
    alone = validate_data(without_security_partners(scenario_data("baseline_2024"), iso))
    for power in alone.powers.values():
        edge = power.partners.get(iso)
        assert edge is None or (edge.troops == edge.aid_musd == 0.0 and not edge.isr)
    diff = paired_differences(
        base, alone, insurgency_summary(iso, range(24)), seeds=range(30), months=24
    )
    assert_clearly_positive(diff[:, 0])  # insurgent fighters present
    assert_mostly_positive(-diff[:, 1])  # fewer fighters killed at first


def test_niger_standing_alone_holds_more_fighters_from_the_third_year(scenario, scenario_data):
    """When Niger loses every foreign partner its control weakens, and from the third year on
    it holds more fighters and a larger share of the fighters of its neighbourhood."""
    base = scenario("baseline_2024")
    alone = validate_data(without_security_partners(scenario_data("baseline_2024"), "NER"))
    neighbours = SahelModel(base).network.neighbours("NER")

    def summary(frame: pd.DataFrame) -> np.ndarray:
        later = frame[frame["month"] >= 24]
        near = later[later["country"].isin(neighbours)]["insurgent_strength"].sum()
        niger = later[later["country"] == "NER"]["insurgent_strength"].sum()
        return np.array([niger / 1000.0, niger / (niger + near)])

    diff = paired_differences(base, alone, summary, seeds=range(20))
    assert_clearly_positive(diff[:, 0])  # more fighters in Niger
    assert_clearly_positive(diff[:, 1])  # a larger share of the neighbourhood's


# --- coup hazard --------------------------------------------------------------------------------


def hazard(model: SahelModel, iso: str = "NER") -> float:
    """The coup hazard of ``iso`` in the current state, as the monthly update computes it."""
    for country in model.countries_in_order:
        country.note_coup_recency()
    return model.countries[iso].hazard_of_coup()


def strictly_increasing(values: list[float]) -> bool:
    return all(b > a for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("attribute", ["legitimacy", "control"])
def test_lower_legitimacy_or_control_raises_the_coup_hazard(tiny_model, attribute):
    model = tiny_model()
    hazards = []
    for value in (0.9, 0.7, 0.5, 0.3, 0.1):
        setattr(model.countries["NER"], attribute, value)
        hazards.append(hazard(model))
    assert strictly_increasing(hazards)
    assert hazards[-1] < model.p.coup_hazard_max  # not a cap at work
    # The documented log-linear form: equal steps multiply the hazard by equal factors.
    weight = getattr(model.p, f"coup_{attribute}_weight")
    ratios = [b / a for a, b in itertools.pairwise(hazards)]
    assert ratios == pytest.approx([math.exp(0.2 * weight)] * 4)


def test_violence_raises_the_coup_hazard(tiny_model):
    model = tiny_model()
    hazards = []
    for violence in (0.0, 0.5, 1.0):
        model.countries["NER"].violence = violence
        hazards.append(hazard(model))
    assert strictly_increasing(hazards)


def test_a_recent_coup_next_door_raises_the_coup_hazard(tiny_model):
    """NER borders MLI but not BFA here: only MLI's coups are contagious, fading with time."""
    model = tiny_model({"borders": [["NER", "MLI"], ["MLI", "BFA"]]})
    quiet = hazard(model)
    by_age = []
    for months_ago in (120, 36, 12, 0):
        model.countries["MLI"].last_coup = model.month - months_ago
        by_age.append(hazard(model))
    assert quiet < by_age[0]
    assert strictly_increasing(by_age)  # the more recent, the higher
    model.countries["MLI"].last_coup = None
    model.countries["BFA"].last_coup = model.month
    assert hazard(model) == pytest.approx(quiet)  # not a neighbour


def test_regime_protection_lowers_the_coup_hazard(tiny_model):
    unprotected = hazard(tiny_model())
    protected = hazard(tiny_model({"powers": {"USA": {"regime_protection": 0.8}}}))
    assert protected < unprotected


def test_a_coup_next_door_raises_the_recorded_hazard_in_the_months_after(tiny_model):
    coup = {"events": [{"at": "2024-03", "do": "coup", "country": "MLI"}]}
    for seed in range(3):
        calm = tiny_model(rng=seed).run(8).country_frame()
        shaken = tiny_model(coup, rng=seed).run(8).country_frame()
        before = calm[calm["country"] == "NER"].set_index("month")["coup_hazard"]
        after = shaken[shaken["country"] == "NER"].set_index("month")["coup_hazard"]
        assert (after.loc[:1] == before.loc[:1]).all()  # identical before the coup
        assert (after.loc[2:] > before.loc[2:]).all()


# --- after a coup: suspension and realignment ---------------------------------------------------


def postures(model: SahelModel, iso: str) -> dict[str, str]:
    country = model.countries[iso]
    return {
        pid: p.partnerships[country]["posture"]
        for pid, p in model.powers.items()
        if country in p.partnerships
    }


def test_partners_with_conditions_suspend_support_the_month_after_a_coup(tiny_model):
    model = tiny_model(PARTNERS, rng=2)
    model.run(3)
    assert postures(model, "NER") == {"USA": "active", "FRA": "active", "TUR": "active"}
    usa_effect = model.countries["NER"].foreign_effect["USA"]
    model.coup(model.countries["NER"], name="CNSP")  # as a coup at the end of a month
    model.step()
    # conditionality: USA 1.0 and FRA 0.6 suspend; TUR 0.1 does not.
    assert postures(model, "NER") == {"USA": "suspended", "FRA": "suspended", "TUR": "active"}
    suspended = [e["actor"] for e in model.event_log if e["kind"] == "suspend"]
    assert sorted(suspended) == ["FRA", "USA"]
    assert all(e["month"] == 3 for e in model.event_log if e["kind"] == "suspend")
    # Aid stops; troops and surveillance count at the suspended share: the US adds its
    # troops' power and the aimed fire its half-working hub adds to the army.
    ner = model.countries["NER"]
    p, edge = model.p, model.powers["USA"].partnerships[ner]
    usa = ner.contributions["USA"]
    ner.muster()  # again, from the state at the end of the month
    assert (usa.troops, usa.isr, usa.aid_musd) == (edge["troops"] * p.suspended_effect,
                                                   p.suspended_effect, 0.0)  # fmt: skip
    army = next(f for f in ner.forces_engaged if f.actor == "state")
    z = ner.zone_control
    without = 1.0 - (1.0 - p.army_intelligence * z)  # no surveillance at all
    expected = edge["troops"] * p.suspended_effect * 3.0 + army.power * (
        army.intelligence - without
    )
    assert ner.foreign_effect["USA"] == pytest.approx(expected, rel=1e-12)
    assert expected < usa_effect
    # Other countries' partnerships are untouched.
    assert postures(model, "MLI") == {}


def test_support_resumes_after_a_return_to_civilian_rule(tiny_model):
    events = [
        {"at": "2024-02", "do": "coup", "country": "NER"},
        {"at": "2024-06", "do": "civilian_rule", "country": "NER"},
    ]
    model = tiny_model({**PARTNERS, "events": events}, rng=2)
    seen = []
    for _ in range(7):
        model.step()
        seen.append(postures(model, "NER")["USA"])
    assert seen == ["active"] + ["suspended"] * 4 + ["active"] * 2


def test_a_junta_shifts_toward_a_partner_without_conditions_over_months(tiny_model):
    coup = {**PARTNERS, "events": [{"at": "2024-03", "do": "coup", "country": "NER"}]}
    model, calm = tiny_model(coup, rng=1), tiny_model(PARTNERS, rng=1)
    russia, usa, calm_russia = [], [], []
    for _ in range(14):
        model.step()
        calm.step()
        russia.append(model.countries["NER"].preferences["RUS"])
        usa.append(model.countries["NER"].preferences["USA"])
        calm_russia.append(calm.countries["NER"].preferences["RUS"])
    coup_month = 2
    rise = [b - a for a, b in zip(russia[coup_month - 1 :], russia[coup_month:], strict=False)]
    assert all(step > 0 for step in rise[:8])  # Russia gains month after month
    assert all(b < a for a, b in zip(usa[coup_month:], usa[coup_month + 1 :], strict=False))
    total = russia[coup_month + 8] - russia[coup_month - 1]
    assert rise[0] < 0.3 * total  # not in one step
    assert russia[coup_month] < model.p.invite_threshold < russia[-1]  # but it gets there
    assert max(calm_russia) < model.p.invite_threshold  # and only because of the coup
    assert russia[-1] > 3 * calm_russia[-1]


# --- spread along borders -----------------------------------------------------------------------

SPREAD = {
    "countries": {"NER": {"control": 0.5}, "MLI": {"control": 0.3}, "BFA": {"control": 0.95}},
    "groups": {"JNIM": {"fighters": {"NER": 3000, "MLI": None}}},
    "borders": [["NER", "MLI"], ["NER", "BFA"]],
}


def test_presence_spreads_faster_into_weak_control_than_strong(tiny_world):
    """NER (the source) borders MLI (control 0.3) and BFA (0.95), otherwise identical."""
    scn = tiny_world(SPREAD)
    spec = scn.countries
    assert {k: v for k, v in spec["MLI"] if k not in ("control", "name", "capital")} == {
        k: v for k, v in spec["BFA"] if k not in ("control", "name", "capital")
    }
    arrivals = {"MLI": [], "BFA": []}
    fighters = {"MLI": [], "BFA": []}
    for seed in range(40):
        model = SahelModel(scn, rng=seed).run(24)
        for iso in arrivals:
            months = [
                e["month"]
                for e in model.event_log
                if e["kind"] == "presence" and e["country"] == iso
            ]
            arrivals[iso].append(min(months, default=None))
            fighters[iso].append(model.countries[iso].fighters)
    reached = {iso: sum(m is not None for m in arrivals[iso]) for iso in arrivals}
    assert reached["MLI"] >= 10
    assert reached["MLI"] > 2 * reached["BFA"]
    assert np.mean(fighters["MLI"]) > np.mean(fighters["BFA"])


def test_fighters_flow_toward_weaker_control_by_the_documented_rates(tiny_model):
    """Present on all sides, with recruitment, combat and desertion switched off, one month
    moves sigma x (1 - c_j) / degree_i of the fighters in i to each neighbour j.
    """
    unarmed = {"forces": 0, "hardship": 0.0}  # no army to fight, nobody willing to join
    patch = {
        "countries": {
            "NER": {"control": 0.5, **unarmed},
            "MLI": {"control": 0.2, **unarmed},
            "BFA": {"control": 0.9, **unarmed},
        },
        "groups": {"JNIM": {"fighters": {"NER": 1000, "MLI": 1000, "BFA": 1000}}},
        "powers": {"USA": {"partners": {"NER": {"troops": 0, "isr": False}}}},
    }
    model = tiny_model(
        patch,
        mass_attack_rate=0.0,
        militia_rate=0.0,
        desertion_rate=0.0,
        spread_flow_rate=0.1,
    )
    sigma = model.p.spread_flow_rate
    control = {iso: c.control for iso, c in model.countries.items()}
    start = {c.iso3: e["fighters"] for c, e in model.groups["JNIM"].presence.items()}
    expected = dict(start)
    for country in model.countries_in_order:
        i = country.iso3
        for other in country.neighbours:
            moved = start[i] * sigma / len(country.neighbours) * (1.0 - control[other.iso3])
            expected[i] -= moved
            expected[other.iso3] += moved
    model.step()
    after = {c.iso3: e["fighters"] for c, e in model.groups["JNIM"].presence.items()}
    assert after == pytest.approx(expected, rel=1e-12)
    assert after["MLI"] > start["MLI"] and after["BFA"] < start["BFA"]
    assert sum(after.values()) == pytest.approx(sum(start.values()), rel=1e-12)


# --- abuses and recruitment ---------------------------------------------------------------------


def recruits(model: SahelModel) -> dict[str, float]:
    """Recruits of JNIM this month per country, with zero noise (the world as mustered)."""
    for country in model.countries_in_order:
        country.muster()
    group = model.groups["JNIM"]
    before = {c.iso3: e["fighters"] for c, e in group.presence.items()}
    group.recruit(np.zeros(len(model.countries)))
    return {c.iso3: e["fighters"] - before[c.iso3] for c, e in group.presence.items()}


def test_abuses_raise_recruitment_where_they_happen(tiny_model):
    """Abuse memory a lowers perceived legitimacy to L (1 - alienation x a) in Epstein's
    rule: more people are willing to rebel, and more join, only where the abuses were."""
    baseline = recruits(tiny_model())
    assert all(r > 0 for r in baseline.values())
    table, willing = {}, {}
    for abuse in (0.0, 0.25, 0.5, 1.0):
        model = tiny_model()
        ner = model.countries["NER"]
        ner.abuse = abuse
        table[abuse] = recruits(model)
        willing[abuse] = ner.willing_share()
        p = model.p
        g = ner.hardship * (1.0 - ner.legitimacy * (1.0 - p.abuse_alienation * abuse))
        t, risk = p.join_threshold, ner.deterrence
        assert risk > g - t  # the branch where deterrence bites
        assert willing[abuse] == pytest.approx((g - t) ** 2 / (2 * g * risk), rel=1e-12)
    ner_recruits = [table[a]["NER"] for a in sorted(table)]
    assert strictly_increasing(ner_recruits)
    assert strictly_increasing([willing[a] for a in sorted(willing)])
    for row in table.values():
        assert row["MLI"] == pytest.approx(baseline["MLI"], rel=1e-12)  # only where they happen


def test_massacres_grow_the_insurgency_where_they_happen(tiny_world):
    massacres = {
        "events": [
            {"at": f"2024-{m:02d}", "do": "abuse", "country": "NER", "deaths": 30}
            for m in (2, 4, 6)
        ]
    }
    gentle = {"parameters": {"state_abuse_rate": 0.0, "collateral_ratio": 0.0}}
    calm, abused = tiny_world(gentle), tiny_world({**gentle, **massacres})

    def summary(frame: pd.DataFrame) -> np.ndarray:
        ner = frame[(frame["country"] == "NER") & (frame["month"] == 11)]
        return np.array([ner["insurgent_strength"].item(), ner["abuse"].item()])

    diff = paired_differences(calm, abused, summary, seeds=range(12), months=12)
    assert_clearly_positive(diff[:, 0])
    assert (diff[:, 1] > 0).all()


def test_no_insurgents_no_deaths_even_with_abusive_forces(tiny_model):
    model = tiny_model(
        {"groups": None, "powers": {"USA": {"civilian_harm": 50.0}}}, state_abuse_rate=1.0
    )
    frame = model.run().country_frame()
    assert (frame["fatalities"] == 0).all()
    assert (frame["abuse"] == 0).all()
