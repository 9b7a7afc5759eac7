"""Where each parameter value of a scenario comes from.

A scenario's parameters are resolved in three layers (see :mod:`sim.scenario.loader`): the
documented defaults of :class:`~sim.world.parameters.Parameters`, then the values of the
parameter file the scenario (or a scenario it extends) names in ``parameter_file:`` (for the
bundled scenarios, the calibrated values written by ``sahel calibrate``), then the values under
the scenario files' own ``parameters:``. :func:`resolved_parameters` reports, for every
parameter, the value a scenario runs with and which layer set it, next to the default, the
unit, the declared range and, when given, the range a calibration searched.
:func:`parameter_uses` groups those reports over several scenarios (one row per parameter,
scenarios with the same value and source together), which is what ``sahel parameters``
prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from sim.scenario.loader import (
    SCENARIO_DIR,
    _display,
    _resolve,
    bundled_scenarios,
    load_scenario,
    resolve_path,
)
from sim.scenario.schema import SetParameter
from sim.world.parameters import parameter_table

Source = Literal["default", "calibrated", "parameter file", "scenario"]
"""Which layer set a value: the code's default, a parameter file written by a calibration
(it holds a ``calibration:`` block), another parameter file, or a scenario file's own
``parameters:``."""

SOURCES: tuple[Source, ...] = ("default", "calibrated", "parameter file", "scenario")


@dataclass(frozen=True)
class ResolvedParameter:
    """One parameter of one scenario: the value it runs with and where that value comes from."""

    name: str
    value: float
    """The value the scenario starts with (in ``unit``)."""
    source: Source
    file: str | None
    """The file that sets the value (bundled files relative to the scenario folder);
    ``None`` for a default."""
    line: int | None
    """The line of ``file`` that sets the value."""
    default: float
    unit: str
    declared: tuple[float, float]
    """The allowed range declared with the parameter (``Parameters``)."""
    searched: tuple[float, float] | None
    """The range a calibration searched for this parameter; ``None`` if it is not fitted."""
    changes: tuple[tuple[str, float], ...] = ()
    """``(month, value)`` of the scenario's ``set_parameter`` events for this parameter."""
    justification: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain data (lists for ranges), e.g. for JSON."""
        out = asdict(self)
        for key in ("declared", "searched"):
            out[key] = list(out[key]) if out[key] is not None else None
        out["changes"] = [list(c) for c in self.changes]
        return out


def resolved_parameters(
    ref: str | Path, search_ranges: Mapping[str, tuple[float, float]] | None = None
) -> list[ResolvedParameter]:
    """Every parameter of scenario ``ref`` (a bundled name or a file), in declaration order.

    Args:
        ref: the scenario, as :func:`~sim.scenario.loader.load_scenario` takes it.
        search_ranges: the ``(low, high)`` range a calibration searched, per fitted parameter
            (``sim.studies.calibration.FREE_PARAMETERS``); reported as ``searched``.

    Raises:
        ScenarioError: if the scenario has problems (as :func:`load_scenario`).
    """
    scenario = load_scenario(ref)
    path = resolve_path(ref)
    data, origins = _resolve(path, [], _display(path))
    own = data.get("parameters")
    own = own if isinstance(own, dict) else {}
    changes: dict[str, list[tuple[str, float]]] = {}
    for event in scenario.events:
        if isinstance(event, SetParameter):
            changes.setdefault(event.name, []).append((event.at, float(event.value)))
    ranges = search_ranges or {}
    kinds: dict[str, Source] = {}
    out = []
    for row in parameter_table():
        name = row["name"]
        file: str | None = None
        line: int | None = None
        source: Source = "default"
        if name in own:
            shown, line = origins.get(("parameters", name), (None, None))
            if shown is not None:
                if shown not in kinds:
                    kinds[shown] = _kind_of_file(shown)
                source = kinds[shown]
                file = _short(shown)
            else:  # set, but the loader kept no origin: it still comes from a scenario file
                source = "scenario"
        searched = ranges.get(name)
        out.append(
            ResolvedParameter(
                name=name,
                value=float(getattr(scenario.parameters, name)),
                source=source,
                file=file,
                line=line,
                default=float(row["default"]),
                unit=row["unit"],
                declared=(float(row["min"]), float(row["max"])),
                searched=(float(searched[0]), float(searched[1])) if searched else None,
                changes=tuple(sorted(changes.get(name, []))),
                justification=row["justification"],
            )
        )
    return out


@dataclass(frozen=True)
class ParameterUse:
    """One parameter across several scenarios: the distinct (value, source) pairs in use."""

    name: str
    default: float
    unit: str
    declared: tuple[float, float]
    searched: tuple[float, float] | None
    justification: str
    uses: tuple[tuple[float, Source, tuple[str, ...]], ...] = field(default=())
    """``(value, source, scenarios)``: the scenarios that run with this value from this
    source, most common first."""


def parameter_uses(by_scenario: Mapping[str, list[ResolvedParameter]]) -> list[ParameterUse]:
    """Group :func:`resolved_parameters` of several scenarios by parameter (one entry per
    parameter, in declaration order), scenarios with the same value and source together."""
    first = next(iter(by_scenario.values()), [])
    out = []
    for i, base in enumerate(first):
        groups: dict[tuple[float, Source], list[str]] = {}
        for scenario, records in by_scenario.items():
            rec = records[i]
            groups.setdefault((rec.value, rec.source), []).append(scenario)
        uses = sorted(groups.items(), key=lambda kv: (-len(kv[1]), SOURCES.index(kv[0][1])))
        out.append(
            ParameterUse(
                name=base.name,
                default=base.default,
                unit=base.unit,
                declared=base.declared,
                searched=base.searched,
                justification=base.justification,
                uses=tuple((v, s, tuple(names)) for (v, s), names in uses),
            )
        )
    return out


def bundled_resolved_parameters(
    search_ranges: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, list[ResolvedParameter]]:
    """:func:`resolved_parameters` of every bundled scenario, by name."""
    return {name: resolved_parameters(name, search_ranges) for name in bundled_scenarios()}


def _short(shown: str) -> str:
    """A bundled file relative to the scenario folder; any other file as the loader shows it."""
    try:
        return Path(shown).resolve().relative_to(SCENARIO_DIR.resolve()).as_posix()
    except ValueError:
        return shown


def _kind_of_file(shown: str) -> Source:
    """Whether the file that set a value is a parameter file (only ``parameters:``, and
    ``calibration:`` when a calibration wrote it) or a scenario file."""
    try:
        data = yaml.safe_load(Path(shown).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):  # the loader read it a moment ago; be safe anyway
        return "scenario"
    if not isinstance(data, dict) or set(data) - {"calibration", "parameters"}:
        return "scenario"
    return "calibrated" if "calibration" in data else "parameter file"
