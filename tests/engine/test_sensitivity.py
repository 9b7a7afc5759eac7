"""SALib sensitivity analysis on toy functions with known indices, and its safeguards."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine.design import ParamRange
from sim.engine.errors import EngineError
from sim.engine.sensitivity import (
    DesignOutputError,
    analyse,
    design_points,
    design_size,
    replicate_noise_share,
    sensitivity_design,
    sensitivity_figure,
)

PI_RANGES = [ParamRange(f"x{i}", -np.pi, np.pi) for i in (1, 2, 3)]
UNIT_RANGES = [ParamRange(f"x{i}", 0.0, 1.0) for i in (1, 2, 3)]

# Analytic indices of the Ishigami function with a=7, b=0.1.
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def linear(X: np.ndarray) -> np.ndarray:
    return 10.0 * X[:, 0] + 1.0 * X[:, 1] + 0.0 * X[:, 2]


def outputs_for(X: np.ndarray, f, reps: int = 1, noise: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """One row per (point, replicate), as runs would report them."""
    rng = np.random.default_rng(seed)
    y = f(X)
    rows = [
        {"point": p, "replicate": r, "y": y[p] + noise * rng.normal(), "other": 1.0}
        for p in range(len(X))
        for r in range(reps)
    ]
    return pd.DataFrame(rows)


# --- design ---------------------------------------------------------------------------------


def test_design_size_formulas() -> None:
    assert design_size("morris", k=3, n=10) == 40
    assert design_size("sobol", k=3, n=64) == 320
    assert design_size("sobol", k=3, n=64, second_order=True) == 512


@pytest.mark.parametrize("second_order", [False, True])
def test_sobol_design_matches_size_and_bounds(second_order: bool) -> None:
    problem, X = sensitivity_design("sobol", PI_RANGES, 64, seed=3, second_order=second_order)
    assert X.shape == (design_size("sobol", 3, 64, second_order), 3)
    assert problem["names"] == ["x1", "x2", "x3"]
    assert X.min() >= -np.pi
    assert X.max() <= np.pi
    assert "groups" not in problem  # SALib's additions do not leak into our problem


def test_morris_design_matches_size_and_is_deterministic() -> None:
    problem, X = sensitivity_design("morris", UNIT_RANGES, 10, seed=5, levels=4)
    assert X.shape == (design_size("morris", 3, 10), 3)
    levels = np.linspace(0.0, 1.0, 4)
    assert np.isclose(X[:, :, None], levels).any(axis=2).all()  # every value on the 4-level grid
    _, X2 = sensitivity_design("morris", UNIT_RANGES, 10, seed=5, levels=4)
    np.testing.assert_array_equal(X, X2)
    points = design_points(problem, X)
    assert len(points) == len(X)
    assert points[0] == dict(zip(["x1", "x2", "x3"], X[0].tolist(), strict=True))


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"method": "fast"}, "unknown sensitivity method 'fast'"),
        ({"method": "sobol", "n": 100}, "to be balanced; got 100, use 64 or 128"),
        ({"method": "morris", "n": 0}, "trajectories must be a whole number >= 1"),
        ({"method": "morris", "levels": 5}, "levels must be an even number"),
        ({"ranges": []}, "at least one parameter range"),
        ({"ranges": [ParamRange("a", 1.0, 1.0, 1)]}, "a: a sensitivity factor needs lo < hi"),
        ({"ranges": [ParamRange("a", 0, 1), ParamRange("a", 0, 2)]}, "a: given more than once"),
    ],
)
def test_sensitivity_design_errors(kwargs: dict, fragment: str) -> None:
    args = {"method": "morris", "ranges": UNIT_RANGES, "n": 8, "seed": 1} | kwargs
    with pytest.raises(EngineError) as err:
        sensitivity_design(**args)
    assert fragment in str(err.value)


# --- known indices --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ishigami_design() -> tuple[dict, np.ndarray, pd.DataFrame]:
    problem, X = sensitivity_design("sobol", PI_RANGES, 2048, seed=12)
    return problem, X, outputs_for(X, ishigami)


def test_sobol_ishigami_known_indices(ishigami_design) -> None:
    problem, X, outputs = ishigami_design
    table = analyse("sobol", problem, X, outputs, "y", seed=1)
    assert table["parameter"].tolist() == ["x1", "x2", "x3"]
    assert list(table.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    np.testing.assert_allclose(table["S1"], ISHIGAMI_S1, atol=0.05)
    np.testing.assert_allclose(table["ST"], ISHIGAMI_ST, atol=0.05)
    assert (table["S1_conf"] > 0).all()
    assert (table["ST_conf"] > 0).all()


def test_sobol_results_keyed_by_point_not_row_order(ishigami_design) -> None:
    problem, X, outputs = ishigami_design
    expected = analyse("sobol", problem, X, outputs, "y", seed=1)
    shuffled = outputs.sample(frac=1.0, random_state=3).reset_index(drop=True)
    got = analyse("sobol", problem, X, shuffled, "y", seed=1)
    pd.testing.assert_frame_equal(got, expected)


def test_morris_linear_ranking() -> None:
    problem, X = sensitivity_design("morris", UNIT_RANGES, 20, seed=4)
    outputs = outputs_for(X, linear)
    table = analyse("morris", problem, X, outputs, "y", seed=1)
    assert list(table.columns) == ["parameter", "mu", "mu_star", "mu_star_conf", "sigma"]
    mu_star = table.set_index("parameter")["mu_star"]
    assert mu_star["x1"] > mu_star["x2"] > mu_star["x3"]
    assert mu_star["x3"] == 0.0
    np.testing.assert_allclose(mu_star[["x1", "x2"]], [10.0, 1.0], rtol=1e-9)
    np.testing.assert_allclose(table["sigma"], 0.0, atol=1e-9)
    shuffled = outputs.iloc[::-1].reset_index(drop=True)
    pd.testing.assert_frame_equal(analyse("morris", problem, X, shuffled, "y", seed=1), table)


def test_replicates_are_averaged_per_point() -> None:
    problem, X = sensitivity_design("morris", UNIT_RANGES, 10, seed=4)
    one = analyse("morris", problem, X, outputs_for(X, linear), "y", seed=1)
    noisy = outputs_for(X, linear, reps=3)
    noisy.loc[noisy["replicate"] == 0, "y"] += 1.0
    noisy.loc[noisy["replicate"] == 1, "y"] -= 1.0
    shuffled = noisy.sample(frac=1.0, random_state=0)
    pd.testing.assert_frame_equal(analyse("morris", problem, X, shuffled, "y", seed=1), one)


# --- safeguards -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_sobol() -> tuple[dict, np.ndarray, pd.DataFrame]:
    problem, X = sensitivity_design("sobol", UNIT_RANGES, 8, seed=2)
    return problem, X, outputs_for(X, linear, reps=2)


def test_missing_point_is_an_error(small_sobol) -> None:
    problem, X, outputs = small_sobol
    with pytest.raises(DesignOutputError, match=r"1 of 40 design points have no runs: 7"):
        analyse("sobol", problem, X, outputs[outputs["point"] != 7], "y", seed=1)


def test_duplicated_point_is_an_error(small_sobol) -> None:
    problem, X, outputs = small_sobol
    dup = pd.concat([outputs, outputs[outputs["point"] == 3]], ignore_index=True)
    with pytest.raises(DesignOutputError, match=r"pairs appear more than once: 3/0, 3/1"):
        analyse("sobol", problem, X, dup, "y", seed=1)


def test_point_outside_design_and_missing_values_are_errors(small_sobol) -> None:
    problem, X, outputs = small_sobol
    extra = pd.concat(
        [outputs, pd.DataFrame([{"point": 40, "replicate": 0, "y": 1.0, "other": 1.0}])]
    )
    with pytest.raises(DesignOutputError, match=r"points outside the design \(0..39\): 40"):
        analyse("sobol", problem, X, extra, "y", seed=1)
    holes = outputs.copy()
    holes.loc[holes["point"] == 5, "y"] = np.nan
    with pytest.raises(DesignOutputError, match=r"2 runs have no finite value of 'y' \(points 5\)"):
        analyse("sobol", problem, X, holes, "y", seed=1)


def test_unknown_output_and_mismatched_design(small_sobol) -> None:
    problem, X, outputs = small_sobol
    with pytest.raises(EngineError, match="unknown output 'z'; the runs have: y, other"):
        analyse("sobol", problem, X, outputs, "z", seed=1)
    with pytest.raises(EngineError, match="multiple of 5 rows, got 39"):
        analyse("sobol", problem, X[:-1], outputs, "y", seed=1)
    with pytest.raises(EngineError, match="made for 'sobol', not 'morris'"):
        analyse("morris", problem, X, outputs, "y", seed=1)


# --- replicate noise ------------------------------------------------------------------------


def test_replicate_noise_share_known_value() -> None:
    rng = np.random.default_rng(0)
    n_points, reps, sigma = 200, 50, 1.0
    f = np.linspace(-3.0, 3.0, n_points)  # between-point variance np.var(f) ~ 3.03
    rows = pd.DataFrame(
        {
            "point": np.repeat(np.arange(n_points), reps),
            "replicate": np.tile(np.arange(reps), n_points),
            "y": np.repeat(f, reps) + sigma * rng.normal(size=n_points * reps),
        }
    ).sample(frac=1.0, random_state=1)
    expected = sigma**2 / (sigma**2 + np.var(f))
    assert replicate_noise_share(rows, "y") == pytest.approx(expected, abs=0.01)


def test_replicate_noise_share_extremes() -> None:
    pure_noise = pd.DataFrame(
        {"point": np.repeat(np.arange(50), 40), "y": np.random.default_rng(1).normal(size=2000)}
    )
    assert replicate_noise_share(pure_noise, "y") == pytest.approx(1.0, abs=0.03)
    assert replicate_noise_share(pure_noise, "y") <= 1.0
    no_noise = pd.DataFrame(
        {"point": np.repeat(np.arange(5), 3), "y": np.repeat(np.arange(5.0), 3)}
    )
    assert replicate_noise_share(no_noise, "y") == 0.0


def test_replicate_noise_share_nan_safe() -> None:
    one_rep = pd.DataFrame({"point": [0, 1, 2], "replicate": [0, 0, 0], "y": [1.0, 2.0, 4.0]})
    assert np.isnan(replicate_noise_share(one_rep, "y"))
    constant = pd.DataFrame({"point": [0, 0, 1, 1], "y": [1.0, 1.0, 1.0, 1.0]})
    assert np.isnan(replicate_noise_share(constant, "y"))
    with_nan = pd.DataFrame({"point": [0, 0, 1, 1], "y": [0.0, 2.0, 10.0, np.nan]})
    assert replicate_noise_share(with_nan, "y") == pytest.approx(2.0 / np.var([0, 2, 10], ddof=1))


# --- figure ---------------------------------------------------------------------------------


def test_morris_figure(tmp_path) -> None:
    problem, X = sensitivity_design("morris", UNIT_RANGES, 10, seed=4)
    table = analyse("morris", problem, X, outputs_for(X, linear), "y", seed=1)
    fig = sensitivity_figure(table, "morris", "y")
    ax = fig.axes[0]
    assert len(ax.patches) == 3
    assert "μ*" in ax.get_xlabel()
    assert ax.get_ylabel() == "parameter"
    assert "y" in ax.get_title()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["x3", "x2", "x1"]  # most influential at the top
    fig.savefig(tmp_path / "morris.png")
    assert (tmp_path / "morris.png").stat().st_size > 0


def test_sobol_figure(small_sobol) -> None:
    problem, X, outputs = small_sobol
    table = analyse("sobol", problem, X, outputs, "y", seed=1)
    fig = sensitivity_figure(table, "sobol", "y")
    ax = fig.axes[0]
    assert len(ax.patches) == 2 * 3  # S1 and ST per parameter
    assert "Sobol" in ax.get_xlabel()
    assert ax.get_ylabel() == "parameter"
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["x1", "x2", "x3"]
    assert ax.get_legend() is not None
