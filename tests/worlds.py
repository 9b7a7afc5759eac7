"""The tiny world used by mechanism tests, and the ``extends``-like merge that patches it.

The tiny world has three countries (NER, MLI, BFA, all bordering each other), one power (USA,
with troops, aid and a surveillance hub in NER) and one insurgent group (JNIM, in NER and
MLI). Tests change it with a *patch*: a nested mapping merged into the world's data the way
``extends`` merges a child scenario (mappings merged key by key, ``None`` deletes a key,
anything else replaces), then validated with ``sim.scenario.validate_data``.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
"""The project root (holding ``scenarios/`` and ``.venv/``)."""

PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
"""The interpreter for subprocess tests: the project's venv."""

TINY_WORLD: dict[str, Any] = {
    "name": "tiny",
    "description": "Three countries, one power, one group: a world small enough to reason about.",
    "start": "2024-01",
    "months": 24,
    "seed": 11,
    "countries": {
        "NER": {
            "name": "Niger",
            "capital": [13.5, 2.1],
            "population_m": 25.0,
            "forces": 20000,
            "capacity": 0.35,
            "legitimacy": 0.35,
            "control": 0.7,
            "hardship": 0.8,
        },
        "MLI": {
            "name": "Mali",
            "capital": [12.6, -8.0],
            "population_m": 22.0,
            "forces": 20000,
            "capacity": 0.3,
            "legitimacy": 0.3,
            "control": 0.6,
            "hardship": 0.8,
        },
        "BFA": {
            "name": "Burkina Faso",
            "capital": [12.4, -1.5],
            "population_m": 22.0,
            "forces": 20000,
            "capacity": 0.3,
            "legitimacy": 0.3,
            "control": 0.6,
            "hardship": 0.8,
        },
    },
    "powers": {
        "USA": {
            "name": "United States",
            "western": True,
            "troops_available": 1500,
            "effectiveness": 3.0,
            "conditionality": 1.0,
            "regime_protection": 0.0,
            "civilian_harm": 0.01,
            "partners": {"NER": {"troops": 1000, "aid_musd": 20, "isr": True}},
        }
    },
    "groups": {
        "JNIM": {
            "name": "Jama'at Nusrat al-Islam wal-Muslimin",
            "affiliation": "al-Qaeda",
            "fighters": {"NER": 1500, "MLI": 1500},
        }
    },
    "borders": [["NER", "MLI"], ["NER", "BFA"], ["MLI", "BFA"]],
}


def merge(base: Any, patch: Any) -> Any:
    """Merge ``patch`` into a copy of ``base``: mappings key by key, ``None`` deletes."""
    if not (isinstance(base, dict) and isinstance(patch, dict)):
        return copy.deepcopy(patch)
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif key in out:
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def tiny_data(patch: dict[str, Any] | None = None) -> dict[str, Any]:
    """The tiny world's scenario data (a fresh copy), with ``patch`` merged in."""
    return merge(TINY_WORLD, patch or {})
