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
    "SahelModel": "sim.model",
    "Parameters": "sim.parameters",
    "Scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
    "bundled_scenarios": "sim.scenario",
    "ScenarioError": "sim.errors",
    "run": "sim.runner",
    "run_scenario": "sim.runner",
}

__all__ = [
    "Parameters",
    "SahelModel",
    "Scenario",
    "ScenarioError",
    "__version__",
    "bundled_scenarios",
    "load_scenario",
    "run",
    "run_scenario",
]

if TYPE_CHECKING:
    from sim.errors import ScenarioError
    from sim.model import SahelModel
    from sim.parameters import Parameters
    from sim.runner import run, run_scenario
    from sim.scenario import Scenario, bundled_scenarios, load_scenario


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
