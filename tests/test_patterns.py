"""Pattern-oriented checks of the calibrated model against what happened, 2012-2019.

Grimm et al. (2005) pattern-oriented modelling: a model is credible when it reproduces several
qualitative patterns at once. These are issue 10's patterns, computed by the same functions
(:mod:`sim.studies.patterns`) on UCDP's table and on the calibrated historical scenario's
replicates (scenarios/historical_2012.yaml with the bundled parameters). None of them can come
from the calendar: the historical scenario schedules no arrival of a group in a new country
and no domestic mobilisation (checked below), so the onsets, the falls and the split between
categories are the model's own.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.scenario import load_scenario
from sim.studies import patterns
from sim.studies.calibration import yearly_deaths
from sim.studies.observed import load_ucdp
from sim.studies.run import run_scenario

REPS = 16
MONTHS = 96  # 2012-01 to 2019-12, the calibration years
LIPTAKO_GROUPS = ("JNIM", "ISSP")
TILLABERI_ONSET = 2018
"""First year with more than 100 deaths in Niger's Tillaberi region. Not in the bundled data
(UCDP's country-year table does not split Niger, and the event data bundled cover Nigeria only):
the year comes from the record of IS Greater Sahara's campaign in Tillaberi (the Tongo Tongo
ambush, October 2017; attacks on villages and posts through 2018; Inates, December 2019),
https://en.wikipedia.org/wiki/Islamic_State_in_the_Greater_Sahara."""


@pytest.fixture(scope="module")
def runs() -> pd.DataFrame:
    """The calibrated historical run's country table, every replicate, 2012-2019."""
    return run_scenario("historical_2012", reps=REPS, months=MONTHS).countries


@pytest.fixture(scope="module")
def yearly(runs) -> pd.DataFrame:
    """Deaths per replicate, country and year, in all and by UCDP category."""
    return yearly_deaths(runs)


@pytest.fixture(scope="module")
def observed() -> pd.DataFrame:
    return load_ucdp()


def test_no_pattern_comes_from_the_calendar() -> None:
    """The historical scenario schedules no group's arrival in Burkina Faso or Niger, and no
    mobilisation other than the regional MNJTF offensive and the RSP's dissolution."""
    spec = load_scenario("historical_2012")
    arrivals = [(e.group, e.country) for e in spec.events if e.do == "arrive"]
    assert all(country not in ("BFA", "NER", "TCD") for _, country in arrivals), arrivals
    mobilised = [(e.at, e.country) for e in spec.events if e.do == "mobilise"]
    assert mobilised == [("2015-02", "NGA"), ("2015-10", "BFA")]
    assert spec.coups == "scheduled"


MISS_SMOOTH = (
    "known miss (model v2 as calibrated): violence grows smoothly; even where the state's "
    "aimed fire wears the insurgents down (Nigeria, at UCDP's exchange ratio), the deaths of "
    "bystanders and civilians keep rising, so Serval and the MNJTF offensive do not halve "
    "the deaths (issue 10 notes)"
)
SMOOTH = pytest.mark.xfail(strict=True, reason=MISS_SMOOTH)


@pytest.mark.parametrize(
    ("country", "year_to", "year_from", "ceiling"),
    [pytest.param("MLI", 2014, 2013, 0.6, marks=SMOOTH),
     pytest.param("NGA", 2016, 2014, 0.6, marks=SMOOTH)],
)  # fmt: skip
def test_violence_falls_after_the_offensives(
    yearly, observed, country, year_to, year_from, ceiling
) -> None:
    """Mali after Serval (UCDP 2014/2013: 0.33) and Nigeria after the MNJTF offensive (UCDP
    2016/2014: 0.38): the median ratio over replicates is at most 0.6."""
    assert patterns.ratio(observed, country, year_to, year_from) <= ceiling
    ratios = patterns.ratio(yearly, country, year_to, year_from)
    assert ratios.median() <= ceiling, ratios.describe()


@pytest.mark.xfail(
    strict=True,
    reason=(
        "known miss (model v2 as calibrated): Burkina Faso's 2019 median is a fraction"
        " of UCDP's; the onset is right, the growth after it too slow"
    ),
)
def test_burkina_faso_2019_inside_ucdp_range_in_half_the_replicates(yearly, observed) -> None:
    """UCDP's low-high range for Burkina Faso 2019 is 698-1,541 deaths."""
    row = observed[(observed["country"] == "BFA") & (observed["year"] == 2019)].iloc[0]
    bfa = yearly[(yearly["country"] == "BFA") & (yearly["year"] == 2019)]["deaths"]
    inside = bfa.between(row["deaths_low"], row["deaths_high"])
    assert inside.mean() >= 0.5, bfa.describe()


MISS_SHARE = (
    "known miss (model v2 as calibrated): the one-sided share is too low here (Burkina Faso "
    "2019 and Mali 2018): too little insurgent and militia violence "
    "against civilians where the state's control is contested"
)
SHARE = pytest.mark.xfail(strict=True, reason=MISS_SHARE)
MISS_NGA_SHARE = (
    "known miss (model v2 as calibrated with the exchange ratio): Nigeria's 2014 deaths are "
    "mostly battle deaths; with the insurgents worn down by the state's aimed fire, their "
    "violence against civilians is too small a part"
)


@pytest.mark.parametrize(
    ("country", "year", "low", "high"),
    [pytest.param("BFA", 2019, 0.5, 0.85, marks=SHARE),
     pytest.param("MLI", 2018, 0.3, 0.6, marks=SHARE),
     pytest.param("NGA", 2014, 0.35, 0.6,
                  marks=pytest.mark.xfail(strict=True, reason=MISS_NGA_SHARE))],
)  # fmt: skip
def test_one_sided_share(yearly, observed, country, year, low, high) -> None:
    """The share of deaths that are civilians killed deliberately (UCDP: BFA 2019 0.70,
    MLI 2018 0.43, NGA 2014 0.49), median over replicates."""
    assert low <= patterns.one_sided_share(observed, country, year) <= high
    shares = patterns.one_sided_share(yearly, country, year)
    assert low <= shares.median() <= high, shares.describe()


@pytest.mark.xfail(
    strict=True,
    reason=(
        "known miss (model v2 as calibrated): year-on-year halvings are far fewer "
        "than UCDP's 11% of transitions: the trends are too smooth"
    ),
)
def test_violence_swings_year_to_year(yearly, observed) -> None:
    """Year-on-year halvings are at least 5% of the five conflict countries' transitions
    (UCDP: 11%), median over replicates."""
    assert patterns.halving_share(observed) >= 0.05
    shares = patterns.halving_share(yearly)
    assert shares.median() >= 0.05, shares.describe()


@pytest.mark.xfail(
    strict=True,
    reason=(
        "known miss (model v2 as calibrated with the exchange ratio): Burkina Faso passes 100 "
        "deaths a year by 2020 in fewer than half the replicates; fighters settle there late "
        "and few (the raids from Mali come first)"
    ),
)
def test_violence_reaches_burkina_faso_through_spread(yearly, observed) -> None:
    """First year above 100 deaths in Burkina Faso within two years of UCDP's (2018) in at
    least half the replicates."""
    seen = patterns.first_year_above(observed, "BFA", 100)
    first = patterns.first_year_above(yearly, "BFA", 100)
    assert ((first - seen).abs() <= 2).mean() >= 0.5, first.value_counts(dropna=False)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "known miss (model v2 as calibrated): the Liptako groups' violence in Niger "
        "passes 100 deaths a year within two years of 2018 in fewer than half the "
        "replicates (in many it never does by 2019)"
    ),
)
def test_violence_reaches_tillaberi_through_spread(runs) -> None:
    """Deaths in Niger inflicted by the Liptako-Gourma groups (JNIM, IS Sahel: the Tillaberi
    and Tahoua front; Boko Haram and ISWAP fight in Diffa) first exceed 100 in a year within
    two years of :data:`TILLABERI_ONSET`, in at least half the replicates."""
    ner = runs[runs["country"].astype(str) == "NER"]
    inflicted = ner[[f"killed_by_{g}" for g in LIPTAKO_GROUPS]].sum(axis=1)
    table = pd.DataFrame(
        {"replicate": ner["replicate"], "country": "NER", "year": ner["date"].dt.year,
         "deaths": inflicted}
    ).groupby(["replicate", "country", "year"], as_index=False)["deaths"].sum()  # fmt: skip
    first = patterns.first_year_above(table, "NER", 100)
    assert ((first - TILLABERI_ONSET).abs() <= 2).mean() >= 0.5, first.value_counts(dropna=False)


def test_the_coastal_states_stay_low(yearly) -> None:
    """Benin, Togo, Ghana and Cote d'Ivoire: median below 100 deaths in every year 2012-2019."""
    coastal = yearly[yearly["country"].isin(["BEN", "TGO", "GHA", "CIV"])]
    medians = coastal.groupby(["country", "year"])["deaths"].median()
    assert (medians < 100).all(), medians[medians >= 100]


@pytest.mark.xfail(
    strict=True,
    reason=(
        "known miss (model v2 as calibrated): Benin's control falls below 0.85 by 2026"
        " in every replicate: with the fitted fighter weight (near its upper bound) the "
        "few fighters in its north win the balance of forces; the baseline still runs "
        "away there"
    ),
)
def test_baseline_coastal_states_hold(tmp_path) -> None:
    """The 2024 baseline with no new intervention: Benin and Togo keep control >= 0.85 through
    2026 in at least 80% of replicates (the initial state is not far from the model's own
    attractor, so the world does not run away)."""
    table = run_scenario("baseline_2024", reps=REPS, months=34).countries  # to 2026-12
    coast = table[table["country"].astype(str).isin(["BEN", "TGO"])]
    lowest = coast.groupby(["replicate", "country"], observed=True)["control"].min().unstack()
    assert ((lowest >= 0.85).all(axis=1)).mean() >= 0.8, lowest.describe()


def test_forces_wear_the_insurgents_down_as_in_nigeria(runs) -> None:
    """Fighters killed per state-side soldier killed in Nigeria, 2012-2019: the median over
    replicates is within a factor of two of UCDP's event data (12,981 / 2,324 = 5.6). The
    model's soldiers include militia members killed (the CJTF), whom UCDP counts on
    neither side of a state-based event, so its ratio errs low, never high, by that."""
    from sim.studies.observed import ged_battle_deaths, load_ged_nigeria

    years = range(2012, 2020)
    seen = patterns.exchange_ratio(ged_battle_deaths(load_ged_nigeria()), "NGA", years)
    assert 3.0 < seen < 8.0
    nga = runs[runs["country"].astype(str) == "NGA"]
    table = (
        nga.assign(year=nga["date"].dt.year, country="NGA")
        .groupby(["replicate", "country", "year"], as_index=False)[
            ["fighters_killed", "soldier_deaths"]
        ]
        .sum()
        .rename(columns={"fighters_killed": "fighters", "soldier_deaths": "soldiers"})
    )
    ratios = patterns.exchange_ratio(table, "NGA", years)
    assert seen / 2 <= ratios.median() <= seen * 2, ratios.describe()


def test_coup_hazard_matches_the_coup_record(runs) -> None:
    """The hazard the historical run records (coups are scheduled there, the hazard scored):
    summed over 2012-2019 and the ten countries, it is the expected number of successful
    coups; Powell and Thyne record 2 (Mali 2012, Burkina Faso 2014). The observed count lies
    inside the central 90% of a Poisson count with that mean."""
    from scipy import stats

    from sim.studies.observed import coup_base_rate

    record = coup_base_rate(2012, 2019)
    expected = runs.groupby("replicate")["coup_hazard"].sum().median()
    low, high = stats.poisson.ppf([0.05, 0.95], expected)
    assert low <= record.coups <= high, (expected, record)
