"""An experiment's output folder, which knows every file the tool wrote into it.

A folder is *ours* when its ``manifest.json`` carries an ``experiment_id`` (every manifest
the engine writes does). That manifest lists, under ``files``, every file written into the
folder by the tool (paths relative to the folder), each recorded *before* it is written, so
that an interruption cannot leave an unrecorded file; under ``stores``, the experiment
stores inside it (``"."`` for the folder itself), whose own files (manifest, status log,
Parquet parts, temporary files) each store recognises.

Starting afresh (:meth:`OutputFolder.prepare` with ``force``) deletes exactly those files,
and folders the tool left empty, and nothing else: a file of the user's inside the folder
survives. A folder that is not empty and holds no manifest of ours is refused, with or
without ``force``.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.engine import files
from sim.engine.errors import EngineError
from sim.engine.store import MANIFEST, ExperimentMismatchError, ExperimentStore

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

FILES_KEY = "files"
"""Manifest key: files written by the tool, relative to the folder."""

STORES_KEY = "stores"
"""Manifest key: experiment stores inside the folder, relative to it (``"."`` for itself)."""


class ForeignFolderError(EngineError):
    """A folder that is not empty and was not written by the tool: it is never touched."""


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest if it is one of ours (a JSON object with an ``experiment_id``),
    else ``None``."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and "experiment_id" in manifest else None


class OutputFolder:
    """The folder an experiment writes into.

    Args:
        path: the folder (created by :meth:`claim` when missing).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"OutputFolder({str(self.path)!r})"

    @property
    def manifest_path(self) -> Path:
        """Path of ``manifest.json``."""
        return self.path / MANIFEST

    def manifest(self) -> dict[str, Any] | None:
        """The folder's manifest, or ``None`` if it holds none of ours."""
        return read_manifest(self.path)

    # --- claiming and starting afresh ---------------------------------------------------

    def prepare(self, *, force: bool = False) -> None:
        """Check that the folder may receive an experiment; with ``force``, remove what
        an earlier experiment wrote there (see the module's docstring).

        Raises:
            ForeignFolderError: the folder is not empty and holds no manifest of ours.
        """
        if not self.path.exists():
            return
        if not self.path.is_dir():
            raise ForeignFolderError(f"{self.path} is a file, not a folder")
        if self.manifest() is None:
            if any(self.path.iterdir()):
                raise ForeignFolderError(
                    f"{self.path} is not empty and holds no manifest.json of this tool; "
                    "nothing was changed; choose an empty or new folder"
                )
            return
        if force:
            self.remove_own_files()

    def claim(self, manifest: Mapping[str, Any], *, force: bool = False) -> dict[str, Any]:
        """Make the folder this experiment's: :meth:`prepare`, then write ``manifest``
        (with an ``experiment_id``) unless the folder already holds the same experiment,
        whose manifest is kept (a resumed experiment). Returns the manifest in force.

        Raises:
            ForeignFolderError: see :meth:`prepare`.
            ExperimentMismatchError: the folder holds another experiment and not ``force``.
        """
        if "experiment_id" not in manifest:
            raise ValueError("an experiment manifest needs an experiment_id")
        self.prepare(force=force)
        existing = self.manifest()
        if existing is not None:
            if existing["experiment_id"] == manifest["experiment_id"]:
                return existing
            raise ExperimentMismatchError(
                f"{self.path} already holds experiment {existing['experiment_id']!r}, not "
                f"{manifest['experiment_id']!r}; choose another folder, or start afresh "
                "(the command line: --force)"
            )
        self.path.mkdir(parents=True, exist_ok=True)
        fresh = {**manifest, FILES_KEY: [], STORES_KEY: []}
        files.write_json(self.manifest_path, fresh)
        return fresh

    def own_files(self) -> list[Path]:
        """The files the manifest records (whether or not they still exist)."""
        manifest = self.manifest() or {}
        return [self.path / rel for rel in manifest.get(FILES_KEY, [])]

    def remove_own_files(self) -> list[Path]:
        """Delete what the tool wrote here: the recorded files, the stores' own files, the
        manifest and the folders left empty by that; return the files removed."""
        manifest = self.manifest()
        if manifest is None:
            return []
        removed: list[Path] = []
        for path in self.own_files():
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                path.unlink()
                removed.append(path)
        stores = {self.path / rel for rel in manifest.get(STORES_KEY, [])}
        stores |= {p.parent for p in self.path.rglob(MANIFEST) if read_manifest(p.parent)}
        for folder in sorted(stores, key=lambda p: len(p.parts), reverse=True):
            if folder.is_dir():
                ExperimentStore(folder, clean=False)._wipe()
        ExperimentStore(self.path, clean=True).clean_tmp()
        with contextlib.suppress(FileNotFoundError):
            self.manifest_path.unlink()
            removed.append(self.manifest_path)
        dirs = {p.parent for p in removed} | stores
        for folder in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
            _remove_empty_up_to(folder, self.path)
        return removed

    # --- recording and writing files ------------------------------------------------------

    def record(self, paths: Iterable[str | os.PathLike[str]], key: str = FILES_KEY) -> None:
        """Add paths (relative to the folder, or absolute inside it) to the manifest's list
        ``key``. Call it before writing the files."""
        manifest = self.manifest()
        if manifest is None:
            raise ValueError(f"{self.path} has no manifest to record files in; claim it first")
        listed = list(manifest.get(key, []))
        for path in paths:
            rel = self._relative(path)
            if rel not in listed:
                listed.append(rel)
        if listed != manifest.get(key):
            files.write_json(self.manifest_path, {**manifest, key: listed})

    def update_manifest(self, **entries: Any) -> dict[str, Any]:
        """Add or replace manifest entries (results known only at the end); the experiment
        id and the lists of files and stores are kept."""
        manifest = self.manifest()
        if manifest is None:
            raise ValueError(f"{self.path} has no manifest; claim it first")
        protected = {"experiment_id", FILES_KEY, STORES_KEY}
        updated = {**manifest, **{k: v for k, v in entries.items() if k not in protected}}
        files.write_json(self.manifest_path, updated)
        return updated

    def store(self, rel: str = ".", manifest: Mapping[str, Any] | None = None) -> ExperimentStore:
        """The experiment store at ``rel`` (recorded in the manifest), created with
        ``manifest`` (default: this folder's, for a store that is the folder itself)."""
        self.record([rel], key=STORES_KEY)
        store = ExperimentStore(self.path / rel)
        store.create(manifest if manifest is not None else (self.manifest() or {}))
        return store

    def _relative(self, path: str | os.PathLike[str]) -> str:
        """``path`` relative to the folder (an absolute path must lie inside it)."""
        p = Path(path)
        if p.is_absolute():
            try:
                p = p.resolve().relative_to(self.path.resolve())
            except ValueError:
                raise ValueError(f"{path} is not inside {self.path}") from None
        if ".." in p.parts:
            raise ValueError(f"{path} is not inside {self.path}")
        return p.as_posix()

    def _target(self, rel: str | os.PathLike[str]) -> Path:
        self.record([rel])
        return self.path / self._relative(rel)

    def write_text(self, rel: str | os.PathLike[str], text: str) -> Path:
        """Record and write a text file atomically."""
        return files.write_text(self._target(rel), text)

    def write_json(self, rel: str | os.PathLike[str], payload: Any) -> Path:
        """Record and write a JSON file atomically."""
        return files.write_json(self._target(rel), payload)

    def write_csv(self, frame: pd.DataFrame, rel: str | os.PathLike[str], **to_csv: Any) -> Path:
        """Record and write a CSV file atomically (without the index unless told)."""
        return files.write_csv(frame, self._target(rel), **to_csv)

    def write_parquet(self, frame: pd.DataFrame, rel: str | os.PathLike[str]) -> Path:
        """Record and write a Parquet file atomically."""
        return files.write_parquet(frame, self._target(rel))

    def write_figure(
        self, fig: Figure, rel: str | os.PathLike[str], *, dpi: int = 120, close: bool = True
    ) -> Path:
        """Record and save a figure atomically."""
        return files.write_figure(fig, self._target(rel), dpi=dpi, close=close)


def _remove_empty_up_to(folder: Path, top: Path) -> None:
    """Remove ``folder`` and its parents while they are empty, up to and including ``top``."""
    top = top.resolve()
    current = folder.resolve()
    while current == top or top in current.parents:
        try:
            current.rmdir()
        except OSError:
            return
        if current == top:
            return
        current = current.parent


__all__ = ["ExperimentMismatchError", "ForeignFolderError", "OutputFolder", "read_manifest"]
