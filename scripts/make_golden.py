"""Write the golden trajectory: summary numbers of one run of one scenario with one seed.

``tests/test_golden.py`` runs the same model again and compares its numbers with the file
written here, with a tight tolerance, so a change that should not alter results (a refactor,
a faster implementation, a new output) cannot pass if it does. When a change is meant to
alter results, regenerate the file and commit it with the change, saying why::

    make golden                         # or: .venv/bin/python scripts/make_golden.py

The summary, in long form (``table, country, year, metric, value``): for every year of the
run, the mean of every numeric regional metric and of every numeric country metric per
country, the regime each country ends the year with, and the number of logged events of
each kind per country. Values are written with 17 significant digits.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "us_withdraws"
SEED = 2024
GOLDEN = ROOT / "tests" / "golden" / f"{SCENARIO}_seed{SEED}.csv"
COLUMNS = ["table", "country", "year", "metric", "value"]


def summary(scenario: str = SCENARIO, seed: int = SEED) -> pd.DataFrame:
    """The golden summary of ``scenario`` run once with ``rng=seed`` (see the module doc)."""
    from sim.world.model import SahelModel

    model = SahelModel(scenario, rng=seed).run()
    rows: list[tuple[str, str, int, str, float]] = []

    regional = model.regional_frame()
    regional["year"] = regional["date"].dt.year
    numeric = [c for c in regional.select_dtypes("number").columns if c not in {"month", "year"}]
    for year, frame in regional.groupby("year"):
        rows += [("regional", "", int(year), c, float(frame[c].mean())) for c in numeric]

    countries = model.country_frame()
    countries["year"] = countries["date"].dt.year
    numeric = [c for c in countries.select_dtypes("number").columns if c not in {"month", "year"}]
    for (country, year), frame in countries.groupby(["country", "year"], observed=True):
        rows += [("country", str(country), int(year), c, float(frame[c].mean())) for c in numeric]
        regime = str(frame.sort_values("month")["regime"].iloc[-1])
        rows.append(("country", str(country), int(year), f"regime={regime}", 1.0))

    events = Counter(
        (str(e["country"]), int(str(e["date"])[:4]), str(e["kind"])) for e in model.event_log
    )
    for (country, year, kind), n in sorted(events.items()):
        rows.append(("events", country, year, kind, float(n)))
    return pd.DataFrame(rows, columns=COLUMNS).sort_values(COLUMNS[:4], ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    """Write the golden file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=GOLDEN, help=f"default: {GOLDEN}")
    args = parser.parse_args(argv)
    table = summary()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".csv.tmp")
    table.to_csv(tmp, index=False, float_format="%.17g")
    tmp.replace(args.out)
    print(f"make_golden: wrote {len(table)} numbers of {SCENARIO} (seed {SEED}) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
