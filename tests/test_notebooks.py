"""The student notebooks in ``notebooks/``: stored clean, and runnable top to bottom.

Each notebook has one code cell tagged ``parameters`` (the papermill convention) holding its sizes.
The execution test replaces that cell's source with the small sizes below and runs every cell in a
fresh kernel of this interpreter, in a temporary working directory; the code after the parameter
cell is exactly what a student runs. Set ``NOTEBOOKS_FULL=1`` to execute them at their stored
(laptop) sizes instead.

Cells tagged ``figure`` must show at least one figure (an ``image/png`` output).
"""

from __future__ import annotations

import ast
import json
import os
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tests.support import ROOT

NOTEBOOK_DIR = ROOT / "notebooks"

SMALL_SIZES: dict[str, str] = {
    "01_first_run": "REPS = 3\nMONTHS = 24\nSEED = 1\n",
    "02_us_withdraws_vs_us_stays": "REPS = 4\nMONTHS = 24\nWORKERS = 2\n",
    "03_sweeps_and_sensitivity": (
        "GRID_POINTS = 3\nSWEEP_REPS = 2\nMORRIS_TRAJECTORIES = 4\nMORRIS_REPS = 2\n"
        "MONTHS = 24\nWORKERS = 2\n"
    ),
}
"""Small sizes per notebook, injected into its ``parameters`` cell by the execution test."""

NOTEBOOKS = sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb"))

# Folders whose contents may change while the suite runs, for reasons unrelated to notebooks.
_SCRATCH = {".git", ".venv", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".hypothesis",
            "__pycache__", ".ipynb_checkpoints"}  # fmt: skip


def read(name: str) -> nbformat.NotebookNode:
    """The stored notebook ``notebooks/<name>.ipynb``, validated against nbformat 4."""
    nb = nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    return nb


def tagged(nb: nbformat.NotebookNode, tag: str) -> list[nbformat.NotebookNode]:
    """Code cells carrying ``tag`` in their metadata."""
    return [c for c in nb.cells if c.cell_type == "code" and tag in c.metadata.get("tags", [])]


def assigned_names(source: str) -> set[str]:
    """Names assigned at the top level of a cell's source."""
    return {
        target.id
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }


def repo_files() -> set[Path]:
    """Every file in the repository outside caches, the venv and git's own folder."""
    out = set()
    for folder, subdirs, files in os.walk(ROOT):
        subdirs[:] = [d for d in subdirs if d not in _SCRATCH]
        out.update(Path(folder, f).relative_to(ROOT) for f in files)
    return out


def test_the_three_notebooks_exist() -> None:
    assert NOTEBOOKS == sorted(SMALL_SIZES)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_stored_without_outputs(name: str) -> None:
    nb = read(name)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert dirty == [], f"{name}: cells {dirty} hold outputs (run scripts/strip_notebooks.py)"
    assert nb.metadata.kernelspec.name == "python3"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_one_parameters_cell_with_the_sizes(name: str) -> None:
    nb = read(name)
    cells = tagged(nb, "parameters")
    assert len(cells) == 1, f"{name}: {len(cells)} cells tagged 'parameters', expected 1"
    # The test's small sizes set exactly the notebook's own parameters, so none is silently
    # ignored and none keeps its laptop size.
    assert assigned_names(cells[0].source) == assigned_names(SMALL_SIZES[name])
    # It comes right after the introduction, before any code that uses it.
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code is cells[0]
    assert tagged(nb, "figure"), f"{name}: no cell is tagged 'figure'"


def _kernel_manager(folder: Path):
    """A kernel manager for this interpreter (not whatever ``python3`` kernel is installed)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = folder / "kernels" / "sahel-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "sahel-sim test kernel",
                "language": "python",
            }
        )
    )
    specs = KernelSpecManager(kernel_dirs=[str(spec.parent)])
    return KernelManager(kernel_name="sahel-test", kernel_spec_manager=specs)


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_runs_top_to_bottom(name: str, tmp_path: Path) -> None:
    from nbclient import NotebookClient

    stored = (NOTEBOOK_DIR / f"{name}.ipynb").read_bytes()
    before = repo_files()
    nb = read(name)
    if os.environ.get("NOTEBOOKS_FULL") != "1":
        tagged(nb, "parameters")[0].source = SMALL_SIZES[name]
    work = tmp_path / "work"
    work.mkdir()
    client = NotebookClient(
        nb,
        km=_kernel_manager(tmp_path),
        timeout=600,
        resources={"metadata": {"path": str(work)}},
    )
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    seconds = time.perf_counter() - started

    executable = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in executable)
    no_figure = [
        c.id
        for c in tagged(nb, "figure")
        if not any("image/png" in o.get("data", {}) for o in c.outputs)
    ]
    assert no_figure == [], f"{name}: figure cells without an image: {no_figure}"
    warnings = [
        (c.id, o.text)
        for c in executable
        for o in c.outputs
        if o.output_type == "stream" and o.name == "stderr" and "Warning" in o.text
    ]
    assert warnings == [], f"{name}: warnings in the output: {warnings}"
    # Nothing written into the repository, the stored notebook untouched.
    assert repo_files() - before == set()
    assert (NOTEBOOK_DIR / f"{name}.ipynb").read_bytes() == stored
    print(f"{name}: executed in {seconds:.1f} s")
