"""The ``sahel`` command: a thin shell over the Python API.

Bad input (a scenario with problems, an existing output folder, an unknown parameter) is
reported as ``error: ...`` on standard error with exit code 2 and no traceback. Anything
else that goes wrong is a bug: one line says so and how to see the traceback (``--debug``
or ``SAHEL_DEBUG=1``), exit code 1.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core
from rich.console import Console
from rich.table import Table

from sim import options
from sim.engine.errors import EngineError, ExecutionStopped, Interrupted
from sim.errors import SahelError, UsageError, did_you_mean

_debug = {"on": False}  # set by the --debug global option


def _debugging() -> bool:
    """Whether unexpected errors show their traceback (``--debug`` or ``SAHEL_DEBUG=1``)."""
    return _debug["on"] or os.environ.get("SAHEL_DEBUG", "") not in ("", "0")


_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _report(exc: Exception) -> int:
    """Print the one line that ends a failed command and return its exit code.

    Bad input (exit 2) and interrupted execution (130, 143 or 1, with the command that
    resumes) are expected; anything else is a bug in this program, re-raised with its
    traceback under ``--debug``.
    """
    if isinstance(exc, SahelError | EngineError):
        text = exc.render() if hasattr(exc, "render") else str(exc)
        err_console.print(f"error: {text}", markup=False, highlight=False)
        return exc.exit_code
    if isinstance(exc, ExecutionStopped):  # the runs finished are safe on disk
        prefix = "" if isinstance(exc, Interrupted) else "error: "
        err_console.print(prefix + exc.line(_resume_command()), markup=False, highlight=False)
        return exc.exit_code
    if isinstance(exc, BrokenPipeError):  # the reader went away (`sahel ... | head`)
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")
        return 141
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL:  # while writing final files
        where = f" while writing {exc.filename}" if exc.filename else ""
        err_console.print(
            f"error: the disk is full{where}; every file written is whole; free some space, "
            f"then {_resume_command()}",
            markup=False, highlight=False,
        )  # fmt: skip
        return 1
    if _debugging():
        raise exc
    what = " ".join(str(exc).split())
    what = what if len(what) <= 120 else what[:117] + "..."
    err_console.print(
        f"internal error: {type(exc).__name__}{': ' + what if what else ''}. This is a bug in"
        " sahel-sim, not in your input; run again with `sahel --debug ...` (or SAHEL_DEBUG=1)"
        " to see the traceback, and please report it.",
        markup=False, highlight=False,
    )  # fmt: skip
    return 1


class _Sahel(typer.core.TyperGroup):
    """The command group; errors are reported inside it, so that the console script and
    in-process runners (``typer.testing.CliRunner``) end the same way."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException, KeyboardInterrupt):
            raise  # exits and usage errors the framework reports itself
        except Exception as exc:
            raise typer.Exit(_report(exc)) from None


app = typer.Typer(
    name="sahel",
    help="Agent-based model of influence and stability in the central Sahel (Mesa).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Sahel,
)


@app.callback()
def _global_options(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", help="Show the traceback of an unexpected error (also SAHEL_DEBUG=1)."
        ),
    ] = False,
) -> None:
    _debug["on"] = debug


out_console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, soft_wrap=True)

ScenarioArg = Annotated[
    str,
    typer.Argument(
        help="A scenario file (.yaml) or the name of a bundled scenario (see `sahel scenarios`)."
    ),
]


def _parse_overrides(items: list[str]) -> dict[str, float]:
    """Turn ``name=value`` strings into a dict, with clear errors."""
    from sim.world.parameters import Parameters

    known = sorted(Parameters.model_fields)
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--param {item!r}: expected name=value, e.g. recruitment_rate=30")
        if name not in known:
            hint = did_you_mean(name, known)
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


BackendOpt = Annotated[
    str, typer.Option(help="Where runs execute: local (process pool), serial, or dask.")
]
WorkersOpt = Annotated[
    int | None, typer.Option(min=1, help="Worker processes (local back end). Default: one per CPU.")
]
SeedOpt = Annotated[int | None, typer.Option(min=0, help="Root seed (default: scenario's).")]
MonthsOpt = Annotated[int | None, typer.Option(min=1, help="Months to simulate.")]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Start afresh in a folder holding another experiment: deletes only the files "
        "this tool wrote there (listed in its manifest.json).",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        help="Address of a running Dask scheduler, tcp://HOST:PORT (implies --backend dask)."
    ),
]
YesOpt = Annotated[
    bool,
    typer.Option(
        "--yes", help=f"Start a design of more than {options.MAX_RUNS:,} runs without refusing."
    ),
]


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
    backend: BackendOpt = "local",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
) -> None:
    """Run a scenario for one or more replicates, through the experiment engine.

    The folder is an experiment store: regional/, countries/, events/ and summary/ (Parquet
    datasets: pd.read_parquet(folder / "regional") gives one row per replicate and month),
    summary CSVs, key_metrics.png and manifest.json (scenario hash, parameters, seeds,
    versions, git commit, every file written). Re-running the same command resumes an
    interrupted run; `sahel status FOLDER` shows its progress.
    """
    from sim.scenario import load_scenario
    from sim.studies.run import run_scenario

    overrides = _parse_overrides(param or [])
    spec = load_scenario(scenario)
    target = out if out is not None else options.default_out(spec.name)
    with _Reporter(spec.name, quiet) as report:
        result = run_scenario(
            spec, reps=reps, seed=seed, months=months, parameters=overrides, out=target,
            force=force, csv=csv, backend="dask" if scheduler else backend, workers=workers,
            scheduler=scheduler, progress=report,
        )  # fmt: skip
    if not quiet:
        _print_summary(result)
    err_console.print(f"wrote {target}/ ({result.seconds:.2f} s of simulation)")


def _print_summary(result) -> None:
    from sim.studies.run import summarise

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


class _Reporter:
    """Progress for long commands: a bar with rate and ETA on a terminal; readable log lines
    every 10% otherwise (CI, pipes); nothing with --quiet."""

    def __init__(self, label: str, quiet: bool) -> None:
        self.label, self.quiet = label, quiet
        self.tty = sys.stderr.isatty() and os.environ.get("CI", "").lower() != "true"
        self._progress: Any = None
        self._task: Any = None
        self._start = 0.0
        self._logged = -1

    def __enter__(self) -> _Reporter:
        import time

        self._start = time.perf_counter()
        if not self.quiet and self.tty:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                ProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.text import Text

            class RateColumn(ProgressColumn):
                def render(self, task: Any) -> Text:
                    return Text(f"{task.speed:.1f} runs/s" if task.speed else "")

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                RateColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task(self.label, total=None)
        return self

    def __call__(self, done: int, total: int) -> None:
        import time

        if self.quiet:
            return
        if self._progress is not None:
            self._progress.update(self._task, completed=done, total=total)
            return
        tenth = int(10 * done / total) if total else 10
        if done > 0 and (tenth > self._logged or done == total):
            self._logged = tenth
            elapsed = time.perf_counter() - self._start
            rate = done / elapsed if elapsed > 0 else 0.0
            eta = (total - done) / rate if rate > 0 else float("nan")
            err_console.print(
                f"{self.label}: {done}/{total} runs ({rate:.1f} runs/s, eta {eta:.0f} s)",
                markup=False, highlight=False,
            )  # fmt: skip

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


@app.command()
def compare(
    a: Annotated[str, typer.Argument(help="Scenario A (file or bundled name), the reference.")],
    b: Annotated[str, typer.Argument(help="Scenario B; differences are B - A.")],
    reps: Annotated[int, typer.Option("--reps", "-r", min=2, help="Paired replicates.")] = 30,
    seed: Annotated[int | None, typer.Option(min=0, help="Root seed (default: A's).")] = None,
    months: Annotated[int | None, typer.Option(min=1, help="Months to simulate.")] = None,
    horizon: Annotated[
        list[str] | None,
        typer.Option(
            help="Report means up to these months, YYYY-MM[,YYYY-MM...], from the first month "
            "the scenarios' events differ. Default: the last month."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Results folder. Default: results/<A>_vs_<B>.")
    ] = None,
    backend: BackendOpt = "local",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or table.")] = False,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Also split each difference into the model's causal channels: each channel "
            "knocked out in turn, both scenarios, the same seeds (channels.csv, channels.png).",
        ),
    ] = False,
    explain_metric: Annotated[
        str | None,
        typer.Option(
            help="Metric the channel figure shows (implies --explain). Default: the "
            "comparison's first focus metric (conflict deaths)."
        ),
    ] = None,
    explain_group: Annotated[
        str | None,
        typer.Option(
            help="Country (ISO3) or 'region' the channel figure shows (implies "
            "--explain). Default: the first country the scenarios' events treat "
            "differently."
        ),
    ] = None,
) -> None:
    """Compare two scenarios with paired seeds: means, paired difference and 95% CI.

    Means are taken from the first month whose scheduled events differ (printed, and
    recorded as window_start and in the manifest) to each horizon.

    Writes comparison.csv/.parquet (per horizon, metric and country: mean of A and B, B - A,
    95% CI, and how much pairing narrowed the interval against unpaired runs),
    difference_over_time.csv, difference.png, manifest.json and the runs themselves
    (runs/a, runs/b). Re-running the same command resumes an interrupted comparison.

    With --explain, each channel of sim/world/channels.py is switched off in turn and both
    scenarios run again with the same seeds (runs/knockouts/a, runs/knockouts/b); the
    difference a channel's knock-out removes is its contribution (channels.csv, with paired
    95% CIs, the sum of the channels and the interaction left over; channels.png).
    """
    from sim.scenario import load_scenario
    from sim.studies import compare_scenarios
    from sim.studies.compare import explain_target

    spec_a, spec_b = load_scenario(a), load_scenario(b)
    run_months = months if months is not None else min(spec_a.months, spec_b.months)
    horizons = options.horizons(horizon, spec_a.start, run_months)
    explain = explain or explain_metric is not None or explain_group is not None
    if explain:
        explain_target(spec_a, spec_b, explain_metric, explain_group)
    target = out if out is not None else options.default_out(spec_a.name, "vs", spec_b.name)
    with _Reporter(f"{spec_a.name} vs {spec_b.name}", quiet) as report:
        result = compare_scenarios(
            spec_a, spec_b, reps=reps, seed=seed, months=months, horizons=horizons,
            out=target, force=force, backend="dask" if scheduler else backend, workers=workers,
            scheduler=scheduler, progress=report, explain=explain,
            explain_metric=explain_metric, explain_group=explain_group,
        )  # fmt: skip
    if not quiet:
        d = result.divergence
        out_console.print(f"windows start {d.month}: {d.reason}", markup=False, highlight=False)
        _print_comparison(result)
        if result.channels is not None:
            _print_channels(result)
    err_console.print(f"wrote {target}/")


def _print_channels(result) -> None:
    """The channel decomposition of the explained metric and group, last window."""
    metric, group = result.explained
    c = result.channels
    rows = c[(c["metric"] == metric) & (c["group"] == group)]
    rows = rows[rows["window"] == rows["window"].iloc[-1]]
    first = rows.iloc[0]
    table = Table(
        title=f"What each channel carries: {metric} ({group}), {result.label_b} minus "
        f"{result.label_a} = {_fmt(first['effect'])} {first['unit']}, means over "
        f"{first['window'].replace('/', ' to ')} ({int(first['n'])} paired replicates)",
        caption="contribution: how much of the difference goes away when the channel is "
        "switched off in both scenarios (the same seeds); interaction: the difference minus "
        "the sum of the channels",
    )
    for col in ("channel", "label", "contribution (95% CI)", "share of the difference"):
        table.add_column(col, justify="left" if col in ("channel", "label") else "right")
    for _, r in rows.iterrows():
        share = r["share_of_effect"]
        table.add_row(
            r["channel"], r["label"],
            f"{_fmt(r['contribution'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]",
            f"{100 * share:.0f}%" if share == share else "-",
        )  # fmt: skip
    out_console.print(table)


def _print_comparison(result) -> None:
    from sim.engine.compare import NEGLIGIBLE_PERCENT

    t = result.table
    last = t[t["horizon"] == t["horizon"].iloc[-1]]
    focus = {k.split("(")[-1].rstrip(")") for k in result.over_time if "(" in k}
    rows = last[(last["table"] == "regional") | last["country"].isin(focus)]
    table = Table(
        title=f"{result.label_b} minus {result.label_a}, means from "
        f"{last['window_start'].iloc[0]} to {last['horizon'].iloc[0]} "
        f"({int(last['n'].iloc[0])} paired replicates)",
        caption=f"negligible: the 95% CI excludes 0 but |B - A| < {NEGLIGIBLE_PERCENT:g}% of "
        f"{result.label_a}'s mean; within noise: the CI includes 0",
    )
    for col in ("metric", "country", "unit", result.label_a, result.label_b,
                "difference (95% CI)", "change", "assessment",
                "pairing narrowed CI by"):  # fmt: skip
        left = col in ("metric", "country", "unit", "assessment")
        table.add_column(col, justify="left" if left else "right")
    for _, r in rows.iterrows():
        if r["metric"].startswith(("regional_influence_", "influence_", "bloc_size_", "abuse")):
            continue
        change = r["relative_change_pct"]
        table.add_row(
            r["metric"], r["country"], r["unit"], _fmt(r["mean_a"]), _fmt(r["mean_b"]),
            f"{_fmt(r['diff'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]",
            f"{change:+.1f}%" if change == change else "-", r["assessment"],
            f"{100 * r['narrowing']:.0f}%" if r["narrowing"] == r["narrowing"] else "-",
        )  # fmt: skip
    out_console.print(table)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


@app.command()
def sweep(
    scenario: ScenarioArg,
    param: Annotated[
        list[str],
        typer.Option(
            "--param",
            "-p",
            help="name=lo:hi:n (grid), name=lo:hi (with --lhs) or "
            "name=value; repeat for each parameter.",
        ),
    ],
    lhs: Annotated[
        int | None, typer.Option(min=1, help="Latin hypercube with this many points (not a grid).")
    ] = None,
    reps: Annotated[int, typer.Option("--reps", "-r", min=1, help="Replicates per point.")] = 1,
    seed: SeedOpt = None,
    months: MonthsOpt = None,
    out: Annotated[
        Path | None, typer.Option(help="Results folder. Default: results/sweep_<scenario>.")
    ] = None,
    backend: BackendOpt = "local",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress.")] = False,
    yes: YesOpt = False,
) -> None:
    """Sweep model parameters over a grid or a Latin hypercube, with replicates.

    Writes runs.csv (one row per run: point, replicate, seed, parameter values and summary
    outputs), points.csv (mean per design point), the per-month tables (regional/,
    countries/, events/ as Parquet parts), manifest.json and status.log. Re-running the same
    command resumes.
    """
    from sim.scenario import load_scenario
    from sim.studies import sweep as run_sweep

    spec = load_scenario(scenario)
    options.design_runs(spec, param, kind="grid", lhs=lhs, reps=reps, yes=yes)
    target = out if out is not None else options.default_out("sweep", spec.name)
    with _Reporter(f"sweep {spec.name}", quiet) as report:
        result = run_sweep(
            spec, param, lhs=lhs, reps=reps, seed=seed, months=months, out=target, force=force,
            backend="dask" if scheduler else backend, workers=workers, scheduler=scheduler,
            progress=report,
        )  # fmt: skip
    err_console.print(f"wrote {target}/ ({len(result.points)} points, {len(result.summary)} runs)")


@app.command()
def sensitivity(
    scenario: ScenarioArg,
    param: Annotated[
        list[str],
        typer.Option("--param", "-p", help="name=lo:hi range of a parameter; repeat for each."),
    ],
    method: Annotated[
        str, typer.Option(help="morris (screening) or sobol (variance-based).")
    ] = "morris",
    n: Annotated[int, typer.Option(min=2, help="Morris trajectories or Sobol base samples.")] = 10,
    reps: Annotated[int, typer.Option("--reps", "-r", min=1, help="Replicates per point.")] = 2,
    output: Annotated[
        list[str] | None,
        typer.Option(
            help="Summary outputs to analyse (default: fatalities_per_year, "
            "mean_stability); comma-separated or repeated."
        ),
    ] = None,
    seed: SeedOpt = None,
    months: MonthsOpt = None,
    out: Annotated[
        Path | None, typer.Option(help="Results folder. Default: results/<method>_<scenario>.")
    ] = None,
    backend: BackendOpt = "local",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or table.")] = False,
    yes: YesOpt = False,
) -> None:
    """Global sensitivity analysis with SALib: Morris elementary effects or Sobol indices.

    Prints the number of runs the design needs and an estimate of the time first. Writes
    indices.csv (with confidence intervals), noise.csv (share of each output's variance that
    is replicate noise), one bar figure per output, runs and manifest.
    """
    from sim.scenario import load_scenario
    from sim.studies import sensitivity as run_sensitivity
    from sim.studies import sensitivity_plan

    spec = load_scenario(scenario)
    options.design_runs(spec, param, kind="sensitivity", method=method, n=n, reps=reps, yes=yes)
    outputs = options.outputs(output, spec, ["fatalities_per_year", "mean_stability"])
    plan = sensitivity_plan(spec, param, method=method, n=n, reps=reps, months=months,
                            workers=workers)  # fmt: skip
    err_console.print(
        f"{method} design: {plan['points']} points x {reps} replicates = {plan['runs']} runs; "
        f"about {plan['estimated_seconds']:.0f} s on {plan['workers']} worker(s) "
        f"({1000 * plan['seconds_per_run']:.0f} ms per run)",
        markup=False, highlight=False,
    )  # fmt: skip
    target = out if out is not None else options.default_out(method, spec.name)
    with _Reporter(f"{method} {spec.name}", quiet) as report:
        result = run_sensitivity(
            spec, param, method=method, n=n, reps=reps, seed=seed, months=months,
            outputs=outputs, out=target, force=force, backend="dask" if scheduler else backend,
            workers=workers, scheduler=scheduler, progress=report,
        )  # fmt: skip
    if not quiet:
        table = Table(title=f"{method} indices ({result.runs} runs)")
        cols = [c for c in result.indices.columns]
        for col in cols:
            table.add_column(col)
        for _, row in result.indices.iterrows():
            table.add_row(*(f"{v:.3g}" if isinstance(v, float) else str(v) for v in row))
        out_console.print(table)
        for name, share in result.noise.items():
            out_console.print(f"{name}: {100 * share:.1f}% of the variance is replicate noise")
    err_console.print(f"wrote {target}/")


@app.command()
def status(
    folder: Annotated[
        Path, typer.Argument(help="A results folder (run, compare, sweep, sensitivity...).")
    ],
) -> None:
    """Show the progress of an experiment: runs done and to do, batches, timings."""
    from sim.engine.outputs import OutputFolder, read_manifest
    from sim.engine.store import experiment_status

    manifest = read_manifest(folder) or {}
    listed = [folder / rel for rel in manifest.get("stores", [])]
    stores = [p for p in listed if (p / "status.log").exists()]
    if not listed:  # a store folder of its own, or a folder written by an older version
        stores = [folder] if (folder / "status.log").exists() else []
        stores += sorted(p.parent for p in folder.glob("runs/*/status.log"))
        stores += [folder / "runs"] if (folder / "runs" / "status.log").exists() else []
    if not stores:
        raise UsageError(f"{folder} holds no experiment (no status.log found)")
    if manifest.get("kind"):
        out_console.print(f"{folder}: {manifest['kind']}", markup=False, highlight=False)
    for store in stores:
        info = experiment_status(store)
        out_console.print(
            f"{store}: {info['done']}/{info['total'] or '?'} runs done, {info['batches']} batches, "
            f"{info['seconds']:.1f} s of batch time; last update {info['last']}",
            markup=False, highlight=False,
        )  # fmt: skip
    if manifest:  # "done" only once every final file is written
        results = OutputFolder(folder)
        missing = ", ".join(p.name for p in results.missing_files())
        if results.is_finished():
            state = "done"
        else:
            why = f"missing: {missing}" if missing else "final files not all written"
            state = f"not finished ({why}); re-run the command that started it to finish"
        out_console.print(f"{folder}: {state}", markup=False, highlight=False)


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
def parameters(
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            "-s",
            help="Show one scenario (a bundled name or a file) in detail: each value, the file"
            " and line that set it, and the justification.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the records as JSON instead of a table.")
    ] = False,
) -> None:
    """List the model parameters: the value each bundled scenario runs with and where it comes
    from (calibrated, scenario or default), with the default, unit, declared range, the range
    the calibration searched and the justification."""
    from sim.scenario.resolution import (
        bundled_resolved_parameters,
        parameter_uses,
        resolved_parameters,
    )
    from sim.studies.calibration import FREE_PARAMETERS

    searched = {f.name: (f.lo, f.hi) for f in FREE_PARAMETERS}
    if scenario is not None:
        records = resolved_parameters(scenario, searched)
        if as_json:
            typer.echo(json.dumps([r.as_dict() for r in records], indent=2))
            return
        table = Table(title=f"Parameters of {scenario}")
        for col in ("name", "value", "source", "default", "unit", "declared range",
                    "calibration searched"):  # fmt: skip
            table.add_column(col, overflow="fold")
        table.add_column("justification", ratio=1)
        for r in records:
            where = f"{r.source}\n{r.file}:{r.line}" if r.file else r.source
            value = _g(r.value) + "".join(f"\nfrom {m}: {_g(v)}" for m, v in r.changes)
            table.add_row(
                r.name, value, where, _g(r.default), r.unit, _range(r.declared),
                _range(r.searched), r.justification,
            )  # fmt: skip
        out_console.print(table)
        return
    by_scenario = bundled_resolved_parameters(searched)
    if as_json:
        blob = {name: [r.as_dict() for r in rs] for name, rs in by_scenario.items()}
        typer.echo(json.dumps(blob, indent=2))
        return
    table = Table(
        title=f"Parameters of the bundled scenarios ({', '.join(by_scenario)})",
        caption="`sahel parameters --scenario NAME` shows one scenario in detail, with the"
        " file and line that set each value and the justification.",
    )
    for col in ("name", "value in use: source (scenarios)", "default", "unit",
                "declared range", "calibration searched"):  # fmt: skip
        table.add_column(col)
    for use in parameter_uses(by_scenario):
        in_use = "\n".join(
            f"{_g(v)}: {src}" + ("" if len(names) == len(by_scenario) else f" ({', '.join(names)})")
            for v, src, names in use.uses
        )
        table.add_row(
            use.name, in_use, _g(use.default), use.unit, _range(use.declared),
            _range(use.searched),
        )  # fmt: skip
    out_console.print(table)


def _g(x: float) -> str:
    """A parameter value as written in parameter files (6 significant digits)."""
    return f"{x:.6g}"


def _range(bounds: tuple[float, float] | None) -> str:
    return "" if bounds is None else f"{_g(bounds[0])}-{_g(bounds[1])}"


ResultsArg = Annotated[
    Path, typer.Argument(help="A results folder written by `sahel run` or `sahel compare`.")
]
FormatOpt = Annotated[
    list[str] | None,
    typer.Option("--format", "-f", help="png, pdf or svg; comma-separated or repeated (png)."),
]


@app.command()
def plot(
    results: ResultsArg,
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", "-m", help="Metrics to plot (regional or country); repeatable."),
    ] = None,
    country: Annotated[
        list[str] | None,
        typer.Option("--country", "-c", help="ISO3 codes for country metrics and influence."),
    ] = None,
    month: Annotated[
        str | None,
        typer.Option(help="Month of the network and the country map, YYYY-MM. Default: the last."),
    ] = None,
    fmt: FormatOpt = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the figures. Default: RESULTS/figures.")
    ] = None,
    figure: Annotated[
        list[str] | None,
        typer.Option(
            help="Which figures: time_series, difference, influence, network, map, events. "
            "Default: all."
        ),
    ] = None,
    replicate: Annotated[int, typer.Option(min=0, help="Replicate whose network is drawn.")] = 0,
) -> None:
    """Draw the figures of a results folder and print their paths.

    Time series (mean and 95% CI over replicates) of the chosen metrics, paired differences
    B - A (comparison folders), influence shares per country, the network at --month
    (rebuilt by replaying the replicate from the manifest), a map of the countries coloured by
    each chosen country metric (default: stability) with that network over it, and the event
    timeline.
    """
    import warnings

    from sim.views.report import FIGURES, ReplayWarning, write_figures

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReplayWarning)
        paths = write_figures(
            results, metrics=_split(metric) or None, countries=_split(country) or None,
            month=options.month(month) if month else None, formats=_split(fmt) or ["png"], out=out,
            figures=_split(figure) or list(FIGURES), replicate=replicate,
        )  # fmt: skip
    for w in caught:
        err_console.print(f"warning: {w.message}", markup=False, highlight=False)
    for path in paths:
        out_console.print(str(path), markup=False, highlight=False, soft_wrap=True)


@app.command()
def report(
    results: ResultsArg,
    fmt: FormatOpt = None,
    metric: Annotated[
        list[str] | None, typer.Option("--metric", "-m", help="Metrics for the time series.")
    ] = None,
    month: Annotated[
        str | None,
        typer.Option(help="Month of the network and the country map, YYYY-MM. Default: the last."),
    ] = None,
) -> None:
    """Write all figures into RESULTS/figures/ and a short RESULTS/report.md.

    The report gives the scenario(s), replicates, seeds and provenance, the summary tables
    (and for a comparison the paired differences with 95% CIs) and links every figure.
    """
    from sim.views.report import write_report

    path = write_report(results, formats=_split(fmt) or ["png"], metrics=_split(metric) or None,
                        month=options.month(month) if month else None)  # fmt: skip
    out_console.print(str(path), markup=False, highlight=False, soft_wrap=True)


@app.command()
def viz(
    scenario: Annotated[
        str,
        typer.Argument(
            help="Scenario the dashboard starts with: a bundled name or a .yaml file "
            "(another can be chosen in the page)."
        ),
    ] = "us_withdraws",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to serve on.")] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0 exposes it to the network).")
    ] = "127.0.0.1",
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open a web browser.")
    ] = False,
    install_assets: Annotated[
        bool,
        typer.Option(
            "--install-assets",
            help="Install Solara's browser files from the npm registry (once, with internet), "
            "so that the page works offline; then exit.",
        ),
    ] = False,
) -> None:
    """Serve the interactive dashboard (sim/views/app.py) until Ctrl-C.

    Runs ``solara run sim.views.app`` in this process, in production mode, with Solara's telemetry
    off. The page works offline once Solara's browser files are installed: scripts/setup.sh
    does it in a checkout; after a plain pip install, run ``sahel viz --install-assets`` once.
    """
    from sim.views import assets

    if install_assets:
        raise typer.Exit(assets.main([]))
    from sim.scenario import load_scenario

    load_scenario(scenario)  # a missing or invalid scenario: error and exit code 2 here
    try:
        missing = assets.missing_assets()
    except assets.AssetError:
        missing = []
    if missing:
        err_console.print(
            f"sahel viz: {len(missing)} of Solara's browser files are not installed, so the page "
            "needs internet; run `sahel viz --install-assets` once to work offline"
        )
    chosen = str(Path(scenario).resolve()) if Path(scenario).is_file() else scenario
    env = {**os.environ, "SAHEL_VIZ_SCENARIO": chosen, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    command = [sys.executable, "-m", "solara", "run", "sim.views.app", "--production",
               "--host", host, "--port", str(port),
               "--no-open" if no_browser else "--open"]  # fmt: skip
    err_console.print(f"sahel viz: {scenario} at http://{host}:{port}/ (Ctrl-C stops it)")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, env)  # the server replaces this process (one PID)


@app.command()
def calibrate(
    out: Annotated[Path, typer.Option(help="Folder for the runs, fit and report.")] = Path(
        "results/calibration"
    ),
    reps: Annotated[int, typer.Option("--reps", "-r", min=1, help="Replicates per point.")] = 10,
    lhs: Annotated[int, typer.Option(min=1, help="Latin-hypercube points (stage 1).")] = 250,
    local_evals: Annotated[
        int, typer.Option(min=0, help="Most Nelder-Mead evaluations (stage 2; 0 skips it).")
    ] = 250,
    fit_reps: Annotated[
        int, typer.Option(min=1, help="Replicates of the fitted model for the fit report.")
    ] = 40,
    install: Annotated[
        bool,
        typer.Option(
            "--install",
            help="Also rewrite the bundled scenarios/parameters/calibrated.yaml, which the "
            "bundled scenarios use (source checkouts only).",
        ),
    ] = False,
    scenario: Annotated[str, typer.Option(help="The historical scenario.")] = "historical_2012",
    seed: SeedOpt = None,
    backend: BackendOpt = "local",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    force: ForceOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress.")] = False,
) -> None:
    """Fit the free parameters to UCDP deaths per country and year, 2012-2019.

    A Latin hypercube over the free parameters (see docs/ODD.md, Calibration), then
    Nelder-Mead from its best point, every point with the same replicates and seeds. Writes
    history.csv, fit.csv (observed vs model median and 90% band), fit.png, calibrated.yaml,
    manifest.json and the runs into --out; re-running the same command resumes. Only with
    --install, in a source checkout, do the fitted values replace the bundled parameter file.
    """
    import time

    from sim.studies.calibration import calibrate_historical, check_installable

    if install:
        check_installable()  # before hours of work, not after
    total = 1 + lhs + local_evals
    shown = {"tenth": -1}
    t0 = time.perf_counter()

    def progress(points: int, best: float) -> None:
        tenth = int(10 * points / total)
        if not quiet and tenth > shown["tenth"]:
            shown["tenth"] = tenth
            err_console.print(
                f"calibrate: {points} points evaluated (at most {total}), best loss {best:.4f},"
                f" {time.perf_counter() - t0:.0f} s",
                markup=False, highlight=False,
            )  # fmt: skip

    cal = calibrate_historical(
        out, scenario=scenario, reps=reps, lhs_points=lhs, local_evals=local_evals,
        fit_reps=fit_reps, seed=seed, install=install, force=force,
        backend="dask" if scheduler else backend, workers=workers, scheduler=scheduler,
        progress=progress,
    )  # fmt: skip
    r = cal.result
    table = Table(title=f"calibration: loss {r.start_loss:.4f} -> {r.loss:.4f}")
    table.add_column("parameter")
    table.add_column("fitted", justify="right")
    table.add_column("position in range (0-1)", justify="right")
    for name, value in r.best.items():
        pos = r.position[name]
        edge = " (at the edge)" if min(pos, 1.0 - pos) < 0.01 else ""
        table.add_row(name, f"{value:.4g}", f"{pos:.2f}{edge}")
    out_console.print(table)
    err_console.print(
        f"{len(r.history)} points, {r.runs} runs ({r.runs_executed} executed now) in"
        f" {r.seconds:.0f} s; wrote {out}/"
        + (f" and {cal.parameter_file}" if cal.parameter_file else ""),
        markup=False, highlight=False,
    )  # fmt: skip


@app.command()
def backtest(
    out: Annotated[Path, typer.Option(help="Results folder.")] = Path("results/backtest"),
    reps: Annotated[int, typer.Option("--reps", "-r", min=1, help="Replicates.")] = 40,
    scenario: Annotated[str, typer.Option(help="The historical scenario.")] = "historical_2012",
    seed: SeedOpt = None,
    backend: BackendOpt = "local",
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    force: ForceOpt = False,
) -> None:
    """Run the calibrated historical scenario and write yearly deaths per country, 2012-2024.

    Writes backtest.csv (country, year, median, low, high: the median and 90% band over
    replicates, deaths per year) and backtest.png against UCDP's observed 2012-2019 deaths;
    years from 2020 on are out of sample. Re-running the same command resumes.
    """
    from sim.studies.calibration import backtest as run_backtest

    table = run_backtest(
        scenario=scenario, reps=reps, seed=seed, out=out, force=force,
        backend="dask" if scheduler else backend, workers=workers, scheduler=scheduler,
    )  # fmt: skip
    err_console.print(f"wrote {out}/backtest.csv ({len(table)} rows) and {out}/backtest.png")


def _resume_command() -> str:
    """The command that resumes this one: the same arguments without ``--force``."""
    import shlex

    return "resume with: " + shlex.join(["sahel", *(a for a in sys.argv[1:] if a != "--force")])


def _interrupt(signum: int, frame: object) -> None:
    """Ctrl-C and SIGTERM raise :class:`Interrupted`, reported in one line (a
    KeyboardInterrupt would be turned into a silent exit by the CLI framework)."""
    raise Interrupted(signum)


def main() -> None:
    """Entry point of the ``sahel`` console script."""
    import signal

    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        app()
    except Exception as exc:  # raised outside a command (e.g. a signal while parsing)
        sys.exit(_report(exc))


if __name__ == "__main__":
    main()
