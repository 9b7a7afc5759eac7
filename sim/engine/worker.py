"""What a worker process does with a batch of runs: simulate, label, write, report.

This module is imported by pool and Dask workers, so it stays light: no model, no Dask.
"""

from __future__ import annotations

import ctypes
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from sim.engine.core import BatchReport, Run, Simulator, content_hash
from sim.engine.store import SUMMARY, concat_frames, worker_name, write_batch

PARAM_PREFIX = "param_"
"""Prefix of the columns holding each varied parameter's value."""

DRIVER_POLL_SECONDS = 0.5
"""How often a pool worker checks that its driver is still alive."""

_PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: a signal the kernel sends when the parent process dies."""


def join_pool(driver_pid: int) -> None:
    """Initialise a local pool worker: leave Ctrl-C to the driver, and die with it.

    The worker ignores SIGINT (a Ctrl-C reaches the whole process group; the driver alone
    reports it and stops the pool). It exits within :data:`DRIVER_POLL_SECONDS` once its
    parent changes (the forkserver that started it exits when the driver dies) or the process
    ``driver_pid`` is gone, even mid-batch: a part not yet renamed into place is a temporary
    file that the next execution removes. On Linux the kernel also kills it when its parent
    dies (``PR_SET_PDEATHSIG``).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below suffices
    if not _process_exists(driver_pid):  # the driver died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(DRIVER_POLL_SECONDS)
            if os.getppid() != parent or not _process_exists(driver_pid):
                os._exit(1)

    threading.Thread(target=watch, name="watch-driver", daemon=True).start()


def _process_exists(pid: int) -> bool:
    """Whether a process ``pid`` exists (it may be a zombie: the parent check covers that)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_sort_key(run: Run) -> tuple[int, int, str]:
    """The order runs are batched and reported in: point, replicate, run id."""
    return (run.point, run.replicate, run.run_id)


def batch_id_of(runs: Iterable[Run]) -> str:
    """Content address of a batch: the hash of its sorted run ids."""
    return content_hash(sorted(r.run_id for r in runs))


def varied_parameters(runs: Iterable[Run]) -> list[str]:
    """Sorted names of the parameters any of ``runs`` overrides."""
    return sorted({name for run in runs for name, _ in run.params})


def _id_columns(
    runs: Sequence[Run], counts: Sequence[int], names: Sequence[str], defaults: dict[str, float]
) -> pd.DataFrame:
    """The id and parameter columns for ``counts[i]`` rows of each run ``runs[i]``."""
    reps = np.asarray(counts, dtype=np.int64)
    cols: dict[str, object] = {
        "run_id": pd.Series(np.repeat([r.run_id for r in runs], reps), dtype="str"),
        "point": np.repeat(np.array([r.point for r in runs], dtype=np.int64), reps),
        "replicate": np.repeat(np.array([r.replicate for r in runs], dtype=np.int64), reps),
        "seed": np.repeat(np.array([r.seed for r in runs], dtype=np.uint64), reps),
    }
    for name in names:
        values = [r.param_dict.get(name, defaults.get(name, math.nan)) for r in runs]
        cols[PARAM_PREFIX + name] = np.repeat(np.array(values, dtype=np.float64), reps)
    return pd.DataFrame(cols)


def _label(frame: pd.DataFrame, ids: pd.DataFrame, table: str) -> pd.DataFrame:
    """``frame`` with the id columns in front."""
    clash = [c for c in ids.columns if c in frame.columns]
    if clash:
        raise ValueError(f"table {table!r} already has columns {clash}, which the executor adds")
    if not len(frame.columns):
        return ids
    return pd.concat([ids, frame.reset_index(drop=True)], axis=1)


def simulate_batch(
    simulator: Simulator, runs: Sequence[Run], param_names: Sequence[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Simulate ``runs`` (in :func:`run_sort_key` order) and return their labelled tables.

    Every table gets the columns ``run_id, point, replicate, seed`` (``seed`` as uint64) and
    ``param_<name>`` for each name in ``param_names`` (default: every parameter any run
    overrides; a run that does not override one gets the simulator's default value). The
    ``summary`` table has one row per run: those columns and ``simulator.summarise``.
    """
    runs = sorted(runs, key=run_sort_key)
    names = list(param_names) if param_names is not None else varied_parameters(runs)
    defaults: dict[str, float] = {}
    if any(name not in run.param_dict for run in runs for name in names):
        defaults = {k: float(v[2]) for k, v in simulator.parameter_bounds().items()}
    pieces: dict[str, list[pd.DataFrame]] = {}
    summaries = []
    for run in runs:
        tables = simulator.simulate(run.param_dict, run.seed)
        if SUMMARY in tables:
            raise ValueError(f"a simulator table may not be called {SUMMARY!r}")
        for table in tables:
            pieces.setdefault(table, [])
        for table, frames in pieces.items():
            frame = tables.get(table)
            frames.append(frame if frame is not None else pd.DataFrame())
        summaries.append(simulator.summarise(tables))
    out = {}
    for table, frames in pieces.items():
        frames = [pd.DataFrame()] * (len(runs) - len(frames)) + frames  # table appeared late
        ids = _id_columns(runs, [len(f) for f in frames], names, defaults)
        out[table] = _label(concat_frames(frames), ids, table)
    out[SUMMARY] = _label(
        pd.DataFrame(summaries), _id_columns(runs, [1] * len(runs), names, defaults), SUMMARY
    )
    return out


def run_batch(
    simulator: Simulator,
    runs: Sequence[Run],
    store_path: str | os.PathLike[str],
    *,
    param_names: Sequence[str] | None = None,
) -> BatchReport:
    """Simulate a batch of runs and write one Parquet part per table into the store.

    Parts are named by the batch's content address and written by
    :func:`~sim.engine.store.write_batch`: all in full before any is renamed into place, the
    ``summary`` table last (it marks the runs done); tables with no rows in this batch are not
    written. Only counts and timings go back to the caller, never the tables.
    """
    start = time.perf_counter()
    batch_id = batch_id_of(runs)
    tables = simulate_batch(simulator, runs, param_names)
    order = [*sorted(t for t in tables if t != SUMMARY and len(tables[t])), SUMMARY]
    files = write_batch(store_path, batch_id, {table: tables[table] for table in order})
    return BatchReport(
        batch_id=batch_id,
        runs=len(runs),
        seconds=time.perf_counter() - start,
        worker=worker_name(),
        files=[str(f) for f in files],
    )
