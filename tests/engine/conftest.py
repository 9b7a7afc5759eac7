"""Fixtures of the experiment-layer tests: a small sweep and its serial reference tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.engine.core import Run
from sim.engine.execute import execute
from sim.studies.simulator import SahelSimulator
from tests.engine.common import read_all, sweep


@pytest.fixture(scope="session")
def small_sweep() -> tuple[SahelSimulator, list[Run]]:
    """3 points x 6 replicates of 8 months (18 runs)."""
    return sweep()


@pytest.fixture(scope="session")
def reference(
    small_sweep: tuple[SahelSimulator, list[Run]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, pd.DataFrame]:
    """The small sweep's tables, executed serially in one batch."""
    sim, runs = small_sweep
    path: Path = tmp_path_factory.mktemp("reference")
    execute(sim, runs, path, backend="serial", batch_size=len(runs))
    return read_all(path)


@pytest.fixture
def local_client() -> Iterator[Any]:
    """A Dask client on a fresh 2-worker, 1-thread LocalCluster bound to 127.0.0.1."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
