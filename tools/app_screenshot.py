"""Take the docs' screenshot of the app (docs/guide/app.md): Startup City after 13 months.

    python tools/app_screenshot.py [docs/img/app.png]

Starts ``ecosim app`` on 127.0.0.1, opens it in headless Debian Chromium, sets
"Render Interval" to 13 steps, presses Step once, and saves the page as a
256-colour PNG.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect, sync_playwright


def main(out: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["timeout", "600", sys.executable, "-m", "ecosim", "app", "--port",
                             str(port)], start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            page = b.new_page(viewport={"width": 1400, "height": 1060})
            page.goto(url)
            page.get_by_role("button", name="Step").wait_for(timeout=300_000)
            render = page.locator(".v-input", has_text="Render Interval").get_by_role("slider")
            render.focus()
            for _ in range(6):  # 1 -> 13 (steps of 2)
                render.press("ArrowRight")
            page.get_by_role("button", name="Step").click()
            expect(page.get_by_text("Time: 13.0")).to_be_visible(timeout=300_000)
            expect(page.locator(".ecosim-ranks")).to_contain_text("World rank in 2025",
                                                                  timeout=60_000)
            page.wait_for_timeout(2000)
            shot = out.with_suffix(".full.png")
            page.screenshot(path=shot)
            b.close()
        Image.open(shot).convert("RGB").quantize(256).save(out, optimize=True)
        shot.unlink()
        print(f"{out}: {out.stat().st_size / 1024:.0f} KiB")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img/app.png"))
