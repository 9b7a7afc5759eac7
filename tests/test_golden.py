"""The golden trajectory: one run of us_withdraws with one seed gives the checked-in numbers.

``tests/golden/us_withdraws_seed2024.csv`` holds yearly means of every regional and country
metric, each country's regime at the end of each year and the events logged per kind,
written by ``scripts/make_golden.py``. A change that should not alter results (a refactor,
a speed-up) must reproduce them to a relative 1e-9; a change that means to alter them
regenerates the file (``make golden``) and commits it with the change, saying why.
"""

from __future__ import annotations

import importlib.util
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from tests.support import ROOT

RTOL = 1e-9
ATOL = 1e-12
REGENERATE = "if the change is meant to alter results, run `make golden` and commit the file"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_golden", ROOT / "scripts/make_golden.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def golden() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(checked-in summary, the same summary computed now)."""
    script = _script()
    stored = pd.read_csv(script.GOLDEN, keep_default_na=False, dtype={"country": str})
    return stored, script.summary()


def test_the_golden_file_covers_every_metric_country_and_year(
    golden: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    stored, _ = golden
    assert set(stored["table"]) == {"regional", "country", "events"}
    years = sorted(stored["year"].unique())
    assert years == [2024, 2025, 2026, 2027, 2028]
    country = stored[stored["table"] == "country"]
    assert country["country"].nunique() == 10
    assert {"stability", "fatalities", "control", "influence_USA"} <= set(country["metric"])
    assert {"regional_stability", "total_fatalities"} <= set(stored["metric"])
    # The US withdrawal is scheduled in this scenario, so its events must be there.
    withdrawals = stored[(stored["table"] == "events") & (stored["metric"] == "withdraw")]
    assert withdrawals["value"].sum() >= 1


def test_the_run_reproduces_the_golden_numbers(golden: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    stored, now = golden
    keys = ["table", "country", "year", "metric"]
    merged = stored.merge(now, on=keys, how="outer", suffixes=("_golden", "_now"), indicator=True)
    only = merged[merged["_merge"] != "both"]
    assert only.empty, (
        f"rows present in only one of golden/now ({REGENERATE}):\n{only.head(20).to_string()}"
    )
    close = np.isclose(merged["value_now"], merged["value_golden"], rtol=RTOL, atol=ATOL)
    differ = merged.loc[~close, [*keys, "value_golden", "value_now"]]
    assert differ.empty, (
        f"{len(differ)} of {len(merged)} golden numbers changed ({REGENERATE}):\n"
        f"{differ.head(20).to_string()}"
    )
