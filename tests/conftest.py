"""Shared fixtures: bundled scenarios (loaded once) and the tiny world of ``tests/worlds.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sim.scenario import Scenario, load_scenario, validate_data
from sim.world.model import SahelModel
from tests.worlds import tiny_data


@pytest.fixture(scope="session")
def tiny_world() -> Callable[..., Scenario]:
    """Build the tiny world as a validated Scenario: ``tiny_world(patch=None)``."""

    def build(patch: dict[str, Any] | None = None) -> Scenario:
        return validate_data(tiny_data(patch), "<tiny world>")

    return build


@pytest.fixture(scope="session")
def tiny_model(tiny_world: Callable[..., Scenario]) -> Callable[..., SahelModel]:
    """A fresh model of the tiny world: ``tiny_model(patch=None, rng=1, **parameters)``."""

    def build(patch: dict[str, Any] | None = None, rng: int = 1, **parameters: float) -> SahelModel:
        return SahelModel(tiny_world(patch), rng=rng, parameters=parameters)

    return build


@pytest.fixture(scope="session")
def scenario() -> Callable[[str], Scenario]:
    """Load a bundled scenario by name, once per session (scenarios are immutable)."""
    cache: dict[str, Scenario] = {}

    def get(name: str) -> Scenario:
        if name not in cache:
            cache[name] = load_scenario(name)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def scenario_data(scenario: Callable[[str], Scenario]) -> Callable[[str], dict[str, Any]]:
    """Plain data of a bundled scenario (a fresh copy), to modify and re-validate."""

    def get(name: str) -> dict[str, Any]:
        data = scenario(name).model_dump(mode="json")
        data.pop("extends", None)
        return data

    return get
