"""Open any results folder the studies write: run, compare, sweep, sensitivity, calibration
and back-test. ``sahel plot``, ``sahel report`` and the notebooks read folders only here.

Every folder has a ``manifest.json`` whose ``kind`` says what it is, and holds one or more
experiment stores (:class:`~sim.engine.store.ExperimentStore`) with per-batch Parquet tables:

========== ===================== =========================================================
kind       stores                other files
========== ===================== =========================================================
run        the folder itself     summary_region.csv, summary_countries.csv, key_metrics.png
compare    runs/a, runs/b        comparison.csv/.parquet, difference_over_time.csv,
           (runs/knockouts/a,    difference.png (with --explain: channels.csv,
           runs/knockouts/b)     channels.png)
sweep      the folder itself     runs.csv, points.csv
sensitivity the folder itself    indices.csv, noise.csv, indices_<output>.png
calibration runs/                history.csv, fit.csv, fit.png, calibrated.yaml
backtest   runs/                 backtest.csv, backtest.png
========== ===================== =========================================================

Each table of a store opens with ``pd.read_parquet(store / "regional")`` too; the reader
here also drops duplicate rows of a batch executed twice and sorts rows by run and month.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.engine.store import ExperimentStore
from sim.errors import UsageError

KINDS = ("run", "compare", "sweep", "sensitivity", "calibration", "backtest")
"""Kinds of results folder (the manifest's ``kind``)."""

SCENARIO_KINDS = ("run", "compare")
"""Kinds whose per-month tables are read on opening (figures, reports, replays)."""

STORE_COLUMNS = ("run_id", "point")
"""Store bookkeeping columns dropped from a single-scenario table."""


@dataclass
class Tables:
    """One scenario's per-month tables in a results folder."""

    label: str
    regional: pd.DataFrame
    countries: pd.DataFrame
    events: pd.DataFrame

    @property
    def seeds(self) -> list[int]:
        """The replicate seeds, in replicate order."""
        first = self.regional.drop_duplicates("replicate").sort_values("replicate")
        return [int(s) for s in first["seed"]]


@dataclass
class Results:
    """What a results folder holds.

    Attributes:
        path: the folder.
        kind: one of :data:`KINDS`.
        manifest: its ``manifest.json``.
        runs: per-scenario tables: ``{"run": ...}`` for a run, ``{"a": ..., "b": ...}`` for a
            comparison (differences are B - A); empty for other kinds (see :meth:`table`).
        comparison: the comparison table (comparisons only).
        over_time: the paired difference over time per series (``total_fatalities``,
            ``fatalities (NER)``...), comparisons only.
        summary: one row per run (``runs.csv`` of a sweep, the store's summary otherwise);
            ``None`` for comparisons.
        extra: the kind's other tables by file stem (``points``, ``indices``, ``noise``,
            ``history``, ``fit``, ``backtest``, ``channels``).
    """

    path: Path
    kind: str
    manifest: dict[str, Any]
    runs: dict[str, Tables] = field(default_factory=dict)
    comparison: pd.DataFrame | None = None
    over_time: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: pd.DataFrame | None = None
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)

    def store_paths(self) -> dict[str, Path]:
        """The folder's experiment stores by name (``.``, ``runs/a``...)."""
        listed = self.manifest.get("stores") or []
        return {rel: (self.path / rel) for rel in listed}

    def table(self, name: str, store: str | None = None) -> pd.DataFrame:
        """A per-run table (``regional``, ``countries``, ``events``, ``summary``) of one of
        the folder's stores (default: the first), read with the store's reader."""
        stores = self.store_paths()
        if not stores:
            raise UsageError(f"{self.path} holds no experiment store")
        key = store if store is not None else next(iter(stores))
        if key not in stores:
            raise UsageError(f"{self.path} has no store {key!r}; it has {', '.join(stores)}")
        try:
            return ExperimentStore(stores[key], clean=False).read(name)
        except KeyError:
            raise UsageError(f"{stores[key]} holds no table {name!r}") from None

    @property
    def _first(self) -> Tables:
        if not self.runs:
            raise UsageError(
                f"{self.path} is a {self.kind} folder; this needs a run or comparison folder"
            )
        return next(iter(self.runs.values()))

    @property
    def start(self) -> str:
        """First simulated month, ``YYYY-MM``."""
        first = self._first.regional["date"].min()
        return f"{pd.Timestamp(first):%Y-%m}"

    @property
    def months(self) -> int:
        """Number of simulated months."""
        return int(self._first.regional["month"].max()) + 1

    def metric_names(self) -> tuple[list[str], list[str]]:
        """Numeric metrics of the regional and the countries tables."""
        tables = self._first
        skip = {"replicate", "seed", "month", "point", "run_id"}
        regional = [c for c in tables.regional.select_dtypes("number").columns if c not in skip]
        countries = [c for c in tables.countries.select_dtypes("number").columns if c not in skip]
        return regional, countries

    def replay_inputs(self, key: str, replicate: int) -> tuple[Any, int, dict[str, float], int]:
        """(resolved scenario, seed, parameter overrides, months) of one replicate of the
        scenario ``key`` (``run``, ``a`` or ``b``), to re-run it exactly.

        Raises:
            UsageError: no such replicate, or the recorded scenario is missing.
        """
        from sim.scenario import Scenario

        if key == "run":
            scenario = self.manifest.get("resolved_scenario")
            store_manifest = self.manifest
        else:
            scenario = (self.manifest.get("resolved_scenarios") or {}).get(key)
            store_manifest = json.loads((self.path / "runs" / key / "manifest.json").read_text())
        records = [r for r in store_manifest.get("runs", []) if r["replicate"] == replicate]
        if not records:
            reps = sorted(r["replicate"] for r in store_manifest.get("runs", []))
            span = f"replicates {reps[0]} to {reps[-1]}" if reps else "no replicates"
            raise UsageError(f"replicate {replicate}: {self.path} has {span}")
        if scenario is None:
            raise UsageError(f"{self.path}: the manifest records no resolved scenario for {key}")
        months = int(store_manifest["identity"]["months"])
        run = records[0]
        return Scenario.model_validate(scenario), int(run["seed"]), dict(run["params"]), months


def _scenario_tables(store: Path, label: str) -> Tables:
    """The per-month tables of a single-scenario store, sorted, without bookkeeping."""
    from sim.studies.simulator import EVENT_COLUMNS

    s = ExperimentStore(store, clean=False)
    present = s.tables()
    if "regional" not in present:
        raise UsageError(f"{store} holds no runs yet (no regional table); was it interrupted?")

    def read(name: str) -> pd.DataFrame:
        if name not in present:  # no run had any event
            return pd.DataFrame(columns=["replicate", "seed", *EVENT_COLUMNS])
        frame = s.read(name)
        return frame.drop(columns=[c for c in STORE_COLUMNS if c in frame.columns])

    return Tables(label, read("regional"), read("countries"), read("events"))


def _csv(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.is_file() else None


def open_results(folder: Path | str) -> Results:
    """Open a results folder of any kind (see the module's docstring).

    Raises:
        UsageError: the folder is missing, has no (valid) manifest or is of an unknown kind.
    """
    path = Path(folder)
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    if not path.is_dir():
        raise UsageError(f"{path} is not a folder; expected a results folder")
    manifest_file = path / "manifest.json"
    if not manifest_file.is_file():
        raise UsageError(
            f"{path} is not a results folder (no manifest.json); expected a folder written by "
            "sahel run, compare, sweep, sensitivity, calibrate or backtest"
        )
    try:
        manifest = json.loads(manifest_file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{manifest_file} is not valid JSON: {exc}") from None
    kind = manifest.get("kind") if isinstance(manifest, dict) else None
    if kind not in KINDS:
        raise UsageError(
            f"{path} is not a results folder this version reads (manifest kind {kind!r}; "
            f"expected one of {', '.join(KINDS)}); re-run the command that made it"
        )
    results = Results(path, kind, manifest)
    if kind == "run":
        results.runs["run"] = _scenario_tables(path, str(manifest.get("scenario", path.name)))
    elif kind == "compare":
        for key in ("a", "b"):
            results.runs[key] = _scenario_tables(path / "runs" / key, str(manifest[key]))
        results.comparison = (
            pd.read_parquet(path / "comparison.parquet")
            if (path / "comparison.parquet").is_file()
            else None
        )
        stacked = _csv(path / "difference_over_time.csv")
        if stacked is not None:
            stacked["date"] = pd.to_datetime(stacked["date"])
            for name, frame in stacked.groupby("metric", sort=False):
                results.over_time[str(name)] = frame.drop(columns="metric").reset_index(drop=True)
    if kind == "sweep":
        results.summary = _csv(path / "runs.csv")
    elif kind != "compare" and results.store_paths():
        try:
            results.summary = results.table("summary")
        except UsageError:
            results.summary = None
    stems = ("points", "indices", "noise", "history", "fit", "backtest", "channels")
    for stem in stems:
        table = _csv(path / f"{stem}.csv")
        if table is not None:
            results.extra[stem] = table
    return results
