"""Comparisons: windows that start where two scenarios part, and the channel decomposition."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.engine.compare import window_means
from sim.scenario import Scenario
from sim.studies.compare import compare_scenarios, divergence


def _withdraw_at(month: str) -> dict[str, Any]:
    return {"events": [{"at": month, "do": "withdraw", "power": "USA", "country": "NER"}]}


def test_scenarios_that_part_in_month_k_diverge_at_k(
    tiny_world: Callable[..., Scenario],
) -> None:
    shared = {"at": "2024-02", "do": "stay", "power": "USA", "country": "NER", "note": "x"}
    a = tiny_world({"name": "a", "events": [shared]})
    b = tiny_world({"name": "b", "events": [{**shared, "note": "other words"},
                                           {"at": "2024-06", "do": "withdraw", "power": "USA",
                                            "country": "NER"}]})  # fmt: skip
    found = divergence(a, b)
    assert (found.month, found.index) == ("2024-06", 5)
    assert "only in b: withdraw USA NER" in found.reason
    for k in (1, 3, 11):
        month = f"2024-{k + 1:02d}"
        assert divergence(tiny_world(), tiny_world(_withdraw_at(month))).index == k


def test_identical_timelines_diverge_at_the_start(tiny_world: Callable[..., Scenario]) -> None:
    a = tiny_world({"name": "a", **_withdraw_at("2024-05")})
    b = tiny_world({"name": "b", "description": "same world", **_withdraw_at("2024-05")})
    found = divergence(a, b)
    assert (found.month, found.index) == ("2024-01", 0)
    assert "same events" in found.reason


def test_a_different_world_differs_from_the_start(tiny_world: Callable[..., Scenario]) -> None:
    a = tiny_world(_withdraw_at("2024-05"))
    b = tiny_world({**_withdraw_at("2024-05"), "parameters": {"recruitment_rate": 40.0}})
    found = divergence(a, b)
    assert found.index == 0 and "parameters" in found.reason


def test_events_that_differ_after_the_run_do_not_move_the_start(
    tiny_world: Callable[..., Scenario],
) -> None:
    a, b = tiny_world(), tiny_world(_withdraw_at("2024-10"))
    assert divergence(a, b, months=9).index == 0
    assert divergence(a, b, months=10).index == 9


def test_window_means_average_from_start_to_horizon_inclusive() -> None:
    table = pd.DataFrame(
        {"replicate": [0] * 5 + [1] * 5, "month": list(range(5)) * 2,
         "x": [1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0]}
    )  # fmt: skip
    means = window_means(table, 3, start=2).set_index("replicate")["x"]
    assert means.to_dict() == {0: 3.5, 1: 35.0}
    assert window_means(table, 4).set_index("replicate")["x"].to_dict() == {0: 3.0, 1: 30.0}
    assert window_means(table, 2, start=2).set_index("replicate")["x"].to_dict() == {
        0: 3.0,
        1: 30.0,
    }
    with pytest.raises(ValueError, match="after its end"):
        window_means(table, 1, start=2)


def test_the_comparison_averages_from_the_divergence_month(
    tiny_world: Callable[..., Scenario], tmp_path: Path
) -> None:
    a = tiny_world({"name": "stays"})
    b = tiny_world({"name": "leaves", **_withdraw_at("2024-04")})
    result = compare_scenarios(a, b, reps=2, months=6, backend="serial", out=tmp_path / "cmp")
    assert result.divergence.index == 3
    table = result.table
    assert set(table["window_start"]) == {"2024-04"}
    import json

    manifest = json.loads((tmp_path / "cmp" / "manifest.json").read_text())
    assert manifest["divergence"]["month"] == "2024-04"
    assert "withdraw USA NER" in manifest["divergence"]["reason"]
    ner = table[(table["country"] == "NER") & (table["metric"] == "fatalities")].iloc[0]
    runs = {k: pd.read_parquet(tmp_path / "cmp" / "runs" / k / "countries") for k in ("a", "b")}
    by_rep = {
        k: r[(r["country"] == "NER") & (r["month"] >= 3)].groupby("replicate")["fatalities"].mean()
        for k, r in runs.items()
    }
    assert ner["mean_a"] == pytest.approx(by_rep["a"].mean())
    assert ner["diff"] == pytest.approx((by_rep["b"] - by_rep["a"]).mean())
    assert np.isfinite(ner["ci_low"])
