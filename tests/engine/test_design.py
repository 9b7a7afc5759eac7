"""Parameter specs, their validation, grids, Latin hypercubes and design runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.engine.core import Simulator, replicate_seed
from sim.engine.design import (
    ParamRange,
    design_runs,
    grid,
    latin_hypercube,
    parse_param_spec,
    parse_param_specs,
    validate_ranges,
)
from sim.engine.errors import EngineError

BOUNDS = {
    "alpha": (0.0, 1.0, 0.5),
    "beta": (-2.0, 2.0, 0.0),
    "recruitment_rate": (0.0, 0.2, 0.05),
}


class ToySimulator:
    """A stand-in simulator: y = alpha + noise."""

    def identity(self) -> dict[str, Any]:
        return {"model": "toy", "version": 1}

    def parameter_bounds(self) -> dict[str, tuple[float, float, float]]:
        return dict(BOUNDS)

    def simulate(self, params: Mapping[str, float], seed: int) -> dict[str, pd.DataFrame]:
        rng = np.random.default_rng(seed)
        return {"out": pd.DataFrame({"y": [params.get("alpha", 0.5) + rng.normal()]})}

    def summarise(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        return {"y": float(tables["out"]["y"].iloc[0])}


# --- parsing --------------------------------------------------------------------------------


def test_parse_grid_spec() -> None:
    assert parse_param_spec("alpha=0.1:0.9:5") == ParamRange("alpha", 0.1, 0.9, 5)
    assert parse_param_spec(" alpha = 0 : 1 : 3 ") == ParamRange("alpha", 0.0, 1.0, 3)


def test_parse_fixed_value() -> None:
    r = parse_param_spec("beta=-1.5")
    assert r == ParamRange("beta", -1.5, -1.5, 1)
    assert r.fixed
    assert parse_param_spec("beta=2", kind="lhs") == ParamRange("beta", 2.0, 2.0, 1)


def test_parse_range_for_sampled_designs() -> None:
    assert parse_param_spec("alpha=0:1", kind="lhs") == ParamRange("alpha", 0.0, 1.0, None)
    assert parse_param_spec("alpha=0:1", kind="sensitivity").n is None


@pytest.mark.parametrize(
    ("spec", "kind", "fragment"),
    [
        ("alpha", "grid", "no '=' found"),
        ("=0:1:3", "grid", "parameter name before '=' is empty"),
        ("alpha=x:1:3", "grid", "lower bound 'x' is not a number"),
        ("alpha=0:y:3", "grid", "upper bound 'y' is not a number"),
        ("alpha=abc", "grid", "value 'abc' is not a number"),
        ("alpha=0:1:2.5", "grid", "number of values '2.5' is not a whole number"),
        ("alpha=1:0:3", "grid", "lower bound 1 is above upper bound 0"),
        ("alpha=0:1:0", "grid", "number of values must be at least 1, got 0"),
        ("alpha=0:1:-2", "grid", "number of values must be at least 1, got -2"),
        ("alpha=0.5:0.5:3", "grid", "write alpha=0.5 instead"),
        ("alpha=0:1", "grid", "a grid needs a number of values; write alpha=0:1:n"),
        ("alpha=0:1:5", "lhs", "a Latin hypercube takes a range name=lo:hi without"),
        ("alpha=0:1:5", "sensitivity", "a sensitivity design takes a range"),
        ("alpha=0:1:2:3", "grid", "at most lo:hi:n"),
        ("alpha=nan", "grid", "must be a finite number"),
        ("alpha=0:inf:3", "grid", "must be a finite number"),
    ],
)
def test_parse_errors(spec: str, kind: str, fragment: str) -> None:
    with pytest.raises(EngineError) as err:
        parse_param_spec(spec, kind=kind)  # type: ignore[arg-type]
    assert fragment in str(err.value)


def test_parse_specs_reports_every_bad_spec() -> None:
    with pytest.raises(EngineError) as err:
        parse_param_specs(["alpha=0:1:3", "beta", "recruitment_rate=1:0:2"])
    msg = str(err.value)
    assert "2 problems" in msg
    assert "'beta'" in msg
    assert "lower bound 1 is above upper bound 0" in msg


def test_param_range_checks_itself() -> None:
    with pytest.raises(EngineError, match="lower bound 2 is above upper bound 1"):
        ParamRange("alpha", 2.0, 1.0, 3)


# --- validation -----------------------------------------------------------------------------


def test_validate_accepts_good_ranges() -> None:
    validate_ranges([ParamRange("alpha", 0.0, 1.0, 3), ParamRange("beta", -2.0, 2.0, 2)], BOUNDS)


def test_validate_unknown_name_suggests_and_points_to_list() -> None:
    with pytest.raises(EngineError) as err:
        validate_ranges([ParamRange("recruitment_rat", 0.0, 0.1, 2)], BOUNDS)
    msg = str(err.value)
    assert "recruitment_rat: unknown parameter" in msg
    assert "did you mean recruitment_rate?" in msg
    assert "parameter_bounds()" in msg


def test_validate_unknown_name_without_close_match() -> None:
    with pytest.raises(EngineError) as err:
        validate_ranges([ParamRange("zzz", 0.0, 0.1, 2)], BOUNDS)
    assert "did you mean" not in str(err.value)
    assert "zzz: unknown parameter" in str(err.value)


def test_validate_out_of_range_names_allowed_range() -> None:
    with pytest.raises(EngineError) as err:
        validate_ranges([ParamRange("alpha", 0.5, 1.5, 3)], BOUNDS)
    assert "alpha: 0.5..1.5 is outside the allowed range [0, 1]" in str(err.value)
    with pytest.raises(EngineError, match=r"beta: -3 is outside the allowed range \[-2, 2\]"):
        validate_ranges([ParamRange("beta", -3.0, -3.0, 1)], BOUNDS)


def test_validate_lists_all_problems() -> None:
    ranges = [
        ParamRange("alpha", 0.0, 1.0, 2),
        ParamRange("alpha", 0.0, 0.5, 2),
        ParamRange("alpah", 0.0, 0.5, 2),
        ParamRange("beta", 0.0, 5.0, 2),
    ]
    with pytest.raises(EngineError) as err:
        validate_ranges(ranges, BOUNDS)
    msg = str(err.value)
    assert "3 problems" in msg
    assert "alpha: given 2 times" in msg
    assert "alpah: unknown parameter; did you mean alpha?" in msg
    assert "beta: 0..5 is outside the allowed range [-2, 2]" in msg


# --- grids and hypercubes -------------------------------------------------------------------


def test_grid_size_and_order() -> None:
    ranges = [ParamRange("alpha", 0.0, 1.0, 3), ParamRange("beta", -1.0, 1.0, 2)]
    points = grid(ranges)
    assert len(points) == 6
    assert points == [
        {"alpha": 0.0, "beta": -1.0},
        {"alpha": 0.0, "beta": 1.0},
        {"alpha": 0.5, "beta": -1.0},
        {"alpha": 0.5, "beta": 1.0},
        {"alpha": 1.0, "beta": -1.0},
        {"alpha": 1.0, "beta": 1.0},
    ]
    assert grid(ranges) == points


def test_grid_single_value_and_fixed() -> None:
    points = grid([ParamRange("alpha", 0.2, 0.9, 1), parse_param_spec("beta=1.5")])
    assert points == [{"alpha": 0.2, "beta": 1.5}]
    assert grid([]) == [{}]


def test_grid_needs_n() -> None:
    with pytest.raises(EngineError, match="write alpha=lo:hi:n"):
        grid([ParamRange("alpha", 0.0, 1.0)])


def _lhs_ranges() -> list[ParamRange]:
    return [
        ParamRange("alpha", 0.0, 1.0),
        ParamRange("beta", -2.0, 2.0),
        ParamRange("recruitment_rate", 0.05, 0.15),
    ]


def test_lhs_in_bounds_and_stratified() -> None:
    n = 20
    ranges = _lhs_ranges()
    points = latin_hypercube(ranges, n, seed=42)
    assert len(points) == n
    for r in ranges:
        values = np.array([p[r.name] for p in points])
        assert values.min() >= r.lo
        assert values.max() <= r.hi
        bins = np.floor((values - r.lo) / (r.hi - r.lo) * n).astype(int)
        assert sorted(bins.tolist()) == list(range(n)), r.name


def test_lhs_deterministic_for_seed() -> None:
    a = latin_hypercube(_lhs_ranges(), 10, seed=7)
    assert a == latin_hypercube(_lhs_ranges(), 10, seed=7)
    assert a != latin_hypercube(_lhs_ranges(), 10, seed=8)


def test_lhs_fixed_dimension_and_errors() -> None:
    points = latin_hypercube([ParamRange("alpha", 0.0, 1.0), ParamRange("beta", 1.0, 1.0, 1)], 5, 1)
    assert all(p["beta"] == 1.0 for p in points)
    with pytest.raises(EngineError, match="at least 1 point"):
        latin_hypercube(_lhs_ranges(), 0, seed=1)
    with pytest.raises(EngineError, match="at least one parameter range"):
        latin_hypercube([], 5, seed=1)


# --- runs -----------------------------------------------------------------------------------


def test_toy_simulator_is_a_simulator() -> None:
    assert isinstance(ToySimulator(), Simulator)


def test_design_runs_common_seeds_and_distinct_ids() -> None:
    sim = ToySimulator()
    points = grid([ParamRange("alpha", 0.0, 1.0, 3)])
    runs = design_runs(sim, points, reps=4, root_seed=11, label="sweep")
    assert len(runs) == 12
    assert [(r.point, r.replicate) for r in runs] == [(p, r) for p in range(3) for r in range(4)]
    assert len({r.run_id for r in runs}) == 12
    for run in runs:
        assert run.seed == replicate_seed(11, run.replicate)
        assert run.param_dict == points[run.point]
        assert run.label == "sweep"
    seeds_by_point = [[r.seed for r in runs if r.point == p] for p in range(3)]
    assert seeds_by_point[0] == seeds_by_point[1] == seeds_by_point[2]
    assert len(set(seeds_by_point[0])) == 4


def test_design_runs_reproducible_and_root_seed_matters() -> None:
    sim = ToySimulator()
    points = [{"alpha": 0.3}]
    a = design_runs(sim, points, 2, root_seed=1)
    assert a == design_runs(sim, points, 2, root_seed=1)
    b = design_runs(sim, points, 2, root_seed=2)
    assert {r.seed for r in a}.isdisjoint({r.seed for r in b})


def test_design_runs_needs_a_replicate() -> None:
    with pytest.raises(EngineError, match="at least 1, got 0"):
        design_runs(ToySimulator(), [{}], reps=0, root_seed=1)
