"""Throughput, parallel efficiency and memory of the experiment layer (issue 3 targets).

Run: ``.venv/bin/python benchmarks/bench_experiments.py [--runs 2000] [--quick]``

1. A sweep of workload W (``us_withdraws``, 120 months, every metric collected) executed by
   the project's runner (local process pool, 2 workers, batched) against ``mesa.batch_run``
   on the same model and the same seeds with 2 processes. Target: >= 3x throughput.
2. Parallel efficiency: local pool with 2 workers against 1 (target >= 0.9), and a Dask
   LocalCluster with 2 workers against 1 (target >= 0.85), workers started before timing.
3. Peak memory (summed RSS of the driving process and all its worker processes, sampled
   every 0.1 s) of 10,000 runs against 1,000 runs; results stream to disk (target: 1.2x).

Each measurement runs in a fresh subprocess so that imports, the ``spawn`` switch of
``batch_run`` and memory peaks do not leak between them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUN_OURS = """
import json, resource, sys, tempfile, threading, time
from concurrent.futures import ProcessPoolExecutor
import psutil
from pathlib import Path
from sim.engine.core import make_run
from sim.engine.execute import _pool_context, execute
from sim.engine.store import ExperimentStore
from sim.studies.simulator import SahelSimulator

if __name__ == "__main__":

    n, months, workers, backend, folder, warm = (int(sys.argv[1]), int(sys.argv[2]),
        int(sys.argv[3]), sys.argv[4], Path(sys.argv[5]), sys.argv[6] == "warm")
    sim = SahelSimulator("us_withdraws", months=months)
    runs = [make_run(sim, point=0, replicate=r, root_seed=2024) for r in range(n)]
    store = ExperimentStore(folder)
    store.create({"experiment_id": "bench", "kind": "bench"})
    closers = []
    if backend == "dask":
        from distributed import Client, LocalCluster
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None)
        target = Client(cluster)
        closers = [target.close, cluster.close]
    elif warm:
        target = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context())
        closers = [target.shutdown]
    else:
        target = backend
    if warm:  # start the workers and import the model in them before timing
        scratch = ExperimentStore(Path(tempfile.mkdtemp()) / "warm")
        scratch.create({"experiment_id": "warm"})
        small = SahelSimulator("us_withdraws", months=2)
        warmup = [make_run(small, point=0, replicate=r, root_seed=1) for r in range(4 * workers)]
        execute(small, warmup, scratch, backend=target, workers=workers, batch_size=1)
    peak = {"tree_mb": 0.0}
    stop = threading.Event()

    def sample():  # the driver plus every descendant (pool workers, forkserver, Dask)
        me = psutil.Process()
        while not stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            peak["tree_mb"] = max(peak["tree_mb"], total / 2**20)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    report = execute(sim, runs, store, backend=target, workers=workers)
    seconds = time.perf_counter() - t0
    stop.set()
    sampler.join()
    rows = len(store.read("summary"))
    for close in closers:
        close()
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "runs": rows, "batches": len(report.batches),
                      "peak_self_mb": peak_self, "peak_children_mb": peak_children,
                      "peak_tree_mb": peak["tree_mb"]}))
"""

RUN_BATCH_RUN = """
import json, sys, time
import mesa
from sim.engine.core import replicate_seed
from sim.world.model import SahelModel
from sim.scenario import load_scenario

n, months = int(sys.argv[1]), int(sys.argv[2])
spec = load_scenario("us_withdraws")
seeds = [replicate_seed(2024, r) for r in range(n)]
if __name__ == "__main__":
    t0 = time.perf_counter()
    out = mesa.batch_run(SahelModel, parameters={"scenario": [spec], "months": months},
                         rng=seeds, number_processes=2, max_steps=months,
                         data_collection_period=1, display_progress=False)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "records": len(out)}))
"""


def _python(code: str, *args: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "bench.py"
        script.write_text(textwrap.dedent(code))
        res = subprocess.run(
            [sys.executable, str(script), *args], capture_output=True, text=True, cwd=ROOT
        )
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def ours(n: int, months: int, workers: int, backend: str, *, warm: bool = False) -> dict:
    """Run n runs with the project's runner in a fresh process; return timing and memory.

    ``warm``: start the workers (and their imports) before the clock starts, to measure the
    steady-state rate rather than start-up.
    """
    with tempfile.TemporaryDirectory() as tmp:
        return _python(RUN_OURS, str(n), str(months), str(workers), backend,
                       str(Path(tmp) / "x"), "warm" if warm else "cold")  # fmt: skip


def main() -> None:
    """Print the figures (and optionally write them as JSON)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000, help="runs of W in the batch_run race")
    ap.add_argument("--quick", action="store_true", help="smaller sizes (~1 minute)")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args()
    n = 200 if args.quick else args.runs
    eff_runs = 100 if args.quick else 400
    mem_small, mem_large = (200, 2000) if args.quick else (1000, 10000)
    figures: dict[str, dict] = {}

    print(f"1. Sweep of W ({n} runs of us_withdraws, 120 months), 2 processes")
    a = ours(n, 120, 2, "local")
    b = _python(RUN_BATCH_RUN, str(n), "120")
    ratio = b["seconds"] / a["seconds"]
    print(f"   project runner   {a['seconds']:7.1f} s  ({n / a['seconds']:.1f} runs/s)")
    print(f"   mesa.batch_run   {b['seconds']:7.1f} s  ({n / b['seconds']:.1f} runs/s)")
    print(f"   throughput ratio {ratio:.2f}x (target >= 3): {'PASS' if ratio >= 3 else 'FAIL'}")
    figures["versus_batch_run"] = {"ours": a, "batch_run": b, "ratio": ratio}

    print(f"2. Parallel efficiency ({eff_runs} runs of W)")
    for backend, target in (("local", 0.9), ("dask", 0.85)):
        one = ours(eff_runs, 120, 1, backend, warm=True)
        two = ours(eff_runs, 120, 2, backend, warm=True)
        eff = one["seconds"] / (2 * two["seconds"])
        print(
            f"   {backend:5s}: 1 worker {one['seconds']:6.1f} s, 2 workers {two['seconds']:6.1f} s,"
            f" efficiency {eff:.2f} (target >= {target}): {'PASS' if eff >= target else 'FAIL'}"
        )
        figures[f"efficiency_{backend}"] = {"one": one, "two": two, "efficiency": eff}

    print(f"3. Peak memory, {mem_small} vs {mem_large} runs (12 months each), 2 workers")
    small = ours(mem_small, 12, 2, "local")
    large = ours(mem_large, 12, 2, "local")

    def peak(r: dict) -> float:
        return r["peak_self_mb"] + r["peak_children_mb"]

    growth = peak(large) / peak(small)
    print(
        f"   {mem_small:6d} runs: driver {small['peak_self_mb']:.0f} MB + worker "
        f"{small['peak_children_mb']:.0f} MB"
    )
    print(
        f"   {mem_large:6d} runs: driver {large['peak_self_mb']:.0f} MB + worker "
        f"{large['peak_children_mb']:.0f} MB"
    )
    print(f"   growth {growth:.2f}x (target <= 1.2): {'PASS' if growth <= 1.2 else 'FAIL'}")
    figures["memory"] = {"small": small, "large": large, "growth": growth}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
