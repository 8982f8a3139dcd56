"""``gan report``: one self-contained HTML page per run, checked in a real headless browser."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import core_tiny
import pytest
from browser_support import console_errors, headless_chromium
from core_helpers import cli_registry, one_line_error, run_cli, tiny_config

from gan_core import GanTrainer
from gan_core._report import write_report


@pytest.fixture(scope="module")
def troubled_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny run with an absurd learning rate: events in its log, sample grids over time."""
    run = tmp_path_factory.mktemp("report") / "run"
    config = tiny_config("lr=300", steps=40, log_every=2, sample_every=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = GanTrainer(core_tiny.TINY, config, run, registry=cli_registry()).fit()
    assert result.events
    return run


def test_the_report_is_one_file_with_its_figures_embedded(troubled_run: Path, tmp_path: Path) -> None:
    report = write_report(troubled_run, tmp_path / "out")
    assert report.page == tmp_path / "out" / "report.html"
    assert {path.name for path in report.figures} == {"losses.png", "probes.png"}
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in report.figures)
    page = report.page.read_text(encoding="utf-8")
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) == len(report.figures) + report.grids == 2 + 4
    assert all(src.startswith("data:image/png;base64,") for src in sources)  # nothing to fetch
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert page.count("<tr>") >= report.events + 1 and "divergence" in page  # the events, with advice
    assert "lr = 300" in page or "lr = 300.0" in page  # the settings


def test_a_run_without_grids_metrics_or_events_still_reports(tmp_path: Path) -> None:
    GanTrainer(core_tiny.TINY, tiny_config(steps=4, log_every=2), tmp_path / "run", registry=cli_registry()).fit()
    report = write_report(tmp_path / "run")
    page = report.page.read_text(encoding="utf-8")
    assert report.page.parent == tmp_path / "run" / "report"
    assert report.events == 0 and "No failure mode was detected" in page
    assert "gan eval RUN_DIR" in page  # where the metrics would come from


def test_gan_report_from_the_command_line(troubled_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["report", str(troubled_run)], capsys)
    assert result.code == 0 and (troubled_run / "report" / "report.html").is_file()
    assert "report.html" in result.err
    missing = run_cli(["report", str(troubled_run / "nothing")], capsys)
    assert missing.code == 2
    one_line_error(missing, "RUN_DIR", "not a run directory")


def test_the_report_renders_in_a_headless_browser_with_no_console_error(troubled_run: Path, tmp_path: Path) -> None:
    report = write_report(troubled_run, tmp_path / "out")
    with headless_chromium() as driver:
        driver.get(report.page.as_uri())
        assert driver.title.startswith("gan report: ")
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt]);"
        )
        assert len(images) == 2 + report.grids
        assert all(done and width > 0 for done, width, _ in images), images
        text = driver.find_element("tag name", "body").text
        assert "divergence" in text and "Samples over time" in text and "Settings" in text
        driver.save_screenshot(str(tmp_path / "report.png"))
        assert console_errors(driver) == []
