"""The ``sahel`` command: a thin shell over the Python API.

Bad input (a scenario with problems, an existing output folder, an unknown parameter) is
reported as ``error: ...`` on standard error with exit code 2 and no traceback.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sim.errors import SahelError, UsageError

app = typer.Typer(
    name="sahel",
    help="Agent-based model of influence and stability in the central Sahel (Mesa).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out_console = Console()
err_console = Console(stderr=True, soft_wrap=True)

ScenarioArg = Annotated[
    str,
    typer.Argument(
        help="A scenario file (.yaml) or the name of a bundled scenario (see `sahel scenarios`)."
    ),
]


def _parse_overrides(items: list[str]) -> dict[str, float]:
    """Turn ``name=value`` strings into a dict, with clear errors."""
    from sim.parameters import Parameters

    known = sorted(Parameters.model_fields)
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--param {item!r}: expected name=value, e.g. recruitment_rate=30")
        if name not in known:
            import difflib

            close = difflib.get_close_matches(name, known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise UsageError(f"--param {name!r} is not a model parameter.{hint}")
        try:
            out[name] = float(value)
        except ValueError:
            raise UsageError(f"--param {name}={value!r}: expected a number") from None
    if out:
        from pydantic import ValidationError

        try:
            Parameters.model_validate(out)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise UsageError(
                f"--param {err['loc'][0]}={err['input']}: {err['msg'].lower()}"
            ) from None
    return out


def _quiet(flag: bool) -> bool:
    return flag or os.environ.get("CI", "").lower() == "true" or not sys.stderr.isatty()


@app.command()
def run(
    scenario: ScenarioArg,
    reps: Annotated[int, typer.Option("--reps", "-r", min=1, help="Number of replicates.")] = 1,
    seed: Annotated[
        int | None,
        typer.Option(
            min=0, help="Root seed; replicate seeds derive from it. Default: the scenario's."
        ),
    ] = None,
    months: Annotated[
        int | None, typer.Option(min=1, help="Months to simulate. Default: the scenario's length.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder. Default: results/<scenario name>."),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="Override a model parameter, name=value (repeatable)."),
    ] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Also write every table as CSV.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the output folder if it exists.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
) -> None:
    """Run a scenario: write per-month tables (Parquet), a manifest and a figure.

    The folder gets regional.parquet (one row per replicate and month), countries.parquet
    (per replicate, month and country), events.parquet, summary CSVs, manifest.json
    (scenario hash, parameters, seeds, versions, git commit, timings) and key_metrics.png.
    """
    from sim.scenario import load_scenario

    overrides = _parse_overrides(param or [])
    spec = load_scenario(scenario)
    target = out if out is not None else Path("results") / spec.name
    if target.exists() and not force:
        raise UsageError(
            f"{target} already exists; choose another --out or pass --force to replace it"
        )
    result = _run_with_progress(
        spec, reps=reps, seed=seed, months=months, overrides=overrides, quiet=quiet
    )
    from sim.plots import key_metrics
    from sim.results import write_run

    def figure(res):
        return key_metrics(
            res.regional, res.countries, title=f"{res.scenario.name}: {len(res.seeds)} replicate(s)"
        )

    write_run(result, target, csv=csv, force=force, figure=figure, command=["sahel", *sys.argv[1:]])
    if not quiet:
        _print_summary(result)
    err_console.print(f"wrote {target}/ ({sum(result.seconds):.2f} s of simulation)")


def _run_with_progress(spec, *, reps, seed, months, overrides, quiet):
    from sim.runner import run_scenario

    if _quiet(quiet) or reps == 1:
        return run_scenario(spec, reps=reps, seed=seed, months=months, parameters=overrides)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err_console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task(f"{spec.name}", total=reps)
        return run_scenario(
            spec, reps=reps, seed=seed, months=months, parameters=overrides,
            on_replicate=lambda _r: progress.advance(task),
        )  # fmt: skip


def _print_summary(result) -> None:
    from sim.runner import summarise

    regional, countries = summarise(result)
    table = Table(
        title=f"{result.scenario.name}: {result.scenario.start} to "
        f"{result.regional['date'].max():%Y-%m}, {len(result.seeds)} replicate(s)"
    )
    table.add_column("region")
    table.add_column("mean over replicates", justify="right")
    for name, value in regional.iloc[0].items():
        table.add_row(str(name), f"{value:,.3f}" if value < 10 else f"{value:,.0f}")
    out_console.print(table)
    ct = Table()
    ct.add_column("country")
    for col in countries.columns:
        ct.add_column(col, justify="right")
    for iso, row in countries.sort_values("fatalities per year", ascending=False).iterrows():
        ct.add_row(str(iso), *(f"{v:,.0f}" if v >= 10 else f"{v:.2f}" for v in row))
    out_console.print(ct)


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files or bundled names to check.")],
) -> None:
    """Check scenario files against the schema; report every problem (exit code 2 if any)."""
    from sim.errors import ScenarioError
    from sim.scenario import load_scenario

    failed = False
    for ref in files:
        try:
            spec = load_scenario(ref)
        except ScenarioError as exc:
            err_console.print(f"error: {exc.render()}", markup=False, highlight=False)
            failed = True
        else:
            out_console.print(
                f"ok: {ref} ({spec.name}: {spec.start} + {spec.months} months, "
                f"{len(spec.countries)} countries, {len(spec.events)} events)",
                markup=False, highlight=False,
            )  # fmt: skip
    if failed:
        raise typer.Exit(2)


@app.command()
def scenarios() -> None:
    """List the bundled scenarios with their descriptions."""
    import yaml

    from sim.scenario import bundled_scenarios

    table = Table(show_lines=False)
    table.add_column("name")
    table.add_column("extends")
    table.add_column("description")
    for name, path in bundled_scenarios().items():
        data = yaml.safe_load(path.read_text()) or {}
        table.add_row(
            name, str(data.get("extends") or ""), " ".join(str(data.get("description", "")).split())
        )
    out_console.print(table)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    from sim.scenario import Scenario

    typer.echo(json.dumps(Scenario.model_json_schema(), indent=2))


@app.command()
def parameters() -> None:
    """List the model parameters with default, unit, range and justification."""
    from sim.parameters import parameter_table

    table = Table()
    for col in ("name", "default", "unit", "range", "justification"):
        table.add_column(col)
    for row in parameter_table():
        table.add_row(
            row["name"],
            f"{row['default']:g}",
            row["unit"],
            f"{row['min']:g}-{row['max']:g}",
            row["justification"],
        )
    out_console.print(table)


def main() -> None:
    """Entry point of the ``sahel`` console script."""
    try:
        app()
    except SahelError as exc:
        text = exc.render() if hasattr(exc, "render") else str(exc)
        err_console.print(f"error: {text}", markup=False, highlight=False)
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
