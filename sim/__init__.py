"""Sahel influence simulator: an agent-based model of regional influence and stability.

Quick start::

    from sim import SahelModel
    model = SahelModel("us_withdraws", rng=1).run()
    model.regional_frame()          # one row per month
    model.country_frame()           # one row per month and country

Names are imported lazily so that ``import sim`` stays fast (Mesa itself takes ~2 s).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "SahelModel": "sim.world.model",
    "Parameters": "sim.world.parameters",
    "Scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
    "bundled_scenarios": "sim.scenario",
    "ScenarioError": "sim.errors",
    "run": "sim.studies.run",
    "run_scenario": "sim.studies.run",
    "open_results": "sim.studies.results",
}

__all__ = [
    "Parameters",
    "SahelModel",
    "Scenario",
    "ScenarioError",
    "__version__",
    "bundled_scenarios",
    "load_scenario",
    "open_results",
    "run",
    "run_scenario",
]

if TYPE_CHECKING:
    from sim.errors import ScenarioError
    from sim.scenario import Scenario, bundled_scenarios, load_scenario
    from sim.studies.results import open_results
    from sim.studies.run import run, run_scenario
    from sim.world.model import SahelModel
    from sim.world.parameters import Parameters


_MODULES = {"plots": "sim.views.figures"}
"""Modules reachable as attributes: ``from sim import plots`` (the figure functions)."""


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return import_module(_MODULES[name])
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
