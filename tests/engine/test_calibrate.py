"""The generic calibration (Latin hypercube, then Nelder-Mead) on a model with a known optimum."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.engine.calibrate import FreeParameter, calibrate
from sim.engine.errors import EngineError
from sim.engine.store import ExperimentStore

TRUE = {"a": 0.3, "b": 4.0}


class QuadraticSimulator:
    """y = (a - 0.3)^2 + (log10 b - log10 4)^2 + small noise: the optimum is known."""

    def identity(self) -> dict[str, Any]:
        return {"model": "quadratic", "version": 1}

    def parameter_bounds(self) -> dict[str, tuple[float, float, float]]:
        return {"a": (0.0, 1.0, 0.9), "b": (0.1, 100.0, 50.0)}

    def simulate(self, params: Mapping[str, float], seed: int) -> dict[str, pd.DataFrame]:
        rng = np.random.default_rng(seed)
        a, b = params["a"], params["b"]
        y = (a - TRUE["a"]) ** 2 + (math.log10(b) - math.log10(TRUE["b"])) ** 2
        return {"out": pd.DataFrame({"y": [y + 1e-4 * rng.normal()]})}

    def summarise(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        return {"y": float(tables["out"]["y"].iloc[0])}


FREE = (FreeParameter("a", 0.0, 1.0), FreeParameter("b", 0.1, 100.0, log=True))


def mean_y(summary: pd.DataFrame) -> float:
    return float(summary["y"].mean())


def run(tmp_path, **kw):
    store = ExperimentStore(tmp_path / "store")
    return calibrate(
        QuadraticSimulator(), FREE, mean_y, store, reps=3, root_seed=5, lhs_points=12,
        local_evals=80, start={"a": 0.9, "b": 50.0}, backend="serial", **kw,
    )  # fmt: skip


def test_finds_the_known_optimum_and_improves_on_the_start(tmp_path) -> None:
    result = run(tmp_path)
    assert result.best["a"] == pytest.approx(TRUE["a"], abs=0.02)
    assert math.log10(result.best["b"]) == pytest.approx(math.log10(TRUE["b"]), abs=0.03)
    lhs_best = result.history.loc[result.history["stage"] == "lhs", "loss"].min()
    assert result.loss <= lhs_best < result.start_loss
    assert result.loss < 1e-3
    assert result.position["a"] == pytest.approx(TRUE["a"], abs=0.02)  # range 0-1
    assert result.position["b"] == pytest.approx(FREE[1].unit(result.best["b"]))
    assert list(result.history["stage"].unique()) == ["start", "lhs", "nelder-mead"]
    assert result.runs == 3 * len(result.history.drop_duplicates(["a", "b"]))


def test_resumes_from_the_store_without_running_again(tmp_path) -> None:
    first = run(tmp_path)
    again = run(tmp_path)
    assert again.runs_executed == 0
    assert again.best == first.best
    pd.testing.assert_frame_equal(again.history, first.history)


def test_same_result_with_a_process_pool(tmp_path) -> None:
    serial = run(tmp_path / "s")
    store = ExperimentStore(tmp_path / "p")
    pooled = calibrate(
        QuadraticSimulator(), FREE, mean_y, store, reps=3, root_seed=5, lhs_points=12,
        local_evals=80, start={"a": 0.9, "b": 50.0}, backend="local", workers=2,
    )  # fmt: skip
    assert pooled.best == serial.best
    pd.testing.assert_frame_equal(pooled.history, serial.history)


@given(st.floats(0.0, 1.0), st.floats(-3.0, 3.0), st.floats(0.01, 3.0))
def test_free_parameter_maps_unit_interval_onto_its_range(u, log_lo, span) -> None:
    lin = FreeParameter("x", log_lo, log_lo + span)
    log = FreeParameter("y", 10**log_lo, 10 ** (log_lo + span), log=True)
    for p in (lin, log):
        v = p.value(u)
        assert p.lo <= v <= p.hi  # exactly, also at the ends of a log range
        assert p.unit(v) == pytest.approx(u, abs=1e-9)


def test_bad_free_parameters_are_usage_errors() -> None:
    with pytest.raises(EngineError, match="lo < hi"):
        FreeParameter("x", 1.0, 1.0)
    with pytest.raises(EngineError, match="lo > 0"):
        FreeParameter("x", 0.0, 1.0, log=True)
