"""Fill the calibration results in ``docs/ODD.md`` (section 8, and one figure of section 11)
from the values in use and from runs of the calibrated model, so that no result in the ODD is
typed by hand.

Each block sits between ``<!-- results:NAME:start -->`` and ``<!-- results:NAME:end -->``;
everything between the markers is replaced, the rest of the file is kept. The blocks:

- ``calibration``: the run recorded in the header of ``scenarios/parameters/calibrated.yaml``
  (its loss before and after, runs, wall time) and, per fitted parameter, its default, fitted
  value, search range (``sim.studies.calibration.FREE_PARAMETERS``) and position in it;
- ``fit``: the calibrated historical scenario against UCDP, 2012-2019, per country and per
  year (the runs of ``fit.csv``: :data:`FIT_REPS` replicates with the scenario's root seed);
- ``backtest``: the same runs continued to 2024 (``sahel backtest``), the out-of-sample years;
- ``baseline-balance``: the 2024 baseline's balance of forces after one month, with the
  fitted values and with the defaults.

Usage::

    .venv/bin/python docs/make_results.py          # rewrite docs/ODD.md
    .venv/bin/python docs/make_results.py --check  # exit 1 if a block is stale

It runs the model (about half a minute on one core).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

from sim.bundled import calibrated_parameter_file
from sim.engine.core import replicate_seed
from sim.scenario import load_scenario, with_parameters
from sim.studies.calibration import (
    CALIBRATION_YEARS,
    FREE_PARAMETERS,
    HISTORICAL,
    YearlyDeathsSimulator,
    band_table,
    deaths_from_summaries,
    observed_table,
)
from sim.world.parameters import Parameters

ODD = Path(__file__).resolve().parent / "ODD.md"
FIT_REPS = 40
"""Replicates of the calibrated model behind the fit and back-test tables (as ``sahel
calibrate``'s ``--fit-reps`` and ``sahel backtest``'s ``--reps`` defaults)."""
TOP = ("NGA", "MLI", "NER", "BFA", "TCD")
"""Countries shown year by year (the five with the most deaths in UCDP 2012-2019)."""
NAMES = {
    "BEN": "Benin", "BFA": "Burkina Faso", "CIV": "Côte d'Ivoire", "GHA": "Ghana",
    "MLI": "Mali", "MRT": "Mauritania", "NER": "Niger", "NGA": "Nigeria", "TCD": "Chad",
    "TGO": "Togo",
}  # fmt: skip


def _g(x: float) -> str:
    return f"{x:.3g}"


def _n(x: float) -> str:
    return f"{x:,.0f}"


def calibration_block() -> str:
    """The calibration run in use and where each fitted value sits in its search range."""
    data = yaml.safe_load(calibrated_parameter_file().read_text(encoding="utf-8"))
    info, fitted = data["calibration"], data["parameters"]
    before, after = float(info["loss_before"]), float(info["loss"])
    lines = [
        f"The calibration in use (`scenarios/parameters/calibrated.yaml`, created "
        f"{str(info['created'])[:16].replace('T', ' ')} UTC; {info['method']}) made "
        f"{info['runs']:,} distinct runs (the header's {float(info['seconds']):.0f} s of wall "
        f"time is that of its last pass). The loss (totals outside UCDP's low-high range, the "
        f"error by category, both on the log(10 + deaths) scale, and the log error of "
        f"Nigeria's exchange ratio, fighters per soldier killed) "
        f"{'fell' if after < before else 'rose'} from {before:.3f} at the documented defaults "
        f"to {after:.3f}.",
        "",
        "| parameter | default | fitted | search range | position in the range (0-1) |",
        "|---|---|---|---|---|",
    ]
    edges = []
    for free in FREE_PARAMETERS:
        value = float(fitted[free.name])
        if free.log:
            pos = (math.log(value) - math.log(free.lo)) / (math.log(free.hi) - math.log(free.lo))
        else:
            pos = (value - free.lo) / (free.hi - free.lo)
        where = _edge(pos)
        if where:
            edges.append(f"`{free.name}` ({_g(value)}, {where})")
        scale = "log scale, " if free.log else ""
        lines.append(
            f"| `{free.name}` | {Parameters.model_fields[free.name].default:g} | {_g(value)} | "
            f"{free.lo:g} to {free.hi:g} | {pos:.2f}{f' ({scale}{where})' if where else ''} |"
        )
    lines.append("")
    lines.append(
        "Fitted values at or near the edge of their search range: "
        + (", ".join(edges) if edges else "none")
        + "."
    )
    lines.append(
        "A fitted value at an edge says the data pushed the parameter there: the model, as "
        "built, needs more of it (or less) than the range allows, and the value is a bound, "
        "not an estimate."
    )
    return "\n".join(lines)


def _edge(position: float) -> str:
    if position >= 0.995:
        return "at the upper bound"
    if position <= 0.005:
        return "at the lower bound"
    if position >= 0.9:
        return "near the upper bound"
    if position <= 0.1:
        return "near the lower bound"
    return ""


def yearly_bands() -> pd.DataFrame:
    """Median and 90% band of deaths per country and year, 2012-2024, of the calibrated
    historical scenario (:data:`FIT_REPS` replicates, the scenario's root seed)."""
    spec = load_scenario(HISTORICAL)
    sim = YearlyDeathsSimulator(spec)
    runs = pd.DataFrame(
        [
            {"replicate": r, **sim.summarise(sim.simulate({}, replicate_seed(spec.seed, r)))}
            for r in range(FIT_REPS)
        ]
    )
    return band_table(deaths_from_summaries(runs, "replicate"))


def fit_block(bands: pd.DataFrame) -> str:
    """Model against UCDP per country (totals, years inside the band) and per year."""
    obs = observed_table()
    fit = obs.merge(bands, on=["country", "year"], how="left")
    fit["inside"] = (fit["deaths"] >= fit["low"]) & (fit["deaths"] <= fit["high"])
    per = (
        fit.groupby("country")
        .agg(observed=("deaths", "sum"), model=("median", "sum"), inside=("inside", "sum"))
        .sort_values(["observed", "model"], ascending=False)
    )
    n_years = len(CALIBRATION_YEARS)
    lines = [
        f"| country | UCDP {CALIBRATION_YEARS[0]}-{CALIBRATION_YEARS[-1]} | model (sum of "
        f"yearly medians) | years inside the 90% band (of {n_years}) |",
        "|---|---|---|---|",
    ]
    for iso, row in per.iterrows():
        lines.append(f"| {iso} | {_n(row.observed)} | {_n(row.model)} | {int(row.inside)} |")
    total_model = float(per["model"].sum())
    total_obs = float(per["observed"].sum())
    shares_model = {str(k): float(v) for k, v in per["model"].items()}
    shares_obs = {str(k): float(v) for k, v in per["observed"].items()}
    lines += [
        "",
        "Share of the region's deaths, model against UCDP: "
        + ", ".join(
            f"{NAMES[iso]} {100 * shares_model[iso] / total_model:.0f}% "
            f"({100 * shares_obs[iso] / total_obs:.0f}%)"
            for iso in TOP
        )
        + ".",
        "",
        "Deaths per year, model median (UCDP in brackets):",
        "",
        "| year | " + " | ".join(TOP) + " |",
        "|---|" + "---|" * len(TOP),
    ]
    for year in CALIBRATION_YEARS:
        cells = []
        for iso in TOP:
            row = fit[(fit["country"] == iso) & (fit["year"] == year)].iloc[0]
            cells.append(f"{_n(row['median'])} ({_n(row['deaths'])})")
        lines.append(f"| {year} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def backtest_block(bands: pd.DataFrame) -> str:
    """Model medians after the calibration years, per country."""
    later = bands[bands["year"] > CALIBRATION_YEARS[-1]]
    years = sorted(later["year"].unique())
    table = later.pivot(index="country", columns="year", values="median")
    table = table.loc[table[years[-1]].sort_values(ascending=False).index]
    lines = [
        "Deaths per year, model median:",
        "",
        "| country | " + " | ".join(str(y) for y in years) + " |",
        "|---|" + "---|" * len(years),
    ]
    for iso, row in table.iterrows():
        lines.append(f"| {iso} | " + " | ".join(_n(row[y]) for y in years) + " |")
    if 2023 in table.columns:
        ranked = table[2023].sort_values(ascending=False)
        rank = list(ranked.index).index("BFA") + 1
        ahead = ", ".join(f"{NAMES[i]} ({_n(ranked[i])})" for i in ranked.index[: rank - 1])
        lines += [
            "",
            f"In 2023 Burkina Faso has a model median of {_n(ranked['BFA'])} deaths, rank {rank} "
            f"of the {len(ranked)} countries" + (f", after {ahead}." if ahead else "."),
        ]
    return "\n".join(lines)


def baseline_balance_block() -> str:
    """The 2024 baseline's balance of forces after one month (seed 1), fitted and default."""
    from sim import SahelModel
    from sim.world.agents import Country

    spec = load_scenario("baseline_2024")
    defaults = {f.name: Parameters.model_fields[f.name].default for f in FREE_PARAMETERS}
    balance = {}
    for label, scn in (("fitted", spec), ("default", with_parameters(spec, **defaults))):
        model = SahelModel(scn, rng=1, months=1)
        model.run()
        balance[label] = {c.iso3: c.balance for c in model.agents_by_type[Country]}
    isos = ("BFA", "MLI", "NER")
    fitted = ", ".join(f"{balance['fitted'][i]:.2f} in {NAMES[i]}" for i in isos)
    default = ", ".join(f"{balance['default'][i]:.2f}" for i in isos)
    zone = {c: max(0.0, 1 - (1 - spec.countries[c].control) / spec.countries[c].periphery_area)
            for c in isos}  # fmt: skip
    control = ", ".join(f"{zone[i]:.2f}" for i in isos)
    below = all(balance["fitted"][i] < zone[i] for i in isos)
    return (
        f"With the fitted values the baseline's balance of forces after its first month (seed 1)"
        f" is {fitted} ({default} with the defaults), against their initial control of "
        f"{control}, so control in the 2024 baseline moves "
        + ("down toward these levels (7.12)." if below else "toward these levels (7.12).")
    )


def blocks() -> dict[str, Callable[[], str]]:
    """The generated blocks by name (the model runs are shared by ``fit`` and ``backtest``)."""
    bands: list[pd.DataFrame] = []

    def shared() -> pd.DataFrame:
        if not bands:
            bands.append(yearly_bands())
        return bands[0]

    return {
        "calibration": calibration_block,
        "fit": lambda: fit_block(shared()),
        "backtest": lambda: backtest_block(shared()),
        "baseline-balance": baseline_balance_block,
    }


def fill(text: str) -> str:
    """``text`` with every generated block replaced by its current content (prose wrapped at
    96 characters, indented as the start marker is)."""
    for name, make in blocks().items():
        start, end = f"<!-- results:{name}:start -->", f"<!-- results:{name}:end -->"
        pattern = re.compile(
            r"^([ \t]*)" + re.escape(start) + r".*?" + re.escape(end), flags=re.S | re.M
        )
        found = pattern.search(text)
        if found is None:
            raise SystemExit(f"{ODD}: markers {start} ... {end} not found")
        indent = found.group(1)
        lines = []
        for line in make().splitlines():
            if line and not line.startswith("|"):
                lines += textwrap.wrap(line, width=96 - len(indent), break_on_hyphens=False)
            else:
                lines.append(line)
        body = "\n".join(indent + line if line else "" for line in [start, *lines, end])
        text = text[: found.start()] + body + text[found.end() :]
    return text


def main(argv: list[str] | None = None) -> int:
    """Rewrite the blocks of docs/ODD.md, or with ``--check`` report whether one is stale."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/ODD.md is stale")
    args = parser.parse_args(argv)
    text = ODD.read_text(encoding="utf-8")
    new = fill(text)
    if args.check:
        if new != text:
            print(f"{ODD} is out of date: run .venv/bin/python docs/make_results.py")
            return 1
        return 0
    if new != text:
        ODD.write_text(new, encoding="utf-8")
        print(f"wrote {ODD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
