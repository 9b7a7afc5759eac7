"""Crash safety: every run once on disk after any kill and resume, workers that die with their
driver, retried lost workers, and interruptions that end in one line.

The raw table folders are read the way users read them (pandas, polars, DuckDB), never only
through the store's own reader, which would hide duplicates.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.engine.core import Run
from sim.engine.execute import execute
from sim.engine.store import SUMMARY, ExperimentStore, write_batch
from sim.engine.worker import run_batch
from sim.studies.simulator import SahelSimulator
from tests.engine.common import sweep

Sweep = tuple[SahelSimulator, list[Run]]


@pytest.fixture(scope="module")
def tiny_sweep() -> Sweep:
    """2 points x 3 replicates of 4 months (6 runs)."""
    return sweep(months=4, points=2, reps=3)


@pytest.fixture(scope="module")
def tiny_reference(tiny_sweep: Sweep, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny sweep executed serially in one batch, uninterrupted."""
    sim, runs = tiny_sweep
    path = tmp_path_factory.mktemp("reference")
    execute(sim, runs, path, backend="serial", batch_size=len(runs))
    return path


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a reader-independent order and plain dtypes, for comparing readers."""
    frame = frame.copy()
    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_object_dtype(dtype):
            frame[name] = frame[name].astype(str)
    frame = frame[sorted(frame.columns)]
    return frame.sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def raw_reads(path: Path) -> dict[str, dict[str, pd.DataFrame]]:
    """``{table: {reader: rows}}`` of every table folder, read by pandas, polars and DuckDB."""
    import duckdb
    import polars as pl

    out: dict[str, dict[str, pd.DataFrame]] = {}
    for folder in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not list(folder.glob("*.parquet")):
            continue
        out[folder.name] = {
            "pandas": _canonical(pd.read_parquet(folder)),
            "polars": _canonical(pl.read_parquet(folder).to_pandas()),
            "duckdb": _canonical(
                duckdb.sql(f"select * from read_parquet('{folder}/*.parquet')").df()
            ),
        }
    return out


def assert_raw_equal(path: Path, reference: Path) -> None:
    """Every reader sees exactly the reference's rows in every table: none twice, none lost."""
    got, want = raw_reads(path), raw_reads(reference)
    assert sorted(got) == sorted(want)
    for table, readers in got.items():
        expected = want[table]["pandas"]
        summary_ids = readers["pandas"]["run_id"]
        if table == SUMMARY:
            assert summary_ids.is_unique, f"a run is twice in {table}"
        for reader, frame in readers.items():
            assert len(frame) == len(expected), f"{reader} reads {len(frame)} rows of {table}"
            pd.testing.assert_frame_equal(
                frame, expected, check_dtype=False, obj=f"{table} ({reader})"
            )


# --- item 1: each run exactly once on disk ----------------------------------------------


def test_half_written_batch_is_removed_whatever_the_new_batching(
    tmp_path: Path, tiny_sweep: Sweep, tiny_reference: Path
) -> None:
    """A batch killed after some of its parts became visible but before its summary part:
    the resumed execution, batching differently, leaves each run once in every table."""
    sim, runs = tiny_sweep
    names = ["ci_commitment", "recruitment_rate"]
    execute(sim, runs[:0], tmp_path, backend="serial")  # creates the manifest
    report = run_batch(sim, runs[:4], tmp_path, param_names=names)
    (tmp_path / SUMMARY / Path(report.files[-1]).name).unlink()  # killed before the summary
    assert len(pd.read_parquet(tmp_path / "countries")) > 0
    again = execute(sim, runs, tmp_path, backend="serial", batch_size=1)
    assert again.runs_done == len(runs)
    assert_raw_equal(tmp_path, tiny_reference)


def test_overlapping_complete_batches_are_repaired(
    tmp_path: Path, tiny_sweep: Sweep, tiny_reference: Path
) -> None:
    """A worker that outlived its killed driver finished a batch whose runs the resumed
    execution also did: one of the two batches goes, whole."""
    sim, runs = tiny_sweep
    names = ["ci_commitment", "recruitment_rate"]
    execute(sim, runs[:4], tmp_path, backend="serial", batch_size=2)
    run_batch(sim, runs[2:6], tmp_path, param_names=names)  # the stray worker's batch
    assert len(pd.read_parquet(tmp_path / SUMMARY)) == 8
    report = execute(sim, runs, tmp_path, backend="serial", batch_size=1)
    assert report.runs_skipped + report.runs_done == len(runs)
    assert_raw_equal(tmp_path, tiny_reference)


def test_failed_batch_write_leaves_no_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk while a batch is written: no table folder gains a file, no temporary
    file is left behind."""
    frame = pd.DataFrame({"run_id": ["r1"], "x": [1.0]})
    real = pq.write_table
    calls = []

    def write_then_fail(table, where, **kwargs):  # the second part hits a full disk
        calls.append(where)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", write_then_fail)
    with pytest.raises(OSError, match="No space"):
        write_batch(tmp_path, "b1", {"cells": frame, SUMMARY: frame})
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    store = ExperimentStore(tmp_path)
    assert store.tables() == [] and store.done_run_ids() == set()
