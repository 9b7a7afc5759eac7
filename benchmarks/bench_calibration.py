"""Wall time of the calibration with its default budget (issue 5 target: under 30 minutes on
2 cores), and how the loss fell.

Run: ``.venv/bin/python benchmarks/bench_calibration.py [--repeats 3] [--workers 2]``

Each repeat calibrates the bundled historical scenario into a fresh temporary folder (so
nothing is resumed) from the documented prior values of the free parameters (as a first
calibration would), without touching the bundled parameter file, in a fresh subprocess (so
the imports count too), and prints the wall time, the runs, the points evaluated and the loss
at the priors and after. With several repeats it prints the median time; the reference measured in
the same run is the time of one run of the calibration years (2012-2019), so the figure can be
read as "the calibration costs N single runs".
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CALIBRATE = """
import json, sys, time
from sim.studies.calibration import FREE_PARAMETERS, calibrate_historical
from sim.world.parameters import Parameters
from sim.scenario import load_scenario, with_parameters
t0 = time.perf_counter()
# start from the documented priors, as a first calibration would
priors = {f.name: Parameters.model_fields[f.name].default for f in FREE_PARAMETERS}
spec = with_parameters(load_scenario("historical_2012"), **priors)
cal = calibrate_historical(sys.argv[1], scenario=spec,
                           workers=int(sys.argv[2]))
r = cal.result
print(json.dumps({"seconds": time.perf_counter() - t0, "runs": r.runs, "points": len(r.history),
                  "loss_before": r.start_loss, "loss": r.loss}))
"""

ONE_RUN = """
import json, statistics, time
from sim.studies.calibration import YearlyDeathsSimulator
sim = YearlyDeathsSimulator("historical_2012", months=96)
sim.simulate({}, 0)
times = []
for seed in range(1, 11):
    t0 = time.perf_counter(); sim.simulate({}, seed); times.append(time.perf_counter() - t0)
print(json.dumps({"seconds": statistics.median(times)}))
"""


def _python(code: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    one = _python(ONE_RUN)["seconds"]
    print(f"one run of 2012-2019 (96 months), median of 10: {one * 1000:.1f} ms")
    results = []
    for k in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            out = _python(CALIBRATE, str(Path(tmp) / "cal"), str(args.workers))
            out["wall"] = time.perf_counter() - t0
        results.append(out)
        print(
            f"repeat {k + 1}: {out['wall']:.1f} s wall ({out['seconds']:.1f} s in calibrate),"
            f" {out['runs']} runs, {out['points']} points, loss {out['loss_before']:.4f} ->"
            f" {out['loss']:.4f}"
        )
    wall = statistics.median(r["wall"] for r in results)
    print(
        f"calibration, default budget, {args.workers} workers: median {wall:.1f} s"
        f" = {wall / 60:.1f} min (target < 30 min: {'met' if wall < 1800 else 'MISSED'});"
        f" {wall / one:,.0f} times one run"
    )


if __name__ == "__main__":
    main()
