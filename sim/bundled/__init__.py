"""The files shipped inside the package: the bundled scenarios, their parameter files and
the reference data, found with :mod:`importlib.resources`.

In a source checkout these are the project's top-level ``scenarios/`` and ``data/`` folders
(``pyproject.toml`` maps them to the packages ``sim.bundled.scenarios`` and
``sim.bundled.data``); in an installed wheel they are copies inside ``sim/bundled/``. Either
way the code finds them the same way, so an installed ``sahel`` works from any folder.
"""

from __future__ import annotations

import subprocess
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

SCENARIOS_PACKAGE = "sim.bundled.scenarios"
DATA_PACKAGE = "sim.bundled.data"
DISTRIBUTION = "sahel-sim"
"""The distribution (package metadata) name, for versions and provenance."""


def _path(package: str) -> Path:
    """The folder of a resource package (installed packages are plain folders on disk)."""
    return Path(str(files(package)))


def scenario_dir() -> Path:
    """The folder of the bundled scenarios (``scenarios/`` in a checkout)."""
    return _path(SCENARIOS_PACKAGE)


def data_dir() -> Path:
    """The folder of the bundled reference data (``data/`` in a checkout)."""
    return _path(DATA_PACKAGE)


def data_file(name: str) -> Path:
    """A bundled data file, e.g. ``data_file("ucdp_sahel_2012_2019.csv")``."""
    return data_dir() / name


def calibrated_parameter_file() -> Path:
    """The parameter file the bundled scenarios name (``parameters/calibrated.yaml``)."""
    return scenario_dir() / "parameters" / "calibrated.yaml"


@cache
def checkout_root() -> Path | None:
    """The root of the git checkout the package runs from, or ``None`` for an installed copy.

    The package is a checkout when its bundled scenarios are the ``scenarios/`` folder of a
    git work tree that also holds the ``sim/`` package itself (an editable install or a
    checkout on ``sys.path``); a wheel installed into a virtual environment that happens to
    sit inside some repository is not.
    """
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists() or not (root / "pyproject.toml").is_file():
        return None
    if scenario_dir().resolve() != (root / "scenarios").resolve():
        return None
    return root


def git_commit() -> dict[str, Any] | None:
    """``{"commit", "dirty"}`` of the checkout the package runs from; ``None`` when the
    package is installed (not a checkout) or git is unavailable."""
    root = checkout_root()
    if root is None:
        return None
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        )
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, capture_output=True, text=True, timeout=5,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
