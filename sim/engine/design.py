"""Experimental designs: parameter ranges, full-factorial grids, Latin hypercubes and runs.

A design is a list of *points*, each a ``{parameter name: value}`` dict of overrides. Point
``i`` of a design is run ``reps`` times; replicate ``r`` of every point gets the same seed
(common random numbers), so differences between points are not blurred by different draws.
Nothing here knows what is simulated: parameter names and their allowed ranges come from the
simulator's ``parameter_bounds()``.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import qmc

from sim.engine.core import Run, Simulator, make_run
from sim.engine.errors import EngineError

SpecKind = Literal["grid", "lhs", "sensitivity"]

#: What an unknown-parameter message points the user to (front ends pass their own).
PARAMETERS_HINT = "the simulator's parameter_bounds() lists the known parameters"


@dataclass(frozen=True)
class ParamRange:
    """The values a design gives one parameter.

    Attributes:
        name: parameter name, as in the simulator's ``parameter_bounds()``.
        lo: lowest value (parameter units).
        hi: highest value (parameter units); ``lo == hi`` holds the parameter fixed.
        n: number of evenly spaced grid values from ``lo`` to ``hi`` inclusive (``n=1``
            means the single value ``lo``); ``None`` for sampled designs (Latin hypercube,
            sensitivity), where the design decides how many values are drawn.
    """

    name: str
    lo: float
    hi: float
    n: int | None = None

    def __post_init__(self) -> None:
        problems = _range_problems(self.name, self.lo, self.hi, self.n)
        if problems:
            raise EngineError("; ".join(problems))

    @property
    def fixed(self) -> bool:
        """Whether the parameter takes a single value (``lo == hi`` or ``n == 1``)."""
        return self.lo == self.hi or self.n == 1

    def values(self) -> list[float]:
        """The grid values: ``n`` points from ``lo`` to ``hi`` (``[lo]`` when ``n == 1``)."""
        if self.n is None:
            raise EngineError(
                f"{self.name}: a grid needs a number of values; write {self.name}=lo:hi:n"
            )
        if self.n == 1:
            return [float(self.lo)]
        return [float(v) for v in np.linspace(self.lo, self.hi, self.n)]


def _range_problems(name: str, lo: float, hi: float, n: int | None) -> list[str]:
    """Everything wrong with a range, as messages naming the parameter."""
    problems = []
    if not name or not name.strip():
        problems.append("a parameter range needs a name")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        problems.append(f"{name}: bounds must be finite numbers, got {lo}:{hi}")
    elif lo > hi:
        problems.append(f"{name}: lower bound {lo:g} is above upper bound {hi:g}")
    if n is not None:
        if n < 1:
            problems.append(f"{name}: the number of values must be at least 1, got {n}")
        elif n > 1 and lo == hi:
            problems.append(
                f"{name}: {n} values of a single number {lo:g}; write {name}={lo:g} instead"
            )
    return problems


def _number(text: str, what: str, spec: str) -> float:
    """Parse a float, or raise a EngineError quoting the spec."""
    try:
        value = float(text)
    except ValueError:
        raise EngineError(f"{spec!r}: {what} {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise EngineError(f"{spec!r}: {what} must be a finite number, got {text.strip()!r}")
    return value


def parse_param_spec(spec: str, *, kind: SpecKind = "grid") -> ParamRange:
    """Parse ``name=lo:hi:n``, ``name=lo:hi`` or ``name=value`` into a :class:`ParamRange`.

    Args:
        spec: the command-line text. ``name=value`` fixes the parameter (``n=1``).
            ``name=lo:hi:n`` gives ``n`` evenly spaced grid values from ``lo`` to ``hi``.
            ``name=lo:hi`` gives a range for a sampled design (Latin hypercube, sensitivity).
        kind: ``"grid"`` needs ``n`` on every range; ``"lhs"`` and ``"sensitivity"`` forbid
            it, since the design decides how many values are drawn.

    Raises:
        EngineError: on a missing ``=``, an empty name, non-numbers, ``lo > hi``, ``n < 1``,
            a non-integer ``n``, ``n`` missing for a grid or given for a sampled design.
    """
    if kind not in ("grid", "lhs", "sensitivity"):
        raise ValueError(f"kind must be 'grid', 'lhs' or 'sensitivity', got {kind!r}")
    if "=" not in spec:
        raise EngineError(
            f"{spec!r}: expected name=lo:hi:n, name=lo:hi or name=value (no '=' found)"
        )
    name, _, rest = spec.partition("=")
    name = name.strip()
    if not name:
        raise EngineError(f"{spec!r}: the parameter name before '=' is empty")
    parts = rest.split(":")
    if len(parts) > 3:
        raise EngineError(f"{spec!r}: expected at most lo:hi:n after '=', got {len(parts)} parts")
    if len(parts) == 1:
        value = _number(parts[0], "value", spec)
        return ParamRange(name, value, value, 1)
    lo = _number(parts[0], "lower bound", spec)
    hi = _number(parts[1], "upper bound", spec)
    n: int | None = None
    if len(parts) == 3:
        if kind != "grid":
            design = "a Latin hypercube" if kind == "lhs" else "a sensitivity design"
            raise EngineError(
                f"{spec!r}: {design} takes a range name=lo:hi without a number of values; "
                "the number of points is set for the whole design"
            )
        text = parts[2].strip()
        try:
            n = int(text)
        except ValueError:
            raise EngineError(
                f"{spec!r}: the number of values {text!r} is not a whole number"
            ) from None
    elif kind == "grid":
        raise EngineError(f"{spec!r}: a grid needs a number of values; write {name}={rest}:n")
    problems = _range_problems(name, lo, hi, n)
    if problems:
        raise EngineError(f"{spec!r}: " + "; ".join(problems))
    return ParamRange(name, lo, hi, n)


def parse_param_specs(specs: Iterable[str], *, kind: SpecKind = "grid") -> list[ParamRange]:
    """Parse several specs with :func:`parse_param_spec`, reporting every bad one at once.

    Raises:
        EngineError: listing one problem per malformed spec.
    """
    ranges, problems = [], []
    for spec in specs:
        try:
            ranges.append(parse_param_spec(spec, kind=kind))
        except EngineError as err:
            problems.append(str(err))
    if problems:
        raise EngineError(_listing("parameter range", problems))
    return ranges


def _listing(what: str, problems: Sequence[str]) -> str:
    """A header counting ``problems`` and one indented line each (or just the one)."""
    if len(problems) == 1:
        return problems[0]
    return "\n".join([f"{len(problems)} problems with the {what}s:", *("  " + p for p in problems)])


def validate_ranges(
    ranges: Sequence[ParamRange],
    bounds: Mapping[str, tuple[float, float, float]],
    *,
    hint: str = PARAMETERS_HINT,
) -> None:
    """Check ranges against a simulator's ``parameter_bounds()``; raise on any problem.

    Args:
        ranges: the design's parameter ranges.
        bounds: ``{name: (min, max, default)}`` of every parameter that may be varied.
        hint: where the user can see the known names (appended to unknown-name messages).

    Raises:
        EngineError: listing every problem: unknown names (with close matches), ranges
            reaching outside a parameter's allowed ``[min, max]``, names given twice.
    """
    problems: list[str] = []
    counts = Counter(r.name for r in ranges)
    for name, count in counts.items():
        if count > 1:
            problems.append(f"{name}: given {count} times; give each parameter once")
    seen: set[str] = set()
    for r in ranges:
        if r.name in seen:
            continue
        seen.add(r.name)
        if r.name not in bounds:
            close = difflib.get_close_matches(r.name, list(bounds), n=3, cutoff=0.6)
            guess = f"; did you mean {' or '.join(close)}?" if close else ""
            problems.append(f"{r.name}: unknown parameter{guess} ({hint})")
            continue
        pmin, pmax = bounds[r.name][0], bounds[r.name][1]
        if r.lo < pmin or r.hi > pmax:
            given = f"{r.lo:g}" if r.lo == r.hi else f"{r.lo:g}..{r.hi:g}"
            problems.append(f"{r.name}: {given} is outside the allowed range [{pmin:g}, {pmax:g}]")
    if problems:
        raise EngineError(_listing("parameter range", problems))


def grid(ranges: Sequence[ParamRange]) -> list[dict[str, float]]:
    """Full-factorial design: every combination of every range's grid values.

    Points come in a fixed order: the first range varies slowest and the last fastest
    (as in nested loops over ``ranges`` in the order given). The design has the product of
    the ``n`` of all ranges points; no ranges gives one empty point (the defaults).

    Raises:
        EngineError: if a range has no ``n`` (it was parsed for a sampled design).
    """
    names = [r.name for r in ranges]
    axes = [r.values() for r in ranges]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]


def latin_hypercube(
    ranges: Sequence[ParamRange], n_points: int, seed: int
) -> list[dict[str, float]]:
    """Latin hypercube design of ``n_points`` points over the ranges' ``[lo, hi]`` boxes.

    Each dimension is cut into ``n_points`` equal bins and each bin holds exactly one point
    (scipy's ``qmc.LatinHypercube``, randomised within bins). The same ``seed`` gives the
    same design. A fixed range (``lo == hi``) gives ``lo`` at every point; ``n`` is ignored.

    Raises:
        EngineError: if ``n_points < 1`` or no ranges are given.
    """
    if n_points < 1:
        raise EngineError(f"a Latin hypercube needs at least 1 point, got {n_points}")
    if not ranges:
        raise EngineError("a Latin hypercube needs at least one parameter range")
    unit = qmc.LatinHypercube(d=len(ranges), rng=seed).random(n_points)
    lo = np.array([r.lo for r in ranges], dtype=float)
    hi = np.array([r.hi for r in ranges], dtype=float)
    scaled = lo + unit * (hi - lo)
    names = [r.name for r in ranges]
    return [dict(zip(names, map(float, row), strict=True)) for row in scaled]


def design_runs(
    simulator: Simulator,
    points: Sequence[Mapping[str, float]],
    reps: int,
    root_seed: int,
    label: str = "",
) -> list[Run]:
    """The runs of a design: each point ``reps`` times, ordered by point, then replicate.

    ``Run.point`` is the point's index in ``points``; replicate ``r`` of every point has the
    seed ``replicate_seed(root_seed, r)`` (common random numbers across points). Identical
    points share their run ids (runs are content-addressed), so map results back to points
    by ``run_id``, not by assuming one run per id.

    Raises:
        EngineError: if ``reps < 1``.
    """
    if reps < 1:
        raise EngineError(f"the number of replicates must be at least 1, got {reps}")
    return [
        make_run(simulator, point=i, replicate=r, root_seed=root_seed, params=point, label=label)
        for i, point in enumerate(points)
        for r in range(reps)
    ]
