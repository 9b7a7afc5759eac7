"""Compare the 2024 baseline's initial state with the historical run's state in 2024.

Runs the calibrated historical scenario (2012-01 on, real timeline) to February 2024 and
compares, per country, the distribution over replicates of its state then (control of the
territory, insurgent fighters) with the initial state of ``baseline_2024`` (March 2024, from
sourced 2024 facts). Prints one row per country: the baseline's value, the historical run's
median and 90% band, and whether the baseline's value lies inside the band. No observed data
after 2019 is read: the comparison is between two states of the model.

    python scripts/baseline_vs_history.py [--reps 40]
"""

from __future__ import annotations

import argparse

import pandas as pd

from sim.scenario import load_scenario
from sim.studies.run import run_scenario


def main() -> None:
    """Run and print the table (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=40)
    args = parser.parse_args()
    history = load_scenario("historical_2012")
    baseline = load_scenario("baseline_2024")
    months = (2024 - 2012) * 12 + 2  # to 2024-02
    table = run_scenario(history, reps=args.reps, months=months).countries
    last = table[table["month"] == months - 1]
    rows = []
    for iso, spec in baseline.countries.items():
        here = last[last["country"].astype(str) == iso]
        fighters = sum(g.fighters.get(iso, 0.0) for g in baseline.groups.values())
        for name, value, column in (("control", spec.control, "control"),
                                    ("fighters", fighters, "insurgent_strength")):  # fmt: skip
            lo, med, hi = here[column].quantile([0.05, 0.5, 0.95])
            rows.append({"country": iso, "quantity": name, "baseline_2024": value,
                         "history_median": med, "history_p5": lo, "history_p95": hi,
                         "inside_band": lo <= value <= hi})  # fmt: skip
    out = pd.DataFrame(rows)
    with pd.option_context("display.width", 140, "display.float_format", "{:.2f}".format):
        print(out.to_string(index=False))
    print(f"inside the 90% band: {int(out['inside_band'].sum())} of {len(out)}")


if __name__ == "__main__":
    main()
