"""The model's output: metric definitions, the DataCollector set-up and tidy DataFrames.

Every metric has a name, a unit, a range and a one-line meaning (``COUNTRY_METRICS``,
``REGIONAL_METRICS``); ``docs/ODD.md`` prints the same tables. Values are recorded by Mesa's
``DataCollector`` at the end of each monthly step, so Mesa's own tools work on them; the
helpers here turn them into tidy pandas DataFrames with real dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from sim.model import SahelModel


@dataclass(frozen=True)
class Metric:
    """A recorded quantity: its unit, range and meaning."""

    name: str
    unit: str
    range: str
    meaning: str


COUNTRY_METRICS: tuple[Metric, ...] = (
    Metric("stability", "index", "0-1", "Weighted mean of control, legitimacy and 1 - violence index."),
    Metric("control", "share", "0-1", "Share of territory under state control."),
    Metric("legitimacy", "index", "0-1", "State legitimacy (1 - FSI P1/10 at start)."),
    Metric("hardship", "index", "0-1", "Economic hardship ((FSI E1 + P2)/20 at start)."),
    Metric("grievance", "index", "0-1", "Epstein's grievance: hardship x (1 - legitimacy)."),
    Metric("fatalities", "deaths per month", ">= 0", "Conflict deaths in the month (all sides and civilians)."),
    Metric("insurgent_strength", "fighters", ">= 0", "Insurgent fighters present (all groups)."),
    Metric("security", "troop-equivalents", ">= 0", "National, foreign and allied security effect."),
    Metric("deterrence", "probability", "0-1", "Epstein's arrest probability facing a would-be insurgent."),
    Metric("abuse", "index", "0-1", "Memory of abuses by state and foreign forces."),
    Metric("coup_hazard", "per month", "0-1", "Probability of a successful coup next month."),
    Metric("regime", "category", "civilian / junta / transition", "Who rules."),
    Metric("influence_<POWER>", "share", "0-1, sum <= 1", "Share of the power in the country's alignment; the rest is autonomy."),
)  # fmt: skip

REGIONAL_METRICS: tuple[Metric, ...] = (
    Metric("stability", "index", "0-1", "Population-weighted mean of country stability."),
    Metric("fatalities", "deaths per month", ">= 0", "Conflict deaths in all countries in the month."),
    Metric("insurgent_strength", "fighters", ">= 0", "Insurgent fighters in the region."),
    Metric("influence_<POWER>", "share", "0-1", "Population-weighted mean influence share of the power."),
    Metric("influence_western", "share", "0-1", "Sum of regional influence of Western powers."),
    Metric("influence_russia", "share", "0-1", "Regional influence of Russia (RUS)."),
    Metric("n_juntas", "count", ">= 0", "Countries ruled by a junta."),
    Metric("bloc_<BLOC>", "count", ">= 0", "Members of the bloc (0 while inactive)."),
)  # fmt: skip


def country_fields(model: SahelModel) -> dict[str, Any]:
    """Agent-type reporters for ``Country``: metric name -> attribute name or callable."""
    fields: dict[str, Any] = {
        "country": "iso3",
        "stability": "stability",
        "control": "control",
        "legitimacy": "legitimacy",
        "hardship": "hardship",
        "grievance": "grievance",
        "fatalities": "fatalities",
        "insurgent_strength": "fighters",
        "security": "security",
        "deterrence": "deterrence",
        "abuse": "abuse",
        "coup_hazard": "coup_hazard",
        "regime": "regime",
    }
    for power_id in model.powers:
        fields[f"influence_{power_id}"] = partial(_influence, power_id=power_id)
    return fields


def _influence(country: Any, power_id: str) -> float:
    return country.influence.get(power_id, 0.0)


def regional_names(model: SahelModel) -> list[str]:
    """Names of the regional metrics of this model, in column order."""
    names = ["stability", "fatalities", "insurgent_strength"]
    names += [f"influence_{p}" for p in model.powers]
    names += ["influence_western", "influence_russia", "n_juntas"]
    names += [f"bloc_{b}" for b in model.blocs]
    return names


def regional(model: SahelModel) -> dict[str, float]:
    """Compute every regional metric from the current state, in one pass."""
    countries = model.countries_in_order
    pop = [c.population_m for c in countries]
    total_pop = sum(pop)
    out: dict[str, float] = {
        "stability": sum(c.stability * w for c, w in zip(countries, pop, strict=True)) / total_pop,
        "fatalities": sum(c.fatalities for c in countries),
        "insurgent_strength": sum(c.fighters for c in countries),
    }
    western = 0.0
    for power in model.powers_in_order:
        pid = power.power_id
        value = (
            sum(c.influence.get(pid, 0.0) * w for c, w in zip(countries, pop, strict=True))
            / total_pop
        )
        out[f"influence_{pid}"] = value
        western += value * power.western
    out["influence_western"] = western
    out["influence_russia"] = out.get("influence_RUS", 0.0)
    out["n_juntas"] = float(sum(1 for c in countries if c.is_junta))
    for bloc_id, bloc in model.blocs.items():
        out[f"bloc_{bloc_id}"] = float(bloc.size)
    return out


def regional_reporters(model: SahelModel) -> dict[str, Any]:
    """Model reporters for the DataCollector: one per regional metric."""
    return {name: partial(_regional_value, name=name) for name in regional_names(model)}


def _regional_value(model: SahelModel, name: str) -> float:
    return model.regional[name]


# --- tidy frames ----------------------------------------------------------------------------


def regional_frame(model: SahelModel) -> pd.DataFrame:
    """One row per simulated month: ``date`` (month start), ``month`` (0-based) and metrics."""
    import pandas as pd

    df = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    df.insert(0, "month", range(len(df)))
    df.insert(0, "date", pd.period_range(model.start, periods=len(df), freq="M").to_timestamp())
    return df


def country_frame(model: SahelModel) -> pd.DataFrame:
    """One row per month and country: ``date``, ``month``, ``country`` and metrics."""
    import pandas as pd

    from sim.agents import Country

    df = model.datacollector.get_agenttype_vars_dataframe(Country).reset_index()
    month = (df["Step"].astype(float) - 1).astype(int)
    dates = pd.period_range(
        model.start, periods=max(int(month.max()) + 1, 1), freq="M"
    ).to_timestamp()
    df = df.drop(columns=["Step", "AgentID"])
    df.insert(0, "month", month.to_numpy())
    df.insert(0, "date", dates[month.to_numpy()])
    df["regime"] = df["regime"].astype("category")
    return df.sort_values(["month", "country"], kind="stable").reset_index(drop=True)
