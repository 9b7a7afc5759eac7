"""Replaying a results folder, `sahel plot` and `sahel report` end to end."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import SahelError, UsageError
from sim.studies.results import open_results
from sim.views.report import network_at, replay
from tests.support import sahel

MONTHS = 7


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "run"
    res = sahel("run", "us_withdraws", "--reps", "2", "--months", str(MONTHS), "--seed", "4",
                "--out", str(out), "--quiet")  # fmt: skip
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plots") / "cmp"
    res = sahel("compare", "us_stays", "us_withdraws", "--reps", "2", "--months", str(MONTHS),
                "--backend", "serial", "--out", str(out), "--quiet")  # fmt: skip
    assert res.returncode == 0, res.stderr
    return out


@pytest.mark.slow
def test_replay_reproduces_the_stored_metrics(run_dir: Path) -> None:
    stored = open_results(run_dir).runs["run"].countries
    for replicate, month in ((0, 0), (1, 4), (1, MONTHS - 1)):
        model = replay(run_dir, month, replicate, check=False)
        assert model.month == month + 1
        replayed = model.country_frame().query("month == @month").reset_index(drop=True)
        expected = stored.query("replicate == @replicate and month == @month")
        expected = expected.drop(columns=["replicate", "seed"]).reset_index(drop=True)
        numeric = replayed.select_dtypes("number").columns
        pd.testing.assert_frame_equal(replayed[numeric], expected[numeric], check_exact=True)


@pytest.mark.slow
def test_network_at_a_month_by_index_or_date(run_dir: Path) -> None:
    nodes, edges = network_at(run_dir, "2024-06", 1)
    nodes_i, edges_i = network_at(run_dir, 3, 1)
    pd.testing.assert_frame_equal(nodes, nodes_i)
    pd.testing.assert_frame_equal(edges, edges_i)
    stored = pd.read_parquet(run_dir / "countries").query("replicate == 1 and month == 3")
    by_id = nodes.set_index("id")
    for row in stored.itertuples():
        assert by_id.loc[row.country, "stability"] == row.stability
    with pytest.raises(UsageError, match="covers 2024-03 to 2024-09"):
        network_at(run_dir, "2025-01")
    with pytest.raises(UsageError, match="replicates 0 to 1"):
        network_at(run_dir, 2, replicate=5)


@pytest.mark.slow
def test_replay_detects_results_it_cannot_reproduce(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    for part in (copy / "countries").glob("part-*.parquet"):
        countries = pd.read_parquet(part)
        countries.loc[countries["month"] == 2, "stability"] += 0.01
        countries.to_parquet(part, index=False)
    with pytest.raises(SahelError, match="does not reproduce"):
        network_at(copy, 2)
    network_at(copy, 1)  # untouched months still replay


@pytest.mark.slow
def test_comparison_folder_is_read_and_replayed(compare_dir: Path) -> None:
    folder = open_results(compare_dir)
    assert folder.kind == "compare"
    assert [t.label for t in folder.runs.values()] == ["us_stays", "us_withdraws"]
    assert "total_fatalities" in folder.over_time and "fatalities (NER)" in folder.over_time
    assert folder.months == MONTHS
    stays = network_at(compare_dir, MONTHS - 1, 0, scenario="us_stays")[1]
    withdraws = network_at(compare_dir, MONTHS - 1, 0)[1]
    us_niger = [
        e[(e["type"] == "partnership") & (e["source"] == "USA") & (e["target"] == "NER")]["troops"]
        for e in (stays, withdraws)
    ]
    assert us_niger[0].sum() > 0 and us_niger[1].sum() == 0  # the US left Niger in B only


@pytest.mark.slow
def test_sahel_plot_writes_the_selected_figures(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "figs"
    res = sahel("plot", str(run_dir), "--metric", "total_fatalities", "--metric", "control",
                "--country", "NER,MLI", "--month", "2024-06", "--format", "png,svg",
                "--out", str(out))  # fmt: skip
    assert res.returncode == 0, res.stderr
    printed = [Path(line) for line in res.stdout.split()]
    stems = {"time_series_total_fatalities", "time_series_control", "influence",
             "network_2024-06", "map_control_2024-06", "events"}  # fmt: skip
    assert {p.name for p in printed} == {f"{s}.{f}" for s in stems for f in ("png", "svg")}
    for path in printed:
        assert path.parent == out and path.stat().st_size > 1000
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left
    assert (out / "time_series_control.svg").read_text().startswith("<?xml")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metric", "total_fatality"], "Did you mean 'total_fatalities'"),
        (["--country", "NGR"], "Did you mean 'NGA'"),
        (["--format", "gif"], "expected png, pdf or svg"),
        (["--month", "2030-01"], "covers 2024-03 to 2024-09"),
    ],
)
def test_sahel_plot_rejects_bad_options(run_dir: Path, args: list[str], message: str) -> None:
    res = sahel("plot", str(run_dir), *args, "--out", str(run_dir / "never"))
    assert res.returncode == 2
    assert res.stderr.startswith("error:") and message in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.slow
def test_sahel_plot_rejects_folders_that_are_not_results(tmp_path: Path) -> None:
    res = sahel("plot", str(tmp_path / "missing"))
    assert res.returncode == 2 and "does not exist" in res.stderr
    res = sahel("report", str(tmp_path))
    assert res.returncode == 2 and "not a results folder" in res.stderr


@pytest.mark.slow
def test_sahel_report_on_a_run(run_dir: Path) -> None:
    res = sahel("report", str(run_dir))
    assert res.returncode == 0, res.stderr
    report = run_dir / "report.md"
    assert res.stdout.strip() == str(report)
    text = report.read_text()
    assert text.startswith("# us_withdraws")
    assert "2 replicate(s), 2024-03 to 2024-09 (7 months), root seed 4" in text
    manifest = open_results(run_dir).manifest
    assert all(str(seed) in text for seed in manifest["seeds"])
    assert "| fatalities per year |" in text and "| NER |" in text
    links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", text)
    maps = [link for link in links if Path(link).name.startswith("map_")]
    assert maps, "the report draws the country map"
    assert len(links) - len(maps) == 8 + 3  # 8 default metrics; influence, network, events
    for link in links:
        assert (run_dir / link).is_file()


@pytest.mark.slow
def test_sahel_report_on_a_comparison(compare_dir: Path) -> None:
    res = sahel("report", str(compare_dir), "--format", "png", "--format", "pdf")
    assert res.returncode == 0, res.stderr
    text = (compare_dir / "report.md").read_text()
    assert text.startswith("# us_withdraws compared with us_stays")
    assert "| metric | country | unit | us_stays | us_withdraws | B - A |" in text
    assert "| deaths per month |" in text and "negligible" in text
    assert "## Summary: us_stays" in text and "## Summary: us_withdraws" in text
    links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", text)
    assert any("difference_total_fatalities.png" in link for link in links)
    assert any("network_us_stays_" in link for link in links)
    assert any("network_us_withdraws_" in link for link in links)
    for link in links:
        assert (compare_dir / link).is_file()
        assert (compare_dir / link).with_suffix(".pdf").is_file()
