"""Wall time of the ``sahel`` command from a fresh process: start-up and one short run.

Each command runs ``--repeat`` times (after one untimed warm-up run, which fills the OS
file cache and Python's bytecode cache), from a temporary folder; prints the median, the
minimum and the maximum in seconds, and how long the bare interpreter takes to start, for
reference. Use it to check that ``sahel --help`` stays quick (its imports are lazy) and to
quote the time of ``sahel run us_withdraws`` (one replicate, the whole scenario)::

    .venv/bin/python benchmarks/cli_startup.py              # 7 repeats
    .venv/bin/python benchmarks/cli_startup.py --repeat 15

The machine's load matters: the load average is printed alongside the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAHEL = Path(sys.executable).with_name("sahel")

RUN = ["run", "us_withdraws", "--reps", "1", "--out", "run", "--force", "-q"]
COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "sahel --help": [str(SAHEL), "--help"],
    "sahel scenarios": [str(SAHEL), "scenarios"],
    "sahel run us_withdraws (1 replicate)": [str(SAHEL), *RUN],
}


def time_command(command: list[str], repeat: int, cwd: Path) -> list[float]:
    """Wall seconds of ``repeat`` runs of ``command`` (after one warm-up); fail loudly."""
    env = {**os.environ, "CI": "true"}
    times = []
    for i in range(repeat + 1):
        t0 = time.perf_counter()
        res = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - t0
        if res.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({res.returncode}):\n{res.stderr}")
        if i > 0:
            times.append(elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per command")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs;"
          f" {args.repeat} runs each (after a warm-up)")  # fmt: skip
    print(f"{'command':40s} {'median':>8s} {'min':>8s} {'max':>8s}")
    with tempfile.TemporaryDirectory() as tmp:
        for label, command in COMMANDS.items():
            times = time_command(command, args.repeat, Path(tmp))
            print(f"{label:40s} {statistics.median(times):8.2f} {min(times):8.2f}"
                  f" {max(times):8.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
