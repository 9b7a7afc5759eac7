"""The Sahel model behind the experiment layer's :class:`~sim.engine.core.Simulator`.

The experiment layer (``sim.engine``) knows nothing of the Sahel; this adapter is the
only place where the two meet: it runs :class:`~sim.world.model.SahelModel` for given parameter
values and a seed, and says which parameters exist and what summarises a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from sim import __version__
from sim.scenario import Scenario, load_scenario, scenario_hash
from sim.world.model import SahelModel
from sim.world.parameters import parameter_bounds

TABLES = ("regional", "countries", "events")
"""Tables each run produces: per month, per month and country, and events."""

EVENT_COLUMNS = ["month", "date", "kind", "country", "actor", "scheduled", "note"]
"""Columns of the events table (see ``SahelModel.log_event``)."""


class SahelSimulator:
    """Runs one scenario for the experiment layer (picklable: it holds only the scenario).

    Args:
        scenario: a Scenario, a bundled scenario name or a YAML path.
        months: months to simulate (default: the scenario's length).
    """

    def __init__(self, scenario: Scenario | str, months: int | None = None) -> None:
        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.months = months if months is not None else self.scenario.months
        self._hash = scenario_hash(self.scenario)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    def identity(self) -> dict[str, Any]:
        """Model version, resolved-scenario hash and run length."""
        return {
            "model": "sahel-sim",
            "version": __version__,
            "scenario_hash": self._hash,
            "months": self.months,
        }

    def parameter_bounds(self) -> dict[str, tuple[float, float, float]]:
        """``{name: (min, max, value in this scenario)}`` for every model parameter."""
        values = self.scenario.parameters.model_dump()
        return {name: (*parameter_bounds(name), float(value)) for name, value in values.items()}

    def simulate(self, params: Mapping[str, float], seed: int) -> dict[str, pd.DataFrame]:
        """One run: the regional, country and event tables."""
        model = SahelModel(self.scenario, rng=seed, months=self.months, parameters=dict(params))
        model.run()
        return {
            "regional": model.regional_frame(),
            "countries": model.country_frame(),
            "events": pd.DataFrame(model.event_log, columns=EVENT_COLUMNS),
        }

    def summarise(self, tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
        """Headline outputs of a run: means over the run and final values.

        ``fatalities_per_year`` (deaths per year, region), ``mean_stability`` (0-1),
        ``final_western_influence`` and ``final_russian_influence`` (shares),
        ``final_juntas`` (count), and per country ``fatalities_per_year_<ISO3>`` and
        ``final_control_<ISO3>``.
        """
        reg = tables["regional"]
        years = len(reg) / 12.0
        last = reg.iloc[-1]
        out = {
            "fatalities_per_year": float(reg["total_fatalities"].sum() / years),
            "mean_stability": float(reg["regional_stability"].mean()),
            "final_western_influence": float(last["western_influence"]),
            "final_russian_influence": float(last["russian_influence"]),
            "final_juntas": float(last["n_juntas"]),
        }
        cty = tables["countries"]
        per_country = cty.groupby("country", observed=True)
        for iso, value in (per_country["fatalities"].sum() / years).items():
            out[f"fatalities_per_year_{iso}"] = float(value)
        final = cty[cty["month"] == cty["month"].max()].set_index("country")["control"]
        for iso, value in final.items():
            out[f"final_control_{iso}"] = float(value)
        return out
