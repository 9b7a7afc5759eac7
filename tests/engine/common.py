"""Sweeps shared by the execution tests and the scripts they start in subprocesses."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.engine.core import Run, make_run
from sim.engine.store import ExperimentStore
from sim.studies.simulator import SahelSimulator

SCENARIO = "us_withdraws"
ROOT_SEED = 20240601


def sweep(months: int = 8, points: int = 3, reps: int = 6) -> tuple[SahelSimulator, list[Run]]:
    """A small sweep: ``points`` values of two parameters, ``reps`` replicates each."""
    sim = SahelSimulator(SCENARIO, months=months)
    runs = [
        make_run(
            sim,
            point=p,
            replicate=r,
            root_seed=ROOT_SEED,
            params={"recruitment_rate": 0.0001 + 0.0002 * p, "ci_commitment": 0.1 * (p + 1)},
        )
        for p in range(points)
        for r in range(reps)
    ]
    return sim, runs


def read_all(path: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of the experiment in ``path``."""
    store = ExperimentStore(path)
    return {table: store.read(table) for table in store.tables()}


def assert_same_tables(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    """Same table names and exactly equal frames (values, dtypes, order)."""
    assert sorted(a) == sorted(b)
    for table in a:
        pd.testing.assert_frame_equal(a[table], b[table], check_exact=True, obj=table)
