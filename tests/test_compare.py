"""Comparisons: windows that start where two scenarios part, and the channel decomposition."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.engine.compare import window_means
from sim.scenario import Scenario
from sim.studies.compare import compare_scenarios, divergence


def _withdraw_at(month: str) -> dict[str, Any]:
    return {"events": [{"at": month, "do": "withdraw", "power": "USA", "country": "NER"}]}


def test_scenarios_that_part_in_month_k_diverge_at_k(
    tiny_world: Callable[..., Scenario],
) -> None:
    shared = {"at": "2024-02", "do": "stay", "power": "USA", "country": "NER", "note": "x"}
    a = tiny_world({"name": "a", "events": [shared]})
    b = tiny_world({"name": "b", "events": [{**shared, "note": "other words"},
                                           {"at": "2024-06", "do": "withdraw", "power": "USA",
                                            "country": "NER"}]})  # fmt: skip
    found = divergence(a, b)
    assert (found.month, found.index) == ("2024-06", 5)
    assert "only in b: withdraw USA NER" in found.reason
    for k in (1, 3, 11):
        month = f"2024-{k + 1:02d}"
        assert divergence(tiny_world(), tiny_world(_withdraw_at(month))).index == k


def test_identical_timelines_diverge_at_the_start(tiny_world: Callable[..., Scenario]) -> None:
    a = tiny_world({"name": "a", **_withdraw_at("2024-05")})
    b = tiny_world({"name": "b", "description": "same world", **_withdraw_at("2024-05")})
    found = divergence(a, b)
    assert (found.month, found.index) == ("2024-01", 0)
    assert "same events" in found.reason


def test_a_different_world_differs_from_the_start(tiny_world: Callable[..., Scenario]) -> None:
    from sim.world.parameters import parameter_bounds

    a = tiny_world(_withdraw_at("2024-05"))
    name, value = next(iter(a.parameters.model_dump().items()))
    lo, hi = parameter_bounds(name)
    other = hi if value != hi else lo
    b = tiny_world({**_withdraw_at("2024-05"), "parameters": {name: other}})
    found = divergence(a, b)
    assert found.index == 0 and "parameters" in found.reason


def test_events_that_differ_after_the_run_do_not_move_the_start(
    tiny_world: Callable[..., Scenario],
) -> None:
    a, b = tiny_world(), tiny_world(_withdraw_at("2024-10"))
    assert divergence(a, b, months=9).index == 0
    assert divergence(a, b, months=10).index == 9


def test_window_means_average_from_start_to_horizon_inclusive() -> None:
    table = pd.DataFrame(
        {"replicate": [0] * 5 + [1] * 5, "month": list(range(5)) * 2,
         "x": [1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0]}
    )  # fmt: skip
    means = window_means(table, 3, start=2).set_index("replicate")["x"]
    assert means.to_dict() == {0: 3.5, 1: 35.0}
    assert window_means(table, 4).set_index("replicate")["x"].to_dict() == {0: 3.0, 1: 30.0}
    assert window_means(table, 2, start=2).set_index("replicate")["x"].to_dict() == {
        0: 3.0,
        1: 30.0,
    }
    with pytest.raises(ValueError, match="after its end"):
        window_means(table, 1, start=2)


def test_the_comparison_averages_from_the_divergence_month(
    tiny_world: Callable[..., Scenario], tmp_path: Path
) -> None:
    a = tiny_world({"name": "stays"})
    b = tiny_world({"name": "leaves", **_withdraw_at("2024-04")})
    result = compare_scenarios(a, b, reps=2, months=6, backend="serial", out=tmp_path / "cmp")
    assert result.divergence.index == 3
    table = result.table
    assert set(table["window_start"]) == {"2024-04"}
    import json

    manifest = json.loads((tmp_path / "cmp" / "manifest.json").read_text())
    assert manifest["divergence"]["month"] == "2024-04"
    assert "withdraw USA NER" in manifest["divergence"]["reason"]
    ner = table[(table["country"] == "NER") & (table["metric"] == "fatalities")].iloc[0]
    runs = {k: pd.read_parquet(tmp_path / "cmp" / "runs" / k / "countries") for k in ("a", "b")}
    by_rep = {
        k: r[(r["country"] == "NER") & (r["month"] >= 3)].groupby("replicate")["fatalities"].mean()
        for k, r in runs.items()
    }
    assert ner["mean_a"] == pytest.approx(by_rep["a"].mean())
    assert ner["diff"] == pytest.approx((by_rep["b"] - by_rep["a"]).mean())
    assert np.isfinite(ner["ci_low"])


# --- explaining a comparison: the channel decomposition ---------------------------------------


def test_every_channel_switches_off_real_parameters_inside_their_ranges() -> None:
    from sim.world.channels import CHANNELS
    from sim.world.parameters import Parameters

    fields = set(Parameters.model_fields)
    assert CHANNELS
    for name, channel in CHANNELS.items():
        assert channel.name == name and channel.label and channel.description
        assert channel.off, name
        unknown = set(channel.off) - fields
        assert not unknown, f"channel {name}: {sorted(unknown)} are not Parameters fields"
        Parameters(**channel.off)  # inside the ranges


def test_knockout_contributions_on_a_hand_made_table() -> None:
    from sim.engine.compare import INTERACTION, SUM_OF_PARTS, knockout_contributions

    def table(values: list[float]) -> pd.DataFrame:
        return pd.DataFrame({"replicate": [0, 1, 2], "x": values})

    a, b = table([1.0, 2.0, 3.0]), table([3.0, 6.0, 6.0])  # B - A = 2, 4, 3: effect 3
    off_1 = (table([1.0, 2.0, 3.0]), table([2.0, 3.0, 4.0]))  # 1, 1, 1: contribution 1, 3, 2
    off_2 = (table([0.0, 0.0, 0.0]), table([2.0, 4.0, 3.0]))  # 2, 4, 3: contribution 0
    parts = knockout_contributions((a, b), {"one": off_1, "two": off_2}).set_index("channel")
    assert list(parts.index) == ["one", "two", SUM_OF_PARTS, INTERACTION]
    assert parts.at["one", "contribution"] == pytest.approx(2.0)
    sd = np.std([1.0, 3.0, 2.0], ddof=1)
    from scipy import stats

    half = stats.t.ppf(0.975, 2) * sd / np.sqrt(3)
    assert parts.at["one", "ci_high"] == pytest.approx(2.0 + half)
    assert parts.at["one", "share_of_effect"] == pytest.approx(2 / 3)
    assert parts.at["two", "contribution"] == 0 and parts.at["two", "ci_low"] == 0
    assert parts.at[SUM_OF_PARTS, "contribution"] == pytest.approx(2.0)
    assert parts.at[INTERACTION, "contribution"] == pytest.approx(1.0)
    assert (parts["effect"] == 3).all() and (parts["n"] == 3).all()


def test_an_inert_channel_contributes_exactly_nothing(
    tiny_world: Callable[..., Scenario],
) -> None:
    from sim.engine.compare import INTERACTION, SUM_OF_PARTS
    from sim.world.channels import Channel

    a = tiny_world({"name": "stays"})
    b = tiny_world({"name": "leaves", "events": [{"at": "2024-03", "do": "withdraw",
                                                  "power": "USA", "country": "NER",
                                                  "ends_isr": True}]})  # fmt: skip
    same = a.parameters.isr_gain
    channels = {
        "inert": Channel("inert", "nothing", "Sets a parameter to its value.",
                         {"isr_gain": same}),
        "surveillance": Channel("surveillance", "lost surveillance", "No ISR.",
                                {"isr_gain": 0.0}),
    }  # fmt: skip
    result = compare_scenarios(a, b, reps=3, months=8, backend="serial", explain=True,
                               channels=channels)  # fmt: skip
    c = result.channels
    assert c is not None and result.explained == ("fatalities", "NER")
    assert set(c["channel"]) == {"inert", "surveillance", SUM_OF_PARTS, INTERACTION}
    assert set(c["window"]) == {"2024-03/2024-08"}
    inert = c[c["channel"] == "inert"]
    assert (inert["contribution"] == 0).all() and (inert["ci_low"] == 0).all()
    security = c[(c["metric"] == "security") & (c["group"] == "NER")].set_index("channel")
    effect = float(security.at["surveillance", "effect"])
    assert effect < 0  # the hub's security is lost
    assert float(security.at["surveillance", "contribution"]) < 0  # surveillance carries it
    total = float(security.loc[["inert", "surveillance"], "contribution"].sum())
    assert security.at[SUM_OF_PARTS, "contribution"] == pytest.approx(total)
    assert security.at[INTERACTION, "contribution"] == pytest.approx(effect - total)


@pytest.fixture
def tiny_pair(tmp_path: Path) -> tuple[Path, Path]:
    import yaml

    from tests.worlds import tiny_data

    stays = tmp_path / "stays.yaml"
    stays.write_text(yaml.safe_dump(tiny_data({"name": "stays"}), sort_keys=False))
    leaves = tmp_path / "leaves.yaml"
    event = {"at": "2024-03", "do": "withdraw", "power": "USA", "country": "NER"}
    leaves.write_text(yaml.safe_dump(tiny_data({"name": "leaves", "events": [event]})))
    return stays, leaves


def test_compare_explain_writes_the_channel_table_and_figure(
    cli: Callable[..., Any], tiny_pair: tuple[Path, Path], tmp_path: Path
) -> None:
    import json

    from sim.world.channels import CHANNELS

    out = tmp_path / "cmp"
    res = cli("compare", *map(str, tiny_pair), "--reps", "2", "--months", "6", "--explain",
              "--backend", "serial", "--out", str(out))  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "windows start 2024-03" in res.stdout and "What each channel carries" in res.stdout
    table = pd.read_csv(out / "channels.csv", keep_default_na=False)
    assert list(table.columns[:10]) == ["metric", "group", "window", "channel", "label",
                                        "contribution", "ci_low", "ci_high", "share_of_effect",
                                        "n"]  # fmt: skip
    assert set(CHANNELS) < set(table["channel"])
    assert {"NER", "region"} <= set(table["group"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert {"channels.csv", "channels.png"} <= set(manifest["files"])
    assert (out / "channels.png").stat().st_size > 0
    assert {"runs/knockouts/a", "runs/knockouts/b"} <= set(manifest["stores"])
    assert manifest["explain"]["group"] == "NER"
    assert len(manifest["runs"]) == 2 * 2 * (1 + len(CHANNELS))
    again = cli("compare", *map(str, tiny_pair), "--reps", "2", "--months", "6", "--explain",
                "--backend", "serial", "--out", str(out), "--quiet")  # fmt: skip
    assert again.returncode == 0, again.stderr  # the same experiment: it resumes


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (["--explain-metric", "fatality"], "--explain-metric 'fatality'"),
        (["--explain-group", "XYZ"], "--explain-group 'XYZ'"),
        (["--explain-metric", "total_fatalities"], "give --explain-group region"),
        (["--explain-metric", "fatalities", "--explain-group", "region"], "a country metric"),
    ],
)
def test_bad_explain_options_are_refused_before_any_run(
    cli: Callable[..., Any],
    tiny_pair: tuple[Path, Path],
    tmp_path: Path,
    option: list[str],
    expected: str,
) -> None:
    out = tmp_path / "cmp"
    res = cli("compare", *map(str, tiny_pair), "--reps", "2", "--months", "3", *option,
              "--out", str(out))  # fmt: skip
    assert res.returncode == 2
    assert res.stderr.startswith("error:") and len(res.stderr.strip().splitlines()) == 1
    assert expected in res.stderr
    assert not out.exists()
