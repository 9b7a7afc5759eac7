"""The package as a user installs it: a wheel built from this checkout, installed into a fresh
virtual environment, and the ``sahel`` command run from an empty folder.

The wheel must carry the bundled scenarios, their parameter files and the reference data;
the installed command must find them from any folder, write its outputs under that folder
(or where ``--out`` says), never into the installed package, and record the package's
version but no git commit (the venv below sits inside a git repository of its own, which is
not the package's). Slow: a build, a venv and a few short runs, about a minute.

The venv gets the wheel's dependencies pinned by ``requirements.lock`` (as constraints, so
only what the wheel needs), from uv's cache when it can (``--offline``), else from PyPI.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.slow

BUILD_INPUTS = ("pyproject.toml", "README.md", "sim", "scenarios", "data")
"""What the wheel is built from (copied to a clean folder: no stale build/ is reused)."""

BUNDLED = {"scenarios": "sim/bundled/scenarios", "data": "sim/bundled/data"}
"""Checkout folder -> its place inside the wheel."""


def _uv() -> str:
    uv = Path(sys.executable).with_name("uv")
    found = str(uv) if uv.is_file() else shutil.which("uv")
    if found is None:
        pytest.fail("uv is needed to build and install the wheel; `make setup` installs it")
    return found


def _uv_run(*args: str, cwd: Path) -> None:
    """Run a uv command offline (from its cache) first, then online if the cache lacks
    something; fail with uv's message if both fail."""
    offline = subprocess.run([_uv(), *args, "--offline"], cwd=cwd, capture_output=True, text=True)
    if offline.returncode == 0:
        return
    online = subprocess.run([_uv(), *args], cwd=cwd, capture_output=True, text=True)
    assert online.returncode == 0, f"uv {' '.join(args)}:\n{offline.stderr}\n{online.stderr}"


def _bundled_files() -> list[str]:
    """The wheel paths every file of the checkout's scenarios/ and data/ must have."""
    out = []
    for folder, inside in BUNDLED.items():
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                out.append(f"{inside}/{path.relative_to(ROOT / folder).as_posix()}")
    return out


@dataclass(frozen=True)
class Installed:
    """A fresh venv with the wheel installed, and an empty folder to work in."""

    wheel: Path
    venv: Path
    work: Path
    env: dict[str, str]

    @property
    def site_package(self) -> Path:
        return next((self.venv / "lib").glob("python*/site-packages/sim"))

    def sahel(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """``sahel ARGS...`` from the empty folder, with the venv's console script."""
        return subprocess.run(
            [str(self.venv / "bin" / "sahel"), *args], cwd=self.work, env=self.env,
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, source / name)
    t0 = time.perf_counter()
    _uv_run(
        "build",
        "--wheel",
        "--python",
        sys.executable,
        "--out-dir",
        str(base / "dist"),
        str(source),
        cwd=base,
    )
    (wheel,) = (base / "dist").glob("sahel_sim-*.whl")
    # A venv inside a git repository that is not the package's: its commit must not be
    # recorded as the package's.
    repo = base / "some_repository"
    repo.mkdir()
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
    venv = repo / "venv"
    _uv_run("venv", "-q", "--python", sys.executable, str(venv), cwd=base)
    _uv_run("pip", "install", "-q", "--python", str(venv / "bin" / "python"),
            "-c", str(ROOT / "requirements.lock"), str(wheel), cwd=base)  # fmt: skip
    print(f"test_install: wheel built and installed in {time.perf_counter() - t0:.1f} s")
    work = repo / "empty"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"}}  # fmt: skip
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", CI="true",
               COLUMNS="200", MPLBACKEND="Agg")  # fmt: skip
    return Installed(wheel, venv, work, env)


@pytest.fixture(scope="module")
def package_files(installed: Installed) -> Iterator[list[str]]:
    """The installed package's files (no bytecode) before the commands run; after the
    module's tests, checks that none of them wrote into the installed package."""

    def listing() -> list[str]:
        return sorted(
            p.relative_to(installed.site_package).as_posix()
            for p in installed.site_package.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        )

    before = listing()
    yield before
    assert listing() == before, "a command wrote into the installed package"


def test_the_wheel_carries_every_scenario_parameter_file_and_data_file(
    installed: Installed,
) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    expected = _bundled_files()
    assert "sim/bundled/scenarios/parameters/calibrated.yaml" in expected
    assert "sim/bundled/data/ucdp_sahel_2012_2019.csv" in expected
    assert [f for f in expected if f not in names] == []
    assert "sim/cli.py" in names and "sim/py.typed" in names


def test_the_installed_package_is_the_wheel_not_this_checkout(
    installed: Installed, package_files: list[str]
) -> None:
    code = (
        "import json, sim, sim.bundled as b;"
        "print(json.dumps([sim.__file__, str(b.scenario_dir()), str(b.checkout_root()),"
        " b.git_commit()]))"
    )
    res = subprocess.run([str(installed.venv / "bin" / "python"), "-c", code],
                         cwd=installed.work, env=installed.env, capture_output=True,
                         text=True)  # fmt: skip
    assert res.returncode == 0, res.stderr
    module, scenarios, root, commit = json.loads(res.stdout)
    assert Path(module).is_relative_to(installed.venv)
    assert Path(scenarios) == installed.site_package / "bundled" / "scenarios"
    assert root == "None" and commit is None
    assert "bundled/scenarios/us_withdraws.yaml" in package_files


def test_scenarios_lists_the_bundled_scenarios(installed: Installed) -> None:
    res = installed.sahel("scenarios")
    assert res.returncode == 0, res.stderr
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        assert path.stem in res.stdout
    assert "Agadez" in res.stdout


def test_run_writes_under_the_current_folder_with_the_package_version(
    installed: Installed, package_files: list[str]
) -> None:
    res = installed.sahel("run", "us_withdraws", "--reps", "1", "--months", "6", "-q")
    assert res.returncode == 0, res.stderr
    out = installed.work / "results" / "us_withdraws"
    assert (out / "manifest.json").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["versions"]["sahel-sim"] == metadata.version("sahel-sim")
    assert manifest["git"] is None
    # The calibrated parameter file shipped in the wheel is the one the scenario runs.
    calibrated = (ROOT / "scenarios" / "parameters" / "calibrated.yaml").read_text()
    value = manifest["parameters"]["recruitment_rate"]
    assert f"recruitment_rate: {value}" in calibrated


def test_run_writes_where_out_says_and_a_user_file_extends_a_bundled_scenario(
    installed: Installed, package_files: list[str]
) -> None:
    (installed.work / "mine.yaml").write_text(
        "name: mine\nextends: us_withdraws\ndescription: a user's variant\nmonths: 4\n"
    )
    assert installed.sahel("validate", "mine.yaml").returncode == 0
    res = installed.sahel("run", "mine.yaml", "--out", "chapter1/runs", "-q")
    assert res.returncode == 0, res.stderr
    manifest = json.loads((installed.work / "chapter1" / "runs" / "manifest.json").read_text())
    assert manifest["scenario"] == "mine" and manifest["months"] == 4


def test_compare_two_bundled_scenarios(installed: Installed, package_files: list[str]) -> None:
    res = installed.sahel("compare", "us_stays", "us_withdraws", "--reps", "2", "--months", "8",
                          "--backend", "serial", "-q")  # fmt: skip
    assert res.returncode == 0, res.stderr
    out = installed.work / "results" / "us_stays_vs_us_withdraws"
    assert (out / "comparison.csv").is_file() and (out / "manifest.json").is_file()


def test_backtest_against_the_bundled_ucdp_data(
    installed: Installed, package_files: list[str]
) -> None:
    res = installed.sahel("backtest", "--reps", "1", "--backend", "serial")
    assert res.returncode == 0, res.stderr
    out = installed.work / "results" / "backtest"
    assert (out / "backtest.csv").is_file() and (out / "backtest.png").is_file()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_viz_starts_and_serves_the_page(installed: Installed, package_files: list[str]) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [str(installed.venv / "bin" / "sahel"), "viz", "--no-browser", "--port", str(port)],
        cwd=installed.work, env=installed.env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    page = ""
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    assert resp.status == 200
                    page = resp.read().decode()
            except OSError:
                time.sleep(0.5)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
    assert page, f"the dashboard did not answer on port {port}:\n{output}"
    assert "<html" in page and "solara" in page.lower()
    assert "Traceback" not in output
