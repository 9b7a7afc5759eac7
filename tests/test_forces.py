"""The direct effects of forces (issue 10), one at a time on small worlds.

Each test compares two versions of the tiny world (``tests/worlds.py``) that differ in one
thing, run with the same seeds: both share their random streams (common random numbers), so
the paired difference per seed is the change's effect and its mean must be clearly signed
(more than three standard errors; a sign test where single massacres make means erratic).
In the ``ALONE`` world JNIM fights in Niger only, and no border lets fighters in or out, so
every effect is Niger's own.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.scenario import validate_data
from sim.world.model import SahelModel
from tests.support import assert_clearly_positive, assert_mostly_positive
from tests.worlds import merge, tiny_data

SEEDS = range(40)
ALONE: dict[str, Any] = {"groups": {"JNIM": {"fighters": {"MLI": None}}}, "borders": []}


def niger(patch: dict[str, Any], seed: int, months: int, **parameters: float) -> pd.DataFrame:
    """Niger's monthly records in the tiny world with ``patch`` and parameter overrides."""
    data = tiny_data(merge(patch, {"parameters": parameters}))
    frame = SahelModel(validate_data(data), rng=seed, months=months).run().country_frame()
    return frame[frame["country"] == "NER"].reset_index(drop=True)


def paired(
    a: dict[str, Any],
    b: dict[str, Any],
    summary: Callable[[pd.DataFrame], list[float]],
    months: int,
    seeds: range = SEEDS,
    params_a: dict[str, float] | None = None,
    params_b: dict[str, float] | None = None,
) -> np.ndarray:
    """summary(world b) - summary(world a) per seed, one row per seed."""
    return np.array(
        [
            np.subtract(
                summary(niger(b, seed, months, **(params_b or {}))),
                summary(niger(a, seed, months, **(params_a or {}))),
            )
            for seed in seeds
        ]
    )


# --- more effective state forces ------------------------------------------------------------

MORE_EFFECTIVE = {
    "capacity": {"countries": {"NER": {"capacity": 0.6}}},  # from 0.35
    "foreign effectiveness": {"powers": {"USA": {"effectiveness": 9.0}}},  # from 3.0
}


@pytest.mark.parametrize("change", list(MORE_EFFECTIVE))
def test_more_effective_state_forces_kill_more_fighters_and_lose_fewer_soldiers(change):
    """Over 18 months the more effective side kills more fighters (from the first month:
    the same fighters face more combat power), so fewer fighters are left, and because
    insurgent fire is proportional to the fighters present it loses fewer soldiers."""
    better = merge(ALONE, MORE_EFFECTIVE[change])

    def summary(n: pd.DataFrame) -> list[float]:
        return [
            n["fighters_killed"].iloc[0],
            n["fighters_killed"].sum(),
            n["soldier_deaths"].sum(),
            n["insurgent_strength"].iloc[-1],
        ]

    diff = paired(ALONE, better, summary, months=18)
    assert (diff[:, 0] >= 0).all()  # month one: same draws, more power, never fewer killed
    assert_clearly_positive(diff[:, 0])
    assert_clearly_positive(diff[:, 1])  # more fighters killed over the horizon
    assert_clearly_positive(-diff[:, 2])  # fewer soldiers killed
    assert_clearly_positive(-diff[:, 3])  # fewer fighters at the end


# --- surveillance and massed attacks --------------------------------------------------------

MASSED = {  # massed attacks frequent, routine insurgent fire and massacres rare
    "mass_attack_rate": 2.0,
    "insurgent_fire": 0.0002,
    "massacre_rate": 0.0,
    "state_abuse_rate": 0.0,
}
NO_ISR = merge(ALONE, {"powers": {"USA": {"partners": {"NER": {"isr": False}}}}})


def test_removing_surveillance_makes_massed_attacks_deadlier():
    """Without the US hub, base defence is weaker (exp(-d_ISR) less), so the defenders of a
    massed attack die in larger numbers: in the first month (the same attacks, of the same
    sizes, in both worlds) never fewer soldiers die, and over a year clearly more."""

    def summary(n: pd.DataFrame) -> list[float]:
        return [n["soldier_deaths"].iloc[0], n["soldier_deaths"].sum()]

    diff = paired(ALONE, NO_ISR, summary, months=12, params_a=MASSED, params_b=MASSED)
    assert (diff[:, 0] >= 0).all()
    assert_clearly_positive(diff[:, 0])
    assert_clearly_positive(diff[:, 1])


def test_massed_attacks_are_where_the_soldiers_die_in_that_world():
    """The counterpart: with massed attacks off, the hub's effect on soldier deaths in the
    first month is nil (base defence only acts on massed attacks)."""
    calm = {**MASSED, "mass_attack_rate": 0.0}

    def summary(n: pd.DataFrame) -> list[float]:
        return [n["soldier_deaths"].iloc[0]]

    diff = paired(ALONE, NO_ISR, summary, months=1, seeds=range(10), params_a=calm, params_b=calm)
    assert (diff == 0).all()


# --- militias ---------------------------------------------------------------------------------

MILITIA = merge(ALONE, {"countries": {"NER": {"militia": {"name": "VDP", "members": 5000}}}})


def test_a_militia_raises_one_sided_deaths():
    """A militia (harm profile above the army's, little information) commits massacres: with
    one, more civilians are killed deliberately, and the militia's kills are recorded as its
    own (killed_by_militia) and its battles as non-state violence."""

    def summary(n: pd.DataFrame) -> list[float]:
        return [
            n["deaths_one_sided"].sum(),
            n["killed_by_militia"].sum(),
            n["deaths_non_state"].sum(),
        ]

    diff = paired(ALONE, MILITIA, summary, months=12, params_a={"militia_rate": 0.0},
                  params_b={"militia_rate": 0.0})  # fmt: skip
    assert_clearly_positive(diff[:, 0])
    assert_mostly_positive(diff[:, 0])
    assert_clearly_positive(diff[:, 1])
    assert_clearly_positive(diff[:, 2])


def test_without_a_militia_nothing_is_recorded_for_one(tiny_model):
    frame = tiny_model(ALONE, rng=3, militia_rate=0.0).run(12).country_frame()
    assert (frame["militia"] == 0.0).all() and (frame["killed_by_militia"] == 0.0).all()
    assert (frame["deaths_non_state"] == 0.0).all()  # one group: no rivals either


# --- offensives -------------------------------------------------------------------------------

ATTACK = {"offensive_rate": 1.0, "offensive_threat": 0.0}
HOLD = {"offensive_rate": 0.0}


def test_an_offensive_raises_deaths_in_the_short_run_and_lowers_fighters_later():
    """A government that launches an offensive as soon as it can engages more of its army:
    in the offensive's first three months more people die (fighters, and soldiers exposed),
    and a year after it began fewer fighters are left."""
    rows, starts = [], set()
    for seed in SEEDS:
        attack = niger(ALONE, seed, 24, **ATTACK)
        hold = niger(ALONE, seed, 24, **HOLD)
        assert (hold["offensive"] == 0.0).all()
        s = int(attack.index[attack["offensive"] == 1.0][0])
        starts.add(s)
        first = slice(s, s + 3)
        rows.append(
            [
                attack["fatalities"].iloc[first].sum() - hold["fatalities"].iloc[first].sum(),
                attack["soldier_deaths"].iloc[first].sum()
                - hold["soldier_deaths"].iloc[first].sum(),
                attack["insurgent_strength"].iloc[s + 12] - hold["insurgent_strength"].iloc[s + 12],
            ]
        )
    diff = np.array(rows)
    assert len(starts) == 1  # the same start in every seed (the threat test is off)
    assert_clearly_positive(diff[:, 0])  # more deaths in the first three months
    assert_clearly_positive(diff[:, 1])  # more soldiers among them
    assert_clearly_positive(-diff[:, 2])  # fewer fighters a year on


def test_an_offensive_is_recorded_and_lasts_offensive_months(tiny_model):
    model = tiny_model(ALONE, rng=1, offensive_months=4.0, **ATTACK)
    flags = model.run(24).country_frame().query("country == 'NER'")["offensive"].tolist()
    runs, length = [], 0
    for flag in [*flags, 0.0]:
        if flag:
            length += 1
        elif length:
            runs.append(length)
            length = 0
    assert runs and all(r == 4 for r in runs[:-1])  # the last may be cut by the horizon
    launched = [e for e in model.event_log if e["kind"] == "offensive" and e["country"] == "NER"]
    assert len(launched) == len(runs)


# --- violence by category and perpetrator ---------------------------------------------------

ISSP = {"name": "Islamic State Sahel", "affiliation": "Islamic State", "fighters": {"NER": 800}}
CROWDED = merge(
    ALONE,
    {
        "countries": {"NER": {"militia": {"name": "VDP", "members": 3000}}},
        "groups": {"ISSP": ISSP},
        "rivalries": [["JNIM", "ISSP"]],
    },
)


def test_violence_is_recorded_in_the_three_categories_and_by_perpetrator(tiny_model):
    """State forces and foreign troops fight insurgents (state-based), the militia and the
    rival groups fight each other (non-state), insurgents and forces kill civilians
    (one-sided); every actor's kills are recorded under its own name."""
    totals = pd.concat(
        [tiny_model(CROWDED, rng=seed).run(12).country_frame() for seed in range(5)]
    ).query("country == 'NER'")
    for col in ("deaths_state_based", "deaths_non_state", "deaths_one_sided"):
        assert totals[col].sum() > 0, col
    for actor in ("state", "militia", "USA", "JNIM", "ISSP"):
        assert totals[f"killed_by_{actor}"].sum() > 0, actor
    assert totals[["soldier_deaths", "fighters_killed", "civilian_deaths"]].gt(0).any().all()


def test_rival_groups_add_non_state_deaths():
    """The same two groups, rivals or not: rivalry adds non-state deaths (and nothing is
    non-state without rivals or a militia)."""
    peaceful = merge(CROWDED, {"countries": {"NER": {"militia": None}}, "rivalries": []})
    rivals = merge(peaceful, {"rivalries": [["JNIM", "ISSP"]]})

    def summary(n: pd.DataFrame) -> list[float]:
        return [n["deaths_non_state"].sum()]

    diff = paired(peaceful, rivals, summary, months=6, seeds=range(10),
                  params_a={"militia_rate": 0.0}, params_b={"militia_rate": 0.0})  # fmt: skip
    assert (niger(peaceful, 0, 6, militia_rate=0.0)["deaths_non_state"] == 0).all()
    assert_clearly_positive(diff[:, 0])


RUSSIA = {
    "name": "Russia",
    "western": False,
    "troops_available": 2000,
    "effectiveness": 1.0,
    "conditionality": 0.0,
    "regime_protection": 0.5,
    "civilian_harm": 0.3,
    "partners": {"NER": {"troops": 1500}},
}


def test_a_high_harm_contingent_raises_one_sided_deaths_by_that_power():
    """A Wagner-type contingent (harm profile 3 instead of 0.3, all else equal) commits more
    massacres: more one-sided deaths, and more deaths recorded against it."""
    mild = merge(ALONE, {"powers": {"RUS": RUSSIA}})
    harsh = merge(mild, {"powers": {"RUS": {"civilian_harm": 3.0}}})
    # little fighting and no area fire: what the contingent kills is its massacres
    quiet = {"collateral_ratio": 0.0, "kill_rate": 0.0005}

    def summary(n: pd.DataFrame) -> list[float]:
        return [
            n["deaths_one_sided"].iloc[0],
            n["deaths_one_sided"].sum(),
            n["killed_by_RUS"].sum(),
        ]

    diff = paired(mild, harsh, summary, months=12, seeds=range(60), params_a=quiet,
                  params_b=quiet)  # fmt: skip
    assert (diff[:, 0] >= 0).all()  # month one: the same draws, a higher massacre rate
    assert_mostly_positive(diff[:, 1])
    assert_clearly_positive(diff[:, 2])


# --- the coup hazard ----------------------------------------------------------------------------


def hazard(model: SahelModel, iso: str = "NER") -> float:
    for country in model.countries_in_order:
        country.note_coup_recency()
    return model.countries[iso].hazard_of_coup()


def test_the_coup_hazard_rises_with_soldier_losses(tiny_model):
    """log h rises by b_S per unit of loss memory (soldiers killed per 100 troops)."""
    model = tiny_model()
    ner, p = model.countries["NER"], model.p
    hazards = []
    for memory in (0.0, 0.5, 1.0, 2.0):
        ner.loss_memory = memory
        hazards.append(hazard(model))
    assert all(b > a for a, b in itertools.pairwise(hazards))
    assert hazards[-1] < p.coup_hazard_max
    assert hazards[-1] / hazards[0] == pytest.approx(math.exp(2.0 * p.coup_soldier_weight))


def test_the_coup_hazard_rises_with_hardship_above_its_base_only(tiny_model):
    """log h rises by b_E per unit of hardship above its structural level; hardship below
    that level does not lower it."""
    model = tiny_model()
    ner, p = model.countries["NER"], model.p
    base = ner.hardship_base
    at_base = hazard(model)
    ner.hardship = base - 0.3
    assert hazard(model) == pytest.approx(at_base, rel=1e-12)
    hazards = []
    for extra in (0.0, 0.05, 0.1, 0.2):
        ner.hardship = base + extra
        hazards.append(hazard(model))
    assert all(b > a for a, b in itertools.pairwise(hazards))
    assert hazards[-1] / hazards[0] == pytest.approx(math.exp(0.2 * p.coup_economy_weight))


def test_soldiers_killed_feed_the_loss_memory(tiny_model):
    """After the first month Lambda = 100 x army deaths / forces (it starts at 0), and a
    world where insurgents shoot better has a higher loss memory and coup hazard."""
    model = tiny_model(ALONE, rng=4)
    model.step()
    ner = model.countries["NER"]
    assert ner.army_deaths > 0
    assert ner.loss_memory == pytest.approx(100.0 * ner.army_deaths / ner.forces, rel=1e-12)
    # only the loss memory differs in the hazard's terms
    only_losses = {
        "coup_violence_weight": 0.0,
        "coup_control_weight": 0.0,
        "coup_legitimacy_weight": 0.0,
        "violence_hardship": 0.0,
    }

    def summary(n: pd.DataFrame) -> list[float]:
        return [n["soldier_deaths"].sum(), n["coup_hazard"].iloc[-1]]

    deadly = {**only_losses, "insurgent_fire": 0.05}
    diff = paired(ALONE, ALONE, summary, months=6, seeds=range(10), params_a=only_losses,
                  params_b=deadly)  # fmt: skip
    assert (diff > 0).all()


def test_scheduled_coups_record_the_hazard_but_draw_no_coup(tiny_world):
    """`coups: scheduled` computes and records a positive hazard, and no coup is drawn from
    it; the same world with endogenous coups does have them."""
    likely = {"coup_base_hazard": 0.01, "coup_hazard_max": 0.5}
    for seed in range(3):
        scheduled = SahelModel(tiny_world({"coups": "scheduled"}), rng=seed, parameters=likely)
        frame = scheduled.run(12).country_frame()
        assert (frame["coup_hazard"] > 0.0).all()
        assert not [e for e in scheduled.event_log if e["kind"] == "coup"]
        assert set(frame["regime"].astype(str)) == {"civilian"}
    endogenous = [
        SahelModel(tiny_world({"coups": "endogenous"}), rng=seed, parameters=likely).run(12)
        for seed in range(3)
    ]
    assert any(e["kind"] == "coup" for m in endogenous for e in m.event_log)


def test_a_scheduled_coup_still_happens_when_coups_are_scheduled(tiny_world):
    coup = {"coups": "scheduled", "events": [{"at": "2024-03", "do": "coup", "country": "MLI"}]}
    model = SahelModel(tiny_world(coup), rng=1).run(6)
    coups = [(e["month"], e["country"]) for e in model.event_log if e["kind"] == "coup"]
    assert coups == [(2, "MLI")]
