"""Checks of command-line options, made before the first run starts.

Every function here either returns the option's value in the form the studies take or
raises :class:`~sim.errors.UsageError` (exit code 2) with a one-line message naming the
option, what was given and what was expected. The command functions in :mod:`sim.cli`
call them right after loading the scenarios and before touching any folder or starting
any run, so that a typo never costs an hour of simulation or an output folder.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from sim.errors import UsageError, did_you_mean
from sim.scenario.schema import NAME_PATTERN, Scenario, month_index, month_name, parse_month

MAX_RUNS = 1_000_000
"""Largest design (points x replicates) started without ``--yes``."""

RESULTS = Path("results")
"""Default parent folder of every command's output (relative to the current folder)."""


def split(values: Iterable[str] | None) -> list[str]:
    """Comma-separated or repeated option values as one list (``["a,b", "c"]`` -> a, b, c)."""
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def month(text: str, option: str = "--month") -> str:
    """A month given on the command line, strictly ``YYYY-MM`` with month 01-12."""
    try:
        return parse_month(text.strip())
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: expected a month as YYYY-MM (month 01-12), e.g. 2025-12"
        ) from None


def horizons(values: Iterable[str] | None, start: str, months: int) -> list[str] | None:
    """``--horizon`` months, each well-formed and inside the run (``start`` and the
    ``months`` that follow); ``None`` when none is given (the studies' default: the last)."""
    given = split(values)
    if not given:
        return None
    first, last = month_index(start), month_index(start) + months - 1
    out = []
    for text in given:
        index = month_index(month(text, "--horizon"))
        if not first <= index <= last:
            raise UsageError(
                f"--horizon {text}: outside the run; expected a month from {start} to"
                f" {month_name(last)} (the {months} simulated months)"
            )
        out.append(month_name(index))
    return out


def outputs(names: Iterable[str] | None, spec: Scenario, default: Sequence[str]) -> list[str]:
    """``--output`` names, each one of the summary outputs of a run of ``spec``.

    The known names are those the simulator's summary really produces (one month of the
    scenario is simulated to list them, a few milliseconds).
    """
    chosen = split(names) or list(default)
    from sim.studies.simulator import SahelSimulator

    sim = SahelSimulator(spec, months=1)
    known = sorted(sim.summarise(sim.simulate({}, seed=0)))
    for name in chosen:
        if name not in known:
            raise UsageError(
                f"--output {name!r} is not a summary output; expected one of:"
                f" {', '.join(known)}." + did_you_mean(name, known)
            )
    return chosen


def design_runs(
    spec: Scenario,
    params: Sequence[str],
    *,
    kind: str,
    reps: int,
    lhs: int | None = None,
    method: str = "morris",
    n: int = 10,
    second_order: bool = False,
    yes: bool = False,
    limit: int = MAX_RUNS,
) -> int:
    """Check a design's ``-p`` specs against the parameters' ranges and its size against
    ``limit``; return the number of runs (points x replicates).

    Args:
        kind: ``"grid"`` (``name=lo:hi:n``; with ``lhs`` a Latin hypercube of ``name=lo:hi``)
            or ``"sensitivity"`` (``name=lo:hi`` ranges for ``method`` with ``n``).
        yes: the user accepted a design over the limit (``--yes``).
    """
    from sim.engine.design import parse_param_specs, validate_ranges
    from sim.engine.errors import EngineError
    from sim.engine.sensitivity import design_size
    from sim.studies.simulator import SahelSimulator

    spec_kind = "sensitivity" if kind == "sensitivity" else ("lhs" if lhs else "grid")
    try:
        ranges = parse_param_specs(params, kind=spec_kind)  # type: ignore[arg-type]
        validate_ranges(
            ranges,
            SahelSimulator(spec).parameter_bounds(),
            hint="run `sahel parameters` to list the known parameters",
        )
    except EngineError as exc:
        raise UsageError(f"--param: {exc}") from None
    if kind == "sensitivity":
        if method not in ("morris", "sobol"):
            raise UsageError(f"--method {method!r}: expected morris or sobol")
        points = design_size(method, len(ranges), n, second_order)  # type: ignore[arg-type]
    elif lhs:
        points = lhs
    else:
        points = math.prod(r.n or 1 for r in ranges)
    runs = points * reps
    if runs > limit and not yes:
        raise UsageError(
            f"the design has {runs:,} runs ({points:,} points x {reps:,} replicates), more than"
            f" {limit:,}; pass --yes to start it anyway"
        )
    return runs


def default_out(*names: str) -> Path:
    """``results/<names joined by _>``: the default output folder of a command, always a
    folder directly under ``results/`` (scenario names are identifiers, checked again here
    because the folder may be replaced with ``--force``)."""
    import re

    for name in names:
        if not re.match(NAME_PATTERN, name):
            raise UsageError(
                f"scenario name {name!r} cannot name a results folder; expected letters,"
                " digits, '_' and '-'"
            )
    return RESULTS / "_".join(names)
