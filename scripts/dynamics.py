"""Show the historical run's dynamics in 2012-2019, at the installed parameters or others.

For each conflict country and year it prints the median over replicates of deaths (with
UCDP's best estimate beside it), insurgent fighters, fighters killed, soldiers killed and the
mean zone control. Parameters can be set or scaled, to see which regime a direction of the
parameter space puts the world in (does attrition ever outpace recruitment, does control
hold or collapse, do the post-offensive falls appear?):

    python scripts/dynamics.py                                   # installed parameters
    python scripts/dynamics.py --set fighter_weight=5            # set a value
    python scripts/dynamics.py --set kill_rate*10 --reps 8       # scale the installed value

Only UCDP's 2012-2019 file is read; nothing is written.
"""

from __future__ import annotations

import argparse

import pandas as pd

from sim.scenario import load_scenario
from sim.studies.observed import load_ucdp
from sim.studies.run import run_scenario
from sim.world.parameters import parameter_bounds

COUNTRIES = ("MLI", "NGA", "BFA", "NER")
"""Conflict countries shown (the others have few deaths before 2020)."""


def overrides(settings: list[str], installed: dict[str, float]) -> dict[str, float]:
    """Parse ``name=value`` and ``name*factor`` into values, checked against the ranges."""
    out: dict[str, float] = {}
    for text in settings:
        scaled = "=" not in text
        name, _, value = text.partition("*" if scaled else "=")
        if not value:
            raise SystemExit(f"--set {text}: expected name=value or name*factor")
        if name not in installed:
            raise SystemExit(f"--set {text}: no parameter named {name!r}")
        try:
            number = installed[name] * float(value) if scaled else float(value)
        except ValueError:
            raise SystemExit(f"--set {text}: {value!r} is not a number") from None
        lo, hi = parameter_bounds(name)
        if not lo <= number <= hi:
            raise SystemExit(f"--set {text}: {number:g} is outside {name}'s range [{lo}, {hi}]")
        out[name] = number
    return out


def main() -> None:
    """Run and print the table (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=4)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE|NAME*FACTOR")
    args = parser.parse_args()
    history = load_scenario("historical_2012")
    installed = history.parameters.model_dump()
    changed = overrides(args.set, installed)
    for name, value in changed.items():
        print(f"{name}: {installed[name]:.4g} -> {value:.4g}")
    result = run_scenario(history, reps=args.reps, months=96, parameters=changed or None)
    table = result.countries
    table = table[table["country"].astype(str).isin(COUNTRIES)].copy()
    table["country"] = table["country"].astype(str)
    table["year"] = pd.to_datetime(table["date"]).dt.year
    sums = ["fatalities", "fighters_killed", "soldier_deaths"]
    yearly = table.groupby(["country", "replicate", "year"], observed=True).agg(
        {**dict.fromkeys(sums, "sum"), "insurgent_strength": "mean", "zone_control": "mean"}
    )
    median = yearly.groupby(["country", "year"], observed=True).median()
    ucdp = load_ucdp().set_index(["country", "year"])["deaths"]
    median["ucdp"] = ucdp.reindex(median.index)
    columns = ["ucdp", "fatalities", "insurgent_strength", "fighters_killed", "soldier_deaths",
               "zone_control"]  # fmt: skip
    with pd.option_context("display.width", 120):
        digits = {c: 2 if c == "zone_control" else 0 for c in columns}
        print(median[columns].round(digits).to_string())


if __name__ == "__main__":
    main()
