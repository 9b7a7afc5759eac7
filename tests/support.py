"""Helpers shared by test modules (not fixtures)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
