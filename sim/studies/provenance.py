"""The Sahel facts every study's manifest records, passed to the engine's one manifest
function (:func:`sim.engine.provenance.experiment_manifest`): which packages matter, the git
commit when the package runs from a source checkout (never that of some other repository
around an installed copy), and the command line."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

from sim.bundled import DISTRIBUTION, git_commit
from sim.engine.core import Run
from sim.engine.provenance import experiment_manifest

PACKAGES = (DISTRIBUTION, "mesa", "numpy", "pandas", "networkx", "pydantic", "pyarrow",
            "scipy", "SALib", "matplotlib")  # fmt: skip
"""Distributions whose versions a manifest records."""


def command_line() -> list[str]:
    """The command that is running, as the user typed it (``sahel ...``) where it is the
    ``sahel`` console script; else ``sys.argv``."""
    if sys.argv and sys.argv[0].endswith("sahel"):
        return ["sahel", *sys.argv[1:]]
    return list(sys.argv)


def manifest(kind: str, payload: Mapping[str, Any], runs: Sequence[Run]) -> dict[str, Any]:
    """A study's manifest: the engine's, with the Sahel model's provenance facts."""
    return experiment_manifest(
        kind, payload, runs, packages=PACKAGES, commit=git_commit(), command=command_line()
    )
