"""How long one Step takes in the app, at scales 0.01 and 0.05.

    python benchmarks/app_step.py [--months 24] [--browser]

Server side (always): per month, the model's step and the page's views
(map, time series, capital shares, rank, flows, policy table, serialised to
JSON as they are sent), after one warm-up month.

With ``--browser``: starts ``ecosim app`` on 127.0.0.1, opens it in headless
Debian Chromium and times each press of Step until the map shows the new
month (model, views, transfer and drawing), at the sidebar's scale 0.01 and,
after moving the scale slider to its end (0.05) and Reset, at 0.05.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request


def server_side(scale: float, months: int) -> dict[str, list[float]]:
    from ecosim.app import views
    from ecosim.app.controls import AppModel

    m = AppModel("startup_city", rng=1, scale=scale)
    out: dict[str, list[float]] = {"step": [], "views": []}

    def draw():
        for spec in (views.map_chart(m), views.series_chart(m), views.capital_share_chart(m),
                     views.rank_chart(m), views.flow_chart(m)):
            json.dumps(spec)
        views.policy_table(m)

    m.step()
    draw()  # warm-up: compiled kernels, chart templates
    for _ in range(months):
        t0 = time.perf_counter()
        m.step()
        t1 = time.perf_counter()
        draw()
        t2 = time.perf_counter()
        out["step"].append(t1 - t0)
        out["views"].append(t2 - t1)
    return out


def browser(months: int) -> dict[float, list[float]]:
    from playwright.sync_api import expect, sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["timeout", "900", sys.executable, "-m", "ecosim", "app", "--port",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    out: dict[float, list[float]] = {}
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            page = b.new_page(viewport={"width": 1400, "height": 1250})
            page.goto(url)
            step = page.get_by_role("button", name="Step")
            step.wait_for(timeout=300_000)
            title = page.locator(".ecosim-map").get_by_text("cities and net movers")
            for scale in (0.01, 0.05):
                if scale == 0.05:
                    slider = page.locator(".v-input", has_text="Scale (agents").get_by_role(
                        "slider")
                    slider.focus()
                    slider.press("End")
                    page.get_by_role("button", name="Reset").click()
                    expect(page.locator(".ecosim-policy")).to_contain_text("scale 0.05",
                                                                           timeout=120_000)
                step.click()  # warm-up
                expect(title).to_have_text("Month 1: cities and net movers", timeout=300_000)
                times = []
                for month in range(2, months + 2):
                    t0 = time.perf_counter()
                    step.click()
                    expect(title).to_have_text(f"Month {month}: cities and net movers",
                                               timeout=60_000)
                    times.append(time.perf_counter() - t0)
                out[scale] = times
            b.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    return out


def _summary(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.3f} s, max {max(xs):.3f} s"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--browser", action="store_true")
    args = ap.parse_args()
    for scale in (0.01, 0.05):
        r = server_side(scale, args.months)
        total = [a + b for a, b in zip(r["step"], r["views"], strict=True)]
        print(f"scale {scale}: model step {_summary(r['step'])}; views {_summary(r['views'])}; "
              f"together {_summary(total)} ({args.months} months)")
    if args.browser:
        for scale, times in browser(args.months).items():
            print(f"browser, scale {scale}: Step to map redrawn {_summary(times)} "
                  f"({args.months} presses)")


if __name__ == "__main__":
    main()
