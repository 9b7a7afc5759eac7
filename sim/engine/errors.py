"""Errors of the experiment engine.

Two families, both meant to reach a user as one line without a traceback:

* :class:`EngineError`: invalid input (a malformed range, an unknown parameter, a folder
  holding another experiment); exit code 2.
* :class:`ExecutionStopped`: execution ended before every run was done (a full disk, a lost
  worker or scheduler) and :class:`Interrupted` (Ctrl-C, SIGTERM). The runs finished until
  then are safe in the store; running the same thing again resumes. Their message says what
  happened, what is safe on disk and how to resume; exit codes 1 and 128 + the signal number
  (130 for Ctrl-C).

The engine knows nothing of any command line: ``resume`` says only "run the same command
again"; a front end may name its own command instead (:meth:`StoppedMixin.line`).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path


class EngineError(ValueError):
    """An invalid argument to the engine (a malformed range, an unknown parameter, a bad
    number of replicates). ``exit_code`` is what a command-line front end should exit with."""

    exit_code = 2


class StoppedMixin:
    """What an early end of execution reports: ``what`` happened, and once the executor has
    filled them in (:meth:`saved`), the store and how many of the runs asked for are done."""

    exit_code = 1
    what: str
    store: Path | None = None
    done: int | None = None
    total: int | None = None

    def saved(self, store: str | os.PathLike[str], done: int, total: int) -> None:
        """Record what is safe on disk: ``done`` of ``total`` runs in ``store``."""
        self.store, self.done, self.total = Path(store), done, total

    def line(self, resume: str = "run the same command again to resume") -> str:
        """The one-line message: what happened; what is saved; ``resume``."""
        parts = [self.what]
        if self.store is not None:
            parts.append(
                f"{self.done} of {self.total} runs are saved in {self.store} "
                "(each complete, none half-written)"
            )
        parts.append(resume)
        return "; ".join(parts)

    def __str__(self) -> str:
        return self.line()


class ExecutionStopped(StoppedMixin, RuntimeError):
    """Execution ended before every run was done; finished runs are safe in the store."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class DiskFull(ExecutionStopped):
    """The disk holding the store (or a file being written) is full."""


class WorkerLost(ExecutionStopped):
    """A local worker process died (killed, for example for lack of memory) more often than
    a batch may be retried."""


class SchedulerLost(ExecutionStopped):
    """The Dask scheduler cannot be reached, or stopped while runs were executing."""


class Interrupted(ExecutionStopped):
    """Execution was interrupted by a signal (Ctrl-C, SIGTERM); exit code 128 + the signal
    number. Not a ``KeyboardInterrupt``, which command-line frameworks swallow silently."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        name = signal.Signals(signum).name
        super().__init__(
            "interrupted (Ctrl-C)" if signum == signal.SIGINT else f"stopped by {name}"
        )
        self.signum = signum
        self.exit_code = 128 + int(signum)
