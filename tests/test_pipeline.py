"""`sahel run` as a study of the experiment engine: workers, resume after a kill, status,
one store format, and --force that removes only what the tool wrote."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.studies.results import open_results
from tests.engine.test_execute import dask_cluster  # noqa: F401  (fixture)
from tests.support import ROOT, sahel

MONTHS = 6
RUN = ["run", "us_withdraws", "--months", str(MONTHS), "--seed", "3", "--quiet"]


def invoke(*args: str) -> None:
    """Run a `sahel` command in this process; fail the test with its output if it fails."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)


def tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The run's tables as the reader gives them (sorted by replicate, month, country)."""
    run = open_results(folder).runs["run"]
    return {"regional": run.regional, "countries": run.countries, "events": run.events}


def assert_same_tables(a: Path, b: Path) -> None:
    ta, tb = tables(a), tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True)


@pytest.mark.slow
def test_two_workers_give_the_same_tables_as_one(tmp_path: Path) -> None:
    invoke(*RUN, "--reps", "4", "--workers", "1", "--out", str(tmp_path / "w1"))
    invoke(*RUN, "--reps", "4", "--workers", "2", "--out", str(tmp_path / "w2"))
    assert_same_tables(tmp_path / "w1", tmp_path / "w2")
    # the replicates are different runs, not one run copied
    regional = tables(tmp_path / "w1")["regional"]
    assert regional.groupby("replicate")["total_fatalities"].sum().nunique() == 4


@pytest.mark.slow
def test_a_run_on_a_dask_cluster_equals_a_local_run(
    tmp_path: Path,
    dask_cluster: str,  # noqa: F811
) -> None:
    invoke(*RUN, "--reps", "3", "--backend", "serial", "--out", str(tmp_path / "here"))
    remote = sahel(
        *RUN, "--reps", "3", "--scheduler", dask_cluster, "--out", str(tmp_path / "dask")
    )
    assert remote.returncode == 0, remote.stderr
    assert_same_tables(tmp_path / "here", tmp_path / "dask")
    log = (tmp_path / "dask" / "status.log").read_text()
    assert '"backend": "dask"' in log


def test_each_table_is_one_parquet_dataset_with_a_row_per_run_and_month(tmp_path: Path) -> None:
    out = tmp_path / "run"
    invoke(*RUN, "--reps", "3", "--backend", "serial", "--out", str(out))
    regional = pd.read_parquet(out / "regional")
    countries = pd.read_parquet(out / "countries")
    summary = pd.read_parquet(out / "summary")
    events = pd.read_parquet(out / "events")
    assert len(regional) == 3 * MONTHS
    assert not regional.duplicated(["replicate", "month"]).any()
    assert len(countries) == 3 * MONTHS * countries["country"].nunique()
    assert len(summary) == 3 and summary["run_id"].is_unique
    assert set(events["replicate"]) <= {0, 1, 2}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "run" and manifest["stores"] == ["."]
    assert sorted(regional["seed"].unique().tolist()) == sorted(manifest["seeds"])


def test_status_understands_a_run_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    invoke(*RUN, "--reps", "2", "--backend", "serial", "--out", str(out))
    result = CliRunner().invoke(app, ["status", str(out)])
    assert result.exit_code == 0, result.output
    assert "2/2 runs done" in result.output and "run" in result.output


@pytest.mark.slow
def test_a_run_killed_midway_resumes_and_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    args = ["run", "us_withdraws", "--months", "24", "--seed", "3", "--reps", "8",
            "--backend", "serial", "--quiet"]  # fmt: skip
    killed = tmp_path / "killed"
    exe = Path(sys.executable).with_name("sahel")
    proc = subprocess.Popen(
        [str(exe), *args, "--out", str(killed)], cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not list((killed / "summary").glob("part-*.parquet")):
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no batch was stored in time"
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    done_before = len(pd.read_parquet(killed / "summary"))
    assert 0 < done_before < 8
    assert not (killed / "summary_region.csv").exists()  # it never got that far
    resumed = sahel(*args, "--out", str(killed))
    assert resumed.returncode == 0, resumed.stderr
    starts = [
        json.loads(line)
        for line in (killed / "status.log").read_text().splitlines()
        if '"event": "start"' in line
    ]
    assert starts[-1]["runs_skipped"] == done_before  # nothing simulated twice
    invoke(*args, "--out", str(tmp_path / "whole"))
    assert_same_tables(killed, tmp_path / "whole")


def test_force_removes_only_the_tools_files(tmp_path: Path) -> None:
    out = tmp_path / "run"
    invoke(*RUN, "--reps", "2", "--backend", "serial", "--csv", "--out", str(out))
    thesis = out / "mythesis" / "chapter1.tex"
    thesis.parent.mkdir()
    thesis.write_text("\\chapter{Findings}\n")
    (out / "notes.txt").write_text("mine\n")
    old_ids = set(pd.read_parquet(out / "summary")["run_id"])
    # another experiment in the same folder: refused without --force, nothing changed
    other = ["run", "us_withdraws", "--months", "4", "--seed", "3", "--quiet",
             "--backend", "serial", "--out", str(out)]  # fmt: skip
    refused = sahel(*other)
    assert refused.returncode == 2 and "--force" in refused.stderr
    assert set(pd.read_parquet(out / "summary")["run_id"]) == old_ids
    invoke(*other, "--force")
    assert thesis.read_text() == "\\chapter{Findings}\n"
    assert (out / "notes.txt").read_text() == "mine\n"
    assert not (out / "regional.csv").exists()  # written by the first run only
    summary = pd.read_parquet(out / "summary")
    assert len(summary) == 1 and not set(summary["run_id"]) & old_ids
    assert len(pd.read_parquet(out / "regional")) == 4
    # everything in the folder now is the user's or recorded by the new experiment
    manifest = json.loads((out / "manifest.json").read_text())
    mine = {thesis, out / "notes.txt"}
    for path in (p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        ours = rel in manifest["files"] or rel in ("manifest.json", "status.log")
        ours = ours or (path.name.startswith("part-") and path.suffix == ".parquet")
        assert ours or path in mine, rel


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_folder_without_a_manifest_of_ours_is_refused(tmp_path: Path, force: list[str]) -> None:
    folder = tmp_path / "mythesis"
    folder.mkdir()
    (folder / "chapter1.tex").write_text("text\n")
    res = sahel("run", "us_withdraws", "--months", "2", "--out", str(folder), *force)
    assert res.returncode == 2
    assert res.stderr.startswith("error:") and len(res.stderr.strip().splitlines()) == 1
    assert "no manifest.json" in res.stderr and "Traceback" not in res.stderr
    assert [p.name for p in folder.iterdir()] == ["chapter1.tex"]


def test_the_comparison_table_states_units_relative_change_and_an_assessment(
    tmp_path: Path,
) -> None:
    from sim.engine.compare import ASSESSMENTS, NEGLIGIBLE_PERCENT
    from sim.studies import compare_scenarios
    from sim.world.metrics import COUNTRY_METRICS, REGIONAL_METRICS

    out = tmp_path / "cmp"
    result = compare_scenarios("us_stays", "us_withdraws", reps=3, months=MONTHS,
                               backend="serial", out=out)  # fmt: skip
    table = pd.read_csv(out / "comparison.csv", keep_default_na=False)
    every = (*REGIONAL_METRICS, *COUNTRY_METRICS)
    units = {m.name: m.unit for m in every}
    patterns = {m.name.split("<")[0]: m.unit for m in every if "<" in m.name}
    for metric, unit in table.groupby("metric")["unit"].first().items():
        name = str(metric)
        expected = units.get(name) or next(u for p, u in patterns.items() if name.startswith(p))
        assert unit == expected and unit, metric
    assert set(table["assessment"]) <= set(ASSESSMENTS)
    t = result.table
    real = t[(t["ci_low"] > 0) | (t["ci_high"] < 0)]
    small = real["relative_change_pct"].abs() < NEGLIGIBLE_PERCENT
    assert (real.loc[small, "assessment"] == "negligible").all()
    assert (
        real.loc[~small & real["relative_change_pct"].notna(), "assessment"]
        .isin(["increase", "decrease"])
        .all()
    )
    noise = t[(t["ci_low"] < 0) & (t["ci_high"] > 0)]
    assert (noise["assessment"] == "within noise").all()
    expected_pct = 100 * t["diff"] / t["mean_a"].abs()
    pd.testing.assert_series_equal(
        t["relative_change_pct"][t["mean_a"] != 0], expected_pct[t["mean_a"] != 0],
        check_names=False,
    )  # fmt: skip
