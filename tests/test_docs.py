"""The documentation stays true to the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sim.metrics import COUNTRY_METRICS, REGIONAL_METRICS

ROOT = Path(__file__).resolve().parents[1]


def test_odd_parameter_table_is_generated_from_the_code() -> None:
    res = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "make_parameter_table.py"), "--check"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr


def test_every_metric_is_documented_in_the_odd() -> None:
    odd = (ROOT / "docs" / "ODD.md").read_text()
    for metric in (*COUNTRY_METRICS, *REGIONAL_METRICS):
        assert f"`{metric.name}`" in odd or metric.name in odd, metric.name


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    head = readme[: readme.index("## ")]
    assert "make results" in head and "make test" in head
    assert "make test" in (ROOT / ".ci" / "run").read_text()
