"""Simulators for the crash tests, in a module of their own so that pool workers, which
import it to unpickle them, start fast (no model, no test framework)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class DyingSimulator:
    """A fast simulator whose process gets ``signum`` (default SIGKILL, as from the
    out-of-memory killer) while simulating ``x == doomed``: once if ``marker`` names a file
    to create, at every attempt if it is empty."""

    doomed: float = 3.0
    marker: str = ""
    signum: int = signal.SIGKILL

    def identity(self) -> dict[str, Any]:
        return {"model": "dying", "doomed": self.doomed}

    def parameter_bounds(self) -> dict[str, tuple[float, float, float]]:
        return {"x": (0.0, 10.0, 0.0)}

    def simulate(self, params: Mapping[str, float], seed: int) -> dict[str, pd.DataFrame]:
        x = params.get("x", 0.0)
        if x == self.doomed and (not self.marker or not os.path.exists(self.marker)):
            if self.marker:
                Path(self.marker).touch()
            os.kill(os.getpid(), self.signum)
        return {"cells": pd.DataFrame({"month": [0, 1, 2], "value": [x, x + seed % 7, -x]})}

    def summarise(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        return {"total": float(tables["cells"]["value"].sum())}


@dataclass(frozen=True)
class BulkySimulator:
    """A fast simulator with ``rows`` rows of incompressible numbers per run: fills a disk."""

    rows: int = 2000

    def identity(self) -> dict[str, Any]:
        return {"model": "bulky", "rows": self.rows}

    def parameter_bounds(self) -> dict[str, tuple[float, float, float]]:
        return {"x": (0.0, 10.0, 0.0)}

    def simulate(self, params: Mapping[str, float], seed: int) -> dict[str, pd.DataFrame]:
        rng = np.random.default_rng(seed)
        frame = pd.DataFrame({"step": np.arange(self.rows), "value": rng.random(self.rows)})
        return {"cells": frame.assign(value=frame["value"] + params.get("x", 0.0))}

    def summarise(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        return {"total": float(tables["cells"]["value"].sum())}


@dataclass(frozen=True)
class SlowSimulator:
    """A simulator that takes ``seconds`` per run (time to stop a scheduler mid-way)."""

    seconds: float = 0.3

    def identity(self) -> dict[str, Any]:
        return {"model": "slow", "seconds": self.seconds}

    def parameter_bounds(self) -> dict[str, tuple[float, float, float]]:
        return {"x": (0.0, 100.0, 0.0)}

    def simulate(self, params: Mapping[str, float], seed: int) -> dict[str, pd.DataFrame]:
        time.sleep(self.seconds)
        return {"cells": pd.DataFrame({"step": [0, 1], "value": [params.get("x", 0.0), seed % 5]})}

    def summarise(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        return {"total": float(tables["cells"]["value"].sum())}
