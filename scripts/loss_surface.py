"""The calibration loss along single parameters, around the fitted point.

The v1 fit could not tell apart a 21-times weaker deterrence (loss 0.3468 against 0.3473):
the data did not constrain the quantities the US-withdrawal question is about. This script
evaluates the v2 loss (:func:`sim.studies.calibration.log_deaths_loss`, UCDP 2012-2019) along
each named parameter, on a log grid from a tenth to ten times its fitted value (clipped to its
search range), all other parameters at their fitted values, with the same replicate seeds at
every point (common random numbers). It prints, per parameter, the loss at each grid point
and the ratio of the largest to the smallest: a flat profile (ratio near 1) means the data do
not identify the parameter.

    python scripts/loss_surface.py [--reps 4] [--points 7] [--parameters deterrence_scale ...]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from sim.engine.core import replicate_seed
from sim.scenario import load_scenario
from sim.studies.calibration import (
    CALIBRATION_YEARS,
    FREE_PARAMETERS,
    YearlyDeathsSimulator,
    log_deaths_loss,
    observed_table,
)

DEFAULT = ("deterrence_scale", "fighter_weight", "kill_rate", "insurgent_fire",
           "ci_commitment", "isr_gain")  # fmt: skip


def main() -> None:
    """Run and print the table (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=4)
    parser.add_argument("--points", type=int, default=7)
    parser.add_argument("--parameters", nargs="*", default=list(DEFAULT))
    args = parser.parse_args()
    spec = load_scenario("historical_2012")
    months = (CALIBRATION_YEARS[-1] - 2012 + 1) * 12
    sim = YearlyDeathsSimulator(spec, months=months)
    loss = log_deaths_loss(observed_table())
    ranges = {f.name: (f.lo, f.hi) for f in FREE_PARAMETERS}
    rows = []
    for name in args.parameters:
        fitted = float(getattr(spec.parameters, name))
        lo, hi = ranges.get(name, (fitted / 10, fitted * 10))
        grid = np.geomspace(max(fitted / 10, lo), min(fitted * 10, hi), args.points)
        for value in sorted({*grid.tolist(), fitted}):
            summary = pd.DataFrame(
                [sim.summarise(sim.simulate({name: value}, replicate_seed(spec.seed, r)))
                 for r in range(args.reps)]
            )  # fmt: skip
            rows.append({"parameter": name, "value": value, "fitted": value == fitted,
                         "loss": loss(summary)})  # fmt: skip
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 120, "display.float_format", "{:.4g}".format):
        print(table.to_string(index=False))
        spread = table.groupby("parameter")["loss"].agg(["min", "max"])
        spread["max/min"] = spread["max"] / spread["min"]
        print(spread)


if __name__ == "__main__":
    main()
