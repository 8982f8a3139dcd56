"""A real headless browser for tests (``gan report``'s page, ``gan serve``): Debian's Chromium and its
driver, through Selenium. On the test path of every session (``pythonpath`` in pyproject.toml).

Selenium is given both binaries, so it never tries to download a browser (this machine has no
network). Where they are missing the tests that need them skip, unless ``GAN_REQUIRE_BROWSER=1``
(set by ``.ci/run``, which installs them), where they fail: CI must not pass by skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

_BROWSERS = ("chromium", "chromium-browser", "google-chrome")
_DRIVERS = ("chromedriver",)


def _find(names: tuple[str, ...]) -> str | None:
    return next((path for name in names if (path := shutil.which(name))), None)


def _missing(reason: str) -> None:
    if os.environ.get("GAN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and GAN_REQUIRE_BROWSER=1")
    pytest.skip(reason)


@contextmanager
def headless_chromium(width: int = 1280, height: int = 1600) -> Iterator[Any]:
    """A Selenium driver for headless Chromium that keeps the browser console's messages."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed")
    browser, driver_path = _find(_BROWSERS), _find(_DRIVERS)
    if browser is None or driver_path is None:
        _missing("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={width},{height}"):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: Any) -> list[str]:
    """The browser console's errors (and failed loads, which Chromium reports there) so far."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
