"""Figures and a short report from a results folder (``sahel plot``, ``sahel report``).

Reads run and comparison folders (through :mod:`sim.studies.results`), draws the figures of
:mod:`sim.views.figures`, rebuilds the network at a chosen month by replaying one replicate (the
folders store tables, not the network; runs are bit-reproducible from the manifest's
scenario, parameters and seed), and writes ``figures/`` and ``report.md``.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.engine import files
from sim.engine.outputs import OutputFolder
from sim.errors import SahelError, UsageError, did_you_mean
from sim.studies.results import SCENARIO_KINDS, Results, Tables, open_results

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.world.model import SahelModel


def network_frames(model: SahelModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The live model's network as ``(nodes, edges)`` for :func:`sim.views.figures.network_map`.

    Nodes carry the network's columns (``id``, ``kind``, ``name``, ``lat``, ``lon``; see
    :meth:`sim.world.network.SahelNetwork.to_frames`) plus, for countries, ``stability``,
    ``control``, ``legitimacy`` (0-1), ``regime``, ``fatalities`` (deaths this month) and
    ``insurgent_strength`` (fighters); for powers ``troops`` (deployed in the region); for
    groups ``fighters`` (in the region); for blocs ``members`` (count, 0 while inactive).
    """
    values: dict[str, dict[str, Any]] = {}
    for c in model.countries_in_order:
        values[c.iso3] = {
            "stability": float(c.stability),
            "control": float(c.control),
            "legitimacy": float(c.legitimacy),
            "regime": str(c.regime),
            "fatalities": float(c.fatalities),
            "insurgent_strength": float(c.fighters),
        }
    for power in model.powers_in_order:
        troops = sum(float(e.get("troops", 0.0)) for e in power.partnerships.values())
        values[power.power_id] = {"troops": troops}
    for group in model.groups_in_order:
        fighters = sum(float(e["fighters"]) for e in group.presence.values())
        values[group.group_id] = {"fighters": fighters}
    for bloc_id, bloc in model.blocs.items():
        values[bloc_id] = {"members": float(bloc.size)}
    return model.network.to_frames(values)


class ReplayWarning(UserWarning):
    """A replicate could not be replayed (its scenario or the model changed), so a figure
    that needs the network was left out."""


# --- reading a results folder ----------------------------------------------------------------

DEFAULT_METRICS: tuple[str, ...] = (
    "regional_stability",
    "total_fatalities",
    "western_influence",
    "russian_influence",
    "n_juntas",
    "stability",
    "fatalities",
    "control",
)
"""Metrics drawn when none are chosen: five regional, three per country."""

FIGURES: tuple[str, ...] = (
    "time_series", "difference", "influence", "network", "map", "events",
)  # fmt: skip
"""Kinds of figure ``sahel plot`` writes (``difference`` only for comparison folders)."""


# --- replaying a replicate --------------------------------------------------------------------


def month_number(folder: Results, month_or_date: int | str | Any) -> int:
    """0-based month index of ``month_or_date`` (an index, ``"YYYY-MM"`` or a date).

    Raises:
        UsageError: if it is not a month of the run.
    """
    from sim.scenario import month_index

    if isinstance(month_or_date, int | np.integer):
        month = int(month_or_date)
        shown = str(month)
    else:
        text = str(month_or_date)[:7]
        try:
            month = month_index(text) - month_index(folder.start)
        except (ValueError, TypeError):
            raise UsageError(f"month {month_or_date!r}: expected YYYY-MM") from None
        shown = text
    if not 0 <= month < folder.months:
        last = pd.Period(folder.start, "M") + folder.months - 1
        raise UsageError(
            f"month {shown}: the run covers {folder.start} to {last} "
            f"(months 0 to {folder.months - 1})"
        )
    return month


def replay(
    results_dir: Path | str | Results,
    month_or_date: int | str,
    replicate: int = 0,
    *,
    scenario: str | None = None,
    check: bool = True,
) -> SahelModel:
    """Re-run one replicate of a results folder up to the end of a month; return the model.

    Args:
        results_dir: a ``sahel run`` or ``sahel compare`` folder (or its :class:`Results`).
        month_or_date: the month, ``"YYYY-MM"`` or a 0-based index; the model is returned in
            the state recorded for that month (after its step).
        replicate: which replicate (its seed is in the manifest).
        scenario: for a comparison, ``"a"``, ``"b"`` or a scenario name (default: B).
        check: compare the replayed country metrics of that month with the stored ones and
            raise :class:`~sim.errors.SahelError` if they differ (the model changed since).
    """
    from sim.world.model import SahelModel

    folder = results_dir if isinstance(results_dir, Results) else open_results(results_dir)
    key = _side(folder, scenario)
    month = month_number(folder, month_or_date)
    spec, seed, params, months = folder.replay_inputs(key, replicate)
    model = SahelModel(spec, rng=seed, months=months, parameters=params or None)
    model.run(month + 1)
    if check:
        stored = folder.runs[key].countries
        stored = stored[(stored["replicate"] == replicate) & (stored["month"] == month)]
        replayed = model.country_frame()
        replayed = replayed[replayed["month"] == month]
        _check_replay(stored, replayed, folder, replicate, month)
    return model


def _side(folder: Results, scenario: str | None) -> str:
    if folder.kind not in SCENARIO_KINDS:
        raise UsageError(f"{folder.path} is a {folder.kind} folder; replays need a run folder")
    if folder.kind == "run":
        if scenario not in (None, "run", folder.runs["run"].label):
            raise UsageError(f"{folder.path} holds one scenario, {folder.runs['run'].label}")
        return "run"
    if scenario is None:
        return "b"
    for key, tables in folder.runs.items():
        if scenario in (key, tables.label):
            return key
    labels = ", ".join(f"{k} ({t.label})" for k, t in folder.runs.items())
    raise UsageError(f"scenario {scenario!r} is not in this comparison; known: {labels}")


def _check_replay(
    stored: pd.DataFrame, replayed: pd.DataFrame, folder: Results, replicate: int, month: int
) -> None:
    columns = [
        c for c in replayed.select_dtypes("number").columns if c in stored.columns and c != "month"
    ]
    a = stored.sort_values("country")[columns].to_numpy(dtype=float)
    b = replayed.sort_values("country")[columns].to_numpy(dtype=float)
    if a.shape != b.shape or not np.allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True):
        commit = (folder.manifest.get("git") or {}).get("commit", "unknown")
        raise SahelError(
            f"replaying replicate {replicate} of {folder.path} does not reproduce the stored "
            f"country metrics at month {month}: the model or its dependencies changed since the "
            f"folder was written (commit {commit[:12]})"
        )


def network_at(
    results_dir: Path | str | Results,
    month_or_date: int | str,
    replicate: int = 0,
    *,
    scenario: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The network of one replicate at the end of a month, as ``(nodes, edges)``.

    Results folders store tables, not the network, so the replicate is re-run from the
    folder's manifest (scenario, parameters and seed; runs are bit-reproducible) up to that
    month, and its country metrics are checked against the stored ones. See
    :func:`network_frames` for the columns and :func:`replay` for the arguments.
    """
    return network_frames(replay(results_dir, month_or_date, replicate, scenario=scenario))


# --- writing figures ------------------------------------------------------------------------


def _check_scenario_folder(folder: Results) -> None:
    """Figures and reports are drawn from run and comparison folders."""
    if folder.kind not in SCENARIO_KINDS:
        raise UsageError(
            f"{folder.path} is a {folder.kind} folder; sahel plot and sahel report draw run "
            f"and comparison folders (its own tables and figures are in the folder already)"
        )


def _save(folder: Results, fig: Figure, path: Path) -> Path:
    """Save a figure atomically; inside the results folder, recorded in its manifest (so
    that starting afresh removes it)."""
    root = folder.path.resolve()
    if root == path.resolve() or root in path.resolve().parents:
        return OutputFolder(folder.path).write_figure(fig, path.resolve(), close=False)
    return files.write_figure(fig, path, close=False)


def _check_choices(folder: Results, metrics: list[str], countries: list[str] | None) -> None:
    regional, per_country = folder.metric_names()
    known = regional + per_country
    for metric in metrics:
        if metric not in known:
            hint = did_you_mean(metric, known)
            raise UsageError(
                f"--metric {metric!r} is not a metric of {folder.path}; known: "
                f"{', '.join(known)}.{hint}"
            )
    if countries:
        present = sorted(set(next(iter(folder.runs.values())).countries["country"].astype(str)))
        for iso in countries:
            if iso not in present:
                hint = did_you_mean(iso, present)
                raise UsageError(
                    f"--country {iso!r} is not in {folder.path}; known: {', '.join(present)}.{hint}"
                )


def _top_countries(countries: pd.DataFrame, n: int = 5) -> list[str]:
    """The ``n`` countries with the most fatalities over the run."""
    totals = countries.groupby("country", observed=True)["fatalities"].sum()
    return [str(c) for c in totals.nlargest(n).index]


def write_figures(
    results_dir: Path | str | Results,
    *,
    metrics: list[str] | None = None,
    countries: list[str] | None = None,
    month: int | str | None = None,
    formats: tuple[str, ...] | list[str] = ("png",),
    out: Path | str | None = None,
    figures: tuple[str, ...] | list[str] = FIGURES,
    replicate: int = 0,
) -> list[Path]:
    """Draw the figures of a results folder and save them; return the paths written.

    Args:
        results_dir: a ``sahel run`` or ``sahel compare`` folder.
        metrics: metrics for the time series and paired differences (default:
            :data:`DEFAULT_METRICS`); regional or country metrics.
        countries: ISO3 codes for country metrics and influence shares (default: for a
            country metric, the five with the most fatalities; for influence, all).
        month: month of the network map, ``YYYY-MM`` or an index (default: the last one).
        formats: file formats, any of ``png``, ``pdf``, ``svg``.
        out: folder for the files (default: ``<results_dir>/figures``).
        figures: which kinds to draw, from :data:`FIGURES`.
        replicate: replicate whose network is drawn.

    Files are named ``<kind>_<metric>.<format>``; in a comparison, per-scenario figures carry
    the scenario name (``network_us_withdraws_2028-12.png``).
    """
    from sim.views import figures as plots

    folder = results_dir if isinstance(results_dir, Results) else open_results(results_dir)
    _check_scenario_folder(folder)
    formats = list(dict.fromkeys(formats))
    for fmt in formats:
        if fmt not in ("png", "pdf", "svg"):
            raise UsageError(f"--format {fmt!r}: expected png, pdf or svg")
    for kind in figures:
        if kind not in FIGURES:
            raise UsageError(f"figure {kind!r}: expected one of {', '.join(FIGURES)}")
    chosen = list(metrics) if metrics else list(DEFAULT_METRICS)
    _check_choices(folder, chosen, countries)
    target = Path(out) if out is not None else folder.path / "figures"
    month_idx = folder.months - 1 if month is None else month_number(folder, month)
    when = pd.Period(folder.start, "M") + month_idx
    regional_names, _ = folder.metric_names()
    compare = folder.kind == "compare"
    written: list[Path] = []

    def save(fig: Figure, stem: str) -> None:
        import matplotlib.pyplot as plt

        try:
            written.extend(_save(folder, fig, target / f"{stem}.{fmt}") for fmt in formats)
        finally:
            plt.close(fig)

    labels = {k: t.label for k, t in folder.runs.items()}
    title_of = (
        f"{labels['b']} vs {labels['a']}" if compare else labels["run"]
    )  # used in figure titles
    for metric in chosen if "time_series" in figures else []:
        if metric in regional_names:
            fig: Figure | None = None
            for k, tables in enumerate(folder.runs.values()):
                ax = fig.axes[0] if fig is not None else None
                fig = plots.time_series(
                    tables.regional, metric, ax=ax, label=tables.label if compare else None,
                    color=plots.OKABE_ITO[k], title=f"{plots.metric_title(metric)}: {title_of}",
                )  # fmt: skip
            if fig is not None:
                save(fig, f"time_series_{metric}")
        else:
            for tables in folder.runs.values():
                selection = countries or _top_countries(tables.countries)
                fig = plots.time_series(
                    tables.countries, metric, countries=selection,
                    title=f"{plots.metric_title(metric)}: {tables.label}",
                )  # fmt: skip
                save(fig, f"time_series_{metric}" + (f"_{tables.label}" if compare else ""))
    if compare and "difference" in figures:
        for metric in chosen:
            keys = [k for k in folder.over_time if k == metric or k.startswith(f"{metric} (")]
            if countries:
                keys = [k for k in keys if k == metric or k.split(" (")[1].rstrip(")") in countries]
            if not keys:
                continue
            isos = [k.split(" (")[1].rstrip(")") for k in keys if " (" in k] or None
            fig = plots.paired_difference(
                folder.over_time, metric, countries=isos, label_a=labels["a"], label_b=labels["b"]
            )
            save(fig, f"difference_{metric}")
    for key, tables in folder.runs.items():
        suffix = f"_{tables.label}" if compare else ""
        if "influence" in figures:
            fig = plots.influence_shares(tables.countries, countries=countries)
            fig.suptitle(f"Influence of external powers by country: {tables.label}")
            save(fig, f"influence{suffix}")
        if "network" in figures or "map" in figures:
            try:
                nodes, edges = network_at(folder, month_idx, replicate, scenario=key)
            except SahelError as exc:  # the scenario or model changed since the run
                warnings.warn(f"no network map for {tables.label}: {exc}", ReplayWarning, 2)
                continue
        if "network" in figures:
            fig = plots.network_map(
                nodes, edges,
                title=f"{tables.label}: network at the end of {when:%B %Y} (replicate {replicate})",
            )  # fmt: skip
            save(fig, f"network{suffix}_{when}")
        if "map" in figures:  # one map per chosen country metric (default: stability)
            n = tables.countries["replicate"].nunique()
            for metric in [m for m in chosen if m not in regional_names] or ["stability"]:
                fig = plots.country_map(
                    tables.countries, metric, month=str(when), edges=edges,
                    title=f"{tables.label}: {plots.metric_title(metric)}, {when:%B %Y} (mean of "
                    f"{n} replicate(s); partners, groups and blocs of replicate {replicate})",
                )  # fmt: skip
                save(fig, f"map_{metric}{suffix}_{when}")
        if "events" in figures:
            try:
                n = tables.regional["replicate"].nunique()
                fig = plots.event_timeline(
                    tables.events, title=f"Events: {tables.label}, {n} replicate(s)"
                )
            except ValueError:  # nothing happened worth drawing
                continue
            save(fig, f"events{suffix}")
    return written


# --- the report ----------------------------------------------------------------------------


def _markdown_table(frame: pd.DataFrame, *, index: bool = False) -> str:
    """A GitHub-flavoured Markdown table; numbers with 3 significant digits (or thousands)."""
    if index:
        frame = frame.reset_index()

    def cell(value: Any) -> str:
        if isinstance(value, float | np.floating):
            if value != value:
                return "-"
            return f"{value:,.0f}" if abs(float(value)) >= 100 else f"{value:.3g}"
        return str(value).replace("|", "\\|")

    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def _summaries(tables: Tables) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sim.studies.run import summarise

    return summarise(tables)


def _comparison_rows(folder: Results) -> pd.DataFrame:
    """The comparison table at the last horizon: regional metrics and the focus countries."""
    table = folder.comparison
    if table is None or table.empty:
        return pd.DataFrame()
    last = table[table["horizon"] == table["horizon"].iloc[-1]]
    focus = {k.split(" (")[1].rstrip(")") for k in folder.over_time if " (" in k}
    country = last["country"].fillna("").astype(str)
    rows = last[(last["table"] == "regional") | country.isin(focus)]
    skip = ("regional_influence_", "influence_", "bloc_size_", "abuse")
    rows = rows[~rows["metric"].str.startswith(skip)]
    a, b = folder.runs["a"].label, folder.runs["b"].label
    out = pd.DataFrame(
        {
            "metric": rows["metric"],
            "country": rows["country"].fillna(""),
            "unit": rows["unit"] if "unit" in rows else "",
            a: rows["mean_a"],
            b: rows["mean_b"],
            "B - A": rows["diff"],
            "95% CI low": rows["ci_low"],
            "95% CI high": rows["ci_high"],
            "change (%)": rows["relative_change_pct"] if "relative_change_pct" in rows else np.nan,
            "assessment": rows["assessment"] if "assessment" in rows else "",
            "pairing narrowed CI by": (100 * rows["narrowing"]).map(
                lambda v: f"{v:.0f}%" if v == v else "-"
            ),
        }
    )
    return out.reset_index(drop=True)


def write_report(
    results_dir: Path | str,
    *,
    formats: tuple[str, ...] | list[str] = ("png",),
    metrics: list[str] | None = None,
    month: int | str | None = None,
) -> Path:
    """Write every figure into ``<results_dir>/figures/`` and a short ``report.md``.

    The report names the scenario(s), replicates, seeds and provenance, gives the summary
    tables (a run: headline numbers for the region and per country; a comparison: means of
    A and B, the paired difference B - A with its 95% CI, and each scenario's headline
    numbers) and links every figure. Returns the path of ``report.md``.
    """
    folder = open_results(results_dir)
    _check_scenario_folder(folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReplayWarning)
        paths = write_figures(folder, metrics=metrics, formats=formats, month=month)
    notes = [str(w.message) for w in caught if issubclass(w.category, ReplayWarning)]
    for w in caught:
        if not issubclass(w.category, ReplayWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    m = folder.manifest
    last = pd.Period(folder.start, "M") + folder.months - 1
    reps = int(next(iter(folder.runs.values())).regional["replicate"].nunique())
    lines: list[str] = []
    if folder.kind == "compare":
        a, b = folder.runs["a"].label, folder.runs["b"].label
        lines += [
            f"# {b} compared with {a}",
            "",
            f"Paired comparison of **{b}** (B) against **{a}** (A), {folder.start} to {last} "
            f"({folder.months} months), {reps} paired replicates: replicate *r* of both scenarios "
            "shares its seed (common random numbers), so B - A measures the intervention, not "
            "noise. Root seed "
            f"{m.get('root_seed')}; seeds per replicate in `manifest.json`.",
        ]
    else:
        lines += [
            f"# {m.get('scenario', folder.path.name)}",
            "",
            str(m.get("description", "")).strip(),
            "",
            f"{reps} replicate(s), {folder.start} to {last} ({folder.months} months), root seed "
            f"{m.get('root_seed')}; replicate seeds: "
            + ", ".join(str(s) for s in m.get("seeds", [])),
        ]
    git = m.get("git") or {}
    versions = m.get("versions") or {}
    lines += [
        "",
        f"Written {m.get('created', '?')} with sahel-sim {versions.get('sahel-sim', '?')}, "
        f"Mesa {versions.get('mesa', '?')}, commit `{str(git.get('commit', '?'))[:12]}`"
        + (" (with uncommitted changes)" if git.get("dirty") else "")
        + f". Command: `{' '.join(map(str, m.get('command', [])))}`.",
        "",
    ]
    if folder.kind == "compare":
        from sim.engine.compare import NEGLIGIBLE_PERCENT

        a = folder.runs["a"].label
        horizon = folder.comparison["horizon"].iloc[-1] if folder.comparison is not None else last
        since = folder.start
        if folder.comparison is not None and "window_start" in folder.comparison:
            since = folder.comparison["window_start"].iloc[-1]
        table = _comparison_rows(folder)
        if not table.empty:
            lines += [
                f"## Paired differences (means from {since} to {horizon})",
                "",
                _markdown_table(table),
                "",
                "Full table: `comparison.csv`. A difference whose 95% confidence interval "
                "excludes zero is unlikely to be replicate noise; it is called negligible "
                f"when it is below {NEGLIGIBLE_PERCENT:g}% of {a}'s mean.",
                "",
            ]
    for tables in folder.runs.values():
        regional, countries = _summaries(tables)
        lines += [
            f"## Summary: {tables.label} (means over replicates)",
            "",
            _markdown_table(regional),
            "",
            _markdown_table(
                countries.sort_values("fatalities per year", ascending=False).rename_axis(
                    "country"
                ),
                index=True,
            ),
            "",
        ]
    lines += ["## Figures", ""]
    lines += [f"*Note: {note}*\n" for note in notes]
    shown = [p for p in paths if p.suffix == ".png"] or [p for p in paths if p.suffix == ".svg"]
    for path in shown:
        rel = path.relative_to(folder.path).as_posix()
        others = [q for q in paths if q.stem == path.stem and q != path]
        extra = "".join(
            f" ([{q.suffix[1:]}]({q.relative_to(folder.path).as_posix()}))" for q in others
        )
        lines += [f"### {path.stem.replace('_', ' ')}{extra}", "", f"![{path.stem}]({rel})", ""]
    if not shown:
        lines += [f"- [{p.name}]({p.relative_to(folder.path).as_posix()})" for p in paths] + [""]
    return OutputFolder(folder.path).write_text("report.md", "\n".join(lines))
