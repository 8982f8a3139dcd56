"""Experiment trackers (TensorBoard, Weights & Biases, MLflow, ...) through Accelerate's tracking API.

``train.log_with`` names them. Each gets the resolved configuration as hyperparameters at the start,
every logged scalar at its step, and each sample grid as an image. TensorBoard's files go to
``RUN_DIR/trackers/``; the others go where their own settings (environment variables, a logged-in
account) send them. ``log.jsonl`` stays the record of the run: trackers are copies for people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from accelerate import Accelerator
from accelerate.utils import ProjectConfiguration
from accelerate.utils import imports as accelerate_imports

from gan_core._config import RunConfig
from gan_core.errors import ConfigError

#: the folder under a run directory that file-based trackers write into
TRACKERS_DIR = "trackers"
#: the PyPI package each tracker needs, for the error that says what to install
_PACKAGES = {"comet_ml": "comet-ml"}


def check_trackers(names: Sequence[str]) -> None:
    """Refuse, before anything runs, a tracker whose package is not installed (Accelerate would drop
    it with a log message and the user would find an empty dashboard)."""
    for name in names:
        available = getattr(accelerate_imports, f"is_{name}_available", None)
        if available is None or not available():
            package = _PACKAGES.get(name, name)
            raise ConfigError("train.log_with", f"{name!r} needs the {package} package: pip install {package}")


def accelerator_options(names: Sequence[str], run_dir: Path) -> dict[str, Any]:
    """What ``Accelerator(...)`` needs to log to ``names`` (nothing when there are none)."""
    if not names:
        return {}
    project = ProjectConfiguration(project_dir=str(run_dir), logging_dir=str(run_dir / TRACKERS_DIR))
    return {"log_with": list(names), "project_config": project}


def hyperparameters(config: RunConfig) -> dict[str, Any]:
    """The configuration as flat scalars (``train.lr_decay``, ``model.lr``, ...): trackers take no lists."""
    flat: dict[str, Any] = {"variant": config.variant}
    for section in ("train", "model"):
        for key, value in attrs.asdict(getattr(config, section)).items():
            flat[f"{section}.{key}"] = value if isinstance(value, bool | int | float | str) else repr(value)
    return flat


class Trackers:
    """The run's trackers; every method does nothing when ``train.log_with`` is empty."""

    def __init__(self, accelerator: Accelerator, config: RunConfig, run_dir: Path) -> None:
        self.accelerator = accelerator
        self.active = bool(config.train.log_with) and bool(accelerator.log_with)
        if self.active:
            accelerator.init_trackers(run_dir.name, config=hyperparameters(config))

    def scalars(self, values: Mapping[str, float], step: int) -> None:
        if self.active:
            self.accelerator.log(dict(values), step=step)

    def image(self, png: Path, step: int) -> None:
        """A sample grid as written to ``samples/`` (main process only)."""
        if not self.active or not self.accelerator.is_main_process or not png.exists():
            return
        from PIL import Image

        with Image.open(png) as opened:
            pixels = np.asarray(opened.convert("RGB"))
        for tracker in self.accelerator.trackers:
            if tracker.name == "tensorboard":
                tracker.log_images({"samples": pixels[None]}, step=step, dataformats="NHWC")
            elif hasattr(tracker, "log_images"):
                tracker.log_images({"samples": [pixels]}, step=step)

    def end(self) -> None:
        if self.active:
            self.accelerator.end_training()
