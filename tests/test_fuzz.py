"""Fuzzing ``sahel validate``: arbitrary bytes, arbitrary YAML and damaged scenarios.

Whatever the file holds, the command ends with exit code 0 (valid) or 2 (a message naming
the file), in process through Typer's runner, never with an exception escaping the
command-line handler (which would mean a traceback, or exit code 1 for an internal error).
"""

from __future__ import annotations

import copy
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario import load_scenario

RUNNER = CliRunner()
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
MORE = settings(FUZZ, max_examples=250)
FEW = settings(FUZZ, max_examples=25)  # each validates a whole scenario (~0.1 s)


def _validate(content: bytes, name: str = "fuzz.yaml") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        result = RUNNER.invoke(app, ["validate", str(path)])
    escaped = result.exception if not isinstance(result.exception, SystemExit) else None
    assert escaped is None, f"{type(escaped).__name__}: {escaped} for {content[:200]!r}"
    assert result.exit_code in (0, 2), (result.exit_code, result.output, content[:200])
    if result.exit_code == 2:
        assert "fuzz.yaml" in result.output, result.output


# --- arbitrary bytes and text ------------------------------------------------------------------

YAML_PIECES = st.sampled_from(
    [": ", "- ", "\n", "  ", "&a ", "*a", "!!python/object:os.system ", "!!binary ", "? ",
     "[", "]", "{", "}", ",", "'", '"', "#", "|", ">", "---\n", "...\n", "<<: ", "\t", "\x00",
     "name", "x", "1e5", ".inf", ".nan", "2024-13-01", "~", "true", "9" * 50, "é", "\ufeff",
     "%YAML 1.1\n", "!tag ", "@", "`"]
)  # fmt: skip


def _utf8(pieces: list[str]) -> bytes:
    return "".join(pieces).encode("utf-8", "surrogatepass")


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(content: bytes) -> None:
    _validate(content)


@FUZZ
@given(st.lists(YAML_PIECES, max_size=60).map(_utf8))
def test_yaml_punctuation_soup(content: bytes) -> None:
    _validate(content)


# --- arbitrary YAML documents -------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["2024-01", "2024-13", "NER", "USA", "JNIM", "coup", "expel", ""]),
)
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=40,
)


@FUZZ
@given(DOCUMENTS)
def test_arbitrary_yaml_documents(doc: Any) -> None:
    _validate(yaml.safe_dump(doc, allow_unicode=True).encode())


# --- bundled scenarios with one part replaced ---------------------------------------------------

_BASE: dict[str, Any] = load_scenario("us_withdraws").model_dump(mode="json")
_BASE.pop("extends", None)
_BASE.pop("parameter_file", None)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


_PATHS = _paths(_BASE)[1:]


@FEW
@given(st.lists(st.tuples(st.sampled_from(_PATHS), DOCUMENTS), min_size=1, max_size=3))
def test_a_real_scenario_with_parts_replaced(changes: list[tuple[tuple[Any, ...], Any]]) -> None:
    data = copy.deepcopy(_BASE)
    for path, value in changes:
        target = data
        try:
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this part
    _validate(yaml.safe_dump(data, allow_unicode=True).encode())


def test_the_fuzzed_scenario_is_valid_before_it_is_damaged() -> None:
    """The base of the replacement fuzzing passes, so its failures come from the damage."""
    _validate(yaml.safe_dump(_BASE).encode())
    assert not any(isinstance(v, float) and not math.isfinite(v) for v in _BASE.values())


@pytest.mark.slow
@MORE
@given(st.binary(max_size=4000) | st.lists(YAML_PIECES, max_size=200).map(_utf8))
def test_many_more_arbitrary_inputs(content: bytes) -> None:
    _validate(content)


@pytest.mark.slow
@settings(MORE, max_examples=150)
@given(st.lists(st.tuples(st.sampled_from(_PATHS), DOCUMENTS), min_size=1, max_size=5))
def test_many_more_damaged_scenarios(changes: list[tuple[tuple[Any, ...], Any]]) -> None:
    test_a_real_scenario_with_parts_replaced.hypothesis.inner_test(changes)  # type: ignore[attr-defined]
