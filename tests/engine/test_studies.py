"""Comparisons, sweeps and sensitivity of the Sahel model, through the API and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.engine.compare import paired_difference
from sim.scenario import load_scenario, validate_data
from sim.scenario.loader import _resolve, resolve_path
from sim.studies import compare_scenarios, sweep
from tests.engine.test_execute import dask_cluster  # noqa: F401  (fixture)
from tests.support import ROOT, sahel

# --- paired statistics ----------------------------------------------------------------------------


def test_paired_difference_matches_a_paired_t_interval() -> None:
    rng = np.random.default_rng(3)
    common = rng.normal(100, 20, size=25)
    a = pd.DataFrame({"replicate": range(25), "x": common + rng.normal(0, 1, 25)})
    b = pd.DataFrame({"replicate": range(25), "x": common + 2 + rng.normal(0, 1, 25)})
    row = paired_difference(a, b).iloc[0]
    d = b["x"] - a["x"]
    half = stats.t.ppf(0.975, 24) * d.std(ddof=1) / np.sqrt(25)
    assert row["diff"] == pytest.approx(d.mean())
    assert row["ci_low"] == pytest.approx(d.mean() - half)
    assert row["ci_high"] == pytest.approx(d.mean() + half)
    # The shared component (sd 20) is removed by pairing: the interval is far narrower.
    assert row["paired_halfwidth"] < 0.2 * row["unpaired_halfwidth"]
    assert 0.8 < row["narrowing"] < 1.0


def test_paired_difference_is_keyed_by_replicate_not_row_order() -> None:
    a = pd.DataFrame({"replicate": [0, 1, 2, 3], "x": [1.0, 2.0, 3.0, 4.0]})
    b = pd.DataFrame({"replicate": [3, 2, 1, 0], "x": [5.0, 4.0, 3.0, 2.0]})
    row = paired_difference(a, b).iloc[0]
    assert row["diff"] == 1.0 and row["ci_low"] == row["ci_high"] == 1.0


# --- common random numbers ------------------------------------------------------------------------


def test_an_intervention_that_changes_nothing_gives_exactly_zero_differences() -> None:
    data, _ = _resolve(resolve_path("baseline_2024"), [], "baseline_2024")
    value = load_scenario("baseline_2024").parameters.recruitment_rate
    data["events"] = [
        *data["events"],
        {"at": "2024-09", "do": "set_parameter", "name": "recruitment_rate", "value": value},
    ]
    data["name"] = "inert"
    inert = validate_data(data)
    result = compare_scenarios("baseline_2024", inert, reps=4, months=18, backend="serial")
    assert len(result.table) > 50
    assert (result.table["diff"] == 0.0).all()
    assert (result.table["ci_low"] == 0.0).all() and (result.table["ci_high"] == 0.0).all()


@pytest.mark.slow
def test_us_withdrawal_compared_with_staying(tmp_path: Path) -> None:
    result = compare_scenarios(
        "us_stays", "us_withdraws", reps=8, months=36, horizons=["2025-12", "2027-02"],
        out=tmp_path / "cmp", backend="serial",
    )  # fmt: skip
    t = result.table
    ner = t[(t["country"] == "NER") & (t["horizon"] == "2027-02")].set_index("metric")
    assert ner.loc["security", "ci_high"] < 0  # security falls in Niger
    assert ner.loc["insurgent_strength", "ci_low"] > 0  # the insurgency grows there
    assert ner.loc["fighters_killed", "ci_high"] < 0  # without US-enabled aimed fire
    assert (t["narrowing"].dropna() >= 0).mean() > 0.9  # pairing almost always helps
    assert set(t["horizon"]) == {"2025-12", "2027-02"}
    for name in ("comparison.csv", "comparison.parquet", "difference.png", "manifest.json"):
        assert (tmp_path / "cmp" / name).is_file()
    assert "fatalities (NER)" in result.over_time


# --- CLI ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_compare_cli_resumes_and_matches_a_dask_cluster(
    tmp_path: Path,
    dask_cluster: str,  # noqa: F811
) -> None:
    args = ["us_stays", "us_withdraws", "--reps", "4", "--months", "12", "--quiet"]
    local = sahel("compare", *args, "--out", str(tmp_path / "local"), "--workers", "2")
    assert local.returncode == 0, local.stderr
    again = sahel("compare", *args, "--out", str(tmp_path / "local"))
    assert again.returncode == 0, again.stderr  # resumes: nothing left to run
    log = (tmp_path / "local" / "runs" / "a" / "status.log").read_text().splitlines()
    assert sum('"event": "batch"' in line for line in log) >= 1
    remote = sahel("compare", *args, "--out", str(tmp_path / "dask"), "--scheduler", dask_cluster)
    assert remote.returncode == 0, remote.stderr
    a = pd.read_parquet(tmp_path / "local" / "comparison.parquet")
    b = pd.read_parquet(tmp_path / "dask" / "comparison.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["kind"] == "compare" and len(manifest["runs"]) == 8


@pytest.mark.slow
def test_sweep_cli_grid_resume_and_status(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    cmd = ["sweep", "us_withdraws", "-p", "recruitment_rate=0.0001:0.0003:2", "-p",
           "raid_share=0.1:0.3:2", "--reps", "2", "--months", "6", "--out", str(out),
           "-q"]  # fmt: skip
    first = sahel(*cmd)
    assert first.returncode == 0, first.stderr
    runs = pd.read_csv(out / "runs.csv")
    points = pd.read_csv(out / "points.csv")
    assert len(runs) == 8 and len(points) == 4
    assert set(runs["param_recruitment_rate"]) == {0.0001, 0.0003}
    # Replicate r has the same seed at every design point (common random numbers).
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()
    before = (out / "status.log").read_text().count('"event": "batch"')
    second = sahel(*cmd)
    assert second.returncode == 0, second.stderr
    assert (out / "status.log").read_text().count('"event": "batch"') == before
    pd.testing.assert_frame_equal(pd.read_csv(out / "runs.csv"), runs)
    assert len(pd.read_parquet(out / "regional")) == 8 * 6
    status = sahel("status", str(out))
    assert status.returncode == 0 and "8/8 runs done" in status.stdout


def test_sweep_cli_latin_hypercube(tmp_path: Path, cli: Any) -> None:
    out = tmp_path / "lhs"
    res = cli("sweep", "baseline_2024", "-p", "recruitment_rate=0.0001:0.0004", "-p",
                "control_rate=0.01:0.1", "--lhs", "5", "--months", "3", "--out", str(out),
                "-q", "--backend", "serial")  # fmt: skip
    assert res.returncode == 0, res.stderr
    points = pd.read_csv(out / "points.csv")
    assert len(points) == 5
    assert points["param_recruitment_rate"].between(0.0001, 0.0004).all()


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("recruitmnt_rate=1:2:2", "did you mean recruitment_rate"),
        ("recruitment_rate=1:5000:2", "recruitment_rate"),
        ("recruitment_rate", "="),
        ("recruitment_rate=a:b:2", "number"),
    ],
)
def test_bad_design_specifications_exit_2(
    tmp_path: Path, spec: str, expected: str, cli: Any
) -> None:
    res = cli("sweep", "us_withdraws", "-p", spec, "--out", str(tmp_path / "x"))
    assert res.returncode == 2, res.stdout + res.stderr
    assert expected in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "x" / "runs.csv").exists()


@pytest.mark.slow
def test_sensitivity_cli_morris(tmp_path: Path) -> None:
    out = tmp_path / "morris"
    res = sahel("sensitivity", "us_withdraws", "--method", "morris", "-p",
                "recruitment_rate=0.0001:0.0004", "-p", "raid_share=0.05:0.4", "--n", "4",
                "--reps", "2",
                "--months", "12", "--out", str(out), "--output", "fatalities_per_year")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "12 points x 2 replicates = 24 runs" in res.stderr
    indices = pd.read_csv(out / "indices.csv")
    assert set(indices["parameter"]) == {"recruitment_rate", "raid_share"}
    assert {"mu_star", "mu_star_conf"} <= set(indices.columns)
    noise = pd.read_csv(out / "noise.csv")
    assert noise["replicate_noise_share"].between(0, 1).all()
    assert (out / "indices_fatalities_per_year.png").is_file()


def test_sensitivity_cli_rejects_bad_method(cli: Any) -> None:
    res = cli("sensitivity", "us_withdraws", "--method", "fast", "-p", "raid_share=0.1:0.2")
    assert res.returncode == 2 and "morris or sobol" in res.stderr


def test_sweep_api_returns_dataframes(tmp_path: Path) -> None:
    result = sweep("baseline_2024", ["recruitment_rate=0.0002:0.0003:2"], reps=2, months=3,
                   backend="serial")  # fmt: skip
    assert len(result.summary) == 4 and len(result.points) == 2
    assert "fatalities_per_year" in result.summary.columns


def test_local_pool_works_without_a_main_module_and_keeps_the_start_method() -> None:
    """As in a notebook (no script file to re-import): a 2-worker sweep runs, and the
    process-wide start method is not switched the way mesa.batch_run switches it."""
    code = (
        "import multiprocessing as mp\n"
        "before = mp.get_start_method(allow_none=True)\n"
        "from sim.studies import sweep\n"
        "r = sweep('baseline_2024', ['recruitment_rate=0.0002:0.0003:2'], reps=2, months=3,"
        " workers=2)\n"
        "print(len(r.summary), before, mp.get_start_method(allow_none=True) != 'spawn')\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.split()[0] == "4" and res.stdout.split()[-1] == "True"
