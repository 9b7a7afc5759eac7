"""Shared fixtures: bundled scenarios (loaded once), the tiny world of ``tests/worlds.py``
and the ``sahel`` command run in-process (``cli``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

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


@dataclass(frozen=True)
class CliResult:
    """What a ``sahel`` command did: its exit code and what it printed on each stream."""

    returncode: int
    stdout: str
    stderr: str
    exception: BaseException | None


class _SahelMain:
    """The ``sahel`` console script's entry point (:func:`sim.cli.main`, with its error
    handling and exit codes) in the shape :class:`click.testing.CliRunner` invokes."""

    name = "sahel"

    def main(self, args: list[str], prog_name: str, **_: Any) -> None:
        from sim import cli

        saved = sys.argv
        sys.argv = [prog_name, *args]
        try:
            cli.main()
        finally:
            sys.argv = saved


@pytest.fixture(scope="session")
def cli() -> Callable[..., CliResult]:
    """Run ``sahel ARGS...`` in this process, as the console script does (same entry point,
    same exit codes and messages, no terminal, CI-style), much faster than a subprocess:
    ``cli("run", "us_withdraws", "--months", "3", cwd=tmp_path)``. Use
    :func:`tests.support.sahel` where a separate process is the point."""
    runner = CliRunner()

    def run(*args: str, cwd: Path | None = None) -> CliResult:
        before = Path.cwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            res = runner.invoke(
                _SahelMain(),  # type: ignore[arg-type]
                list(args),
                env={"CI": "true", "COLUMNS": "200"},
                catch_exceptions=True,
            )
        finally:
            os.chdir(before)
        unexpected = None if isinstance(res.exception, SystemExit) else res.exception
        return CliResult(res.exit_code, res.stdout, res.stderr, unexpected)

    return run
