"""The model is an ordinary Mesa model: ``mesa.batch_run`` and Mesa's DataCollector work."""

from __future__ import annotations

import json
import subprocess
import textwrap
from collections import Counter

import mesa
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from sim.world import metrics
from sim.world.agents import Country
from sim.world.model import SahelModel
from tests.worlds import PYTHON, ROOT

MONTHS = 6
SCENARIOS = ["us_withdraws", "us_stays"]

# batch_run switches multiprocessing to "spawn" for the whole process, so it runs in a
# subprocess of its own; the script prints the records as JSON (floats round-trip exactly).
BATCH_SCRIPT = textwrap.dedent(
    """\
    import json, sys, warnings
    import mesa
    from sim.world.model import SahelModel

    if __name__ == "__main__":
        processes = int(sys.argv[1])
        common = dict(
            parameters={"scenario": %r, "months": %d},
            number_processes=processes,
            max_steps=%d,
            data_collection_period=1,
            display_progress=False,
        )
        seeded = mesa.batch_run(SahelModel, rng=[1, 2], **common)
        with warnings.catch_warnings():  # `iterations` is deprecated in Mesa 3.5
            warnings.simplefilter("ignore", DeprecationWarning)
            iterated = mesa.batch_run(SahelModel, iterations=2, **common)
        json.dump({"seeded": seeded, "iterated": iterated}, sys.stdout)
    """
) % (SCENARIOS, MONTHS, MONTHS)


@pytest.fixture(scope="module")
def batch_results(tmp_path_factory) -> dict[int, dict[str, list[dict]]]:
    """Run the batch script with 1 and with 2 processes, at the same time."""
    script = tmp_path_factory.mktemp("batch") / "batch.py"
    script.write_text(BATCH_SCRIPT)
    jobs = {
        n: subprocess.Popen(
            [PYTHON, str(script), str(n)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (1, 2)
    }
    out = {}
    for n, job in jobs.items():
        stdout, stderr = job.communicate(timeout=300)
        assert job.returncode == 0, stderr
        out[n] = json.loads(stdout)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("processes", [1, 2])
@pytest.mark.parametrize("seeding", ["seeded", "iterated"])
def test_batch_run_returns_every_metric_for_every_run_and_month(
    scenario, batch_results, processes, seeding
):
    records = batch_results[processes][seeding]
    model = SahelModel(scenario("us_withdraws"), months=MONTHS)
    regional = metrics.regional_names(model)
    per_country = [k for k in metrics.country_fields(model) if k != "country"]
    n_countries = len(model.countries)
    for record in records:
        assert set(regional) <= set(record)
        assert set(per_country) <= set(record)
        assert {"RunId", "iteration", "Step", "scenario", "months", "country"} <= set(record)
    runs = Counter((r["scenario"], r["iteration"], r["Step"]) for r in records)
    assert len(runs) == len(SCENARIOS) * 2 * MONTHS
    assert set(runs.values()) == {n_countries}  # one record per country and month
    assert {step for _, _, step in runs} == set(range(1, MONTHS + 1))
    assert len(records) == len(SCENARIOS) * 2 * MONTHS * n_countries


def own_and_batch(scenario, batch_results, processes):
    """(own run, batch records of that run) for each scenario and seed."""
    records = pd.DataFrame(batch_results[processes]["seeded"])
    for name in SCENARIOS:
        for seed in (1, 2):
            own = SahelModel(scenario(name), rng=seed, months=MONTHS).run()
            rows = records[(records["scenario"] == name) & (records["rng"] == seed)]
            yield own, rows.sort_values(["Step", "country"]).reset_index(drop=True)


@pytest.mark.slow
@pytest.mark.parametrize("processes", [1, 2])
def test_batch_run_country_records_are_the_model_s_own_results(scenario, batch_results, processes):
    """A batch_run replicate seeded with rng=s is the run SahelModel(..., rng=s) gives."""
    for own, rows in own_and_batch(scenario, batch_results, processes):
        mine = own.country_frame().drop(columns=["date", "month"])
        theirs = rows[list(mine.columns)].copy()
        mine["regime"] = mine["regime"].astype(str)
        theirs["regime"] = theirs["regime"].astype(str)
        assert_frame_equal(theirs, mine, check_exact=True, check_dtype=False)
        distinct = list(own.regional)
        regional = rows.groupby("Step")[distinct].first().reset_index(drop=True)
        assert_frame_equal(regional, own.regional_frame()[distinct], check_exact=True)


@pytest.mark.slow
def test_batch_run_records_keep_the_regional_metrics(scenario, batch_results):
    for own, rows in own_and_batch(scenario, batch_results, 1):
        names = list(own.regional)
        regional = rows.groupby("Step")[names].first().reset_index(drop=True)
        assert_frame_equal(regional, own.regional_frame()[names], check_exact=True)


# --- Mesa's DataCollector -------------------------------------------------------------------


def test_datacollector_frames_have_every_metric_and_one_row_per_month(scenario):
    model = SahelModel(scenario("baseline_2024"), rng=2, months=9).run()
    dc = model.datacollector
    assert isinstance(dc, mesa.DataCollector)
    regional = dc.get_model_vars_dataframe()
    assert list(regional.columns) == metrics.regional_names(model)
    assert len(regional) == 9
    countries = dc.get_agenttype_vars_dataframe(Country)
    assert list(countries.columns) == list(metrics.country_fields(model))
    assert countries.index.names == ["Step", "AgentID"]
    assert len(countries) == 9 * len(model.countries)
    per_step = countries.groupby(level="Step")["country"].apply(sorted)
    assert len(per_step) == 9
    assert all(iso == sorted(model.countries) for iso in per_step)
    assert model.month == 9 and not model.running


def test_datacollector_records_what_mesa_s_stock_collector_records(scenario):
    """The model's collector stores exactly the records Mesa's own DataCollector would."""
    model = SahelModel(scenario("us_withdraws"), rng=6, months=12)
    stock = mesa.DataCollector(
        model_reporters=metrics.regional_reporters(model),
        agenttype_reporters={Country: metrics.country_fields(model)},
    )
    while model.running:
        model.step()
        stock.collect(model)
    assert_frame_equal(
        model.datacollector.get_model_vars_dataframe(),
        stock.get_model_vars_dataframe(),
        check_exact=True,
    )
    assert_frame_equal(
        model.datacollector.get_agenttype_vars_dataframe(Country),
        stock.get_agenttype_vars_dataframe(Country),
        check_exact=True,
    )


def test_tidy_frames_have_dates_and_one_row_per_month_and_country(scenario):
    model = SahelModel(scenario("us_stays"), rng=2, months=5).run()
    r, c = model.regional_frame(), model.country_frame()
    assert list(r["month"]) == list(range(5))
    assert [d.strftime("%Y-%m") for d in r["date"]] == [
        "2024-03",
        "2024-04",
        "2024-05",
        "2024-06",
        "2024-07",
    ]
    assert len(c) == 5 * len(model.countries)
    assert not c.duplicated(["month", "country"]).any()


def test_frames_of_a_model_not_yet_run_are_empty(scenario):
    model = SahelModel(scenario("baseline_2024"), rng=1)
    assert len(model.regional_frame()) == 0
    assert len(model.country_frame()) == 0
