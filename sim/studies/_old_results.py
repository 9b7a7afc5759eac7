"""The on-disk results of a run: Parquet tables, a manifest of provenance, figures.

A run folder holds ``regional.parquet`` (one row per replicate and month),
``countries.parquet`` (per replicate, month and country), ``events.parquet``, optionally
the same as CSV, ``summary_region.csv``, ``summary_countries.csv``, ``manifest.json`` and
``key_metrics.png``. A folder is
written under a temporary name and renamed into place at the end, so a failed or
interrupted run never leaves a half-written folder behind.
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.errors import UsageError
from sim.scenario import scenario_hash
from sim.studies.run import RunResult

PACKAGES = ("sahel-sim", "mesa", "numpy", "pandas", "networkx", "pydantic", "pyarrow", "matplotlib")


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages a result depends on."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


from sim.bundled import git_commit  # noqa: E402


def manifest(result: RunResult, *, command: list[str] | None = None) -> dict[str, Any]:
    """Provenance of a run: scenario and hash, parameters, seeds, versions, commit, timings."""
    scn = result.scenario
    return {
        "scenario": scn.name,
        "description": scn.description,
        "scenario_hash": scenario_hash(scn),
        "start": scn.start,
        "months": int(result.regional["month"].max()) + 1,
        "replicates": len(result.seeds),
        "root_seed": result.root_seed,
        "seeds": result.seeds,
        "parameters": scn.parameters.model_dump(),
        "resolved_scenario": scn.model_dump(mode="json"),
        "command": command if command is not None else sys.argv,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "versions": package_versions(),
        "git": git_commit(),
        "timings": {
            "seconds_total": round(sum(result.seconds), 4),
            "seconds_per_replicate": [round(s, 4) for s in result.seconds],
        },
    }


def write_run(
    result: RunResult,
    out: Path,
    *,
    csv: bool = False,
    force: bool = False,
    figure: Callable[[RunResult], Any] | None = None,
    command: list[str] | None = None,
) -> Path:
    """Write a run's tables, manifest and figure to folder ``out`` (atomically).

    Raises:
        UsageError: if ``out`` exists and ``force`` is false.
    """
    from sim.studies.run import summarise

    out = Path(out)
    if out.exists() and not force:
        raise UsageError(
            f"{out} already exists; choose another --out or pass --force to replace it"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        tables = {
            "regional": result.regional,
            "countries": result.countries,
            "events": result.events,
        }
        for name, frame in tables.items():
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
            if csv:
                frame.to_csv(tmp / f"{name}.csv", index=False)
        regional, countries = summarise(result)
        regional.to_csv(tmp / "summary_region.csv", index=False)
        countries.to_csv(tmp / "summary_countries.csv")
        (tmp / "manifest.json").write_text(json.dumps(manifest(result, command=command), indent=2))
        if figure is not None:
            fig = figure(result)
            fig.savefig(tmp / "key_metrics.png", dpi=120)
            import matplotlib.pyplot as plt

            plt.close(fig)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
