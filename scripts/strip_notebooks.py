"""Remove outputs from the notebooks in ``notebooks/``, or check that they hold none.

Notebooks are stored without outputs, execution counts or per-run metadata, so that a diff shows
only changes to the text and code. Run this before committing a notebook you have executed::

    python scripts/strip_notebooks.py           # strip every notebook in notebooks/
    python scripts/strip_notebooks.py --check   # exit 1 (and list them) if any holds outputs
    python scripts/strip_notebooks.py path/to/a.ipynb ...

Cell ids, cell metadata tags (``parameters``, ``figure``) and the kernel specification are kept;
the language metadata is cut back to the language's name.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"

# Cell metadata written by Jupyter front ends while running, not part of the notebook's content.
_VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
# Notebook metadata written by extensions (e.g. ipywidgets state), not part of the content.
_VOLATILE_NOTEBOOK_METADATA = ("widgets", "papermill")


def strip(nb: nbformat.NotebookNode) -> bool:
    """Remove outputs, execution counts and volatile metadata in place; True if anything changed."""
    changed = False
    for cell in nb.cells:
        for key in _VOLATILE_CELL_METADATA:
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
        if cell.cell_type != "code":
            continue
        if cell.outputs or cell.execution_count is not None:
            cell.outputs = []
            cell.execution_count = None
            changed = True
    for key in _VOLATILE_NOTEBOOK_METADATA:
        if key in nb.metadata:
            del nb.metadata[key]
            changed = True
    # The kernel fills in its Python version and lexer details; keep only the language's name.
    language = nb.metadata.get("language_info", {})
    if set(language) - {"name"}:
        nb.metadata["language_info"] = {"name": language.get("name", "python")}
        changed = True
    return changed


def main(argv: list[str] | None = None) -> int:
    """Strip (or with ``--check``, inspect) the given notebooks; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: notebooks/*)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if dirty")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    dirty = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if strip(nb):
            dirty.append(path)
            if not args.check:
                nbformat.validate(nb)
                nbformat.write(nb, path)
    verb = "hold outputs" if args.check else "stripped"
    for path in dirty:
        print(f"{path}: {verb}")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
