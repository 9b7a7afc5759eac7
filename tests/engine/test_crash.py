"""Crash safety: every run once on disk after any kill and resume, workers that die with their
driver, retried lost workers, and interruptions that end in one line.

The raw table folders are read the way users read them (pandas, polars, DuckDB), never only
through the store's own reader, which would hide duplicates.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import psutil
import pyarrow.parquet as pq
import pytest

from sim.engine.core import Run, make_run
from sim.engine.errors import DiskFull, Interrupted, SchedulerLost, WorkerLost
from sim.engine.execute import MAX_WORKER_LOSSES, execute
from sim.engine.store import SUMMARY, ExperimentStore, write_batch
from sim.engine.worker import run_batch
from sim.studies.simulator import SahelSimulator
from tests.engine.common import sweep
from tests.engine.crash_models import BulkySimulator, DyingSimulator, SlowSimulator
from tests.worlds import PYTHON, ROOT

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


# --- item 2: lost workers are retried; workers die with their driver ----------------------


def dying_runs(sim: DyingSimulator, points: int = 6) -> list[Run]:
    return [
        make_run(sim, point=p, replicate=r, root_seed=5, params={"x": float(p)})
        for p in range(points)
        for r in range(2)
    ]


def test_lost_local_worker_is_retried(tmp_path: Path) -> None:
    """A worker killed mid-batch: the pool restarts, the batch is redone, nothing is lost or
    doubled, and the loss is in the status log."""
    sim = DyingSimulator(marker=str(tmp_path / "died-once"))
    runs = dying_runs(sim)
    report = execute(sim, runs, tmp_path / "exp", backend="local", workers=2, batch_size=2)
    assert (tmp_path / "died-once").exists()
    assert report.runs_done == len(runs)
    reference = tmp_path / "reference"
    execute(DyingSimulator(doomed=-1.0), runs, reference, backend="serial")  # identity differs
    for table in ("cells", SUMMARY):
        got = pd.read_parquet(tmp_path / "exp" / table)
        assert sorted(got["run_id"]) == sorted(pd.read_parquet(reference / table)["run_id"])
    events = [r["event"] for r in ExperimentStore(tmp_path / "exp").status()]
    assert "worker_lost" in events


def test_worker_that_always_dies_ends_with_worker_lost(tmp_path: Path) -> None:
    sim = DyingSimulator()
    runs = dying_runs(sim)
    with pytest.raises(WorkerLost) as caught:
        execute(sim, runs, tmp_path, backend="local", workers=2, batch_size=2)
    message = str(caught.value)
    assert f"died (killed, perhaps for lack of memory) {MAX_WORKER_LOSSES} times" in message
    done = len(ExperimentStore(tmp_path).done_run_ids())
    assert f"{done} of {len(runs)} runs are saved in {tmp_path}" in message
    assert done < len(runs) and "\n" not in message
    assert caught.value.exit_code == 1


def test_sigterm_stops_execution_with_what_is_saved(tmp_path: Path) -> None:
    """SIGTERM during execution: Interrupted (exit code 143) naming the runs saved, the store
    consistent, and the same call resumes."""
    sim = DyingSimulator(signum=signal.SIGTERM, marker=str(tmp_path / "terminated"))
    runs = dying_runs(sim)
    with pytest.raises(Interrupted) as caught:
        execute(sim, runs, tmp_path / "exp", backend="serial", batch_size=2)
    done = ExperimentStore(tmp_path / "exp").done_run_ids()
    assert caught.value.exit_code == 143 and len(done) == 6
    assert str(caught.value).startswith(f"stopped by SIGTERM; 6 of {len(runs)} runs are saved")
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler restored
    report = execute(sim, runs, tmp_path / "exp", backend="serial", batch_size=5)
    assert report.runs_skipped == 6 and report.runs_done == len(runs) - 6


# --- a full disk ------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs (needs root on Linux; skipped otherwise), unmounted afterwards."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root on Linux")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_ends_cleanly_and_resumes(small_disk: Path, tmp_path: Path) -> None:
    sim = BulkySimulator()
    runs = [make_run(sim, point=p, replicate=0, root_seed=3, params={"x": p}) for p in range(24)]
    store_path = small_disk / "exp"
    with pytest.raises(DiskFull) as caught:
        execute(sim, runs, store_path, backend="local", workers=2, batch_size=2)
    done = ExperimentStore(store_path).done_run_ids()
    message = str(caught.value)
    assert f"the disk holding {store_path} is full (No space left on device)" in message
    assert f"{len(done)} of {len(runs)} runs are saved in {store_path}" in message
    assert 0 < len(done) < len(runs) and caught.value.exit_code == 1
    # what is on disk is whole: every run in the summary has all its rows, no others
    cells = pd.read_parquet(store_path / "cells")
    assert set(cells["run_id"]) == done and len(cells) == sim.rows * len(done)
    assert not [p for p in (store_path / ".incoming").iterdir()]

    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    report = execute(sim, runs, store_path, backend="local", workers=2, batch_size=3)
    assert report.runs_skipped == len(done) and report.runs_done == len(runs) - len(done)
    reference = tmp_path / "reference"
    execute(sim, runs, reference, backend="serial", batch_size=len(runs))
    assert_raw_equal(store_path, reference)


# --- item 3 and the whole command: kills, Ctrl-C and resumes of `sahel sweep` -------------

SAHEL = str(Path(PYTHON).with_name("sahel"))
SWEEP = ["sweep", "us_withdraws", "-p", "recruitment_rate=0.0001:0.0005:3", "--reps", "4"]
SWEEP += ["--months", "6", "--workers", "2"]


def start_sahel(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    """``sahel ARGS`` in a session (process group) of its own, output captured."""
    return subprocess.Popen(
        [SAHEL, *args],
        cwd=cwd,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CI": "true"},
    )


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen[str], timeout: float) -> None:
    """Poll ``condition`` until it holds or ``proc`` ends (fails after ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while not condition() and proc.poll() is None:
        assert time.monotonic() < deadline, "the command did not get there in time"
        time.sleep(0.02)


def executing(folder: Path) -> Callable[[], bool]:
    """Whether the executor has started in ``folder`` (its status log says so)."""
    return lambda: '"event": "start"' in _read(folder / "status.log")


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def summary_parts(folder: Path) -> int:
    return len(list((folder / SUMMARY).glob("*.parquet")))


def assert_all_gone(procs: list[psutil.Process], seconds: float = 5.0) -> None:
    """Every process in ``procs`` exits (or is a zombie) within ``seconds``."""
    deadline = time.monotonic() + seconds
    alive = procs
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _running(p)]
        time.sleep(0.05)
    assert not alive, f"{len(alive)} worker processes outlived their driver by {seconds} s"


def _running(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_ctrl_c_ends_with_one_line_and_exit_130(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group: the driver alone reports it, in one line
    naming what is saved and the command that resumes (the same one), and its workers go."""
    out = tmp_path / "sweep"
    proc = start_sahel([*SWEEP, "--out", str(out)], tmp_path)
    try:
        wait_until(executing(out), proc, timeout=120)
        workers = psutil.Process(proc.pid).children(recursive=True)
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    message = lines[-1]
    assert message.startswith("interrupted (Ctrl-C); ")
    assert [line for line in lines if "runs (" not in line] == [message]  # progress aside
    assert f"runs are saved in {out}" in message
    assert_all_gone(workers)
    resume = message.split("resume with: ", 1)[1]
    command = shlex.split(resume)
    assert command[0] == "sahel" and command[1:] == [*SWEEP, "--out", str(out)]
    # (the slow test below runs such a resume and compares its tables)


@pytest.mark.slow
def test_sigkill_of_the_driver_at_random_points_then_resume(tmp_path: Path) -> None:
    """SIGKILL of the driver alone (as the out-of-memory killer does) at random points:
    its workers exit within seconds, readers never see a run twice, and the resumed sweep's
    raw tables equal an uninterrupted sweep's in pandas, polars and DuckDB."""
    rng = random.Random(14)
    out = tmp_path / "killed"
    args = [*SWEEP, "--out", str(out)]
    kills = 0
    for _ in range(3):
        proc = start_sahel(args, tmp_path)
        target = rng.randint(0, 3)
        try:
            wait_until(executing(out), proc, timeout=120)
            wait_until(lambda t=target: summary_parts(out) >= t, proc, timeout=120)
            time.sleep(rng.uniform(0.0, 0.3))
            workers = psutil.Process(proc.pid).children(recursive=True)
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        kills += proc.returncode == -signal.SIGKILL
        assert_all_gone(workers)
        if summary_parts(out):
            assert pd.read_parquet(out / SUMMARY)["run_id"].is_unique
    assert kills >= 2, "the sweep finished before it could be killed"
    final = start_sahel(args, tmp_path)
    _, stderr = final.communicate(timeout=300)
    assert final.returncode == 0, stderr
    reference = tmp_path / "reference"
    clean = start_sahel([*SWEEP, "--backend", "serial", "--out", str(reference)], tmp_path)
    _, stderr = clean.communicate(timeout=300)
    assert clean.returncode == 0, stderr
    assert_raw_equal(out, reference)
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "runs.csv"), pd.read_csv(reference / "runs.csv")
    )


# --- "done" only when every final file exists -------------------------------------------


def test_status_says_done_only_when_every_final_file_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep interrupted after its runs but before its last final file is not done; nor
    is one whose recorded file is gone; re-running finishes it."""
    from typer.testing import CliRunner

    from sim.cli import app
    from sim.engine.outputs import OutputFolder
    from sim.studies import sweep as run_sweep

    out = tmp_path / "sweep"
    real_write = OutputFolder.write_csv

    def killed_at_runs_csv(self, frame, rel, **kwargs):  # type: ignore[no-untyped-def]
        if str(rel) == "runs.csv":
            raise Interrupted(signal.SIGINT)
        return real_write(self, frame, rel, **kwargs)

    def status() -> str:
        result = CliRunner().invoke(app, ["status", str(out)])
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[-1]

    args = ("us_withdraws", ["recruitment_rate=0.0001:0.0005:2"])
    with monkeypatch.context() as patch:
        patch.setattr(OutputFolder, "write_csv", killed_at_runs_csv)
        with pytest.raises(Interrupted):
            run_sweep(*args, months=3, out=out, backend="serial")
    assert (out / "points.csv").exists() and not (out / "runs.csv").exists()
    assert "not finished" in status()
    run_sweep(*args, months=3, out=out, backend="serial")
    assert status() == f"{out}: done"
    (out / "runs.csv").unlink()
    assert (
        status()
        == f"{out}: not finished (missing: runs.csv); re-run the command that started it to finish"
    )


# --- a Dask scheduler that stops ----------------------------------------------------------


@pytest.mark.slow
def test_stopped_dask_scheduler_ends_with_scheduler_lost(tmp_path: Path) -> None:
    """The scheduler dies mid-way: SchedulerLost, one line with the runs saved; the store
    holds each finished run once."""
    import socket
    import threading

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(PYTHON).with_name("dask"))
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    quiet["env"] = {**os.environ, "PYTHONPATH": str(ROOT)}  # both unpickle the simulator
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        start_new_session=True, **quiet,
    )  # fmt: skip
    worker = subprocess.Popen(
        [dask, "worker", address, "--nthreads", "1", "--nworkers", "2", "--no-dashboard",
         "--host", "127.0.0.1"],
        start_new_session=True, **quiet,
    )  # fmt: skip
    sim = SlowSimulator()
    runs = [make_run(sim, point=p, replicate=0, root_seed=1, params={"x": p}) for p in range(40)]
    store_path = tmp_path / "exp"

    def stop_scheduler() -> None:
        deadline = time.monotonic() + 120
        while summary_parts(store_path) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(scheduler.pid, signal.SIGKILL)

    try:
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=90)
        killer = threading.Thread(target=stop_scheduler, daemon=True)
        killer.start()
        with pytest.raises(SchedulerLost) as caught:
            execute(sim, runs, store_path, scheduler=address, batch_size=1)
        killer.join(timeout=10)
    finally:
        for proc in (worker, scheduler):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    done = ExperimentStore(store_path).done_run_ids()
    message = str(caught.value)
    assert message.startswith(f"lost the Dask scheduler at {address}")
    # The message counts the runs saved when the loss was noticed; a part already on its way
    # may land while the execution winds down, so the store can hold a few more, never fewer.
    import re

    said = re.search(
        rf"(\d+) of {len(runs)} runs are saved in {re.escape(str(store_path))}", message
    )
    assert said is not None, message
    assert 2 <= int(said.group(1)) <= len(done) < len(runs)
    assert pd.read_parquet(store_path / SUMMARY)["run_id"].is_unique
