"""Writing files atomically: a reader sees the old file or the new one, never half of one.

Every file the engine and the studies write goes through here: the content is written to a
hidden temporary file in the target's folder (``.<name>.<random>.tmp``, the pattern
:meth:`~sim.engine.store.ExperimentStore.clean_tmp` removes when a writer was killed) and
then renamed over the target with :func:`os.replace`, which is atomic on POSIX and Windows.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

TMP_SUFFIX = ".tmp"
"""Suffix of temporary files (they also start with a dot, so dataset readers skip them)."""


def temporary_name(target: Path) -> Path:
    """A fresh hidden temporary path beside ``target``: ``.<name>.<random>.tmp``."""
    return target.parent / f".{target.name}.{uuid.uuid4().hex}{TMP_SUFFIX}"


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, fsync: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed to ``target``.

    The target's folder is created when missing. If the body raises, the temporary file is
    removed and ``target`` is left as it was.
    """
    final = Path(target)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(final)
    try:
        yield tmp
        if fsync:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def write_bytes(target: str | os.PathLike[str], data: bytes, *, fsync: bool = False) -> Path:
    """Write ``data`` to ``target`` atomically; return the target's path."""
    with atomic_path(target, fsync=fsync) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    return write_bytes(target, text.encode("utf-8"))


def write_json(target: str | os.PathLike[str], payload: Any) -> Path:
    """Write ``payload`` as indented JSON (non-JSON values as strings) atomically."""
    return write_text(target, json.dumps(payload, indent=2, default=str) + "\n")


def write_csv(frame: pd.DataFrame, target: str | os.PathLike[str], **to_csv: Any) -> Path:
    """Write ``frame.to_csv(**to_csv)`` (default: without the index) atomically."""
    to_csv.setdefault("index", False)
    return write_text(target, frame.to_csv(**to_csv))


def write_parquet(frame: pd.DataFrame, target: str | os.PathLike[str]) -> Path:
    """Write ``frame`` as Parquet (without the index) atomically."""
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False)
    return Path(target)


def write_figure(
    fig: Figure, target: str | os.PathLike[str], *, dpi: int = 120, close: bool = True
) -> Path:
    """Save a Matplotlib figure atomically, in the format of the target's extension (``png``,
    ``pdf``, ``svg``); close it unless told not to."""
    final = Path(target)
    try:
        with atomic_path(final) as tmp:
            fig.savefig(tmp, format=final.suffix.lstrip(".") or "png", dpi=dpi)
    finally:
        if close:
            import matplotlib.pyplot as plt

            plt.close(fig)
    return final
