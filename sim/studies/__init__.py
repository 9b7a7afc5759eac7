"""Studies of the Sahel model: run, compare, sweep, sensitivity, calibration, back-test.

Each study runs through the generic experiment engine (:mod:`sim.engine`) and writes one
kind of results folder; :mod:`sim.studies.results` opens any of them.
"""

from sim.studies.compare import Comparison, compare_scenarios
from sim.studies.run import RunResult, run_scenario
from sim.studies.sensitivity import SensitivityResult, sensitivity, sensitivity_plan
from sim.studies.sweep import SweepResult, sweep

__all__ = [
    "Comparison",
    "RunResult",
    "SensitivityResult",
    "SweepResult",
    "compare_scenarios",
    "run_scenario",
    "sensitivity",
    "sensitivity_plan",
    "sweep",
]
