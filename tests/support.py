"""Helpers shared by test modules (not fixtures)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def sahel(
    *args: str, cwd: Path | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``sahel`` console script as a user would (no terminal, CI-style)."""
    exe = Path(sys.executable).with_name("sahel")
    env = {**os.environ, "CI": "true", "COLUMNS": "200"}
    return subprocess.run(
        [str(exe), *args], cwd=cwd or ROOT, capture_output=True, text=True, env=env,
        timeout=timeout,
    )  # fmt: skip


def assert_clearly_positive(diff: Any) -> None:
    """Mean paired difference above zero by more than three standard errors."""
    values = np.asarray(diff, dtype=float)
    se = values.std(ddof=1) / math.sqrt(len(values))
    assert values.mean() > 3 * se, (values.mean(), se)


def assert_mostly_positive(diff: Any) -> None:
    """More positive than negative paired differences, beyond chance (sign test, one-sided
    p < 0.001): for heavy-tailed outcomes (single massacres) where a mean says little."""
    values = np.asarray(diff, dtype=float)
    positive, negative = int((values > 0).sum()), int((values < 0).sum())
    n = positive + negative
    tail = sum(math.comb(n, k) for k in range(positive, n + 1)) / 2**n
    assert tail < 0.001, (positive, negative)
