"""``gan report RUN_DIR``: one self-contained HTML page that says how a run went and why.

A run directory holds everything a reader needs (the log with its losses, probes and events, the
sample grids, the settings, the metrics of ``gan eval``), spread over files that say little on their
own. The report puts them on one page: the events first, with their advice; the loss curves and every
probe against the step with the events marked on them; the sample grids over time; the settings and
the metrics. Figures are written as PNG files beside the page and embedded in it as ``data:`` URIs,
so the page is one file that opens with no network and no script (nothing can fail in a browser's
console), and can be mailed or attached to an issue as it is.

Only the run's files are read (no network is built, no checkpoint loaded), so it works on a
finished, an interrupted or a running run, and takes about as long as drawing its figures.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from gan_core._files import atomic_write_text
from gan_core._probes import PROBE_PREFIX
from gan_core._rundir import RunDir, checkpoint_step
from gan_core._training.logs import plot_series, scalar_names
from gan_core.errors import ConfigError

__all__ = ["Report", "write_report"]

REPORT_DIR = "report"
_MAX_GRIDS = 8  # sample grids shown: evenly spaced over the run, the last one always among them


@attrs.frozen
class Report:
    """What :func:`write_report` wrote: the page and its figures."""

    page: Path
    figures: tuple[Path, ...]
    grids: int
    events: int


_PROBE_ORDER = ("d_real", "d_fake", "d_grad", "g_out_grad", "g_grad", "diversity", "modes", "modes_expected", "mode_kl")


def _probe_order(name: str) -> tuple[int, str]:
    short = name.removeprefix(PROBE_PREFIX)
    return (_PROBE_ORDER.index(short) if short in _PROBE_ORDER else len(_PROBE_ORDER), short)


def _events(records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r for r in records if "event" in r and "step" in r]


def _shown_grids(grids: Sequence[Path]) -> list[Path]:
    if len(grids) <= _MAX_GRIDS:
        return list(grids)
    last = len(grids) - 1
    picks = sorted({round(i * last / (_MAX_GRIDS - 1)) for i in range(_MAX_GRIDS)})
    return [grids[i] for i in picks]


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _flat(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows += _flat(value, name + ".")
        else:
            rows.append((name, value))
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    if isinstance(value, list | tuple):
        return html.escape(json.dumps(value))
    return html.escape(str(value))


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure(path: Path, alt: str, caption: str) -> str:
    uri = _data_uri(path.read_bytes())
    return f'<figure><img src="{uri}" alt="{html.escape(alt)}"><figcaption>{html.escape(caption)}</figcaption></figure>'


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.9rem; } td, th { border: 1px solid #ddd; padding: 0.25rem 0.5rem; }
th { background: #f4f4f4; text-align: left; } pre { background: #f8f8f8; padding: 1rem; overflow-x: auto; }
figure { display: inline-block; margin: 0.5rem; vertical-align: top; } img { max-width: 100%; }
.grids img { width: 16rem; image-rendering: pixelated; } .none { color: #2a7; } .events td:nth-child(2) { color: #b30; }
"""


def write_report(run_dir: Path | str, out: Path | str | None = None) -> Report:
    """Write ``report.html`` and its PNG figures into ``out`` (``RUN_DIR/report`` by default)."""
    run = RunDir(Path(run_dir))
    if not run.path.is_dir() or not run.config_file.is_file():
        raise ConfigError("RUN_DIR", f"{run.path} is not a run directory ({RunDir.CONFIG} is missing)")
    folder = Path(out) if out is not None else run.path / REPORT_DIR
    folder.mkdir(parents=True, exist_ok=True)
    records = run.read_log()
    lines = [r for r in records if "step" in r and "event" not in r]
    events = _events(records)
    config_text = run.config_file.read_text(encoding="utf-8")
    variant = str(run.read_config_data().get("variant", "?"))

    figures: list[tuple[Path, str, str]] = []
    names = scalar_names(lines)
    losses = [n for n in names if not n.startswith(PROBE_PREFIX)]
    probes = sorted((n for n in names if n.startswith(PROBE_PREFIX)), key=_probe_order)
    for name, names, caption in (
        ("losses.png", losses, "losses and the other logged scalars against the step"),
        ("probes.png", probes, "the training probes against the step (docs/theory/failure-modes.md)"),
    ):
        path = plot_series(lines, names, folder / name, events)
        if path is not None:
            figures.append((path, name.removesuffix(".png"), caption + "; dashed lines: events"))

    all_grids = run.sample_grids()
    grids = _shown_grids(all_grids)
    metrics = run.read_metrics()
    last_step = max((int(r["step"]) for r in lines), default=0)
    elapsed = max((float(r["elapsed_s"]) for r in lines if isinstance(r.get("elapsed_s"), int | float)), default=0.0)

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">',
        f"<title>gan report: {html.escape(variant)} in {html.escape(run.path.name)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(variant)}: {html.escape(str(run.path))}</h1>",
        _table(
            ["variant", "steps logged", "training time", "events", "sample grids"],
            [[variant, last_step, f"{elapsed:.0f} s", len(events), len(all_grids)]],
        ),
        "<h2>Events</h2>",
    ]
    if events:
        rows = [[e["step"], e["event"], e.get("detail", ""), e.get("advice", "")] for e in events]
        parts.append('<div class="events">' + _table(["step", "event", "detail", "what to try"], rows) + "</div>")
    else:
        parts.append('<p class="none">No failure mode was detected in this run.</p>')
    parts.append("<h2>Curves</h2>")
    parts += [_figure(path, alt, caption) for path, alt, caption in figures] or ["<p>Nothing logged yet.</p>"]
    parts.append('<h2>Samples over time</h2><div class="grids">')
    for grid in grids:
        step = checkpoint_step_of(grid)
        parts.append(_figure(grid, f"samples at step {step}", f"step {step}"))
    parts.append("</div>" if grids else "<p>No sample grid yet.</p></div>")
    parts.append("<h2>Metrics</h2>")
    if metrics:
        parts.append(_table(["metric", "value"], _flat(metrics)))
    else:
        parts.append("<p>None: <code>gan eval RUN_DIR</code> measures them.</p>")
    parts.append(f"<h2>Settings</h2><pre>{html.escape(config_text)}</pre>")
    parts.append("</body></html>\n")
    page = atomic_write_text(folder / "report.html", "\n".join(parts))
    return Report(page, tuple(path for path, _, _ in figures), len(grids), len(events))


def checkpoint_step_of(grid: Path) -> int:
    """The step in a sample grid's name (``step_00000500.png``)."""
    return checkpoint_step(grid.with_suffix(""))
