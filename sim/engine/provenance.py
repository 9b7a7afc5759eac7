"""The manifest of an experiment: what was run, and the provenance needed to redo it.

One function, :func:`experiment_manifest`, builds every manifest the engine and the studies
write. It knows nothing of what is simulated: the caller passes the facts that belong to its
model (which packages matter, the source commit when there is one, the command line).
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from sim.engine.core import Run, content_hash


def package_versions(packages: Sequence[str]) -> dict[str, str]:
    """Versions of Python and of each named distribution (``"not installed"`` if absent)."""
    out = {"python": platform.python_version()}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def run_records(runs: Sequence[Run]) -> list[dict[str, Any]]:
    """One JSON-ready record per run: id, design point, replicate, seed, parameters, label."""
    return [
        {
            "run_id": r.run_id,
            "point": r.point,
            "replicate": r.replicate,
            "seed": r.seed,
            "params": dict(r.params),
            "label": r.label,
        }
        for r in runs
    ]


def experiment_id(kind: str, payload: Mapping[str, Any], runs: Sequence[Run]) -> str:
    """Content address of an experiment: its kind, its payload and its runs' ids. The same
    experiment asked for again (a resumed command) gets the same id; provenance (time, host,
    versions) is not part of it."""
    return content_hash({"kind": kind, **payload, "runs": [r.run_id for r in runs]})


def experiment_manifest(
    kind: str,
    payload: Mapping[str, Any],
    runs: Sequence[Run],
    *,
    packages: Sequence[str] = (),
    commit: Mapping[str, Any] | None = None,
    command: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The manifest of an experiment.

    Args:
        kind: what sort of experiment (``run``, ``compare``, ``sweep``...), chosen by the caller.
        payload: what defines it (its settings, the simulator's identity...): JSON-ready.
        runs: the runs it asks for (listed with their seeds and parameters).
        packages: distributions whose versions matter for the results.
        commit: the source revision (e.g. ``{"commit": ..., "dirty": ...}``), or ``None``
            when the code does not come from a checkout.
        command: the command line that made it, if any.

    Returns ``kind``, ``experiment_id`` (:func:`experiment_id`), the payload, ``runs``
    (:func:`run_records`), ``command``, ``created`` (UTC, ISO 8601), ``host``, ``platform``,
    ``versions`` and ``git``.
    """
    return {
        "kind": kind,
        "experiment_id": experiment_id(kind, payload, runs),
        **payload,
        "runs": run_records(runs),
        "command": list(command) if command is not None else None,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "platform": platform.platform(),
        "versions": package_versions(packages),
        "git": dict(commit) if commit is not None else None,
    }
