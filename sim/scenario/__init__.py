"""Scenarios: the YAML format (:mod:`.schema`), how files are loaded (:mod:`.loader`) and
where each parameter value comes from (:mod:`.resolution`)."""

from sim.scenario.loader import (
    SCENARIO_DIR,
    bundled_scenarios,
    load_scenario,
    resolve_path,
    scenario_hash,
    validate_data,
    with_parameters,
)
from sim.scenario.resolution import ResolvedParameter, resolved_parameters
from sim.scenario.schema import Scenario, month_index, month_name

__all__ = [
    "SCENARIO_DIR",
    "ResolvedParameter",
    "Scenario",
    "bundled_scenarios",
    "load_scenario",
    "month_index",
    "month_name",
    "resolve_path",
    "resolved_parameters",
    "scenario_hash",
    "validate_data",
    "with_parameters",
]
