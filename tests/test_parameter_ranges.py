"""Every parameter value inside its declared range runs, and every output is finite.

A property test: hypothesis draws a point over all declared ranges (each parameter at its
lower bound, its upper bound or anywhere between), a bundled scenario and a seed, runs a
short horizon and checks that no exception is raised and no output is NaN or infinite.
The default run is small (``make test``); the ``slow`` variant draws many more points.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import Scenario, bundled_scenarios
from sim.world.model import SahelModel
from sim.world.parameters import parameter_table

MONTHS = 24
"""Short horizon: long enough for coups, expulsions and spread to happen under extremes."""

BUNDLED = sorted(bundled_scenarios())


def _value(row: dict[str, Any]) -> st.SearchStrategy[float]:
    lo, hi = float(row["min"]), float(row["max"])
    return st.one_of(st.sampled_from([lo, hi]), st.floats(lo, hi, allow_nan=False))


POINTS = st.fixed_dictionaries({row["name"]: _value(row) for row in parameter_table()})


def _check_point(scn: Scenario, params: dict[str, float], seed: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # overflow or 0/0 in numpy is a failure
        model = SahelModel(scn, rng=seed, months=MONTHS, parameters=params).run()
        frames = {"regional": model.regional_frame(), "countries": model.country_frame()}
    for name, frame in frames.items():
        assert len(frame) > 0, name
        numbers = frame.select_dtypes("number").to_numpy(dtype=float)
        bad = ~np.isfinite(numbers)
        if bad.any():
            cols = list(frame.select_dtypes("number").columns[bad.any(axis=0)])
            pytest.fail(f"{scn.name}: non-finite values in {name} columns {cols} at {params}")


def _property(max_examples: int) -> Callable[..., None]:
    @settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        derandomize=False,
    )
    @given(name=st.sampled_from(BUNDLED), params=POINTS, seed=st.integers(0, 2**31 - 1))
    def check(scenario: Callable[[str], Scenario], name: str, params: dict[str, float], seed: int):
        _check_point(scenario(name), params, seed)

    return check


test_every_in_range_point_runs_and_stays_finite = _property(30)
test_every_in_range_point_runs_and_stays_finite_many = pytest.mark.slow(_property(600))


@pytest.mark.parametrize("bound", ["min", "max"])
@pytest.mark.parametrize("name", BUNDLED)
def test_all_parameters_at_one_bound_run(
    scenario: Callable[[str], Scenario], name: str, bound: str
) -> None:
    """The corners where every parameter sits at its lower (or upper) bound at once."""
    params = {row["name"]: float(row[bound]) for row in parameter_table()}
    _check_point(scenario(name), params, seed=1)


def test_no_security_with_a_partner_present_does_not_divide_by_zero(
    scenario: Callable[[str], Scenario],
) -> None:
    """ci_commitment = 0 (in range) leaves a country in full control with no engaged forces;
    a partner's share of that country's security must still be defined."""
    scn = scenario("us_withdraws")
    params = {"ci_commitment": 0.0, "coup_capacity_loss": 0.5, "coup_hazard_scale": 10.0}
    for seed in range(5):
        _check_point(scn, params, seed)
