"""Experiments: replicates, paired comparisons, sweeps and sensitivity, on any simulator.

This subpackage knows nothing of the Sahel: it drives a :class:`core.Simulator`.
"""
