"""Shared helpers of the DTN plugin's tests (a uniquely named module: ``conftest`` is ambiguous when the
whole ``tests`` tree is collected at once)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch

from gan_core.data.rendered import render_digits
from gan_plugin_dtn.data import Labelled

#: where the session's weight files live (written by conftest's ``weights`` fixture): a fixed path, so
#: that class-level settings (the conformance kit's ``config_overrides``) can name them
WEIGHTS_DIR = Path(tempfile.gettempdir()) / f"gan-dtn-tests-{os.getpid()}"
F_WEIGHTS = WEIGHTS_DIR / "f.safetensors"
CLASSIFIER_WEIGHTS = WEIGHTS_DIR / "classifier.safetensors"
#: networks small enough for many training steps in a test
SMALL = {"g_widths": [16, 8, 4], "d_widths": [4, 8, 16], "f_weights": str(F_WEIGHTS)}


def tiny_source(n: int = 200, seed: int = 11) -> Labelled:
    images, labels = render_digits(n, seed)
    return Labelled(images, labels)


def tiny_target(n: int = 200, seed: int = 12) -> Labelled:
    """Grey 32x32 'digits': random strokes are enough to exercise the mechanics."""
    generator = torch.Generator().manual_seed(seed)
    images = (torch.rand(n, 1, 32, 32, generator=generator) > 0.8).to(torch.uint8) * 255
    return Labelled(images, torch.arange(n) % 10)
