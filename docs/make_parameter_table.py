"""Fill the parameter table in ``docs/ODD.md`` from ``sim.parameters.parameter_table()``.

The table sits between the markers ``<!-- parameters:start -->`` and
``<!-- parameters:end -->``; everything between them is replaced, the rest of the file is kept.

Usage::

    .venv/bin/python docs/make_parameter_table.py          # rewrite docs/ODD.md
    .venv/bin/python docs/make_parameter_table.py --check  # exit 1 if the table is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.parameters import parameter_table

ODD = Path(__file__).resolve().parent / "ODD.md"
START = "<!-- parameters:start -->"
END = "<!-- parameters:end -->"


def _number(value: Any) -> str:
    """Format a number compactly (no trailing zeros); leave other values as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return f"{value:g}"
    return str(value)


def _cell(text: str) -> str:
    """Make text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def render(rows: list[dict[str, Any]]) -> str:
    """Return the Markdown table: name, default, unit, range, justification."""
    lines = [
        "| name | default | unit | range | justification |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        span = f"{_number(row['min'])} to {_number(row['max'])}"
        lines.append(
            f"| `{row['name']}` | {_number(row['default'])} | {_cell(row['unit'])} "
            f"| {span} | {_cell(row['justification'])} |"
        )
    return "\n".join(lines)


def fill(text: str, table: str) -> str:
    """Replace what lies between the markers in ``text`` with ``table``."""
    head, sep, rest = text.partition(START)
    if not sep:
        raise SystemExit(f"{ODD}: marker {START!r} not found")
    _, sep, tail = rest.partition(END)
    if not sep:
        raise SystemExit(f"{ODD}: marker {END!r} not found after {START!r}")
    return f"{head}{START}\n\n{table}\n\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite the table in place, or with ``--check`` report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the table is out of date"
    )
    args = parser.parse_args(argv)
    text = ODD.read_text(encoding="utf-8")
    new = fill(text, render(parameter_table()))
    if args.check:
        if new != text:
            print(f"{ODD}: parameter table is out of date; run {Path(__file__).name}")
            return 1
        return 0
    if new != text:
        ODD.write_text(new, encoding="utf-8")
        print(f"updated {ODD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
