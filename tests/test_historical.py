"""The historical scenario (2012-2024): it validates, runs, and its timeline fires on time."""

from __future__ import annotations

import pytest

from sim.scenario import load_scenario
from sim.scenario.schema import month_index
from sim.world.model import SahelModel


@pytest.fixture(scope="module")
def spec():
    return load_scenario("historical_2012")


@pytest.fixture(scope="module")
def model(spec):
    return SahelModel(spec, rng=7).run()


def test_scenario_validates_and_spans_2012_to_2024(spec) -> None:
    assert spec.start == "2012-01"
    assert spec.end == "2024-12"
    assert spec.coups == "scheduled"  # only the dated coups happen; the hazard is scored
    kinds = {ev.do for ev in spec.events}
    assert {"coup", "deploy", "withdraw", "form_bloc", "dissolve_bloc", "split"} <= kinds


def test_every_scheduled_event_fires_in_its_month(spec, model) -> None:
    start = month_index(spec.start)
    log = model.event_log
    for ev in spec.events:
        month = month_index(ev.at) - start
        fired = [e for e in log if e["kind"] == ev.do and e["month"] == month and e["scheduled"]]
        assert fired, f"{ev.do} at {ev.at} ({ev.note}) did not fire in month {month}"


def test_all_coups_are_the_scheduled_ones(spec, model) -> None:
    start = month_index(spec.start)
    scheduled = sorted(
        (month_index(ev.at) - start, ev.country) for ev in spec.events if ev.do == "coup"
    )
    happened = sorted((e["month"], e["country"]) for e in model.event_log if e["kind"] == "coup")
    assert happened == scheduled
    assert [c for _, c in scheduled].count("MLI") == 3
    assert [c for _, c in scheduled].count("BFA") == 3


def test_the_coup_hazard_is_recorded_though_coups_are_scheduled(model) -> None:
    """`coups: scheduled` computes and records the hazard (scored against the coup record)
    without drawing coups from it."""
    hazard = model.country_frame()["coup_hazard"]
    assert (hazard >= 0.0).all()
    assert hazard.mean() > 0.0


def test_regimes_follow_the_timeline(model) -> None:
    frame = model.country_frame().set_index(["date", "country"])["regime"]

    def regime(month: str, iso: str) -> str:
        return str(frame.loc[(f"{month}-01", iso)])

    assert regime("2012-01", "MLI") == "civilian"
    assert regime("2012-03", "MLI") == "junta"
    assert regime("2014-01", "MLI") == "civilian"
    assert regime("2021-06", "MLI") == "junta"
    assert regime("2023-06", "NER") == "civilian"
    assert regime("2023-08", "NER") == "junta"
    assert regime("2024-12", "BFA") == "junta"
    assert regime("2024-12", "TCD") == "civilian"


def test_groups_appear_when_they_did(model, spec) -> None:
    start = month_index(spec.start)
    first = {}
    for e in model.event_log:
        if e["kind"] == "presence":
            first.setdefault((e["actor"], e["country"]), e["month"])
    assert first[("ISSP", "MLI")] == month_index("2015-05") - start
    assert first[("ISWAP", "NGA")] == month_index("2016-08") - start
    assert ("JAS", "BEN") not in first  # Boko Haram stays in the Lake Chad basin (theatre)
    assert ("ISWAP", "BEN") not in first


def test_split_moves_the_share_of_fighters(spec) -> None:
    """ISWAP's split from Boko Haram takes 60% of its Nigerian fighters, none created."""
    split_month = month_index("2016-08") - month_index(spec.start)
    model = SahelModel(spec, rng=3)
    for _ in range(split_month):
        model.step()
    jas = model.groups["JAS"].presence[model.countries["NGA"]]["fighters"]
    assert "ISWAP" not in {g.group_id for g in model.groups_in_order if g.presence}
    # apply the month's events only, to see the split on its own
    from sim.world.events import apply_event

    for ev in spec.events:
        if ev.at == "2016-08":
            apply_event(model, ev)
    after_jas = model.groups["JAS"].presence[model.countries["NGA"]]["fighters"]
    iswap = model.groups["ISWAP"].presence[model.countries["NGA"]]["fighters"]
    assert iswap == pytest.approx(0.6 * jas)
    assert after_jas + iswap == pytest.approx(jas)


def test_runs_are_reproducible(spec) -> None:
    a = SahelModel(spec, rng=11, months=24).run().country_frame()
    b = SahelModel(spec, rng=11, months=24).run().country_frame()
    assert a.equals(b)
