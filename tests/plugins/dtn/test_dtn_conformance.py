"""DTN through the plugin-author conformance kit: a translation variant from 3x32x32 to 1x32x32."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from dtn_helpers import SMALL

from gan_core.testing import VariantConformance
from gan_plugin_dtn import DTN

BAD_VALUES: Mapping[str, list[Any]] = {
    "source": ["", "  "],
    "target": [""],
    "alpha": [-1.0],
    "beta": [-0.5],
    "gamma": [-1e-3],
    "g_widths": [[], [8, 8], [8, 0, 8], [8, 8, 8, 8]],
    "d_widths": [[-1, 8, 8]],
    "lr": [0, -1e-4],
    "beta1": [1.0, -0.1],
    "beta2": [1.5],
    "eval_images": [0],
    "g_steps": [0, -1],
    "warmup": [-1],
}


class TestDTNConformance(VariantConformance):
    """Rendered-digit-like sources to MNIST-like targets, with small g and D."""

    variant = DTN
    data_shape = (1, 32, 32)
    source_shape = (3, 32, 32)
    # transfer accuracy needs the real held-out source digits: test_dtn_training measures it
    config_overrides: ClassVar[Mapping[str, Any]] = {**SMALL, "train.eval_every": 0}
    bad_config = BAD_VALUES
