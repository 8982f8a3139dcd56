"""The screenshots of docs/serve.md: ``gan serve`` on real runs, driven in headless Chromium.

    python docs/tools/serve_screenshots.py NOISE_RUN CONDITIONAL_RUN TRANSLATION_RUN [--out docs/images]

Starts ``gan serve`` on the three runs (a free local port), opens the page, shows each run (a new seed,
class 7, an uploaded image) and the run tab, and saves ``serve-noise.png``, ``serve-conditional.png``,
``serve-translation.png`` and ``serve-run-tab.png``. Needs Chromium, chromedriver and selenium, as the
tests do (tests/support/browser_support.py).
"""

from __future__ import annotations

import argparse
import io
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "support"))

from browser_support import console_errors, headless_chromium  # noqa: E402


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _upload(folder: Path) -> Path:
    """A hand-drawn-looking 3 in dark ink on white paper: what a visitor might upload."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (96, 96), "white")
    ImageDraw.Draw(image).text((28, 8), "3", fill=(20, 20, 40), font_size=72)
    path = folder / "three.png"
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs=3, type=Path, metavar="RUN_DIR")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "gan_core", "serve", *map(str, args.runs), "--port", str(port)])
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(base + "api/runs", timeout=5).close()
                break
            except OSError:
                time.sleep(0.5)
        from selenium.webdriver.support.ui import Select, WebDriverWait

        with tempfile.TemporaryDirectory() as folder, headless_chromium(1100, 1000) as driver:
            wait = WebDriverWait(driver, 120)
            idle = "return document.getElementById('status').textContent === ''"
            driver.get(base)
            runs = Select(driver.find_element("id", "run-select"))
            names = [option.get_attribute("value") for option in runs.options]
            runs.select_by_value(names[0])
            driver.find_element("id", "new-seed").click()
            time.sleep(1)
            wait.until(lambda d: d.execute_script(idle))
            driver.save_screenshot(str(args.out / "serve-noise.png"))
            runs.select_by_value(names[1])
            Select(driver.find_element("id", "class-select")).select_by_value("7")
            time.sleep(1)
            wait.until(lambda d: d.execute_script(idle))
            driver.save_screenshot(str(args.out / "serve-conditional.png"))
            runs.select_by_value(names[2])
            driver.find_element("id", "upload").send_keys(str(_upload(Path(folder))))
            driver.find_element("id", "transfer-go").click()
            time.sleep(1)
            wait.until(lambda d: d.execute_script(idle))
            driver.save_screenshot(str(args.out / "serve-translation.png"))
            driver.find_element("id", "tab-run").click()
            time.sleep(2)
            wait.until(lambda d: d.execute_script(idle))
            driver.save_screenshot(str(args.out / "serve-run-tab.png"))
            errors = console_errors(driver)
            if errors:
                print("console errors:", *errors, sep="\n", file=sys.stderr)
                return 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"wrote {args.out}/serve-{{noise,conditional,translation,run-tab}}.png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
