"""The app in a real browser: `ecosim app` on 127.0.0.1, driven by headless Debian Chromium.

Changes sliders, presses Step and Reset, and reads the map, the plots and the
policy table back from the page. The last screenshot is kept in
results/test-artifacts/app.png (gitignored).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")
CHROMIUM = os.environ.get("ECOSIM_CHROMIUM") or shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install --no-install-recommends "
           "chromium; .ci/run installs it), or set ECOSIM_CHROMIUM to a Chromium binary")

ARTIFACTS = Path(__file__).resolve().parents[1] / "results" / "test-artifacts"
STARTUP_S = 240  # first start compiles the kernels unless Numba's cache has them
SERVER_LIFETIME_S = 900  # the server stops by itself after this, whatever happens to pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    cmd = [sys.executable, "-m", "ecosim", "app", "--port", str(port)]
    if shutil.which("timeout"):
        cmd = ["timeout", str(SERVER_LIFETIME_S), *cmd]
    proc = subprocess.Popen(cmd, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert proc.poll() is None, f"ecosim app exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no answer on {url}:\n{log.read_text()}"
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _labels(page, css: str) -> list[str]:
    """ARIA labels of the chart marks under ``css`` (Vega writes each mark's values there)."""
    return page.locator(f"{css} svg [aria-label]").evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))")


def _eventually(page, css: str, test, what: str, timeout_s: float = 60):
    """Wait until ``test`` holds for the ARIA labels under ``css`` (charts redraw one by one)."""
    deadline = time.monotonic() + timeout_s
    while not test(labels := _labels(page, css)):
        assert time.monotonic() < deadline, f"{css}: {what}; labels: {labels}"
        page.wait_for_timeout(200)
    return labels


def _slider(page, label: str):
    return page.locator(".v-input", has_text=label).get_by_role("slider")


def _budget_cell(page, city: str):
    """The budget (KRW bn a year) of ``city`` in the page's table of packages in force."""
    return page.locator(".ecosim-policy tr", has_text=city).locator("td").nth(1)


def _map_value(labels: list[str], city: str, field: str) -> str:
    for text in labels:
        if f"city: {city}" in text and f"{field}:" in text:
            return re.search(rf"{field}: ([^;]+)", text).group(1)
    raise AssertionError(f"no {field} for {city} in the map's labels: {labels}")


def test_sliders_step_and_reset_update_the_map_and_plots(app_url):
    expect = sync_api.expect
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1250})
            errors = []  # scripts that failed, and anything the server could not serve
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
            page.goto(app_url)
            step = page.get_by_role("button", name="Step")
            reset = page.get_by_role("button", name="Reset")
            step.wait_for(timeout=STARTUP_S * 1000)
            time_info = page.get_by_text(re.compile(r"^Time: "))
            map_title = page.locator(".ecosim-map").get_by_text(re.compile(r"^Month \d+:"))
            expect(map_title).to_have_text("Month 0: cities and net movers", timeout=60_000)
            policy = page.locator(".ecosim-policy")
            expect(policy).to_contain_text("startup_city at scale 0.01, seed 1, month 0")
            expect(_budget_cell(page, "daegu")).to_have_text("30")
            month0 = _eventually(page, ".ecosim-map", lambda ls: any("city: daejeon" in t
                                                                      for t in ls), "no cities")
            assert _map_value(month0, "daejeon", "startups")
            assert not any("origin: " in t for t in month0), "arrows before anyone moved"
            _eventually(page, ".ecosim-series", lambda ls: any("month: 0;" in t for t in ls)
                        and not any("month: 1;" in t for t in ls), "month 0 only")

            for month in (1, 2, 3):
                step.click()  # the first step compiles the kernels unless Numba's cache has them
                expect(time_info).to_have_text(f"Time: {month:.1f}",
                                               timeout=(STARTUP_S if month == 1 else 120) * 1000)
            expect(map_title).to_have_text("Month 3: cities and net movers", timeout=30_000)
            expect(page.locator(".ecosim-flows")).to_contain_text("Movers between cities, "
                                                                  "months 1-3")
            _eventually(page, ".ecosim-map", lambda ls: any("origin: " in t for t in ls),
                        "no migration arrows after 3 months")
            _eventually(page, ".ecosim-series", lambda ls: any(
                "month: 3;" in t and "city: seoul" in t for t in ls), "no month 3")
            _eventually(page, ".ecosim-shares", lambda ls: any("month: 3;" in t for t in ls),
                        "no month 3")
            page.screenshot(path=ARTIFACTS / "app_stepped.png", full_page=True)

            # Sliders: scale 0.01 -> 0.015, Daegu's budget 30 -> 40 (KRW bn), policy from them.
            page.get_by_text("Policy from the sliders below").click()  # Vuetify: click the label
            expect(page.get_by_label("Policy from the sliders below")).to_be_checked()
            scale = _slider(page, "Scale (agents per person)")
            scale.focus()
            scale.press("ArrowRight")
            budget = _slider(page, "daegu: budget (KRW bn a year)")
            budget.focus()
            budget.press("ArrowRight")
            budget.press("ArrowRight")
            page.wait_for_timeout(500)
            reset.click()
            expect(time_info).to_have_text("Time: 0.0", timeout=120_000)
            expect(map_title).to_have_text("Month 0: cities and net movers", timeout=60_000)
            expect(policy).to_contain_text("startup_city at scale 0.015, seed 1, month 0",
                                           timeout=60_000)
            expect(_budget_cell(page, "daegu")).to_have_text("40")
            expect(_budget_cell(page, "daejeon")).to_have_text("30")
            _eventually(page, ".ecosim-map", lambda ls: any("city: daegu" in t for t in ls)
                        and not any("origin: " in t for t in ls), "arrows after Reset")
            _eventually(page, ".ecosim-series", lambda ls: any("month: 0;" in t for t in ls)
                        and not any("month: 1;" in t for t in ls), "months after Reset")

            step.click()
            expect(time_info).to_have_text("Time: 1.0", timeout=120_000)
            expect(map_title).to_have_text("Month 1: cities and net movers", timeout=30_000)
            _eventually(page, ".ecosim-series", lambda ls: any("month: 1;" in t for t in ls),
                        "no month 1 after Reset and Step")
            page.screenshot(path=ARTIFACTS / "app.png", full_page=True)
            assert not errors, errors
        finally:
            browser.close()
