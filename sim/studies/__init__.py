"""Studies of the Sahel model: run, compare, sweep, sensitivity, calibration, back-test."""

from sim.studies._old_studies import (
    Comparison,
    SensitivityResult,
    SweepResult,
    compare_scenarios,
    sensitivity,
    sensitivity_plan,
    sweep,
)

__all__ = [
    "Comparison",
    "SensitivityResult",
    "SweepResult",
    "compare_scenarios",
    "sensitivity",
    "sensitivity_plan",
    "sweep",
]
