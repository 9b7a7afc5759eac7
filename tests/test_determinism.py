"""Determinism and common random numbers.

The same scenario and seed give bit-identical frames, in this process or another, in any
order; different seeds give different runs; an intervention that changes nothing changes
nothing; and a real intervention leaves every month before it untouched (scenarios share
their random streams).
"""

from __future__ import annotations

import os
import random
import subprocess
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from sim.scenario import validate_data
from sim.world.model import SahelModel
from tests.worlds import PYTHON, ROOT


def frames(model: SahelModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    return model.regional_frame(), model.country_frame()


def assert_same_run(a: SahelModel, b: SahelModel) -> None:
    for fa, fb in zip(frames(a), frames(b), strict=True):
        assert_frame_equal(fa, fb, check_exact=True)


def with_events(data: dict, *events: dict) -> dict:
    data["events"] = [*data["events"], *events]
    return data


@pytest.mark.parametrize("name", ["baseline_2024", "us_withdraws", "us_stays"])
def test_same_scenario_and_seed_give_identical_frames(scenario, name):
    a = SahelModel(scenario(name), rng=17).run()
    b = SahelModel(scenario(name), rng=17).run()
    assert_same_run(a, b)
    assert a.event_log == b.event_log


def test_default_seed_is_the_scenario_s(scenario):
    scn = scenario("baseline_2024")
    assert_same_run(
        SahelModel(scn, months=12).run(), SahelModel(scn, rng=scn.seed, months=12).run()
    )


def test_different_seeds_give_different_runs(scenario):
    a, b = (SahelModel(scenario("baseline_2024"), rng=s).run() for s in (1, 2))
    assert not a.country_frame()["fatalities"].equals(b.country_frame()["fatalities"])
    assert not a.regional_frame()["total_insurgents"].equals(b.regional_frame()["total_insurgents"])


def test_runs_do_not_depend_on_order_or_global_random_state(scenario):
    scn = scenario("us_withdraws")
    first = SahelModel(scn, rng=3).run(24)
    random.seed(99)
    np.random.seed(99)  # noqa: NPY002 (the legacy global state must not matter)
    interleaved = SahelModel(scn, rng=3)
    other = SahelModel(scn, rng=4)
    for _ in range(24):  # step two models in lockstep: no shared state between them
        other.step()
        interleaved.step()
    assert_same_run(first, interleaved)


def test_seed_sequences_give_reproducible_independent_replicates(scenario):
    scn = scenario("baseline_2024")
    children = np.random.SeedSequence(2024).spawn(2)
    again = np.random.SeedSequence(2024).spawn(2)
    a = SahelModel(scn, rng=children[0], months=12).run()
    assert_same_run(a, SahelModel(scn, rng=again[0], months=12).run())
    b = SahelModel(scn, rng=children[1], months=12).run()
    assert not a.country_frame()["fatalities"].equals(b.country_frame()["fatalities"])


def test_a_shared_generator_is_refused(scenario):
    with pytest.raises(TypeError, match="SeedSequence"):
        SahelModel(scenario("baseline_2024"), rng=np.random.default_rng(1))


SCRIPT = textwrap.dedent(
    """\
    import sys
    from sim.world.model import SahelModel

    name, seed, regional, countries = sys.argv[1:]
    model = SahelModel(name, rng=int(seed)).run()
    model.regional_frame().to_parquet(regional)
    model.country_frame().to_parquet(countries)
    """
)


@pytest.mark.slow
def test_identical_across_processes(scenario, tmp_path):
    """Two fresh interpreters (different hash seeds) reproduce this process's run exactly."""
    script = tmp_path / "run_one.py"
    script.write_text(SCRIPT)
    jobs = []
    for hash_seed in ("0", "12345"):
        regional, countries = tmp_path / f"r{hash_seed}.parquet", tmp_path / f"c{hash_seed}.parquet"
        args = [PYTHON, str(script), "us_withdraws", "5", str(regional), str(countries)]
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        jobs.append((subprocess.Popen(args, cwd=ROOT, env=env), regional, countries))
    here = SahelModel(scenario("us_withdraws"), rng=5).run()
    for job, regional, countries in jobs:
        assert job.wait(timeout=120) == 0
        assert_frame_equal(pd.read_parquet(regional), here.regional_frame(), check_exact=True)
        assert_frame_equal(pd.read_parquet(countries), here.country_frame(), check_exact=True)


# --- interventions that change nothing ------------------------------------------------------------


def inert_events(scn) -> dict[str, dict]:
    """Events that must not change anything: a parameter set to its own value; China (which
    has no troops and offers none) committing to stay where it only invests.
    """
    return {
        "set_parameter to its value": {
            "at": "2025-01",
            "do": "set_parameter",
            "name": "control_rate",
            "value": scn.parameters.control_rate,
        },
        "stay without troops": {"at": "2024-06", "do": "stay", "power": "CHN", "country": "NER"},
    }


@pytest.mark.parametrize("which", ["set_parameter to its value", "stay without troops"])
@pytest.mark.parametrize("seed", [1, 8])
def test_an_intervention_that_changes_nothing_gives_identical_trajectories(
    scenario, scenario_data, which, seed
):
    base = scenario("baseline_2024")
    event = inert_events(base)[which]
    inert = validate_data(with_events(scenario_data("baseline_2024"), event))
    a, b = SahelModel(base, rng=seed).run(), SahelModel(inert, rng=seed).run()
    assert_same_run(a, b)
    assert [e for e in b.event_log if e["scheduled"] and e["kind"] == event["do"]]


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), month=st.sampled_from(["2024-06", "2025-01", "2026-03"]))
def test_a_real_intervention_leaves_earlier_months_untouched(scenario, scenario_data, seed, month):
    """Common random numbers: the runs agree exactly before the intervention, not after."""
    base = scenario("baseline_2024")
    deploy = {"at": month, "do": "deploy", "power": "FRA", "country": "BFA", "troops": 1500}
    changed = validate_data(with_events(scenario_data("baseline_2024"), deploy))
    a, b = SahelModel(base, rng=seed).run(), SahelModel(changed, rng=seed).run()
    k = a.month_of(month)
    ra, rb = a.regional_frame(), b.regional_frame()
    assert_frame_equal(ra.iloc[:k], rb.iloc[:k], check_exact=True)
    ca, cb = a.country_frame(), b.country_frame()
    assert_frame_equal(ca[ca["month"] < k], cb[cb["month"] < k], check_exact=True)
    bfa_a = ca[(ca["country"] == "BFA") & (ca["month"] == k)]["security"].item()
    bfa_b = cb[(cb["country"] == "BFA") & (cb["month"] == k)]["security"].item()
    assert bfa_b > bfa_a


# --- random streams ------------------------------------------------------------------------


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), chunk=st.integers(1, 30))
def test_a_month_s_shocks_do_not_depend_on_how_they_are_drawn_ahead(seed, chunk):
    from sim.world.streams import Shocks

    shapes = {"recruitment": (2, 3), "spread": (2, 4), "coups": (3,)}
    reference, other = Shocks(seed, shapes, chunk=24), Shocks(seed, shapes, chunk=chunk)
    for month in range(40):
        a, b = reference.month(month), other.month(month)
        assert a.keys() == b.keys()
        for name in a:
            np.testing.assert_array_equal(a[name], b[name])


def test_streams_are_keyed_by_name_not_by_order():
    from sim.world.streams import make_streams

    a, b = make_streams(7), make_streams(7)
    assert set(a) == set(b)
    draws = {name: a[name].random(3).tolist() for name in a}
    for name in reversed(list(b)):
        assert b[name].random(3).tolist() == draws[name]
    assert len({tuple(v) for v in draws.values()}) == len(draws)  # streams differ
