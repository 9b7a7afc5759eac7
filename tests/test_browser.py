"""The dashboard in a real browser: ``sahel viz`` served on 127.0.0.1, driven by headless
Chromium (Debian's ``/usr/bin/chromium`` through Playwright, no browser download).

The page must work offline: every request the browser makes to anything but the test's own
server is blocked and recorded, and the server is pointed at an unreachable CDN, so a missing
local asset (sim/bundled/solara_assets.py) breaks the page instead of being fetched silently.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sim.scenario import load_scenario, month_index
from tests.support import ROOT

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCENARIO = "us_withdraws"
READY_TIMEOUT_S = 180.0
PAGE_TIMEOUT_MS = 120_000
STEP_TIMEOUT_MS = 30_000


def _require_browser() -> None:
    """Skip without Chromium, except under CI, where a missing browser is a failure."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing (Debian: apt-get install chromium; .ci/run installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running ``sahel viz`` process and what the test measured about it."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    ready_seconds: float
    timings: dict[str, float] = field(default_factory=dict)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """``sahel viz`` on a free port of 127.0.0.1, ready to serve; stopped afterwards."""
    _require_browser()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "server.log"
    env = {
        **os.environ,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        # a CDN that cannot answer: any asset missing locally fails instead of downloading
        "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    }
    exe = Path(sys.executable).with_name("sahel")
    command = [str(exe), "viz", SCENARIO, "--host", "127.0.0.1", "--port", str(port)]
    command.append("--no-browser")
    start = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"sahel viz exited with {process.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() - start > READY_TIMEOUT_S:
                pytest.fail(f"sahel viz not ready after {READY_TIMEOUT_S} s:\n{log.read_text()}")
            time.sleep(0.25)
        yield Server(url, process, log, time.perf_counter() - start)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _status(page) -> dict[str, str]:
    """The ``data-*`` attributes of the dashboard's status panel."""
    return page.locator(".sahel-status").evaluate("el => ({...el.dataset})")


def test_dashboard_renders_and_steps_offline(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    own = urlsplit(server.url).netloc
    outside: list[str] = []
    page_errors: list[str] = []

    def only_local(route) -> None:
        url = route.request.url
        if urlsplit(url).netloc == own or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1200})
            context.route("**/*", only_local)
            page = context.new_page()
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))

            start = time.perf_counter()
            page.goto(server.url, timeout=PAGE_TIMEOUT_MS)
            step = page.get_by_role("button", name="Step", exact=True)
            step.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
            page.locator(".sahel-status").wait_for(timeout=PAGE_TIMEOUT_MS)
            # the five matplotlib figures (map, network; stability, violence, influence)
            page.wait_for_function(
                "() => [...document.querySelectorAll('img')]"
                ".filter(i => i.complete && i.naturalWidth > 200).length >= 5",
                timeout=PAGE_TIMEOUT_MS,
            )
            text = page.locator("body").inner_text()
            for leftover in ("Page 0", "Use Threads", "Time:"):  # Mesa's SolaraViz's, dropped
                assert leftover not in text, leftover
            assert "share of the willing pool per month" in text  # slider values with units
            server.timings["page_ready_s"] = time.perf_counter() - start

            sizes = page.locator("img").evaluate_all(
                "imgs => imgs.filter(i => i.naturalWidth > 200)"
                ".map(i => [i.naturalWidth, i.naturalHeight, i.src])"
            )
            shapes = sorted(round(h / w, 2) for w, h, _ in sizes)
            assert len(sizes) == 5, sizes
            assert all(s > 0.7 for s in shapes[-2:]), f"no map and network among {shapes}"
            assert all(s < 0.65 for s in shapes[:3]), f"time series figures: {shapes}"

            before = _status(page)
            clicks = []
            for k in range(1, 4):
                t = time.perf_counter()
                step.click()
                page.wait_for_function(
                    "n => document.querySelector('.sahel-status').dataset.step == n",
                    arg=str(int(before["step"]) + k),
                    timeout=STEP_TIMEOUT_MS,
                )
                clicks.append(time.perf_counter() - t)
            after = _status(page)
            server.timings["step_round_trip_s"] = sum(clicks) / len(clicks)
            server.timings["step_round_trip_max_s"] = max(clicks)

            assert before["month"] == "" and before["step"] == "0"  # nothing simulated yet
            assert month_index(after["month"]) - month_index(before["start"]) == 2  # 3 months
            assert int(after["step"]) - int(before["step"]) == 3
            assert after["end"] == load_scenario(SCENARIO).end  # the CLI's last month
            assert float(after["fatalities"]) != float(before["fatalities"])
            assert float(after["stability"]) != float(before["stability"])
            page.wait_for_function(
                "old => [...document.querySelectorAll('img')]"
                ".filter(i => i.naturalWidth > 200 && !old.includes(i.src)).length >= 5",
                arg=[src for _, _, src in sizes],
                timeout=STEP_TIMEOUT_MS,
            )  # every figure was redrawn
            assert after["month"] in page.locator(".sahel-status").inner_text()

            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
        finally:
            browser.close()

    assert outside == [], f"the page requested outside 127.0.0.1: {outside}"
    assert page_errors == [], page_errors
    timings = {"server_ready_s": server.ready_seconds, **server.timings}
    (tmp_path / "timings.json").write_text(json.dumps(timings, indent=2))
    print("dashboard timings:", json.dumps({k: round(v, 2) for k, v in timings.items()}))
