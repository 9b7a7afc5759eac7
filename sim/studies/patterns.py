"""Pattern statistics: numbers that summarise the shape of violence in a country-year table.

Pattern-oriented modelling (Grimm et al. 2005) judges a model by whether it reproduces
several patterns of the observed record at once. The functions here compute those patterns,
and the same function applies to both sides of the comparison:

- the observed table, :func:`sim.studies.observed.load_ucdp` (columns ``country``, ``year``,
  ``deaths``, ``deaths_low``, ``deaths_high``, ``state_based``, ``non_state``,
  ``one_sided``);
- a simulated yearly table with the same columns (``country``, ``year``, ``deaths`` and
  optionally the three categories), usually with a ``replicate`` column as well.

Deaths are persons per calendar year. When the table has a ``replicate`` column, every
function computes its statistic separately for each replicate and returns a
:class:`pandas.Series` indexed by replicate (one value per replicate); without one, it
returns a single value. The functions are pure: they read the table and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

REPLICATE = "replicate"
"""The column that tells replicates of a simulated table apart."""

CATEGORIES = ("state_based", "non_state", "one_sided")
"""The UCDP categories of organised violence (columns of the tables)."""

CENTRAL_SAHEL_AND_LAKE_CHAD = ("MLI", "BFA", "NER", "NGA", "TCD")
"""The countries of the two insurgencies, whose year-on-year swings :func:`halving_share`
measures by default."""

HALVING_THRESHOLD = -0.7
"""A fall of log(10 + deaths) by more than 0.7 (deaths roughly halving, ln 2 = 0.69)."""


def _check(table: pd.DataFrame, columns: Iterable[str] = ("deaths",)) -> None:
    """Raise ``ValueError`` if the table lacks a needed column or repeats a country-year."""
    needed = ["country", "year", *columns]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(
            f"table: missing column(s) {', '.join(missing)}; expected country, year, deaths "
            "(and state_based, non_state, one_sided where needed)"
        )
    keys = [k for k in (REPLICATE, "country", "year") if k in table.columns]
    repeated = table.duplicated(keys)
    if repeated.any():
        first = table.loc[repeated, keys].iloc[0].tolist()
        raise ValueError(f"table: {'/'.join(keys)} {first} appears more than once")


def _per_replicate[T](table: pd.DataFrame, statistic: Callable[[pd.DataFrame], T]) -> T | pd.Series:
    """``statistic(table)``, or a Series of ``statistic`` per replicate (index ``replicate``)
    when the table has a ``replicate`` column."""
    if REPLICATE not in table.columns:
        return statistic(table)
    values = {rep: statistic(part) for rep, part in table.groupby(REPLICATE, sort=True)}
    out = pd.Series(values, dtype=float)
    out.index.name = REPLICATE
    return out


def _value(table: pd.DataFrame, country: str, year: int, column: str) -> float:
    """The ``column`` value of one country-year (``ValueError`` if the row is missing)."""
    row = table[(table["country"].astype(str) == country) & (table["year"] == year)]
    if row.empty:
        raise ValueError(f"table: no row for country {country}, year {year}")
    return float(row[column].iloc[0])


def _divide(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` with IEEE semantics: x/0 is inf, 0/0 is NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(numerator) / np.float64(denominator))


def ratio(table: pd.DataFrame, country: str, year_to: int, year_from: int) -> float | pd.Series:
    """How many times as many deaths in ``year_to`` as in ``year_from``.

    Definition: ``deaths[country, year_to] / deaths[country, year_from]`` (inf if
    ``year_from`` had no deaths and ``year_to`` some, NaN if both had none). For example
    Mali 2014 over 2013 in UCDP: 291 / 881 = 0.33, the fall after Operation Serval.

    Raises:
        ValueError: if a needed column or country-year is missing.
    """
    _check(table)

    def one(part: pd.DataFrame) -> float:
        return _divide(
            _value(part, country, year_to, "deaths"), _value(part, country, year_from, "deaths")
        )

    return _per_replicate(table, one)


def halving_share(
    table: pd.DataFrame,
    countries: Iterable[str] = CENTRAL_SAHEL_AND_LAKE_CHAD,
    threshold: float = HALVING_THRESHOLD,
) -> float | pd.Series:
    """The share of year-on-year transitions in which deaths fell sharply (roughly halved).

    Definition: over every pair of consecutive years (t-1, t) present for each of
    ``countries``, the share of pairs with ``log(10 + deaths_t) - log(10 + deaths_{t-1}) <
    threshold`` (natural logarithm; the 10 keeps years of few deaths from counting as big
    swings). NaN if there is no pair. Observed: UCDP 2012-2019 has 4 of 35 such transitions
    for the five default countries (0.11), so violence, once started, rarely collapses.

    Raises:
        ValueError: if a needed column is missing or a country is not in the table.
    """
    _check(table)
    chosen = list(countries)

    def one(part: pd.DataFrame) -> float:
        present = set(part["country"].astype(str))
        absent = [c for c in chosen if c not in present]
        if absent:
            raise ValueError(f"table: no rows for country {', '.join(absent)}")
        falls = 0
        pairs = 0
        for country in chosen:
            rows = part[part["country"].astype(str) == country].sort_values("year")
            level = np.log(10.0 + rows["deaths"].to_numpy(dtype=float))
            consecutive = np.diff(rows["year"].to_numpy()) == 1
            change = np.diff(level)[consecutive]
            falls += int((change < threshold).sum())
            pairs += int(consecutive.sum())
        return falls / pairs if pairs else float("nan")

    return _per_replicate(table, one)


def one_sided_share(table: pd.DataFrame, country: str, year: int) -> float | pd.Series:
    """The share of a country-year's deaths that were one-sided violence (against civilians).

    Definition: ``one_sided[country, year] / deaths[country, year]`` (NaN if no deaths).
    For example Burkina Faso 2019 in UCDP: 868 / 1,246 = 0.70.

    Raises:
        ValueError: if a needed column or the country-year is missing.
    """
    _check(table, ("deaths", "one_sided"))

    def one(part: pd.DataFrame) -> float:
        return _divide(
            _value(part, country, year, "one_sided"), _value(part, country, year, "deaths")
        )

    return _per_replicate(table, one)


def exchange_ratio(table: pd.DataFrame, country: str, years: Iterable[int]) -> float | pd.Series:
    """Insurgent fighters killed per state-side soldier killed over ``years`` in a country.

    Definition: sum of ``fighters`` / sum of ``soldiers`` over the country's rows in
    ``years`` (infinite if no soldier died, NaN if no one did), both persons. The observed table is
    :func:`sim.studies.observed.ged_battle_deaths` (UCDP's ``deaths_b`` over ``deaths_a`` in
    state-based events: 12,981 / 2,324 = 5.6 for Nigeria 2012-2019); a simulated one has the
    model's ``fighters_killed`` and ``soldier_deaths`` under these names. The exchange ratio
    says whether the state's forces fight well enough to wear an insurgency down, which no
    total of deaths can tell.

    Raises:
        ValueError: if a needed column is missing or the country has no row in ``years``.
    """
    _check(table, ("fighters", "soldiers"))
    wanted = set(years)

    def one(part: pd.DataFrame) -> float:
        rows = part[(part["country"].astype(str) == country) & part["year"].isin(wanted)]
        if rows.empty:
            raise ValueError(f"no rows for {country} in the years {sorted(wanted)}")
        return _divide(float(rows["fighters"].sum()), float(rows["soldiers"].sum()))

    return _per_replicate(table, one)


def first_year_above(
    table: pd.DataFrame, country: str, threshold: float = 100.0
) -> int | pd.Series | None:
    """The first year in which a country's deaths exceeded ``threshold`` (strictly).

    Definition: the smallest ``year`` with ``deaths[country, year] > threshold``; ``None``
    if there is none (NaN in the per-replicate Series). For example Burkina Faso in UCDP:
    2018 (195 deaths) with the default threshold of 100.

    Raises:
        ValueError: if a needed column is missing or the country is not in the table.
    """
    _check(table)

    def one(part: pd.DataFrame) -> int | None:
        rows = part[part["country"].astype(str) == country]
        if rows.empty:
            raise ValueError(f"table: no rows for country {country}")
        above = rows.loc[rows["deaths"] > threshold, "year"]
        return int(above.min()) if not above.empty else None

    result = _per_replicate(table, one)
    if isinstance(result, pd.Series):
        return result.astype(float)  # None becomes NaN
    return result


def coverage(
    table: pd.DataFrame,
    observed: pd.DataFrame,
    low: str = "deaths_low",
    high: str = "deaths_high",
) -> float | pd.Series:
    """The share of observed country-years whose simulated deaths lie in the observed range.

    Definition: over every row of ``observed`` (a country-year), the share for which
    ``observed[low] <= deaths <= observed[high]``, ``deaths`` being the simulated table's
    value for the same country and year. Pass ``observed`` restricted to the country-years to
    compare (for example ``load_ucdp()``, 2012-2019); simulated years beyond it are ignored.

    Raises:
        ValueError: if a needed column is missing, or the simulated table (or one of its
            replicates) lacks a country-year of ``observed``.
    """
    _check(table)
    missing = [c for c in ("country", "year", low, high) if c not in observed.columns]
    if missing:
        raise ValueError(f"observed: missing column(s) {', '.join(missing)}")
    if observed.empty:
        raise ValueError("observed: expected at least one country-year")
    bounds = observed[["country", "year", low, high]].assign(
        country=observed["country"].astype(str)
    )

    def one(part: pd.DataFrame) -> float:
        simulated = part[["country", "year", "deaths"]].assign(country=part["country"].astype(str))
        joined = bounds.merge(simulated, on=["country", "year"], how="left")
        absent = joined[joined["deaths"].isna()]
        if not absent.empty:
            first = absent[["country", "year"]].iloc[0].tolist()
            raise ValueError(
                f"table: no simulated deaths for {len(absent)} observed country-year(s), "
                f"e.g. {first[0]} {first[1]}"
            )
        inside = (joined[low] <= joined["deaths"]) & (joined["deaths"] <= joined[high])
        return float(inside.mean())

    return _per_replicate(table, one)
