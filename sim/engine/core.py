"""The experiment layer's vocabulary: a simulator interface, runs and their identity.

Nothing here knows what is simulated. A :class:`Simulator` turns parameter values and a seed
into named tables (pandas DataFrames) and scalar summaries; everything else (replicates,
designs, comparisons, sensitivity, execution back ends, the results store) is built on it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd


@runtime_checkable
class Simulator(Protocol):
    """What the experiment layer needs from a model. Implementations must be picklable."""

    def identity(self) -> dict[str, Any]:
        """What makes this simulator's runs what they are (e.g. a scenario hash and the
        code version); part of every run's content address."""
        ...

    def parameter_bounds(self) -> dict[str, tuple[float, float, float]]:
        """``{name: (min, max, default)}`` of every parameter a design may vary."""
        ...

    def simulate(self, params: Mapping[str, float], seed: int) -> dict[str, pd.DataFrame]:
        """Run once with parameter overrides ``params`` and seed ``seed``; return tables."""
        ...

    def summarise(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        """Scalar outputs of one run (for sweeps and sensitivity analysis)."""
        ...


def replicate_seed(root: int, replicate: int) -> int:
    """The 63-bit seed of replicate ``replicate`` under root seed ``root``.

    It depends only on ``(root, replicate)``: the same replicate of two scenarios or design
    points shares its random streams (common random numbers), and adding replicates never
    changes earlier ones.
    """
    seq = np.random.SeedSequence(root, spawn_key=(replicate,))
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))


def content_hash(payload: Any) -> str:
    """SHA-256 (hex, first 16 bytes) of the canonical JSON of ``payload``."""
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


@dataclass(frozen=True)
class Run:
    """One simulation to do: a design point, a replicate and its seed.

    ``run_id`` is content-addressed: the simulator's identity, the parameter values, the
    replicate and its seed. The same run asked for twice is recognised as done.
    """

    point: int
    replicate: int
    seed: int
    params: tuple[tuple[str, float], ...]
    run_id: str
    label: str = ""

    @property
    def param_dict(self) -> dict[str, float]:
        """Parameter overrides as a dict."""
        return dict(self.params)


def make_run(
    simulator: Simulator,
    *,
    point: int,
    replicate: int,
    root_seed: int,
    params: Mapping[str, float] | None = None,
    label: str = "",
) -> Run:
    """Build a :class:`Run` with its seed and content address."""
    items = tuple(sorted((k, float(v)) for k, v in (params or {}).items()))
    seed = replicate_seed(root_seed, replicate)
    run_id = content_hash(
        {"simulator": simulator.identity(), "params": items, "replicate": replicate, "seed": seed}
    )
    return Run(
        point=point, replicate=replicate, seed=seed, params=items, run_id=run_id, label=label
    )


@dataclass
class BatchReport:
    """What a worker sends back for a batch: counts and timings, never the tables."""

    batch_id: str
    runs: int
    seconds: float
    worker: str = ""
    files: list[str] = field(default_factory=list)
