"""The pattern statistics of sim.studies.patterns: known answers on small hand-made tables,
the issue's stated values on the bundled UCDP file, and properties that must hold for any
table (observed, or simulated with replicates)."""

from __future__ import annotations

import csv
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.studies.observed import UCDP_FILE, load_ucdp
from sim.studies.patterns import (
    coverage,
    exchange_ratio,
    first_year_above,
    halving_share,
    one_sided_share,
    ratio,
)


def table(rows: dict[str, list[float]], first_year: int = 2012, **extra: list[float]):
    """A country-year table: ``rows`` maps a country to its deaths, year by year."""
    records = []
    for country, deaths in rows.items():
        for i, d in enumerate(deaths):
            records.append({"country": country, "year": first_year + i, "deaths": float(d)})
    out = pd.DataFrame(records)
    for column, values in extra.items():
        out[column] = [float(v) for v in values]
    return out


@pytest.fixture(scope="module")
def ucdp() -> pd.DataFrame:
    return load_ucdp()


@pytest.fixture(scope="module")
def raw() -> dict[tuple[str, int], dict[str, float]]:
    """The UCDP file read independently with the csv module: (name, year) -> values."""
    with UCDP_FILE.open(newline="") as fh:
        return {
            (r["country"], int(r["year"])): {
                k: float(v) for k, v in r.items() if k.endswith("best")
            }
            for r in csv.DictReader(fh)
        }


# --- known answers on hand-made tables ------------------------------------------------------


def test_ratio_on_a_hand_made_table() -> None:
    t = table({"AAA": [10, 40, 20], "BBB": [0, 0, 5]})
    assert ratio(t, "AAA", 2013, 2012) == 4.0
    assert ratio(t, "AAA", 2014, 2013) == 0.5
    assert ratio(t, "BBB", 2014, 2013) == math.inf
    assert math.isnan(ratio(t, "BBB", 2013, 2012))
    with pytest.raises(ValueError, match="AAA, year 2020"):
        ratio(t, "AAA", 2020, 2012)


def test_exchange_ratio_on_a_hand_made_table() -> None:
    t = pd.DataFrame(
        {"country": ["AAA", "AAA", "AAA", "BBB"], "year": [2012, 2013, 2014, 2012],
         "fighters": [30.0, 50.0, 20.0, 5.0], "soldiers": [10.0, 10.0, 0.0, 0.0]}
    )  # fmt: skip
    assert exchange_ratio(t, "AAA", [2012, 2013]) == 4.0
    assert exchange_ratio(t, "AAA", range(2012, 2015)) == 5.0
    assert exchange_ratio(t, "BBB", [2012]) == math.inf
    with pytest.raises(ValueError, match="no rows for AAA"):
        exchange_ratio(t, "AAA", [2020])
    with pytest.raises(ValueError, match="missing column"):
        exchange_ratio(t.drop(columns="soldiers"), "AAA", [2012])
    doubled = t.assign(replicate=1, fighters=t["fighters"] * 2)
    per_replicate = pd.concat([t.assign(replicate=0), doubled])
    assert exchange_ratio(per_replicate, "AAA", [2012, 2013]).tolist() == [4.0, 8.0]


def test_halving_share_on_a_hand_made_table() -> None:
    # log(10+d) falls: AAA 190->90 (ln(100/200) = -0.69, not < -0.7), 90->0 (ln(10/100) = -2.3)
    # BBB 0->0 (0), 0->290 (rise): one fall in four transitions
    t = table({"AAA": [190, 90, 0], "BBB": [0, 0, 290]})
    assert halving_share(t, countries=["AAA", "BBB"]) == 0.25
    assert halving_share(t, countries=["AAA"]) == 0.5
    assert halving_share(t, countries=["AAA"], threshold=-0.6) == 1.0
    # a gap in the years is not a transition
    gappy = t[t["year"] != 2013]
    assert math.isnan(halving_share(gappy, countries=["AAA"]))
    with pytest.raises(ValueError, match="CCC"):
        halving_share(t, countries=["AAA", "CCC"])


def test_one_sided_share_and_first_year_above_on_a_hand_made_table() -> None:
    t = table({"AAA": [50, 150, 400], "BBB": [0, 10, 20]}, one_sided=[0, 30, 100, 0, 5, 20])
    assert one_sided_share(t, "AAA", 2013) == 0.2
    assert one_sided_share(t, "BBB", 2014) == 1.0
    assert math.isnan(one_sided_share(t, "BBB", 2012))
    assert first_year_above(t, "AAA") == 2013
    assert first_year_above(t, "AAA", threshold=150) == 2014  # strictly above
    assert first_year_above(t, "BBB") is None
    with pytest.raises(ValueError, match="one_sided"):
        one_sided_share(t.drop(columns="one_sided"), "AAA", 2013)


def test_coverage_on_a_hand_made_table() -> None:
    observed = table({"AAA": [100, 100], "BBB": [10, 10]}, deaths_low=[80, 80, 5, 5])
    observed["deaths_high"] = [120.0, 120.0, 20.0, 20.0]
    simulated = table({"AAA": [80, 121, 50], "BBB": [20, 4, 0]})  # 2014 is beyond observed
    assert coverage(simulated, observed) == 0.5  # 80 and 20 in range (bounds included)
    with pytest.raises(ValueError, match="BBB 2013"):
        coverage(
            simulated[~((simulated["country"] == "BBB") & (simulated["year"] == 2013))], observed
        )


def test_every_statistic_is_per_replicate_when_the_table_has_replicates() -> None:
    one = table({"AAA": [10, 40, 400]}, one_sided=[5, 10, 100])
    two = table({"AAA": [10, 20, 50]}, one_sided=[0, 20, 0])
    both = pd.concat([one.assign(replicate=1), two.assign(replicate=2)], ignore_index=True)
    observed = table({"AAA": [10, 30, 300]}, deaths_low=[10, 30, 300])
    observed["deaths_high"] = [10.0, 40.0, 400.0]
    cases = [
        (lambda t: ratio(t, "AAA", 2013, 2012), [4.0, 2.0]),
        (lambda t: one_sided_share(t, "AAA", 2013), [0.25, 1.0]),
        (lambda t: first_year_above(t, "AAA"), [2014.0, math.nan]),
        (lambda t: halving_share(t, countries=["AAA"]), [0.0, 0.0]),
        (lambda t: coverage(t, observed), [1.0, 1 / 3]),
    ]
    for statistic, expected in cases:
        got = statistic(both)
        assert isinstance(got, pd.Series) and got.index.name == "replicate"
        assert got.index.tolist() == [1, 2]
        np.testing.assert_allclose(got.to_numpy(dtype=float), expected)
        # each value is the statistic of that replicate alone
        alone = [statistic(one), statistic(two)]
        np.testing.assert_allclose(got.to_numpy(dtype=float), np.array(alone, dtype=float))


def test_bad_tables_are_rejected() -> None:
    t = table({"AAA": [1, 2]})
    with pytest.raises(ValueError, match="deaths"):
        ratio(t.drop(columns="deaths"), "AAA", 2013, 2012)
    with pytest.raises(ValueError, match="more than once"):
        ratio(pd.concat([t, t]), "AAA", 2013, 2012)
    with pytest.raises(ValueError, match="observed: missing column"):
        coverage(t, t)


# --- the issue's values, on the bundled UCDP data -------------------------------------------


@pytest.mark.parametrize(
    ("name", "iso3", "year_to", "year_from", "stated"),
    [("Mali", "MLI", 2014, 2013, 0.33), ("Nigeria", "NGA", 2016, 2014, 0.38)],
)
def test_ucdp_ratios_match_the_issue(ucdp, raw, name, iso3, year_to, year_from, stated) -> None:
    got = ratio(ucdp, iso3, year_to, year_from)
    by_hand = raw[(name, year_to)]["deaths_best"] / raw[(name, year_from)]["deaths_best"]
    assert got == pytest.approx(by_hand)
    assert round(got, 2) == stated


@pytest.mark.parametrize(
    ("name", "iso3", "year", "stated"),
    [
        ("Burkina Faso", "BFA", 2019, 0.70),
        ("Mali", "MLI", 2018, 0.43),
        ("Nigeria", "NGA", 2014, 0.49),
    ],
)
def test_ucdp_one_sided_shares_match_the_issue(ucdp, raw, name, iso3, year, stated) -> None:
    got = one_sided_share(ucdp, iso3, year)
    values = raw[(name, year)]
    assert got == pytest.approx(values["one_sided_best"] / values["deaths_best"])
    assert round(got, 2) == stated


def test_ucdp_halving_share_is_small(ucdp, raw) -> None:
    got = halving_share(ucdp)
    assert 0.05 < got < 0.2
    # the same count done by hand from the csv values
    names = {"MLI": "Mali", "BFA": "Burkina Faso", "NER": "Niger", "NGA": "Nigeria", "TCD": "Chad"}
    changes = [
        math.log(10 + raw[(n, y)]["deaths_best"]) - math.log(10 + raw[(n, y - 1)]["deaths_best"])
        for n in names.values()
        for y in range(2013, 2020)
    ]
    assert got == pytest.approx(sum(c < -0.7 for c in changes) / len(changes))


def test_ucdp_onsets_and_self_coverage(ucdp, raw) -> None:
    # Burkina Faso crossed 100 deaths in 2018 (195), after 54 in 2017
    assert first_year_above(ucdp, "BFA") == 2018
    assert (
        raw[("Burkina Faso", 2017)]["deaths_best"]
        <= 100
        < raw[("Burkina Faso", 2018)]["deaths_best"]
    )
    assert first_year_above(ucdp, "BEN") is None
    assert coverage(ucdp, ucdp) == 1.0  # best estimates lie in UCDP's own low-high range


# --- properties -----------------------------------------------------------------------------

deaths_lists = st.lists(
    st.integers(min_value=0, max_value=20_000).map(float), min_size=2, max_size=10
)


@settings(max_examples=60, deadline=None)
@given(st.lists(deaths_lists, min_size=1, max_size=4), st.floats(min_value=-3.0, max_value=0.0))
def test_halving_share_is_a_share(series, threshold) -> None:
    countries = [f"C{i}" for i in range(len(series))]
    t = table(dict(zip(countries, series, strict=True)))
    share = halving_share(t, countries=countries, threshold=threshold)
    assert 0.0 <= share <= 1.0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=20_000).map(float), min_size=3, max_size=8),
    st.floats(min_value=0.01, max_value=1000.0),
)
def test_scaling_deaths_leaves_ratios_and_shares_unchanged(deaths, factor) -> None:
    t = table({"AAA": deaths}, one_sided=[d / 2 for d in deaths])
    scaled = t.assign(deaths=t["deaths"] * factor, one_sided=t["one_sided"] * factor)
    last = 2012 + len(deaths) - 1
    assert ratio(scaled, "AAA", last, 2012) == pytest.approx(ratio(t, "AAA", last, 2012))
    assert one_sided_share(scaled, "AAA", last) == pytest.approx(0.5)


@settings(max_examples=40, deadline=None)
@given(st.lists(deaths_lists.filter(lambda d: d[0] > 0 and len(d) >= 2), min_size=1, max_size=5))
def test_ratio_per_replicate_is_each_replicates_ratio(replicates) -> None:
    n = min(len(d) for d in replicates)
    parts = [table({"AAA": d[:n]}).assign(replicate=i) for i, d in enumerate(replicates)]
    got = ratio(pd.concat(parts, ignore_index=True), "AAA", 2012 + n - 1, 2012)
    assert isinstance(got, pd.Series) and len(got) == len(replicates)
    for i, d in enumerate(replicates):
        assert got[i] == pytest.approx(d[n - 1] / d[0])


@settings(max_examples=40, deadline=None)
@given(deaths_lists, deaths_lists, st.integers(min_value=0, max_value=500))
def test_coverage_is_a_share_and_grows_with_the_range(simulated, centre, width) -> None:
    n = min(len(simulated), len(centre))
    observed = table({"AAA": centre[:n]})
    narrow = observed.assign(deaths_low=observed["deaths"], deaths_high=observed["deaths"])
    wide = observed.assign(
        deaths_low=observed["deaths"] - width, deaths_high=observed["deaths"] + width
    )
    sim = table({"AAA": simulated[:n]})
    assert 0.0 <= coverage(sim, narrow) <= coverage(sim, wide) <= 1.0
