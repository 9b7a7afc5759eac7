"""Execute runs in batches, in-process, on a local process pool or on a Dask cluster.

:func:`execute` skips runs already in the store, groups the rest into batches formed
deterministically from the sorted run list, and has each batch simulated and written by a
worker (:func:`~sim.engine.worker.run_batch`); only small :class:`BatchReport` objects come
back. Results are keyed by run id, point and replicate, never by arrival order, so the tables
read from the store are identical whatever the back end, worker count or completion order.

Back ends:

* ``"serial"``: in this process (tests, one-worker baselines).
* ``"local"``: a ``ProcessPoolExecutor`` (``forkserver`` on Linux, ``spawn`` elsewhere; the
  global start method is never changed), started once per call and reused for every batch.
  Works from notebooks and ``python -c``. A ready ``concurrent.futures.Executor`` may be
  passed instead to reuse warm workers across calls.
* ``"dask"``: a Dask cluster: the scheduler at ``scheduler`` (``tcp://host:port``), or a
  ``distributed.Client`` passed as ``backend``, or else a ``LocalCluster`` started for the
  call. One task per batch, retried if it fails; a task lost with its worker is rerun by
  Dask, and because parts are content-addressed and written atomically the rerun overwrites
  the same files: nothing is duplicated or lost.
"""

from __future__ import annotations

import contextlib
import errno
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import CancelledError, Executor, Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from sim.engine.core import BatchReport, Run, Simulator, content_hash
from sim.engine.errors import (
    DiskFull,
    ExecutionStopped,
    Interrupted,
    SchedulerLost,
    WorkerLost,
)
from sim.engine.store import ExperimentStore
from sim.engine.worker import join_pool, run_batch, run_sort_key, varied_parameters

__all__ = [
    "ExecutionReport",
    "IncompleteExecutionError",
    "LocalPool",
    "default_batch_size",
    "execute",
    "make_batches",
    "run_batch",
]

TARGET_BATCH_SECONDS = 1.5
"""Aim for batches of about this many seconds of simulation."""

ASSUMED_SECONDS_PER_RUN = 0.02
"""Seconds per run assumed for batch sizing when nothing better is known."""

BATCHES_PER_WORKER = 4
"""At least this many batches per worker, so the load evens out at the end."""

Progress = Callable[[int, int], None]


class IncompleteExecutionError(RuntimeError):
    """After execution some requested runs are not in the store."""


@dataclass
class ExecutionReport:
    """What :func:`execute` did.

    Attributes:
        runs_total: distinct runs asked for.
        runs_skipped: runs already in the store before this call.
        runs_done: runs simulated by this call.
        seconds: wall-clock time of the call.
        batches: one report per batch executed, in completion order.
        backend: the back end used (``serial``, ``local`` or ``dask``).
        workers: the number of workers used.
    """

    runs_total: int
    runs_skipped: int
    runs_done: int
    seconds: float
    batches: list[BatchReport] = field(default_factory=list)
    backend: str = ""
    workers: int = 1

    @property
    def busy_seconds(self) -> float:
        """Seconds spent inside batches, summed over workers."""
        return sum(b.seconds for b in self.batches)


def default_batch_size(n_runs: int, workers: int, seconds_per_run: float | None = None) -> int:
    """Runs per batch: about :data:`TARGET_BATCH_SECONDS` of work, but small enough to give
    every worker at least :data:`BATCHES_PER_WORKER` batches. Depends only on its arguments."""
    per_run = seconds_per_run if seconds_per_run and seconds_per_run > 0 else None
    by_time = max(1, round(TARGET_BATCH_SECONDS / (per_run or ASSUMED_SECONDS_PER_RUN)))
    by_spread = max(1, math.ceil(n_runs / (BATCHES_PER_WORKER * max(1, workers))))
    return min(by_time, by_spread)


def make_batches(runs: Sequence[Run], batch_size: int) -> list[list[Run]]:
    """Split runs, sorted by (point, replicate, run id), into consecutive batches."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    ordered = sorted(runs, key=run_sort_key)
    return [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]


def execute(
    simulator: Simulator,
    runs: Sequence[Run],
    store: ExperimentStore | str | os.PathLike[str],
    *,
    backend: Any = "local",
    workers: int | None = None,
    batch_size: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    seconds_per_run: float | None = None,
) -> ExecutionReport:
    """Simulate every run not yet in ``store`` and write its tables there.

    Args:
        simulator: a picklable :class:`~sim.engine.core.Simulator`.
        runs: the runs wanted (duplicates by run id are executed once).
        store: an :class:`ExperimentStore` or its folder. A folder without a manifest gets
            one naming the simulator's identity.
        backend: ``"local"``, ``"serial"``, ``"dask"``, a ``distributed.Client`` or a
            ``concurrent.futures.Executor`` (used as is, not shut down).
        workers: worker processes for ``"local"`` (default: CPU count) and a started
            ``"dask"`` LocalCluster; with a Dask scheduler or client it only sizes batches
            (default: the cluster's thread count).
        batch_size: runs per batch (default: :func:`default_batch_size`).
        scheduler: address of a Dask scheduler, ``tcp://host:port``; implies Dask.
        progress: called as ``progress(done, total)`` with runs done (including those
            skipped) after each batch.
        seconds_per_run: expected seconds per run, for the default batch size (default:
            measured from the store's status log if it has any, else a guess).

    Returns:
        An :class:`ExecutionReport`.

    Raises:
        IncompleteExecutionError: if a requested run is missing from the store afterwards.
        Interrupted: on Ctrl-C or SIGTERM (exit code 130 or 143).
        DiskFull: when a write fails for lack of space.
        WorkerLost: when local workers die more often than :data:`MAX_WORKER_LOSSES`.
        SchedulerLost: when the Dask scheduler cannot be reached or goes away.

        Each of the last four says how many runs are safe in the store; running the same
        call again resumes.
    """
    store = store if isinstance(store, ExperimentStore) else ExperimentStore(store)
    wanted = {run.run_id for run in runs}
    try:
        with _sigterm_interrupts():
            return _execute(
                simulator, runs, store, backend=backend, workers=workers,
                batch_size=batch_size, scheduler=scheduler, progress=progress,
                seconds_per_run=seconds_per_run,
            )  # fmt: skip
    except ExecutionStopped as exc:
        _record_stop(exc, store, wanted)
        raise
    except KeyboardInterrupt:
        interrupted = Interrupted(signal.SIGINT)
        _record_stop(interrupted, store, wanted)
        raise interrupted from None
    except OSError as exc:
        if exc.errno not in _DISK_FULL:
            raise
        full = DiskFull(f"the disk is full ({exc.strerror}: {exc.filename or store.path})")
        _record_stop(full, store, wanted)
        raise full from None


_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
"""``errno`` values of a write that failed for lack of space (disk full, quota exceeded)."""


def _record_stop(exc: ExecutionStopped, store: ExperimentStore, wanted: set[str]) -> None:
    """Fill in what is safe on disk and log the stop (best effort: the disk may be full)."""
    with contextlib.suppress(Exception):
        exc.saved(store.path, len(store.done_run_ids() & wanted), len(wanted))
    with contextlib.suppress(Exception):
        store.log("stopped", reason=exc.what, done=exc.done, total=exc.total)


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While executing, SIGTERM raises :class:`Interrupted` in the main thread, as Ctrl-C
    raises ``KeyboardInterrupt``: workers are stopped and the store is left consistent.
    A handler someone else installed is left alone."""
    installed = False
    if threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:

            def interrupt(signum: int, frame: Any) -> None:
                raise Interrupted(signum)

            signal.signal(signal.SIGTERM, interrupt)
            installed = True
    try:
        yield
    finally:
        if installed:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _execute(
    simulator: Simulator,
    runs: Sequence[Run],
    store: ExperimentStore,
    *,
    backend: Any,
    workers: int | None,
    batch_size: int | None,
    scheduler: str | None,
    progress: Progress | None,
    seconds_per_run: float | None,
) -> ExecutionReport:
    """:func:`execute` without its translation of interruptions."""
    start = time.perf_counter()
    removed = store.repair()
    if store.manifest() is None:
        identity = simulator.identity()
        store.create({"experiment_id": content_hash(identity), "simulator": identity})
    unique = list({run.run_id: run for run in runs}.values())
    wanted = {run.run_id for run in unique}
    done_before = store.done_run_ids() & wanted
    todo = [run for run in unique if run.run_id not in done_before]
    names = varied_parameters(unique)

    kind, n_workers = _resolve_backend(backend, scheduler, workers)
    with contextlib.ExitStack() as stack:
        client = None
        if kind == "dask" and todo:
            client = stack.enter_context(_dask_client(backend, scheduler, workers))
            n_workers = workers or cluster_workers(client)
        size = batch_size or default_batch_size(
            len(todo), n_workers, seconds_per_run or store.seconds_per_run()
        )
        batches = make_batches(todo, size) if todo else []
        store.log(
            "start",
            runs=len(todo),
            backend=kind,
            workers=n_workers,
            runs_total=len(unique),
            runs_skipped=len(done_before),
            batches=len(batches),
            batch_size=size,
            removed_parts=len(removed),
        )
        report = ExecutionReport(
            runs_total=len(unique),
            runs_skipped=len(done_before),
            runs_done=0,
            seconds=0.0,
            backend=kind,
            workers=n_workers,
        )
        if progress is not None:
            progress(report.runs_skipped, report.runs_total)
        if kind == "serial":
            reports = _serial(simulator, batches, store, names)
        elif kind == "local":
            reports = _local(simulator, batches, store, names, backend, n_workers)
        else:
            reports = _dask(simulator, batches, store, names, client)
        for batch in stack.enter_context(contextlib.closing(reports)):
            report.batches.append(batch)
            report.runs_done += batch.runs
            store.log(
                "batch",
                batch_id=batch.batch_id,
                runs=batch.runs,
                seconds=batch.seconds,
                worker=batch.worker,
            )
            if progress is not None:
                progress(report.runs_skipped + report.runs_done, report.runs_total)

    report.seconds = time.perf_counter() - start
    # a worker of an earlier, killed driver may have written a batch meanwhile
    store.repair(keep=[batch.batch_id for batch in report.batches])
    missing = wanted - store.done_run_ids()
    store.log(
        "finish",
        runs=report.runs_done,
        seconds=report.seconds,
        missing=len(missing),
    )
    if missing:
        raise IncompleteExecutionError(
            f"{len(missing)} of {len(wanted)} runs are missing from {store.path} after execution"
        )
    return report


@contextlib.contextmanager
def reusable_backend(
    backend: Any = "local", scheduler: str | None = None, workers: int | None = None
) -> Iterator[Any]:
    """A back end to pass to many :func:`execute` calls in a row (a calibration's hundreds of
    small evaluations): ``"local"`` becomes one :class:`LocalPool` and ``"dask"`` (or a
    scheduler address) one client, both closed on exit; ``"serial"``, an Executor or a Client
    are yielded as they are."""
    kind, n_workers = _resolve_backend(backend, scheduler, workers)
    if not isinstance(backend, str) or kind == "serial":
        yield backend
    elif kind == "local":
        with LocalPool(n_workers) as pool:
            yield pool
    else:
        with _dask_client(backend, scheduler, workers) as client:
            yield client


class LocalPool(Executor):
    """A process pool whose workers die with this process and that can be restarted after a
    worker was lost.

    Workers are started by ``forkserver`` on Linux and ``spawn`` elsewhere (the global start
    method is never changed) and initialised by :func:`~sim.engine.worker.join_pool`: they
    ignore Ctrl-C (this process reports it) and exit within a second of this process's
    death, however it died.
    """

    def __init__(self, workers: int) -> None:
        self._max_workers = workers
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self._max_workers,
            mp_context=_pool_context(),
            initializer=join_pool,
            initargs=(os.getpid(),),
        )

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Schedule ``fn(*args, **kwargs)`` on a worker."""
        return self._pool.submit(fn, *args, **kwargs)

    def restart(self) -> None:
        """Replace a broken pool (a worker died) by a fresh one."""
        self.terminate()
        self._pool = self._start()

    def terminate(self) -> None:
        """Stop every worker now, mid-batch if need be (no part is half-visible: a batch not
        renamed into place is a temporary file the next execution removes)."""
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(timeout=5)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Shut the pool down (see ``concurrent.futures.Executor.shutdown``)."""
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _resolve_backend(backend: Any, scheduler: str | None, workers: int | None) -> tuple[str, int]:
    """The back end's kind (serial, local, dask) and the number of workers."""
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if isinstance(backend, Executor):
        return "local", workers or getattr(backend, "_max_workers", None) or os.cpu_count() or 1
    if isinstance(backend, str):
        if backend not in ("serial", "local", "dask"):
            raise ValueError(f"unknown backend {backend!r}: serial, local, dask or a Client")
        if scheduler is not None:
            if backend == "serial":
                raise ValueError("a Dask scheduler address needs the dask backend, not serial")
            return "dask", workers or 0
        if backend == "serial":
            return "serial", 1
        return backend, workers or os.cpu_count() or 1
    if _is_dask_client(backend):
        return "dask", workers or 0
    raise TypeError(f"backend must be a name, a distributed.Client or an Executor: {backend!r}")


def _is_dask_client(obj: Any) -> bool:
    """Whether ``obj`` is a ``distributed.Client`` (without importing Dask otherwise)."""
    if "distributed" not in sys.modules:
        return False
    from distributed import Client

    return isinstance(obj, Client)


def _serial(
    simulator: Simulator, batches: list[list[Run]], store: ExperimentStore, names: list[str]
) -> Generator[BatchReport, None, None]:
    """Run batches one after another in this process."""
    for batch in batches:
        yield run_batch(simulator, batch, store.path, param_names=names)


def _pool_context() -> multiprocessing.context.BaseContext:
    """``forkserver`` on Linux, ``spawn`` elsewhere, as a context object: the global start
    method is never set. (CPython itself pins the process-wide default to the platform's
    default the first time a forkserver or spawn child starts, which changes nothing)."""
    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


MAX_WORKER_LOSSES = 3
"""A batch that may have been running on a local worker that died this many times fails the
execution with :class:`WorkerLost` (Dask's ``allowed-failures`` is also 3)."""


def _local(
    simulator: Simulator,
    batches: list[list[Run]],
    store: ExperimentStore,
    names: list[str],
    executor: Any,
    workers: int,
) -> Generator[BatchReport, None, None]:
    """Run batches on a process pool (a :class:`LocalPool` started here unless an Executor
    was given). When a worker dies (``BrokenProcessPool``) the pool is restarted and the
    unfinished batches resubmitted; the batches that may have been running on it are charged
    one loss each, and one charged :data:`MAX_WORKER_LOSSES` times ends the execution. On an
    interruption a pool started here (or a given :class:`LocalPool`) is terminated at once."""
    own_pool = None if isinstance(executor, Executor) else LocalPool(workers)
    replacement: LocalPool | None = None  # when a plain Executor given to us broke
    pool: Executor = own_pool or executor
    pending = dict(enumerate(batches))
    losses = dict.fromkeys(pending, 0)
    futures: dict[Future[BatchReport], int] = {}
    finished = False
    try:
        while pending:
            futures = {
                pool.submit(run_batch, simulator, pending[i], str(store.path), param_names=names): i
                for i in sorted(pending)
            }
            try:
                for future in as_completed(futures):
                    report = future.result()
                    del pending[futures[future]]
                    yield report
            except BrokenProcessPool:
                for future, i in futures.items():  # batches that finished before the loss
                    if future.done() and not future.cancelled() and future.exception() is None:
                        if i in pending:
                            del pending[i]
                            yield future.result()
                suspects = sorted(pending)[: workers + 1]  # pools start work in order
                for i in suspects:
                    losses[i] += 1
                worst = max(suspects, key=lambda i: losses[i])
                store.log("worker_lost", runs=len(pending[worst]), losses=losses[worst])
                if losses[worst] >= MAX_WORKER_LOSSES:
                    raise WorkerLost(
                        f"a worker process died (killed, perhaps for lack of memory) "
                        f"{losses[worst]} times while a batch of {len(pending[worst])} runs "
                        "may have been running on it"
                    ) from None
                if isinstance(pool, LocalPool):
                    pool.restart()
                else:
                    pool = replacement = LocalPool(workers)
        finished = True
    finally:
        for future in futures:
            future.cancel()
        for ours in (own_pool, replacement):
            if ours is not None and finished:
                ours.shutdown(wait=True, cancel_futures=True)
            elif ours is not None:
                ours.terminate()
        if own_pool is None and not finished and isinstance(executor, LocalPool):
            executor.restart()  # leave the caller a pool without our half-done batches


@contextlib.contextmanager
def _dask_client(backend: Any, scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """The Dask client to use: the one given, one connected to ``scheduler``, or one on a
    ``LocalCluster`` started here (bound to 127.0.0.1). Closes only what it opened."""
    from distributed import Client, LocalCluster

    if _is_dask_client(backend):
        yield backend
        return
    if scheduler is not None:
        try:
            client = Client(scheduler)
        except OSError as exc:  # includes timing out
            raise SchedulerLost(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _dask(
    simulator: Simulator,
    batches: list[list[Run]],
    store: ExperimentStore,
    names: list[str],
    client: Any,
) -> Generator[BatchReport, None, None]:
    """Run batches on a Dask cluster, one task per batch; gather only the reports."""
    from distributed import as_completed as dask_as_completed

    futures = []
    try:
        futures = [
            client.submit(
                run_batch,
                simulator,
                batch,
                str(store.path),
                param_names=names,
                pure=False,
                retries=2,
            )
            for batch in batches
        ]
        for future in dask_as_completed(futures):
            report = future.result()
            future.release()
            yield report
    except (CancelledError, OSError) as exc:
        if client.status in ("running", "connecting") and not isinstance(exc, OSError):
            raise
        raise SchedulerLost(
            f"lost the Dask scheduler {client.scheduler.address} ({type(exc).__name__})"
        ) from None
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            with contextlib.suppress(Exception):
                client.cancel(pending)


def cluster_workers(client: Any) -> int:
    """Total threads of a Dask client's workers (at least 1)."""
    return max(1, sum(client.nthreads().values()))
