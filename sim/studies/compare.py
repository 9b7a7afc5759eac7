"""Paired comparison of two Sahel scenarios: replicate r of both shares its seed.

:func:`compare_scenarios` runs A and B through the experiment engine (each into its own
store, ``runs/a`` and ``runs/b``, so an interrupted comparison resumes) and compares every
metric, averaged over windows that start at the first month the two scenarios differ
(:func:`divergence`) and end at each horizon: the means of A and B, the paired difference
B - A with its 95% confidence interval, the relative change, and in words whether the
difference is real and large enough to matter (:func:`sim.engine.compare.assess`:
*negligible* means below :data:`~sim.engine.compare.NEGLIGIBLE_PERCENT` percent of A's mean).
Each metric's unit comes from the model's metric table (:mod:`sim.world.metrics`).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.compare import (
    INTERACTION,
    SUM_OF_PARTS,
    difference_figure,
    difference_over_time,
    knockout_contributions,
    paired_difference,
    window_means,
    with_assessment,
)
from sim.engine.core import Run, make_run
from sim.engine.outputs import OutputFolder
from sim.scenario import Scenario, load_scenario, month_index, month_name
from sim.studies.provenance import manifest
from sim.studies.simulator import SahelSimulator
from sim.world.channels import Channel

Progress = Callable[[int, int], Any]

HEADLINE = ("total_fatalities", "regional_stability", "western_influence", "russian_influence")
"""Regional metrics whose difference over time is kept and drawn."""

FOCUS_METRICS = ("fatalities", "insurgent_strength", "control", "security")
"""Country metrics followed over time in the countries the two timelines treat differently."""


def metric_unit(name: str) -> str:
    """The unit of a metric column as the model's metric table gives it ("" if unknown);
    ``influence_USA`` and the like resolve through the table's ``influence_<POWER>`` rows."""
    from sim.world.metrics import COUNTRY_METRICS, REGIONAL_METRICS

    for metric in (*REGIONAL_METRICS, *COUNTRY_METRICS):
        if metric.name == name:
            return metric.unit
    for metric in (*REGIONAL_METRICS, *COUNTRY_METRICS):
        prefix = metric.name.split("<")[0]
        if "<" in metric.name and name.startswith(prefix) and name != prefix:
            return metric.unit
    return ""


@dataclass
class Comparison:
    """The result of :func:`compare_scenarios`.

    Attributes:
        table: one row per horizon, table (``regional`` or ``countries``), country and
            metric: means over the window from ``window_start`` (the divergence month) to
            ``horizon``, both inclusive, with ``unit``, ``mean_a``, ``mean_b``, ``diff``
            (B - A), ``ci_low``/``ci_high`` (95%), ``relative_change_pct`` (percent of A's
            mean), ``assessment`` (``no difference``, ``within noise``, ``negligible``,
            ``increase``, ``decrease``), ``paired_halfwidth``, ``unpaired_halfwidth`` and
            ``narrowing``.
        over_time: paired difference per month for the headline metrics.
        folder: where the runs, tables and figure were written (None if not written).
        label_a, label_b: the scenarios' names.
        divergence: the first month the two scenarios differ (:func:`divergence`), where
            every window starts.
        channels: with ``explain``, the channel table: per metric, ``group`` (a country or
            ``region``), ``window`` (``<first month>/<horizon>``) and ``channel`` (each
            knocked-out channel, then ``sum of channels`` and ``interaction``): its
            ``label``, ``contribution`` to B - A with ``ci_low``/``ci_high`` (paired 95%),
            ``share_of_effect``, ``n`` (pairs), ``effect`` (B - A), ``effect_off`` (B - A
            with the channel off) and ``unit``.
        explained: the (metric, group) the channel figure shows.
        knockouts: the channels knocked out.
    """

    table: pd.DataFrame
    over_time: dict[str, pd.DataFrame]
    folder: Path | None
    label_a: str
    label_b: str
    divergence: Divergence
    channels: pd.DataFrame | None = None
    explained: tuple[str, str] | None = None
    knockouts: dict[str, Channel] = field(default_factory=dict)


@dataclass(frozen=True)
class Divergence:
    """Where two scenarios' histories part: the first month at which they differ.

    Attributes:
        month: that month, ``YYYY-MM``.
        index: months after the scenarios' start (0: they differ from the start).
        reason: how it was found, in words (the differing events, or why it is the start).
    """

    month: str
    index: int
    reason: str

    def record(self) -> dict[str, Any]:
        """JSON-ready, for the manifest."""
        return {"month": self.month, "index": self.index, "reason": self.reason}


WORLD_FIELDS_SKIPPED = ("name", "description", "extends", "parameter_file", "months", "seed",
                        "events")  # fmt: skip
"""Scenario fields that do not make two worlds differ at the start: labels, where the values
came from (already resolved into the others), run length and seed (the comparison sets both)
and the timeline (compared month by month)."""

EVENT_TEXT = ("note", "source")
"""Event fields that only document an event: two events differing only there are the same."""


def _event_key(event: Any) -> str:
    return str(event.model_dump_json(exclude=set(EVENT_TEXT)))


def _event_words(event: Any) -> str:
    what = [event.do, getattr(event, "power", None), getattr(event, "country", None)]
    return " ".join(str(w) for w in what if w)


def _event_difference(name_a: str, ea: list[Any], name_b: str, eb: list[Any]) -> str:
    """In words, what one month's events of A and B do not share (``only in us_stays: stay
    USA NER``), or that they are the same events in another order."""
    keys_a, keys_b = [_event_key(e) for e in ea], [_event_key(e) for e in eb]
    only_a = [_event_words(e) for e, k in zip(ea, keys_a, strict=True) if k not in keys_b]
    only_b = [_event_words(e) for e, k in zip(eb, keys_b, strict=True) if k not in keys_a]
    parts = [f"only in {n}: {'; '.join(w)}" for n, w in ((name_a, only_a), (name_b, only_b)) if w]
    return ", ".join(parts) or "the same events in another order, or repeated"


def divergence(a: Scenario, b: Scenario, months: int | None = None) -> Divergence:
    """The first month at which scenarios ``a`` and ``b`` differ.

    Two scenarios that start from different worlds (countries, powers, groups, blocs,
    borders, rivalries or parameters differ) differ from the start. Otherwise their resolved
    timelines are compared month by month: a month's events are the same when the two lists
    hold the same events (all fields but :data:`EVENT_TEXT`) in the same order; the first
    month where they are not is the divergence month. Scenarios whose timelines never differ
    within the ``months`` simulated (default: the shorter scenario) diverge at the start: the
    windows then cover the whole run.
    """
    start = month_index(a.start)
    n_months = months if months is not None else min(a.months, b.months)
    if a.start != b.start:
        return Divergence(a.start, 0, f"the scenarios start in different months ({a.start}, "
                          f"{b.start})")  # fmt: skip
    da, db = a.model_dump(mode="json"), b.model_dump(mode="json")
    world = [k for k in da if k not in WORLD_FIELDS_SKIPPED and da[k] != db.get(k)]
    if world:
        return Divergence(
            a.start, 0, f"{a.name} and {b.name} differ from the start in: {', '.join(world)}"
        )
    timeline: dict[int, tuple[list[Any], list[Any]]] = {}
    for side, spec in enumerate((a, b)):
        for event in spec.events:
            timeline.setdefault(month_index(event.at), ([], []))[side].append(event)
    for index in sorted(timeline):
        ea, eb = timeline[index]
        if [_event_key(e) for e in ea] == [_event_key(e) for e in eb]:
            continue
        month = month_name(index)
        offset = index - start
        if offset >= n_months:
            break
        what = _event_difference(a.name, ea, b.name, eb)
        if offset <= 0:
            return Divergence(a.start, 0, f"the scheduled events first differ in {month}, at "
                              f"or before the start ({what})")  # fmt: skip
        return Divergence(month, offset, f"first month whose scheduled events differ ({what})")
    return Divergence(
        a.start, 0,
        "the scenarios schedule the same events in the simulated months; windows start at "
        "the first month",
    )  # fmt: skip


def _horizon_index(scn: Scenario, months: int, horizon: str | None, first: int = 0) -> int:
    if horizon is None:
        return months - 1
    index = month_index(horizon) - month_index(scn.start)
    if not first <= index < months:
        from sim.errors import UsageError

        lo = pd.Period(scn.start, "M") + first
        why = " (where the two scenarios first differ)" if first else ""
        raise UsageError(
            f"--horizon {horizon}: expected a month between {lo}{why} and the last simulated "
            f"month ({pd.Period(scn.start, 'M') + months - 1})"
        )
    return index


def _focus_countries(a: Scenario, b: Scenario) -> list[str]:
    """Countries named by events that differ between the two timelines."""
    ea = {e.model_dump_json() for e in a.events}
    eb = {e.model_dump_json() for e in b.events}
    out: list[str] = []
    for e in [*a.events, *b.events]:
        if (e.model_dump_json() in ea) != (e.model_dump_json() in eb):
            iso = getattr(e, "country", None)
            if iso and iso not in out:
                out.append(iso)
    return out


REGION = "region"
"""The ``group`` of a regional metric in the channel table (countries are ISO3 codes)."""


def _metric_names(spec: Scenario) -> tuple[list[str], list[str]]:
    """The numeric metrics the model records for ``spec``: (regional, country), patterns
    (``influence_<POWER>``) spelled out for the scenario's powers, blocs and actors."""
    from sim.world.metrics import COUNTRY_METRICS, REGIONAL_METRICS

    def names(metrics: Sequence[Any]) -> list[str]:
        out: list[str] = []
        for m in metrics:
            if m.unit == "category":
                continue
            if "<POWER>" in m.name:
                out += [m.name.replace("<POWER>", p) for p in spec.powers]
            elif "<BLOC>" in m.name:
                out += [m.name.replace("<BLOC>", b) for b in spec.blocs]
            elif "<ACTOR>" in m.name:
                out += [m.name.replace("<ACTOR>", x) for x in (*spec.powers, *spec.groups)]
            else:
                out.append(m.name)
        return out

    return names(REGIONAL_METRICS), names(COUNTRY_METRICS)


def explain_target(
    a: Scenario, b: Scenario, metric: str | None = None, group: str | None = None
) -> tuple[str, str]:
    """The (metric, group) whose channel decomposition is drawn and printed, checked.

    ``group`` is a country of the scenarios (ISO3) or :data:`REGION`; by default the first
    country the two timelines treat differently (else the region). ``metric`` is a metric
    of that group's table; by default the first of :data:`FOCUS_METRICS` for a country, the
    first of :data:`HEADLINE` for the region.

    Raises:
        UsageError: an unknown group or metric, or a metric of the other table (the message
            names ``--explain-group`` or ``--explain-metric``).
    """
    from sim.errors import UsageError, did_you_mean

    countries = [iso for iso in a.countries if iso in b.countries]
    if group is None:
        focus = [iso for iso in _focus_countries(a, b) if iso in countries]
        group = focus[0] if focus else REGION
    if group != REGION and group not in countries:
        known = [REGION, *countries]
        raise UsageError(
            f"--explain-group {group!r}: expected a country of both scenarios or {REGION!r} "
            f"(one of {', '.join(known)}).{did_you_mean(group, known)}"
        )
    regional, country = _metric_names(a)
    own, other = (regional, country) if group == REGION else (country, regional)
    if metric is None:
        metric = (HEADLINE if group == REGION else FOCUS_METRICS)[0]
    if metric not in own:
        if metric in other:
            kind, fix = ("country", "a country") if group == REGION else ("regional", REGION)
            hint = f"it is a {kind} metric; give --explain-group {fix}"
        else:
            hint = f"expected one of {', '.join(own)}.{did_you_mean(metric, own + other)}"
        what = "the region" if group == REGION else group
        raise UsageError(f"--explain-metric {metric!r}: not a metric of {what}; {hint}")
    return metric, group


def _checked_channels(channels: Mapping[str, Channel], spec: Scenario) -> dict[str, Channel]:
    """The channels, each one's ``off`` checked against the model's parameters."""
    from pydantic import ValidationError

    from sim.errors import UsageError
    from sim.world.parameters import Parameters

    for name, channel in channels.items():
        try:
            Parameters.model_validate({**spec.parameters.model_dump(), **channel.off})
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"])
            raise UsageError(
                f"channel {name!r}: off.{where}: {problem['msg']} (sim/world/channels.py)"
            ) from None
    return dict(channels)


def compare_scenarios(
    a: Scenario | str,
    b: Scenario | str,
    *,
    reps: int = 30,
    seed: int | None = None,
    months: int | None = None,
    horizons: Sequence[str] | None = None,
    out: Path | str | None = None,
    force: bool = False,
    backend: Any = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    explain: bool = False,
    channels: Mapping[str, Channel] | None = None,
    explain_metric: str | None = None,
    explain_group: str | None = None,
) -> Comparison:
    """Run A and B with paired seeds and compare every metric.

    Args:
        a, b: scenarios (objects, bundled names or paths); the difference reported is B - A.
        reps: replicates per scenario (pairs).
        seed: root seed (default: A's scenario seed); replicate r of both gets the same seed.
        months: months to simulate (default: the shorter of the two scenarios).
        horizons: months ``YYYY-MM`` at which to report window means (default: the last
            month). Every window starts at the divergence month (:func:`divergence`): the
            first month whose scheduled events differ; before it the two timelines are the
            same world and their difference is only noise.
        out: results folder; re-running the same comparison there resumes it.
        force: start afresh in ``out`` (deleting only what an earlier experiment wrote).
        backend, workers, scheduler: where runs execute (see ``sim.engine.execute``).
        progress: called with (runs done, runs total).
        explain: also decompose every difference into the model's causal channels (a
            knock-out per channel, both scenarios, the same seeds; see
            :func:`sim.engine.compare.knockout_contributions`): ``Comparison.channels``,
            ``channels.csv`` and ``channels.png``. The knock-out runs go into the stores
            ``runs/knockouts/a`` and ``runs/knockouts/b`` and resume like the others.
        channels: the channels to knock out (default: :data:`sim.world.channels.CHANNELS`).
        explain_metric, explain_group: what the figure shows (:func:`explain_target`).
    """
    from sim.engine.execute import execute
    from sim.world.channels import CHANNELS

    spec_a = a if isinstance(a, Scenario) else load_scenario(a)
    spec_b = b if isinstance(b, Scenario) else load_scenario(b)
    if spec_a.start != spec_b.start:
        from sim.errors import UsageError

        raise UsageError(
            f"{spec_a.name} starts {spec_a.start} but {spec_b.name} starts {spec_b.start}; "
            "paired comparison needs the same start month"
        )
    n_months = months if months is not None else min(spec_a.months, spec_b.months)
    root = spec_a.seed if seed is None else seed
    sims = {
        "a": SahelSimulator(spec_a, months=n_months),
        "b": SahelSimulator(spec_b, months=n_months),
    }
    runs = {
        k: [make_run(s, point=0, replicate=r, root_seed=root, label=s.name) for r in range(reps)]
        for k, s in sims.items()
    }
    parting = divergence(spec_a, spec_b, n_months)
    wanted: list[str | None] = list(horizons) if horizons else [None]
    horizon_idx = [_horizon_index(spec_a, n_months, h, parting.index) for h in wanted]
    knockouts: dict[str, Channel] = {}
    target: tuple[str, str] | None = None
    if explain:
        target = explain_target(spec_a, spec_b, explain_metric, explain_group)
        knockouts = _checked_channels(CHANNELS if channels is None else channels, spec_a)
    knocked: dict[str, dict[str, list[Run]]] = {  # scenario -> channel -> runs, channel off
        k: {name: [make_run(s, point=i + 1, replicate=r, root_seed=root, params=ch.off,
                            label=f"{s.name} without {name}") for r in range(reps)]
            for i, (name, ch) in enumerate(knockouts.items())}
        for k, s in sims.items()
    }  # fmt: skip
    knocked_runs = {k: [r for batch in by_channel.values() for r in batch]
                    for k, by_channel in knocked.items()}  # fmt: skip
    payload: dict[str, Any] = {
        "a": spec_a.name, "b": spec_b.name, "reps": reps, "root_seed": root, "months": n_months,
        "resolved_scenarios": {"a": spec_a.model_dump(mode="json"),
                               "b": spec_b.model_dump(mode="json")},
    }  # fmt: skip
    if explain:
        payload["channels"] = {name: dict(ch.off) for name, ch in knockouts.items()}
    record = manifest(
        "compare", payload, [*runs["a"], *runs["b"], *knocked_runs["a"], *knocked_runs["b"]]
    )
    stores: list[tuple[str, str, list[Run], dict[str, Any]]] = [
        (f"runs/{k}", k, runs[k], {}) for k in sims
    ]
    if explain:
        stores += [(f"runs/knockouts/{k}", k, knocked_runs[k], payload["channels"]) for k in sims]
    tables: dict[str, dict[str, pd.DataFrame]] = {}
    started = time.perf_counter()
    total = sum(len(batch) for _, _, batch, _ in stores)
    done_before = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = OutputFolder(out if out is not None else Path(tmp) / "compare")
        folder.claim(record, force=force)
        for rel, key, batch, off in stores:
            sim = sims[key]
            facts: dict[str, Any] = {"scenario": sim.name, "identity": sim.identity()}
            if off:
                facts["channels"] = off
            store = folder.store(rel, manifest("runs", facts, batch))

            def step(done: int, _total: int, offset: int = done_before) -> None:
                if progress is not None:
                    progress(offset + done, total)

            execute(sim, batch, store, backend=backend, workers=workers,
                    scheduler=scheduler, progress=step)  # fmt: skip
            done_before += len(batch)
            tables[rel] = {name: store.read(name) for name in ("regional", "countries")}
    seconds = time.perf_counter() - started

    kinds: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("regional", ()),
        ("countries", ("country",)),
    )
    rows = []
    for h in horizon_idx:
        label = str(pd.Period(spec_a.start, "M") + h)
        for name, by in kinds:
            wa = window_means(tables["runs/a"][name], h, start=parting.index, by=by)
            wb = window_means(tables["runs/b"][name], h, start=parting.index, by=by)
            diff = paired_difference(wa, wb, by=by)
            diff.insert(0, "table", name)
            diff.insert(0, "horizon", label)
            diff.insert(0, "window_start", parting.month)
            if not by:
                diff.insert(2, "country", "")
            rows.append(diff)
    table = with_assessment(pd.concat(rows, ignore_index=True))
    table.insert(list(table.columns).index("metric") + 1, "unit", table["metric"].map(metric_unit))
    order = ["window_start", "horizon", "table", "country", "metric", "unit", "mean_a",
             "mean_b", "diff", "ci_low", "ci_high", "relative_change_pct",
             "assessment"]  # fmt: skip
    table = table[[*order, *(c for c in table.columns if c not in order)]]

    explained = None
    if explain:
        explained = _channel_table(tables, knocked, knockouts, horizon_idx, parting, spec_a)

    over_time = {
        m: difference_over_time(tables["runs/a"]["regional"], tables["runs/b"]["regional"], m)
        for m in HEADLINE
    }
    for iso in _focus_countries(spec_a, spec_b):
        ca = tables["runs/a"]["countries"]
        cb = tables["runs/b"]["countries"]
        for metric in FOCUS_METRICS:
            over_time[f"{metric} ({iso})"] = difference_over_time(
                ca[ca["country"] == iso], cb[cb["country"] == iso], metric
            )
    result = Comparison(
        table, over_time, Path(out) if out is not None else None, spec_a.name, spec_b.name,
        parting, explained, target, knockouts,
    )  # fmt: skip
    if out is not None:
        _write_comparison(result, OutputFolder(out), seconds=seconds)
    return result


CHANNEL_COLUMNS = ("metric", "group", "window", "channel", "label", "contribution", "ci_low",
                   "ci_high", "share_of_effect", "n", "effect", "effect_off", "unit")  # fmt: skip
"""Columns of the channel table (``channels.csv``)."""


def _channel_table(
    tables: Mapping[str, Mapping[str, pd.DataFrame]],
    knocked: Mapping[str, Mapping[str, list[Run]]],
    knockouts: Mapping[str, Channel],
    horizon_idx: Sequence[int],
    parting: Divergence,
    spec: Scenario,
) -> pd.DataFrame:
    """Every metric's difference B - A split into the channels' contributions, per group
    (:data:`REGION` or a country) and window (``<divergence month>/<horizon>``)."""
    kinds: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("regional", ()),
        ("countries", ("country",)),
    )
    ids = {
        (key, name): {r.run_id for r in batch}
        for key, by_channel in knocked.items()
        for name, batch in by_channel.items()
    }
    labels = {name: ch.label for name, ch in knockouts.items()}
    labels |= {SUM_OF_PARTS: SUM_OF_PARTS, INTERACTION: INTERACTION}
    out = []
    for h in horizon_idx:
        window = f"{parting.month}/{pd.Period(spec.start, 'M') + h}"
        for table, by in kinds:

            def means(frame: pd.DataFrame, h: int = h, by: tuple[str, ...] = by) -> pd.DataFrame:
                return window_means(frame, h, start=parting.index, by=by)

            full = (means(tables["runs/a"][table]), means(tables["runs/b"][table]))
            off = {}
            for name in knockouts:
                pair = []
                for key in ("a", "b"):
                    frame = tables[f"runs/knockouts/{key}"][table]
                    pair.append(means(frame[frame["run_id"].isin(ids[(key, name)])]))
                off[name] = (pair[0], pair[1])
            parts = knockout_contributions(full, off, by=by)
            parts.insert(0, "window", window)
            parts.insert(0, "group", parts.pop("country") if by else REGION)
            out.append(parts)
    frame = pd.concat(out, ignore_index=True)
    frame["label"] = frame["channel"].map(labels)
    frame["unit"] = frame["metric"].map(metric_unit)
    return frame[list(CHANNEL_COLUMNS)]


def _write_comparison(result: Comparison, folder: OutputFolder, *, seconds: float) -> None:
    folder.write_parquet(result.table, "comparison.parquet")
    folder.write_csv(result.table, "comparison.csv")
    series = pd.concat({k: v for k, v in result.over_time.items()}, names=["metric"]).reset_index(
        level=0
    )
    folder.write_csv(series, "difference_over_time.csv")
    units = {k: metric_unit(k.split(" (")[0]) for k in result.over_time}
    fig = difference_figure(result.over_time, label_a=result.label_a, label_b=result.label_b,
                            units=units)  # fmt: skip
    folder.write_figure(fig, "difference.png")
    entries: dict[str, Any] = {}
    if result.channels is not None and result.explained is not None:
        from sim.views.figures import channel_contributions

        folder.write_csv(result.channels, "channels.csv")
        metric, group = result.explained
        fig = channel_contributions(result.channels, metric, group, label_a=result.label_a,
                                    label_b=result.label_b)  # fmt: skip
        folder.write_figure(fig, "channels.png")
        entries["explain"] = {
            "metric": metric, "group": group,
            "channels": {n: {"label": c.label, "off": dict(c.off)}
                         for n, c in result.knockouts.items()},
        }  # fmt: skip
    horizons = sorted(set(result.table["horizon"]))
    folder.finish(horizons=horizons, divergence=result.divergence.record(), **entries,
                  timings={"seconds_total": round(seconds, 3)})  # fmt: skip
