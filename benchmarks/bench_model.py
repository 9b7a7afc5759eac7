"""Benchmark the Sahel model: import time, the standard workload and scaling with world size.

Run from the project root::

    .venv/bin/python benchmarks/bench_model.py            # full report, about 2 minutes
    .venv/bin/python benchmarks/bench_model.py --quick    # smaller samples, about 30 seconds
    .venv/bin/python benchmarks/bench_model.py --runs 40 --json results/bench.json

What is measured (see benchmarks/README.md for details):

1. Import time: the median wall time of fresh ``python -c "import sim"`` and
   ``python -c "import sim.world.model"`` subprocesses, minus that of ``python -c "pass"``.
2. Workload W: ``SahelModel(spec, rng=seed, months=120).run()`` for scenario ``us_withdraws``
   (spec loaded once, one warm-up run, a different seed per run), against a 45 ms target, plus
   the time per agent-step and the share of time spent in ``datacollector.collect``. A
   reference workload (a pure-Python toy model of W's size: 25 agents, 40 weighted edges, 120
   monthly steps, every state recorded) runs interleaved with W, so the ratio W / reference
   compares runs on different machines and under different loads.
3. Scaling: synthetic worlds of 10-400 countries, validated with ``sim.scenario.validate_data``,
   60 monthly steps each; cost per step against agents and network edges.

Only ``time.perf_counter`` and ``statistics`` are used for timing; nothing is written except
the optional ``--json`` file (and, if the model fails on a generated world, that world's data
in a temporary file whose path is printed).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 45.0
W_SCENARIO = "us_withdraws"
W_MONTHS = 120
SCALING_SIZES = (10, 50, 100, 200, 400)
SCALING_MONTHS = 60
WORLD_SEED = 20240301

perf = time.perf_counter


# --- small statistics helpers -------------------------------------------------------------------


def p90(values: list[float]) -> float:
    """90th percentile (inclusive method, so it lies within the sample's range)."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    """Median, min, p90 and max of a sample of durations, in milliseconds."""
    ms = [s * 1e3 for s in seconds]
    return {
        "median": statistics.median(ms),
        "min": min(ms),
        "p90": p90(ms),
        "max": max(ms),
        "n": len(ms),
    }


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least-squares line y = a + b x; returns (a, b, R^2)."""
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    b = sxy / sxx
    a = my - b * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys, strict=True))
    return a, b, (1.0 - ss_res / ss_tot) if ss_tot > 0 else 1.0


# --- 1. import time -----------------------------------------------------------------------------


def _spawn(code: str) -> float:
    t0 = perf()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return perf() - t0


def bench_imports(reps: int, warmup: bool = True) -> dict[str, Any]:
    """Time fresh interpreters; rounds interleave the statements so drift hits all alike.

    ``warmup`` spawns each statement once untimed first (bytecode and OS file caches); the
    caller may skip it when ``sim.world.model`` was just imported in-process, which warms the same
    caches.
    """
    stmts = {
        "baseline": "pass",
        "import sim": "import sim",
        "import sim.world.model": "import sim.world.model",
    }
    for code in stmts.values() if warmup else ():
        _spawn(code)
    samples: dict[str, list[float]] = {k: [] for k in stmts}
    for _ in range(reps):
        for key, code in stmts.items():
            samples[key].append(_spawn(code))
    base = statistics.median(samples["baseline"])
    out: dict[str, Any] = {"reps": reps, "baseline_ms": summary_ms(samples["baseline"])}
    for key in ("import sim", "import sim.world.model"):
        out[key] = {
            "net_median_ms": (statistics.median(samples[key]) - base) * 1e3,
            "net_min_ms": (min(samples[key]) - min(samples["baseline"])) * 1e3,
            "gross_ms": summary_ms(samples[key]),
        }
    return out


# --- 2. workload W ------------------------------------------------------------------------------


def reference_run(seed: int, months: int = W_MONTHS) -> list[list[float]]:
    """A pure-Python toy model of W's size: 25 agents on 40 weighted edges, stepped monthly.

    Each month every agent moves 5% toward the pressure its in-neighbours exert, plus noise,
    clipped to [0, 1]; every agent's state is recorded. Its time measures the machine's speed
    at the kind of code the model is made of.
    """
    rng = random.Random(seed)
    n = 25
    edges = [(rng.randrange(n), rng.randrange(n), rng.random()) for _ in range(40)]
    state = [rng.random() for _ in range(n)]
    history = []
    for _ in range(months):
        pressure = [0.0] * n
        for a, b, w in edges:
            pressure[b] += w * state[a]
        state = [
            min(1.0, max(0.0, s + 0.05 * (q - s) + 0.01 * rng.gauss(0.0, 1.0)))
            for s, q in zip(state, pressure, strict=True)
        ]
        history.append(list(state))
    return history


def bench_workload(runs: int, months: int = W_MONTHS) -> dict[str, Any]:
    """Time ``SahelModel(spec, rng=seed, months=months).run()`` with and without collection.

    Each seed is run three times in a row (interleaved, to cancel drift): as is; with
    ``datacollector.collect`` replaced by a no-op on the instance; and with ``collect``
    wrapped by a timer (direct measurement of its share).
    """
    from sim.scenario import load_scenario
    from sim.world.model import SahelModel

    spec = load_scenario(W_SCENARIO)
    SahelModel(spec, rng=0, months=months).run()  # warm-up: caches, lazy imports
    probe = SahelModel(spec, rng=0, months=months)
    agents = len(probe.agents)
    edges = sum(probe.network.edge_counts().values())

    def noop(_model: Any) -> None:
        return None

    full, build, noop_runs, direct_share, reference = [], [], [], [], []
    for i in range(runs):
        seed = 1000 + i
        gc.collect()
        t0 = perf()
        reference_run(seed, months)
        reference.append(perf() - t0)

        gc.collect()
        t0 = perf()
        model = SahelModel(spec, rng=seed, months=months)
        t1 = perf()
        model.run()
        t2 = perf()
        full.append(t2 - t0)
        build.append(t1 - t0)

        gc.collect()
        t0 = perf()
        model = SahelModel(spec, rng=seed, months=months)
        model.datacollector.collect = noop  # type: ignore[method-assign,assignment]
        model.run()
        noop_runs.append(perf() - t0)

        gc.collect()
        spent = [0.0]
        t0 = perf()
        model = SahelModel(spec, rng=seed, months=months)
        original = model.datacollector.collect

        def timed(m: Any, original: Any = original, spent: list[float] = spent) -> None:
            s = perf()
            original(m)
            spent[0] += perf() - s

        model.datacollector.collect = timed  # type: ignore[method-assign,assignment]
        model.run()
        direct_share.append(spent[0] / (perf() - t0))

    stats = summary_ms(full)
    reference_ms = statistics.median(reference) * 1e3
    med_noop = statistics.median(noop_runs)
    return {
        "scenario": W_SCENARIO,
        "months": months,
        "runs": runs,
        "agents": agents,
        "edges_at_start": edges,
        "run_ms": stats,
        "build_ms": summary_ms(build),
        "target_ms": TARGET_MS,
        "pass": stats["median"] <= TARGET_MS,
        "reference_ms": summary_ms(reference),
        "ratio_to_reference": stats["median"] / reference_ms,
        "us_per_agent_step": stats["median"] * 1e3 / (months * agents),
        "ms_per_step": stats["median"] / months,
        "noop_collect_run_ms": summary_ms(noop_runs),
        "collect_share_ablation": 1.0 - med_noop * 1e3 / stats["median"],
        "collect_share_direct": statistics.median(direct_share),
    }


# --- 3. synthetic worlds ------------------------------------------------------------------------

# Templates for the external powers (cycled, with a numeric suffix, if more than 6 are asked).
POWER_TEMPLATES: tuple[dict[str, Any], ...] = (
    {"id": "USA", "western": True, "effectiveness": 3.0, "conditionality": 1.0,
     "regime_protection": 0.0, "civilian_harm": 0.01, "troops": (100, 1000), "aid": (5, 60)},
    {"id": "FRA", "western": True, "effectiveness": 2.0, "conditionality": 0.6,
     "regime_protection": 0.1, "civilian_harm": 0.02, "troops": (200, 1000), "aid": (5, 20)},
    {"id": "RUS", "western": False, "effectiveness": 1.0, "conditionality": 0.0,
     "regime_protection": 0.8, "civilian_harm": 0.3, "troops": (100, 1500), "aid": (0, 0),
     "offer_troops": 300},
    {"id": "CHN", "western": False, "effectiveness": 0.5, "conditionality": 0.0,
     "regime_protection": 0.0, "civilian_harm": 0.0, "econ": (50, 1500)},
    {"id": "TUR", "western": False, "effectiveness": 1.0, "conditionality": 0.1,
     "regime_protection": 0.0, "civilian_harm": 0.0, "aid": (10, 40)},
    {"id": "EU", "western": True, "effectiveness": 1.0, "conditionality": 0.8,
     "regime_protection": 0.0, "civilian_harm": 0.0, "troops": (0, 300), "aid": (5, 15)},
)  # fmt: skip

AFFILIATIONS = ("al-Qaeda", "Islamic State", "other")


def iso_code(i: int) -> str:
    """A distinct three-letter code per index (ZAA, ZAB, ...; up to 676 countries)."""
    letters = string.ascii_uppercase
    return "Z" + letters[i // 26] + letters[i % 26]


def make_world(n: int, seed: int = WORLD_SEED, scaled_powers: bool = False) -> dict[str, Any]:
    """Scenario data for a synthetic world of ``n`` countries (plain dicts, as from YAML).

    Countries sit on a ring; each borders the two nearest on either side (4 borders each,
    2n border edges). Groups: round(n / 2.5), each present in 2-4 consecutive (so adjacent)
    countries with 200-3000 fighters, paired into rivalries. Powers: 6 (or max(6, n // 20)),
    each partnered with ~20% of the countries. Blocs: 3 (one sanctions coups, two mutual
    defence). About 20% of the countries start under a junta. No scheduled events.
    """
    if not 5 <= n <= 676:
        raise ValueError(f"n must be in 5..676, got {n}")
    rng = random.Random(seed * 1000 + n)
    u = rng.uniform
    codes = [iso_code(i) for i in range(n)]
    n_powers = max(6, n // 20) if scaled_powers else 6
    power_ids = [
        POWER_TEMPLATES[k % 6]["id"] + ("" if k < 6 else str(k // 6)) for k in range(n_powers)
    ]
    rus_ids = [pid for pid in power_ids if pid.startswith("RUS")]

    countries: dict[str, Any] = {}
    juntas: list[str] = []
    for i, iso in enumerate(codes):
        angle = 2 * math.pi * i / n
        c: dict[str, Any] = {
            "name": f"Country {iso}",
            "capital": [round(13 + 5 * math.sin(angle), 3), round(15 * math.cos(angle), 3)],
            "population_m": round(u(1, 50), 2),
            "forces": round(u(5_000, 50_000)),
            "capacity": round(u(0.2, 0.8), 3),
            "legitimacy": round(u(0.2, 0.8), 3),
            "control": round(u(0.5, 1.0), 3),
            "hardship": round(u(0.2, 0.8), 3),
            "abuse": round(u(0.0, 0.3), 3),
        }
        if rng.random() < 0.2:
            juntas.append(iso)
            c["regime"] = "junta"
            c["last_coup"] = f"{rng.randint(2020, 2023)}-{rng.randint(1, 12):02d}"
            c["junta"] = {
                "name": f"Council {iso}",
                "since": c["last_coup"],
                "sovereigntism": round(u(0.6, 0.9), 2),
                "preferences": {pid: round(u(0.1, 0.4) / len(rus_ids), 3) for pid in rus_ids},
            }
        else:
            c["regime"] = "transition" if rng.random() < 0.05 else "civilian"
            c["sovereigntism"] = round(u(0.0, 0.3), 2)
        countries[iso] = c

    borders = [[codes[i], codes[(i + d) % n]] for i in range(n) for d in (1, 2)]

    powers: dict[str, Any] = {}
    for k, pid in enumerate(power_ids):
        t = POWER_TEMPLATES[k % 6]
        partners: dict[str, Any] = {}
        for iso in rng.sample(codes, max(1, round(0.2 * n))):
            ps: dict[str, Any] = {}
            if "troops" in t and rng.random() < 0.5:
                ps["troops"] = round(u(*t["troops"]))
            if t.get("aid", (0, 0))[1] > 0:
                ps["aid_musd"] = round(u(*t["aid"]), 1)
            if "econ" in t:
                ps["econ_musd"] = round(u(*t["econ"]))
            if t["conditionality"] >= 0.5 and iso in juntas:
                ps["posture"] = "suspended"
            partners[iso] = ps
        deployed = sum(p.get("troops", 0) for p in partners.values())
        powers[pid] = {
            "name": f"Power {pid}",
            "western": t["western"],
            "troops_available": round(1.2 * deployed) + t.get("offer_troops", 0),
            "effectiveness": t["effectiveness"],
            "conditionality": t["conditionality"],
            "regime_protection": t["regime_protection"],
            "civilian_harm": t["civilian_harm"],
            "offer_troops": t.get("offer_troops", 0),
            "partners": partners,
        }

    groups: dict[str, Any] = {}
    for j in range(round(n / 2.5)):
        start, size = rng.randrange(n), rng.randint(2, 4)
        groups[f"G{j:03d}"] = {
            "name": f"Group {j}",
            "affiliation": AFFILIATIONS[j % 3],
            "lethality": round(u(0.8, 1.2), 2),
            "fighters": {codes[(start + d) % n]: round(u(200, 3000)) for d in range(size)},
        }
    gids = list(groups)
    rivalries = [[gids[j], gids[j + 1]] for j in range(0, len(gids) - 1, 2)]

    civilians = [iso for iso in codes if iso not in juntas]
    third = max(2, n // 3)
    blocs = {
        "WEST": {
            "name": "Coastal community",
            "members": civilians[: max(2, round(0.6 * len(civilians)))],
            "sanctions_coups": True,
        },
        "ALLI": {"name": "Junta alliance", "members": juntas, "mutual_defence": True},
        "EAST": {
            "name": "Eastern defence pact",
            "members": codes[n - third :],
            "mutual_defence": True,
        },
    }
    return {
        "name": f"synthetic_{n}",
        "description": f"Synthetic benchmark world with {n} countries.",
        "start": "2024-03",
        "months": SCALING_MONTHS,
        "seed": seed,
        "countries": countries,
        "borders": borders,
        "powers": powers,
        "groups": groups,
        "rivalries": rivalries,
        "blocs": blocs,
    }


def _dump_world(data: dict[str, Any], n: int) -> str:
    fd, path = tempfile.mkstemp(prefix=f"bench_world_{n}_", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=1)
    return path


def _size(model: Any) -> tuple[int, int]:
    return len(model.agents), sum(model.network.edge_counts().values())


def bench_scaling(sizes: list[int], reps: int, months: int, scaled_powers: bool) -> dict[str, Any]:
    """Time ``months`` steps on synthetic worlds of each size; the model is built untimed."""
    from sim.errors import ScenarioError
    from sim.scenario import validate_data
    from sim.world.model import SahelModel

    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for n in sizes:
        data = make_world(n, scaled_powers=scaled_powers)
        try:
            spec = validate_data(data, f"<synthetic world, {n} countries>")
        except ScenarioError as exc:
            path = _dump_world(data, n)
            errors.append({"n": n, "stage": "validate", "error": str(exc), "world": path})
            print(f"  N={n}: generated world failed validation (data in {path}):\n{exc}")
            continue
        try:
            SahelModel(spec, rng=0, months=months).run(min(12, months))  # warm-up
            run_s, build_s, agents, edges = [], [], [], []
            for r in range(reps):
                gc.collect()
                t0 = perf()
                model = SahelModel(spec, rng=2000 + r, months=months)
                t1 = perf()
                a0, e0 = _size(model)
                gc.collect()
                t2 = perf()
                model.run()
                t3 = perf()
                a1, e1 = _size(model)
                build_s.append(t1 - t0)
                run_s.append(t3 - t2)
                agents.append((a0 + a1) / 2)
                edges.append((e0 + e1) / 2)
        except Exception:
            path = _dump_world(data, n)
            tb = traceback.format_exc()
            errors.append({"n": n, "stage": "model", "error": tb, "world": path})
            print(f"  N={n}: the model raised (world data in {path}):\n{tb}")
            continue
        ms_step = statistics.median(run_s) * 1e3 / months
        a, e = statistics.median(agents), statistics.median(edges)
        rows.append(
            {
                "countries": n,
                "groups": len(spec.groups),
                "powers": len(spec.powers),
                "agents": a,
                "edges": e,
                "agents_start": a0,
                "edges_start": e0,
                "ms_per_step": ms_step,
                "ms_per_step_min": min(run_s) * 1e3 / months,
                "us_per_agent_step": ms_step * 1e3 / a,
                "us_per_agent_edge_step": ms_step * 1e3 / (a + e),
                "build_ms": statistics.median(build_s) * 1e3,
            }
        )
        print(f"  N={n:>3}: {ms_step:8.3f} ms/step", flush=True)
    out: dict[str, Any] = {"months": months, "reps": reps, "rows": rows, "errors": errors}
    if rows:
        base = rows[0]
        for row in rows:
            row["ratio_ms_per_step"] = row["ms_per_step"] / base["ms_per_step"]
            row["ratio_size"] = (row["agents"] + row["edges"]) / (base["agents"] + base["edges"])
    if len(rows) >= 3:
        xs = [r["agents"] + r["edges"] for r in rows]
        ys = [r["ms_per_step"] for r in rows]
        a, b, r2 = linear_fit(xs, ys)
        _, lb, lr2 = linear_fit([math.log(x) for x in xs], [math.log(y) for y in ys])
        out["fit"] = {"intercept_ms": a, "us_per_unit": b * 1e3, "r2": r2}
        out["loglog"] = {"exponent": lb, "r2": lr2}
    return out


# --- report -------------------------------------------------------------------------------------


def environment() -> dict[str, Any]:
    """Interpreter, platform and code version the figures were measured on."""
    try:
        import mesa

        mesa_version = mesa.__version__
    except Exception:  # pragma: no cover - only for the report
        mesa_version = "?"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "sim"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        commit += " (sim/ has uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "mesa": mesa_version,
        "commit": commit,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def print_imports(res: dict[str, Any]) -> None:
    print(f"\n1. Import time (fresh interpreters, median of {res['reps']}, minus `python -c pass`)")
    print(f"   python -c pass              {res['baseline_ms']['median']:8.1f} ms (baseline)")
    for key in ("import sim", "import sim.world.model"):
        r = res[key]
        print(
            f"   {key:<27} {r['net_median_ms']:8.1f} ms  "
            f"(gross median {r['gross_ms']['median']:.1f}, min net {r['net_min_ms']:.1f})"
        )


def print_workload(w: dict[str, Any]) -> None:
    r = w["run_ms"]
    verdict = "PASS" if w["pass"] else "FAIL"
    print(
        f"\n2. Workload W: {w['scenario']}, {w['months']} months, {w['runs']} seeds "
        f"(after import and one warm-up run; build + run)"
    )
    print(f"   agents {w['agents']}, network edges at start {w['edges_at_start']}")
    print(
        f"   run time     median {r['median']:7.2f} ms   min {r['min']:7.2f}   "
        f"p90 {r['p90']:7.2f}   max {r['max']:7.2f}"
    )
    print(f"   of which building the model (median) {w['build_ms']['median']:.2f} ms")
    print(f"   target       <= {w['target_ms']:.0f} ms per run: {verdict}")
    print(
        f"   reference    median {w['reference_ms']['median']:7.2f} ms (pure-Python toy of W's "
        f"size, same run); W / reference {w['ratio_to_reference']:.1f}"
    )
    print(
        f"   per step     {w['ms_per_step'] * 1e3:7.1f} us;  per agent-step "
        f"{w['us_per_agent_step']:.2f} us"
    )
    print(
        f"   datacollector.collect: {w['collect_share_ablation']:.1%} of run time by ablation "
        f"(no-op collect: median {w['noop_collect_run_ms']['median']:.2f} ms), "
        f"{w['collect_share_direct']:.1%} by direct timing"
    )


def print_scaling(s: dict[str, Any]) -> None:
    print(
        f"\n3. Scaling: synthetic worlds, {s['months']} months per run, median of {s['reps']} "
        f"(model built outside the timing)"
    )
    if not s["rows"]:
        print("   no world could be run")
        return
    print(
        "   countries groups powers  agents   edges  ms/step  us/agent-step  "
        "us/(agent+edge)-step  ratio ms/step  ratio size"
    )
    for r in s["rows"]:
        print(
            f"   {r['countries']:>9} {r['groups']:>6} {r['powers']:>6} {r['agents']:>7.0f} "
            f"{r['edges']:>7.0f} {r['ms_per_step']:>8.3f} {r['us_per_agent_step']:>14.2f} "
            f"{r['us_per_agent_edge_step']:>21.2f} {r['ratio_ms_per_step']:>14.2f} "
            f"{r['ratio_size']:>11.2f}"
        )
    print("   (agents and edges: mean of the counts before and after the run)")
    if "fit" in s:
        f, ll = s["fit"], s["loglog"]
        print(
            f"   least squares: ms/step = {f['intercept_ms']:.3f} + "
            f"{f['us_per_unit'] / 1e3:.5f} x (agents + edges)   R^2 = {f['r2']:.4f}"
        )
        print(
            f"   log-log slope of ms/step against agents + edges: {ll['exponent']:.2f} "
            f"(1 = linear, 2 = quadratic; R^2 = {ll['r2']:.4f})"
        )
    for e in s["errors"]:
        print(f"   N={e['n']}: {e['stage']} failed; world data in {e['world']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=None, help="runs of workload W (default 20)")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="smaller samples (about 30 s, most of it the import test)",
    )
    ap.add_argument("--json", type=Path, default=None, metavar="PATH", help="write figures here")
    ap.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",")],
        default=None,
        help="country counts for the scaling test, e.g. 10,50,100 (default 10,50,100,200,400)",
    )
    ap.add_argument(
        "--scaled-powers", action="store_true", help="use max(6, N/20) powers instead of 6"
    )
    ap.add_argument("--skip-imports", action="store_true", help="skip the import benchmark")
    ap.add_argument("--strict", action="store_true", help="exit 1 if W misses the target")
    args = ap.parse_args(argv)

    runs = args.runs if args.runs is not None else (10 if args.quick else 20)
    if runs < 1:
        ap.error("--runs must be at least 1")
    import_reps = 5
    scaling_reps = 3 if args.quick else 5
    scaling_months = 24 if args.quick else SCALING_MONTHS
    sizes = args.sizes or list(SCALING_SIZES[:-1] if args.quick else SCALING_SIZES)

    started = perf()
    env = environment()
    print("Sahel model benchmark")
    print(
        f"   Python {env['python']} ({env['implementation']}), Mesa {env['mesa']}, "
        f"{env['cpus']} CPUs, {env['platform']}"
    )
    print(f"   commit {env['commit']}, {env['date']}" + ("  [--quick]" if args.quick else ""))
    results: dict[str, Any] = {"environment": env, "quick": args.quick}

    # W runs first (its in-process import warms the file caches the import test relies on);
    # the report keeps the numbered order.
    workload = bench_workload(runs)
    if not args.skip_imports:
        results["imports"] = bench_imports(import_reps, warmup=not args.quick)
        print_imports(results["imports"])
    results["workload"] = workload
    print_workload(workload)

    print(f"\n   running the scaling test ({', '.join(map(str, sizes))} countries)...")
    results["scaling"] = bench_scaling(sizes, scaling_reps, scaling_months, args.scaled_powers)
    print_scaling(results["scaling"])

    results["total_seconds"] = perf() - started
    print(f"\nTotal benchmark time {results['total_seconds']:.1f} s")
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"Figures written to {args.json}")
    if results["scaling"]["errors"]:
        return 2
    return 1 if args.strict and not results["workload"]["pass"] else 0


if __name__ == "__main__":
    sys.exit(main())
