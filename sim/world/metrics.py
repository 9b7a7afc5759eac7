"""The model's output: metric definitions, the DataCollector set-up and tidy DataFrames.

Every metric has a name, a unit, a range, a one-line meaning and the label figures show
(``COUNTRY_METRICS``, ``REGIONAL_METRICS``, both in ``METRICS``; :func:`describe` resolves
``influence_USA`` and the like); ``docs/ODD.md`` prints the same tables. Values are recorded
by Mesa's ``DataCollector`` at the end of each monthly step, so Mesa's own tools work on them; the
helpers here turn them into tidy pandas DataFrames with real dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import mesa

from sim.world.violence import ALLIES, MILITIA, STATE

if TYPE_CHECKING:
    import pandas as pd

    from sim.world.model import SahelModel


@dataclass(frozen=True)
class Metric:
    """A recorded quantity: its unit, range, meaning and the label figures show.

    ``name`` is the column name (``<POWER>`` and ``<BLOC>`` stand for any power or bloc id);
    ``unit`` the unit of a value ("deaths per month", "index"); ``range`` the values it can
    take; ``meaning`` one line of what it is; ``label`` the short name of the quantity a
    figure shows as a title or legend (``{power}`` and ``{bloc}`` are replaced by a name).
    """

    name: str
    unit: str
    range: str
    meaning: str
    label: str = ""

    @property
    def scale(self) -> str:
        """The numeric range, when it has one (``"0-1"``; ``""`` for ``">= 0"``)."""
        first = self.range.split(",")[0].strip()
        return first if first[:1].isdigit() else ""

    @property
    def unit_text(self) -> str:
        """Unit and numeric range, as an axis shows them: ``"index, 0-1"``, ``"fighters"``."""
        return f"{self.unit}, {self.scale}" if self.scale else self.unit

    @property
    def axis_label(self) -> str:
        """Label with unit, for an axis or colour bar: ``"Stability (index, 0-1)"``."""
        label = self.label or self.name.replace("_", " ")
        return f"{label} ({self.unit_text})" if self.unit else label

    def for_id(self, ident: str, name: str | None = None) -> Metric:
        """The record of a pattern (``influence_<POWER>``) for one id (``influence_USA``),
        its label naming ``name`` (default: the id)."""
        prefix = self.name.split("<")[0]
        shown = name or ident
        return replace(
            self,
            name=f"{prefix}{ident}",
            label=self.label.format(power=shown, bloc=shown),
            meaning=self.meaning.replace("the power", shown).replace("the bloc", shown),
        )


COUNTRY_METRICS: tuple[Metric, ...] = (
    Metric(
        "stability",
        "index",
        "0-1",
        "Weighted mean of control, legitimacy and 1 - violence index.",
        "Stability",
    ),
    Metric(
        "control", "share", "0-1", "Share of territory under state control.", "Territorial control"
    ),
    Metric(
        "legitimacy",
        "index",
        "0-1",
        "State legitimacy (1 - FSI P1/10 at start).",
        "State legitimacy",
    ),
    Metric(
        "hardship",
        "index",
        "0-1",
        "Economic hardship ((FSI E1 + P2)/20 at start).",
        "Economic hardship",
    ),
    Metric(
        "grievance",
        "index",
        "0-1",
        "Epstein's grievance: hardship x (1 - legitimacy).",
        "Grievance",
    ),
    Metric(
        "fatalities",
        "deaths per month",
        ">= 0",
        "Conflict deaths in the month (all sides and civilians).",
        "Conflict deaths",
    ),
    Metric(
        "deaths_state_based",
        "deaths per month",
        ">= 0",
        "UCDP state-based deaths: state or foreign forces against insurgents (both sides and "
        "bystanders in battle).",
        "State-based deaths",
    ),
    Metric(
        "deaths_non_state",
        "deaths per month",
        ">= 0",
        "UCDP non-state deaths: rival groups, and militias against insurgents.",
        "Non-state deaths",
    ),
    Metric(
        "deaths_one_sided",
        "deaths per month",
        ">= 0",
        "UCDP one-sided deaths: civilians killed deliberately by any armed actor.",
        "One-sided deaths",
    ),
    Metric(
        "soldier_deaths",
        "deaths per month",
        ">= 0",
        "State-side personnel killed (army, militia, allied and foreign forces).",
        "Soldiers killed",
    ),
    Metric(
        "fighters_killed",
        "deaths per month",
        ">= 0",
        "Insurgent fighters killed.",
        "Fighters killed",
    ),
    Metric(
        "civilian_deaths",
        "deaths per month",
        ">= 0",
        "Civilians killed, in battle or deliberately.",
        "Civilians killed",
    ),
    Metric(
        "killed_by_state",
        "deaths per month",
        ">= 0",
        "Deaths inflicted by the national forces.",
        "Killed by national forces",
    ),
    Metric(
        "killed_by_militia",
        "deaths per month",
        ">= 0",
        "Deaths inflicted by pro-government militias.",
        "Killed by militias",
    ),
    Metric(
        "killed_by_allies",
        "deaths per month",
        ">= 0",
        "Deaths inflicted by forces lent by a mutual-defence bloc.",
        "Killed by allied forces",
    ),
    Metric(
        "killed_by_<ACTOR>",
        "deaths per month",
        ">= 0",
        "Deaths inflicted by the power's forces or the group's fighters.",
        "Killed by {power}",
    ),
    Metric(
        "zone_control",
        "share",
        "0-1",
        "Share of the contested zone (the regions where insurgents recruit) the state holds.",
        "Control of the contested zone",
    ),
    Metric(
        "forces",
        "personnel",
        ">= 0",
        "National security forces (army, gendarmerie, paramilitary).",
        "National forces",
    ),
    Metric(
        "militia",
        "members",
        ">= 0",
        "Members of pro-government militias under arms.",
        "Militia members",
    ),
    Metric(
        "offensive",
        "flag",
        "0-1",
        "1 while the government's forces are on an offensive.",
        "Offensive under way",
    ),
    Metric(
        "insurgent_strength",
        "fighters",
        ">= 0",
        "Insurgent fighters present (all groups).",
        "Insurgent fighters",
    ),
    Metric(
        "security",
        "troop-equivalents",
        ">= 0",
        "State-side combat power engaged: national, militia, allied and foreign forces.",
        "State-side combat power",
    ),
    Metric(
        "deterrence",
        "probability",
        "0-1",
        "Epstein's arrest probability facing a would-be insurgent.",
        "Deterrence",
    ),
    Metric(
        "abuse", "index", "0-1", "Memory of abuses by state and foreign forces.", "Memory of abuses"
    ),
    Metric(
        "coup_hazard",
        "per month",
        "0-1",
        "Probability of a successful coup in the month.",
        "Coup hazard",
    ),
    Metric("regime", "category", "civilian / junta / transition", "Who rules.", "Regime"),
    Metric(
        "influence_<POWER>",
        "share",
        "0-1, sum <= 1",
        "Share of the power in the country's alignment; the rest is autonomy.",
        "Influence of {power}",
    ),
)

REGIONAL_METRICS: tuple[Metric, ...] = (
    Metric(
        "regional_stability",
        "index",
        "0-1",
        "Population-weighted mean of country stability.",
        "Regional stability",
    ),
    Metric(
        "total_fatalities",
        "deaths per month",
        ">= 0",
        "Conflict deaths in all countries.",
        "Conflict deaths, region",
    ),
    Metric(
        "total_insurgents",
        "fighters",
        ">= 0",
        "Insurgent fighters in the region.",
        "Insurgent fighters, region",
    ),
    Metric(
        "regional_influence_<POWER>",
        "share",
        "0-1",
        "Population-weighted mean influence share.",
        "Regional influence of {power}",
    ),
    Metric(
        "western_influence",
        "share",
        "0-1",
        "Sum of the regional influence of Western powers.",
        "Western influence",
    ),
    Metric(
        "russian_influence",
        "share",
        "0-1",
        "Regional influence of Russia (RUS).",
        "Russian influence",
    ),
    Metric("n_juntas", "count", ">= 0", "Countries ruled by a junta.", "Countries ruled by juntas"),
    Metric(
        "bloc_size_<BLOC>",
        "count",
        ">= 0",
        "Members of the bloc (0 while inactive).",
        "Members of {bloc}",
    ),
)
"""Regional metrics. Names differ from the country metrics so that tools merging the two
(``mesa.batch_run``) cannot confuse them."""

METRICS: dict[str, Metric] = {m.name: m for m in (*COUNTRY_METRICS, *REGIONAL_METRICS)}
"""Every metric by name (patterns such as ``influence_<POWER>`` under the pattern): the one
table of labels, units and meanings that figures, the dashboard and reports read."""


def describe(name: str, names: Mapping[str, str] | None = None) -> Metric:
    """The record of metric ``name``, patterns resolved (``influence_RUS`` ->
    "Influence of Russia" when ``names`` maps ``RUS`` to "Russia").

    Raises:
        KeyError: ``name`` is no metric of the model (the message lists the known ones).
    """
    if name in METRICS:
        return METRICS[name]
    for pattern, metric in METRICS.items():
        prefix = pattern.split("<")[0]
        if "<" in pattern and name.startswith(prefix) and len(name) > len(prefix):
            ident = name[len(prefix) :]
            return metric.for_id(ident, (names or {}).get(ident))
    raise KeyError(f"{name!r} is not a metric; known: {', '.join(METRICS)}")


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
        "deaths_state_based": "deaths_state_based",
        "deaths_non_state": "deaths_non_state",
        "deaths_one_sided": "deaths_one_sided",
        "soldier_deaths": "soldier_deaths",
        "fighters_killed": "fighters_killed",
        "civilian_deaths": "civilian_deaths",
        "zone_control": "zone_control",
        "forces": "forces",
        "militia": "militia_members",
        "offensive": "offensive_flag",
        "insurgent_strength": "fighters",
        "security": "security",
        "deterrence": "deterrence",
        "abuse": "abuse",
        "coup_hazard": "coup_hazard",
        "regime": "regime",
    }
    for power_id in model.powers:
        fields[f"influence_{power_id}"] = partial(_influence, power_id=power_id)
    for actor in killers(model):
        fields[f"killed_by_{actor}"] = partial(_killed_by, actor=actor)
    return fields


def killers(model: SahelModel) -> list[str]:
    """Perpetrators recorded per country: national forces, militias, allied bloc forces, every
    power and group (the ``killed_by_*`` columns sum to ``fatalities``)."""
    return [STATE, MILITIA, ALLIES, *model.powers, *model.groups]


def _killed_by(country: Any, actor: str) -> float:
    return country.toll.by.get(actor, 0.0)


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
        self._killers = killers(model)
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
        actors = self._killers
        records = [
            (time, c.unique_id, *getter(c), *[c.influence.get(p, 0.0) for p in pids],
             *[c.toll.by.get(a, 0.0) for a in actors])
            for c in model.countries_in_order
        ]  # fmt: skip
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
