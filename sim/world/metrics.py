"""The model's output: metric definitions, the DataCollector set-up and tidy DataFrames.

Every metric has a name, a unit, a range and a one-line meaning (``COUNTRY_METRICS``,
``REGIONAL_METRICS``); ``docs/ODD.md`` prints the same tables. Values are recorded by Mesa's
``DataCollector`` at the end of each monthly step, so Mesa's own tools work on them; the
helpers here turn them into tidy pandas DataFrames with real dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import mesa

if TYPE_CHECKING:
    import pandas as pd

    from sim.world.model import SahelModel


@dataclass(frozen=True)
class Metric:
    """A recorded quantity: its unit, range and meaning."""

    name: str
    unit: str
    range: str
    meaning: str


COUNTRY_METRICS: tuple[Metric, ...] = (
    Metric(
        "stability", "index", "0-1", "Weighted mean of control, legitimacy and 1 - violence index."
    ),
    Metric("control", "share", "0-1", "Share of territory under state control."),
    Metric("legitimacy", "index", "0-1", "State legitimacy (1 - FSI P1/10 at start)."),
    Metric("hardship", "index", "0-1", "Economic hardship ((FSI E1 + P2)/20 at start)."),
    Metric("grievance", "index", "0-1", "Epstein's grievance: hardship x (1 - legitimacy)."),
    Metric(
        "fatalities",
        "deaths per month",
        ">= 0",
        "Conflict deaths in the month (all sides and civilians).",
    ),
    Metric("insurgent_strength", "fighters", ">= 0", "Insurgent fighters present (all groups)."),
    Metric(
        "security", "troop-equivalents", ">= 0", "National, foreign and allied security effect."
    ),
    Metric(
        "deterrence",
        "probability",
        "0-1",
        "Epstein's arrest probability facing a would-be insurgent.",
    ),
    Metric("abuse", "index", "0-1", "Memory of abuses by state and foreign forces."),
    Metric("coup_hazard", "per month", "0-1", "Probability of a successful coup in the month."),
    Metric("regime", "category", "civilian / junta / transition", "Who rules."),
    Metric(
        "influence_<POWER>",
        "share",
        "0-1, sum <= 1",
        "Share of the power in the country's alignment; the rest is autonomy.",
    ),
)

REGIONAL_METRICS: tuple[Metric, ...] = (
    Metric("regional_stability", "index", "0-1", "Population-weighted mean of country stability."),
    Metric("total_fatalities", "deaths per month", ">= 0", "Conflict deaths in all countries."),
    Metric("total_insurgents", "fighters", ">= 0", "Insurgent fighters in the region."),
    Metric(
        "regional_influence_<POWER>", "share", "0-1", "Population-weighted mean influence share."
    ),
    Metric("western_influence", "share", "0-1", "Sum of the regional influence of Western powers."),
    Metric("russian_influence", "share", "0-1", "Regional influence of Russia (RUS)."),
    Metric("n_juntas", "count", ">= 0", "Countries ruled by a junta."),
    Metric("bloc_size_<BLOC>", "count", ">= 0", "Members of the bloc (0 while inactive)."),
)
"""Regional metrics. Names differ from the country metrics so that tools merging the two
(``mesa.batch_run``) cannot confuse them."""


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
    names = ["regional_stability", "total_fatalities", "total_insurgents"]
    names += [f"regional_influence_{p}" for p in model.powers]
    names += ["western_influence", "russian_influence", "n_juntas"]
    names += [f"bloc_size_{b}" for b in model.blocs]
    return names


def regional(model: SahelModel) -> dict[str, float]:
    """Compute every regional metric from the current state, in one pass over countries."""
    countries = model.countries_in_order
    powers = model.powers_in_order
    total_pop = stability = fatalities = fighters = juntas = 0.0
    influence = dict.fromkeys(model.powers, 0.0)
    for c in countries:
        w = c.population_m
        total_pop += w
        stability += c.stability * w
        fatalities += c.fatalities
        fighters += c.fighters
        juntas += c.regime == "junta"
        for pid, share in c.influence.items():
            influence[pid] += share * w
    out: dict[str, float] = {
        "regional_stability": stability / total_pop,
        "total_fatalities": fatalities,
        "total_insurgents": fighters,
    }
    western = 0.0
    for power in powers:
        value = influence[power.power_id] / total_pop
        out[f"regional_influence_{power.power_id}"] = value
        western += value * power.western
    out["western_influence"] = western
    out["russian_influence"] = out.get("regional_influence_RUS", 0.0)
    out["n_juntas"] = juntas
    for bloc_id, bloc in model.blocs.items():
        out[f"bloc_size_{bloc_id}"] = float(bloc.size)
    return out


def regional_reporters(model: SahelModel) -> dict[str, Any]:
    """Model reporters for the DataCollector: one per regional metric."""
    return {name: partial(_regional_value, name=name) for name in regional_names(model)}


def _regional_value(model: SahelModel, name: str) -> float:
    return model.regional[name]


class SahelDataCollector(mesa.DataCollector):
    """Mesa's DataCollector, declared with one model reporter per regional metric and one
    agent-type reporter per country metric, recording them in one pass per month.

    Everything Mesa offers works unchanged (``get_model_vars_dataframe``,
    ``get_agenttype_vars_dataframe(Country)``, extra reporters added by a user). The stock
    ``collect`` calls each reporter through a Python wrapper and deep-copies each value,
    which cost about a third of a run here; since every value recorded is an immutable
    number or string, this class reads them directly (``operator.attrgetter``) and stores
    exactly the records the stock implementation would.
    """

    def __init__(self, model: SahelModel) -> None:
        from sim.world.agents import Country

        fields = country_fields(model)
        super().__init__(
            model_reporters=regional_reporters(model),
            agenttype_reporters={Country: fields},
        )
        self._country_type = Country
        self._own_model_vars = regional_names(model)
        attrs = [v for v in fields.values() if isinstance(v, str)]
        self._country_attrs = attrgetter(*attrs)
        self._power_ids = list(model.powers)
        n_attr = len(attrs)
        if list(fields)[:n_attr] != [k for k, v in fields.items() if isinstance(v, str)]:
            raise ValueError("country attribute reporters must precede computed ones")

    def collect(self, model: SahelModel) -> None:
        """Record the current month (regional and per-country metrics)."""
        time = model.time
        self._collection_steps.append(time)
        self._validated = True
        regional_values = model.regional
        for name in self._own_model_vars:
            self.model_vars[name].append(regional_values[name])
        for name, reporter in self.model_reporters.items():
            if name not in regional_values:  # added by a user: evaluate as Mesa would
                self.model_vars[name].append(_call_model_reporter(reporter, model))
        getter, pids = self._country_attrs, self._power_ids
        records = [
            (time, c.unique_id, *getter(c), *[c.influence.get(p, 0.0) for p in pids])
            for c in model.countries_in_order
        ]
        self._agenttype_records[time] = {self._country_type: records}
        if self.agent_reporters:
            self._agent_records[time] = list(self._record_agents(model))


def _call_model_reporter(reporter: Any, model: Any) -> Any:
    from copy import deepcopy

    if isinstance(reporter, str):
        return deepcopy(getattr(model, reporter, None))
    if isinstance(reporter, list):
        return deepcopy(reporter[0](*reporter[1]))
    try:
        return deepcopy(reporter(model))
    except TypeError:
        return deepcopy(reporter())


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

    from sim.world.agents import Country

    df = model.datacollector.get_agenttype_vars_dataframe(Country).reset_index()
    if df.empty or df["Step"].isna().all():  # nothing recorded yet
        columns = ["date", "month", *country_fields(model)]
        return pd.DataFrame(columns=columns)
    month = (df["Step"].astype(float) - 1).astype(int)
    dates = pd.period_range(
        model.start, periods=max(int(month.max()) + 1, 1), freq="M"
    ).to_timestamp()
    df = df.drop(columns=["Step", "AgentID"])
    df.insert(0, "month", month.to_numpy())
    df.insert(0, "date", dates[month.to_numpy()])
    df["regime"] = df["regime"].astype("category")
    return df.sort_values(["month", "country"], kind="stable").reset_index(drop=True)
