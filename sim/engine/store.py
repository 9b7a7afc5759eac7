"""An experiment on disk: a manifest, a status log and Parquet tables written per batch.

Layout of an experiment folder::

    <path>/manifest.json                  what the experiment is (written once, by create)
    <path>/status.log                     JSON lines: start, each batch done, finish
    <path>/<table>/part-<batch_id>.parquet one file per table per batch of runs

A batch's parts are first written in full to the hidden folder ``<path>/.incoming/`` and only
then renamed into their table folders, the ``summary`` part last: a table folder only ever
holds complete files, a batch executed twice (a lost worker, a resumed experiment) replaces
its own files instead of adding second ones, and the ``summary`` table is the record of
which batches, and so which runs, are done. A batch killed between its renames leaves parts
without a summary part; :meth:`ExperimentStore.repair` (run by the executor before it starts)
removes them, and any batch whose runs another complete batch already holds, so every run is
in every table exactly once whatever the batching of the resumed execution. Each table folder
is an ordinary Parquet dataset: ``pd.read_parquet(path / table)``, polars'
``pl.read_parquet(path / table)`` and DuckDB's ``read_parquet('<path>/<table>/*.parquet')``
open it directly.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.engine.core import content_hash
from sim.engine.errors import EngineError
from sim.engine.files import TMP_SUFFIX
from sim.engine.files import write_bytes as atomic_write_bytes

MANIFEST = "manifest.json"
STATUS_LOG = "status.log"
SUMMARY = "summary"
"""The table with one row per run; its ``run_id`` column says which runs are done."""

ID_COLUMNS = ("run_id", "point", "replicate", "seed")
"""Columns the executor adds in front of every table."""

SORT_EXTRA = ("month", "country")
"""Columns, when present, that order rows within a run (after point, replicate, run_id)."""

PART_PREFIX = "part-"
PART_SUFFIX = ".parquet"
TMP_DIR = ".incoming"
"""Hidden folder of an experiment where parts are written before they are renamed into place."""
STALE_TMP_SECONDS = 600.0
"""Temporary files older than this are taken to be left by a killed writer."""


class ExperimentMismatchError(EngineError):
    """A folder already holds a different experiment (its ``experiment_id`` differs)."""


def part_name(batch_id: str) -> str:
    """File name of a batch's part: ``part-<batch_id>.parquet``."""
    return f"{PART_PREFIX}{batch_id}{PART_SUFFIX}"


def batch_of_part(part: Path) -> str:
    """The batch id in a part's file name (``part-<batch_id>.parquet``)."""
    return part.name[len(PART_PREFIX) : -len(PART_SUFFIX)]


def write_part(
    root: str | os.PathLike[str],
    table: str,
    batch_id: str,
    frame: pd.DataFrame,
    *,
    fsync: bool = False,
) -> Path:
    """Write one batch's rows of one table atomically; return the final path.

    A part written again (the same batch executed twice) replaces the earlier file.
    """
    return write_batch(root, batch_id, {table: frame}, fsync=fsync)[0]


def write_batch(
    root: str | os.PathLike[str],
    batch_id: str,
    tables: Mapping[str, pd.DataFrame],
    *,
    fsync: bool = False,
) -> list[Path]:
    """Write one batch's part of each table in ``tables`` and return their final paths.

    Every part is written in full under ``<root>/.incoming/`` before any is renamed into its table
    folder, in the order given (put the ``summary`` table last: it marks the batch done). A
    failure while writing (a full disk) leaves no new file in any table folder.
    """
    root = Path(root)
    staging = root / TMP_DIR
    staging.mkdir(parents=True, exist_ok=True)
    moves: list[tuple[Path, Path]] = []
    try:
        for table, frame in tables.items():
            target = root / table / part_name(batch_id)
            tmp = staging / f"{table}.{target.name}.{uuid.uuid4().hex}{TMP_SUFFIX}"
            moves.append((tmp, target))
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
            if fsync:
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
        for tmp, target in moves:
            target.parent.mkdir(exist_ok=True)
            os.replace(tmp, target)
    finally:
        for tmp, _ in moves:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
    return [target for _, target in moves]


def worker_name() -> str:
    """``host:pid`` of the calling process (recorded in batch reports and the status log)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _union_categories(columns: list[pd.Series]) -> pd.CategoricalDtype:
    """One categorical dtype covering every column: categories sorted when possible, so the
    result does not depend on how rows were split into batches."""
    values: list[Any] = []
    ordered = False
    for col in columns:
        if isinstance(col.dtype, pd.CategoricalDtype):
            values.extend(col.dtype.categories)
            ordered = ordered or bool(col.dtype.ordered)
        else:
            values.extend(col.dropna().unique())
    unique = list(dict.fromkeys(values))
    if ordered and all(
        isinstance(c.dtype, pd.CategoricalDtype)
        and list(c.dtype.categories) == list(columns[0].dtype.categories)
        for c in columns
    ):
        return columns[0].dtype
    try:
        unique = sorted(unique)
    except TypeError:
        pass
    return pd.CategoricalDtype(unique, ordered=False)


def concat_frames(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate frames row-wise, ignoring empty ones and unifying categorical columns.

    Categorical columns whose categories differ between frames would otherwise silently
    become plain objects; here they get the sorted union of their categories.
    """
    frames = list(frames)
    nonempty = [f for f in frames if len(f)]
    if not nonempty:
        return frames[0].iloc[0:0].reset_index(drop=True) if frames else pd.DataFrame()
    if len(nonempty) == 1:
        return nonempty[0].reset_index(drop=True)
    categorical = {
        name
        for f in nonempty
        for name, dtype in f.dtypes.items()
        if isinstance(dtype, pd.CategoricalDtype)
    }
    for name in sorted(categorical, key=str):
        dtype = _union_categories([f[name] for f in nonempty if name in f.columns])
        nonempty = [
            f.assign(**{name: f[name].astype(dtype)}) if name in f.columns else f for f in nonempty
        ]
    return pd.concat(nonempty, ignore_index=True)


class ExperimentStore:
    """One experiment's folder: manifest, status log and per-batch Parquet tables.

    Args:
        path: the experiment folder (created when missing).
        clean: on opening, delete temporary files that killed writers left behind, if they
            are older than :data:`STALE_TMP_SECONDS` (a younger one may belong to a batch
            being written right now by another process). :func:`execute` removes all of
            them before it starts. Readers ignore temporary files in any case.
    """

    def __init__(self, path: str | os.PathLike[str], *, clean: bool = True) -> None:
        self.path = Path(path).resolve()
        self.path.mkdir(parents=True, exist_ok=True)
        self._run_ids: dict[tuple[str, str, int, int], frozenset[str]] = {}  # per part file
        if clean:
            self.clean_tmp(older_than=STALE_TMP_SECONDS)

    def __repr__(self) -> str:
        return f"ExperimentStore({str(self.path)!r})"

    # manifest ----------------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        """Path of ``manifest.json``."""
        return self.path / MANIFEST

    @property
    def status_path(self) -> Path:
        """Path of ``status.log``."""
        return self.path / STATUS_LOG

    def manifest(self) -> dict[str, Any] | None:
        """The manifest, or ``None`` if the experiment was never created."""
        if not self.manifest_path.exists():
            return None
        return json.loads(self.manifest_path.read_text())

    def create(self, manifest: Mapping[str, Any], *, overwrite: bool = False) -> dict[str, Any]:
        """Write the manifest of a new experiment, or accept the same experiment again.

        ``manifest["experiment_id"]`` identifies the experiment (when missing it is set to the
        content hash of the manifest). If the folder already holds an experiment with the same
        id, nothing is written and its results are kept (resume). A different id raises
        :class:`ExperimentMismatchError` unless ``overwrite``, which deletes the old
        experiment's manifest, status log and tables first. Returns the manifest in force.
        """
        manifest = dict(manifest)
        manifest.setdefault("experiment_id", content_hash(manifest))
        new_id = manifest["experiment_id"]
        existing = self.manifest()
        if existing is not None:
            old_id = existing.get("experiment_id")
            if old_id == new_id:
                return existing
            if not overwrite:
                raise ExperimentMismatchError(
                    f"{self.path} already holds experiment {old_id!r}, not {new_id!r}; "
                    "choose another folder, or overwrite it (the command line: --force)"
                )
            self._wipe()
        elif self.tables() and not overwrite:
            raise ExperimentMismatchError(
                f"{self.path} holds result tables but no {MANIFEST}; "
                "choose another folder, or overwrite it (the command line: --force)"
            )
        elif overwrite:
            self._wipe()
        manifest.setdefault("created", _now())
        blob = json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n"
        atomic_write_bytes(self.manifest_path, blob.encode())
        return manifest

    def _wipe(self) -> None:
        """Delete what this store wrote: manifest, status log, parts and temporary files
        (a table folder is removed only if nothing else is left in it)."""
        for folder in (p for p in self.path.iterdir() if p.is_dir()):
            tmp_pattern = f"*{TMP_SUFFIX}" if folder.name == TMP_DIR else f".*{TMP_SUFFIX}"
            ours = [*folder.glob(f"{PART_PREFIX}*{PART_SUFFIX}"), *folder.glob(tmp_pattern)]
            for file in ours:
                file.unlink()
            if ours and not any(folder.iterdir()):
                folder.rmdir()
        for file in (self.manifest_path, self.status_path):
            with contextlib.suppress(FileNotFoundError):
                file.unlink()

    # status log --------------------------------------------------------------------------

    def log(
        self,
        event: str,
        *,
        batch_id: str | None = None,
        runs: int | None = None,
        seconds: float | None = None,
        worker: str | None = None,
        **extra: Any,
    ) -> None:
        """Append one JSON line to ``status.log`` (and flush it)."""
        record = {
            "timestamp": _now(),
            "event": event,
            "batch_id": batch_id,
            "runs": runs,
            "seconds": None if seconds is None else round(float(seconds), 6),
            "worker": worker,
            **extra,
        }
        with open(self.status_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, default=str) + "\n")
            fh.flush()

    def status(self) -> list[dict[str, Any]]:
        """Every record of ``status.log`` (a torn last line, from a kill, is skipped)."""
        if not self.status_path.exists():
            return []
        records = []
        for line in self.status_path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                records.append(json.loads(line))
        return records

    # tables ------------------------------------------------------------------------------

    def clean_tmp(self, older_than: float = 0.0) -> list[Path]:
        """Delete temporary files left by killed writers (those last modified more than
        ``older_than`` seconds ago); return what was removed."""
        removed = []
        cutoff = time.time() - older_than
        for folder in [self.path, *(p for p in self.path.iterdir() if p.is_dir())]:
            pattern = f"*{TMP_SUFFIX}" if folder.name == TMP_DIR else f".*{TMP_SUFFIX}"
            for tmp in folder.glob(pattern):
                with contextlib.suppress(FileNotFoundError):
                    if older_than <= 0 or tmp.stat().st_mtime < cutoff:
                        tmp.unlink()
                        removed.append(tmp)
        return removed

    def repair(self, keep: Iterable[str] = ()) -> list[Path]:
        """Make every run appear at most once in every table; return the files removed.

        Deletes every temporary file, the parts of batches that have no ``summary`` part
        (a writer killed between its renames), and whole batches whose runs overlap those of
        a batch already kept (a writer that outlived its driver while a resumed execution
        redid its runs). Batches in ``keep`` are kept first, then the others in file-name
        order. Only for use while no other process writes to this store.
        """
        removed = self.clean_tmp()
        kept: set[str] = set()
        seen: set[str] = set()
        summary_parts = {batch_of_part(p): p for p in self.parts(SUMMARY)}
        preferred = [b for b in keep if b in summary_parts]
        for batch in [*preferred, *sorted(set(summary_parts) - set(preferred))]:
            ids = self._part_run_ids(SUMMARY, summary_parts[batch])
            if ids & seen:
                continue
            kept.add(batch)
            seen |= ids
        for table in self.tables():
            for part in self.parts(table):
                if batch_of_part(part) not in kept:
                    with contextlib.suppress(FileNotFoundError):
                        part.unlink()
                        removed.append(part)
        return removed

    def parts(self, table: str) -> list[Path]:
        """The table's part files, sorted by name (temporary files excluded)."""
        folder = self.path / table
        if not folder.is_dir():
            return []
        return sorted(folder.glob(f"{PART_PREFIX}*{PART_SUFFIX}"))

    def tables(self) -> list[str]:
        """Names of the tables that have at least one part, sorted."""
        return sorted(
            p.name
            for p in self.path.iterdir()
            if p.is_dir() and not p.name.startswith((".", "_")) and self.parts(p.name)
        )

    def done_run_ids(self, table: str = SUMMARY) -> set[str]:
        """The run ids present in ``table`` (read from its ``run_id`` column only).

        Each part's ids are remembered by (name, size, modification time), so asking again
        after a few more batches reads only the new parts.
        """
        done: set[str] = set()
        for part in self.parts(table):
            done.update(self._part_run_ids(table, part))
        return done

    def _part_run_ids(self, table: str, part: Path) -> frozenset[str]:
        """The run ids in one part (cached by name, size and modification time)."""
        stat = part.stat()
        key = (table, part.name, stat.st_size, stat.st_mtime_ns)
        ids = self._run_ids.get(key)
        if ids is None:
            column = pq.read_table(part, columns=["run_id"]).column("run_id")
            ids = self._run_ids[key] = frozenset(column.to_pylist())
        return ids

    def read(self, table: str) -> pd.DataFrame:
        """All rows of ``table``, independent of how and in what order runs were executed.

        Parts are concatenated in file-name order; if a run's rows appear in more than one
        part (a batch executed twice under different batchings), only those of the first part
        are kept. Rows are sorted by ``point``, ``replicate``, ``run_id`` and then ``month``
        and ``country`` when present, keeping each run's own row order otherwise.
        Categorical columns get the sorted union of their categories.
        """
        parts = self.parts(table)
        if not parts:
            raise KeyError(f"no table {table!r} in {self.path}; tables: {self.tables()}")
        arrow = [pq.read_table(part) for part in parts]
        df = _to_pandas(arrow)
        if "run_id" in df.columns and len(df):
            owner = _first_part_of_each_run(arrow)
            if owner is not None:
                part_of_row = np.repeat(np.arange(len(arrow)), [t.num_rows for t in arrow])
                keep = df["run_id"].map(owner).to_numpy() == part_of_row
                df = df[keep]
            keys = [c for c in ("point", "replicate", "run_id") if c in df.columns]
            keys += [c for c in SORT_EXTRA if c in df.columns]
            # rows with equal keys belong to one run and so to one part: keep their order
            df = df.assign(__pos=np.arange(len(df)))
            df = df.sort_values([*keys, "__pos"], kind="stable").drop(columns="__pos")
        return df.reset_index(drop=True)

    def seconds_per_run(self) -> float | None:
        """Mean seconds per run over the batches in the status log, or ``None``."""
        batches = [r for r in self.status() if r.get("event") == "batch" and r.get("runs")]
        runs = sum(r["runs"] for r in batches)
        return sum(r["seconds"] or 0.0 for r in batches) / runs if runs else None


def _to_pandas(tables: list[pa.Table]) -> pd.DataFrame:
    """Concatenate Arrow tables into one DataFrame; categorical columns get the sorted union
    of their categories, whatever the parts' dictionaries were."""
    try:
        combined = pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return concat_frames(t.to_pandas() for t in tables)
    df = combined.to_pandas()
    for name, dtype in df.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype) and not dtype.ordered:
            try:
                categories = sorted(dtype.categories)
            except TypeError:
                continue
            if list(dtype.categories) != categories:
                df[name] = df[name].cat.reorder_categories(categories)
    return df


def _first_part_of_each_run(tables: list[pa.Table]) -> dict[str, int] | None:
    """``{run_id: index of the first part holding it}`` if some run is in several parts,
    else ``None`` (the usual case, cheap to establish)."""
    ids = [set(pc.unique(t.column("run_id")).to_pylist()) for t in tables]
    if sum(len(i) for i in ids) == len(set().union(*ids)):
        return None
    owner: dict[str, int] = {}
    for index, run_ids in enumerate(ids):
        for run_id in run_ids:
            owner.setdefault(run_id, index)
    return owner


def _now() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="milliseconds")


def experiment_status(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Progress of an experiment folder: runs done and asked for, batches, batch seconds.

    ``total`` counts the distinct run ids listed in the manifest (``None`` if it lists none).
    """
    store = ExperimentStore(path, clean=False)
    manifest = store.manifest() or {}
    listed = manifest.get("runs")
    total = len({r["run_id"] for r in listed}) if isinstance(listed, list) else None
    records = store.status()
    batches = [r for r in records if r.get("event") == "batch"]
    return {
        "done": len(store.done_run_ids()) if store.parts(SUMMARY) else 0,
        "total": total,
        "batches": len(batches),
        "seconds": sum(r.get("seconds") or 0.0 for r in batches),
        "last": records[-1]["timestamp"] if records else "never",
        "kind": manifest.get("kind", ""),
    }
