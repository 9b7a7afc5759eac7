"""Execution: identical tables on every back end, resume after a kill, lost Dask workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.engine import execute as execute_module
from sim.engine.core import BatchReport, Run, make_run
from sim.engine.execute import (
    IncompleteExecutionError,
    default_batch_size,
    execute,
    make_batches,
)
from sim.engine.store import ExperimentStore
from sim.engine.worker import batch_id_of, run_batch
from sim.studies.simulator import SahelSimulator
from tests.engine.common import assert_same_tables, read_all, sweep
from tests.worlds import PYTHON, ROOT

Sweep = tuple[SahelSimulator, list[Run]]


# --- batching ---------------------------------------------------------------------------


def test_batches_are_deterministic(small_sweep: Sweep) -> None:
    _, runs = small_sweep
    shuffled = list(reversed(runs))
    a, b = make_batches(runs, 4), make_batches(shuffled, 4)
    assert [[r.run_id for r in batch] for batch in a] == [[r.run_id for r in batch] for batch in b]
    assert [len(batch) for batch in a] == [4, 4, 4, 4, 2]
    assert a[0][0].point == 0 and a[-1][-1].point == 2
    assert batch_id_of(a[0]) == batch_id_of(list(reversed(a[0])))
    assert len({batch_id_of(batch) for batch in a}) == len(a)


def test_default_batch_size() -> None:
    # plenty of runs: about 1.5 s of work per batch
    assert default_batch_size(10_000, 2, seconds_per_run=0.04) == 38
    assert default_batch_size(10_000, 2) == 75
    # few runs: at least 4 batches per worker
    assert default_batch_size(200, 2, seconds_per_run=0.008) == 25
    assert default_batch_size(3, 8) == 1


# --- what a batch writes ----------------------------------------------------------------


def test_batch_tables_have_id_and_parameter_columns(
    small_sweep: Sweep, reference: dict[str, pd.DataFrame]
) -> None:
    sim, runs = small_sweep
    assert sorted(reference) == ["countries", "events", "regional", "summary"]
    summary = reference["summary"]
    assert len(summary) == len(runs)
    assert list(summary.columns[:6]) == [
        "run_id",
        "point",
        "replicate",
        "seed",
        "param_ci_commitment",
        "param_recruitment_rate",
    ]
    assert summary["seed"].dtype == np.uint64
    assert list(summary["seed"]) == [r.seed for r in runs]
    assert list(summary["param_recruitment_rate"]) == [
        r.param_dict["recruitment_rate"] for r in runs
    ]
    assert "mean_stability" in summary.columns
    regional = reference["regional"]
    assert len(regional) == len(runs) * sim.months
    # a run's rows equal what the simulator gives for that run, with the ids in front
    run = runs[4]
    own = regional[regional["run_id"] == run.run_id].drop(columns=summary.columns[:6])
    direct = sim.simulate(run.param_dict, run.seed)["regional"]
    pd.testing.assert_frame_equal(own.reset_index(drop=True), direct, check_exact=True)


def test_missing_parameter_gets_simulator_default(tmp_path: Path, small_sweep: Sweep) -> None:
    sim, _ = small_sweep
    plain = make_run(sim, point=9, replicate=0, root_seed=1)
    report = run_batch(sim, [plain], tmp_path, param_names=["recruitment_rate"])
    assert report.runs == 1 and len(report.files) == 4
    summary = ExperimentStore(tmp_path).read("summary")
    assert summary["param_recruitment_rate"].item() == sim.parameter_bounds()["recruitment_rate"][2]


# --- back ends give identical tables ----------------------------------------------------


def test_serial_batching_does_not_matter(
    tmp_path: Path, small_sweep: Sweep, reference: dict[str, pd.DataFrame]
) -> None:
    sim, runs = small_sweep
    report = execute(sim, runs, tmp_path, backend="serial", batch_size=5)
    assert (report.runs_total, report.runs_skipped, report.runs_done) == (18, 0, 18)
    assert len(report.batches) == 4 and len(list((tmp_path / "summary").iterdir())) == 4
    assert_same_tables(read_all(tmp_path), reference)


@pytest.mark.parametrize("workers", [1, 2])
def test_local_pool_matches_serial(
    tmp_path: Path, small_sweep: Sweep, reference: dict[str, pd.DataFrame], workers: int
) -> None:
    sim, runs = small_sweep
    seen: list[tuple[int, int]] = []
    report = execute(
        sim,
        runs,
        tmp_path,
        backend="local",
        workers=workers,
        batch_size=3,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert report.backend == "local" and report.workers == workers
    assert report.runs_done == 18 and len(report.batches) == 6
    assert len({b.worker for b in report.batches}) <= workers
    assert seen[0] == (0, 18) and seen[-1] == (18, 18)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert_same_tables(read_all(tmp_path), reference)


def test_given_executor_is_reused(tmp_path: Path) -> None:
    sim, runs = sweep(months=6, points=2, reps=3)
    ctx = execute_module._pool_context()
    with ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
        a = execute(sim, runs[:3], tmp_path / "a", backend=pool, batch_size=1)
        b = execute(sim, runs[3:], tmp_path / "b", backend=pool, batch_size=1)
        workers = {x.worker for x in a.batches} | {x.worker for x in b.batches}
    assert len(workers) <= 2
    assert a.runs_done == b.runs_done == 3


@pytest.mark.slow
def test_dask_local_cluster_matches_serial(
    tmp_path: Path, small_sweep: Sweep, reference: dict[str, pd.DataFrame], local_client: Any
) -> None:
    sim, runs = small_sweep
    report = execute(sim, runs, tmp_path, backend=local_client, batch_size=3)
    assert local_client.status == "running"  # a given client is left open
    assert report.backend == "dask" and report.workers == 2 and report.runs_done == 18
    assert_same_tables(read_all(tmp_path), reference)


# --- resume -----------------------------------------------------------------------------


def test_rerun_of_finished_experiment_does_nothing(tmp_path: Path, small_sweep: Sweep) -> None:
    sim, runs = small_sweep
    execute(sim, runs, tmp_path, backend="serial", batch_size=6)
    before = sorted(p.stat().st_mtime_ns for p in tmp_path.rglob("*.parquet"))
    report = execute(sim, runs, tmp_path, backend="local", workers=2)
    assert (report.runs_total, report.runs_skipped, report.runs_done) == (18, 18, 0)
    assert report.batches == []
    assert sorted(p.stat().st_mtime_ns for p in tmp_path.rglob("*.parquet")) == before
    events = [r["event"] for r in ExperimentStore(tmp_path).status()]
    assert events == ["start", "batch", "batch", "batch", "finish", "start", "finish"]


def test_resume_after_half_written_batch(
    tmp_path: Path, small_sweep: Sweep, reference: dict[str, pd.DataFrame]
) -> None:
    """A batch killed after writing some tables but before its summary is simply redone."""
    sim, runs = small_sweep
    ExperimentStore(tmp_path).create({"experiment_id": "half-written"})
    run_batch(sim, runs[:4], tmp_path, param_names=["ci_commitment", "recruitment_rate"])
    for part in (tmp_path / "summary").iterdir():
        part.unlink()  # as if killed just before the summary was written
    report = execute(sim, runs, tmp_path, backend="serial", batch_size=5)
    assert report.runs_skipped == 0 and report.runs_done == 18
    assert_same_tables(read_all(tmp_path), reference)


def test_missing_runs_raise(
    tmp_path: Path, small_sweep: Sweep, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim, runs = small_sweep

    def lazy_batch(simulator, batch, store_path, *, param_names=None):  # writes nothing
        return BatchReport(batch_id=batch_id_of(batch), runs=len(batch), seconds=0.0)

    monkeypatch.setattr(execute_module, "run_batch", lazy_batch)
    with pytest.raises(IncompleteExecutionError, match="18 of 18 runs are missing"):
        execute(sim, runs, tmp_path, backend="serial")


KILL_SCRIPT = textwrap.dedent(
    """\
    import sys

    sys.path.insert(0, {root!r})
    from sim.engine.execute import execute
    from tests.engine.common import sweep

    if __name__ == "__main__":
        sim, runs = sweep(months=12, points=4, reps=10)
        execute(sim, runs, sys.argv[1], backend="local", workers=2, batch_size=2)
    """
)


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_resume_after_sigkill(tmp_path: Path) -> None:
    script = tmp_path / "sweep.py"
    script.write_text(KILL_SCRIPT.format(root=str(ROOT)))
    store_path = tmp_path / "killed"
    proc = subprocess.Popen(
        [PYTHON, str(script), str(store_path)],
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    summary = store_path / "summary"
    parts_at_kill = 0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            parts_at_kill = len(list(summary.glob("part-*.parquet"))) if summary.is_dir() else 0
            if parts_at_kill >= 1:
                break
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    assert not _alive(proc.pid), "pool workers outlived the kill"

    sim, runs = sweep(months=12, points=4, reps=10)
    store = ExperimentStore(store_path)
    done = store.done_run_ids()
    assert 1 <= len(done) < len(runs), f"kill came too late or too early: {len(done)} done"
    report = execute(sim, runs, store_path, backend="local", workers=2, batch_size=3)
    assert report.runs_skipped == len(done)
    assert report.runs_done == len(runs) - len(done)

    clean = tmp_path / "clean"
    execute(sim, runs, clean, backend="serial", batch_size=len(runs))
    assert_same_tables(read_all(store_path), read_all(clean))
    raw = pd.read_parquet(summary)
    assert len(raw) == len(runs) and raw["run_id"].is_unique
    assert set(raw["run_id"]) == {r.run_id for r in runs}
    assert not list(store_path.rglob("*.tmp"))

    again = execute(sim, runs, store_path, backend="local", workers=2)
    assert again.runs_done == 0 and again.runs_skipped == len(runs)


# --- Dask clusters ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dask_cluster() -> Iterator[str]:
    """A scheduler and two single-threaded workers as separate processes on 127.0.0.1."""
    from distributed import Client

    dask = str(Path(sys.executable).with_name("dask"))
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen[bytes]] = []
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    try:
        procs.append(
            subprocess.Popen(
                [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                start_new_session=True,
                **quiet,
            )
        )
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        dask,
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                    ],
                    cwd=ROOT,
                    start_new_session=True,
                    **quiet,
                )
            )
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        for proc in procs:
            deadline = time.monotonic() + 10
            while _alive(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(proc.pid):
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.slow
def test_dask_scheduler_processes_match_serial(
    tmp_path: Path,
    dask_cluster: str,
    small_sweep: Sweep,
    reference: dict[str, pd.DataFrame],
) -> None:
    sim, runs = small_sweep
    report = execute(sim, runs, tmp_path, scheduler=dask_cluster, batch_size=2)
    assert report.backend == "dask" and report.workers == 2
    assert report.runs_done == 18 and len(report.batches) == 9
    assert len({b.worker for b in report.batches}) == 2
    assert_same_tables(read_all(tmp_path), reference)


@pytest.mark.slow
def test_lost_dask_worker(tmp_path: Path, local_client: Any) -> None:
    client = local_client
    sim, runs = sweep(months=12, points=4, reps=10)
    killed: list[int] = []
    pids = client.run(os.getpid)

    def kill_one(done: int, total: int) -> None:
        if done and not killed:  # batches are still in flight on both workers
            busy = {addr: keys for addr, keys in client.processing().items() if keys}
            addr = sorted(busy)[0]
            os.kill(pids[addr], signal.SIGKILL)
            killed.append(len(busy[addr]))

    report = execute(sim, runs, tmp_path, backend=client, batch_size=2, progress=kill_one)
    assert killed and killed[0] >= 1  # the worker died with a batch in hand
    assert report.runs_done == len(runs)  # a rerun batch reports once
    store = ExperimentStore(tmp_path)
    summary = store.read("summary")
    assert len(summary) == len(runs) and summary["run_id"].is_unique
    raw = pd.read_parquet(tmp_path / "summary")
    assert raw["run_id"].is_unique and set(raw["run_id"]) == {r.run_id for r in runs}
    for table in store.tables():
        frame = store.read(table)
        per_run = frame.groupby("run_id").size()
        assert set(per_run.index) <= {r.run_id for r in runs}
    assert len(store.read("regional")) == len(runs) * sim.months


# --- the experiment layer knows nothing of the model ------------------------------------


def test_execution_modules_do_not_import_the_model() -> None:
    code = (
        "import sys, sim.engine.execute, sim.engine.store, sim.engine.worker;"
        "bad = [m for m in ('sim.world.model', 'sim.studies.simulator', 'mesa', 'distributed')"
        " if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stderr
