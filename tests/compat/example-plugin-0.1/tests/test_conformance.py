"""The conformance kit that ships with gan-core: one test per contract the core relies on.

This is the one test file every plugin should have. Each ``Test...`` class below runs the same
checks (config class, model shapes, one training step, checkpoint round trip, deterministic
sampling, rejection of bad config values) on a different shape of data.
"""

from __future__ import annotations

from gan_core.testing import VariantConformance
from gan_plugin_example import LSGAN_EXAMPLE

# Values the config must refuse, beyond the wrong types the kit tries on every scalar field.
BAD_VALUES = {
    "latent_dim": [0, -1],
    "g_hidden": [[], [0], [16, -1]],
    "d_hidden": [[]],
    "lr": [0.0, -1e-3],
    "beta1": [1.0, -0.1],
    "real_target": [0.0],  # equal to the default fake_target: the cross-field rule
    "train.steps": [0],  # core fields can be listed too
}
# Smaller networks than the defaults, so that every check runs in about a second.
SMALL_POINTS_MODEL = {"latent_dim": 4, "g_hidden": [16], "d_hidden": [16]}
SMALL_IMAGE_MODEL = {"latent_dim": 8, "g_hidden": [32], "d_hidden": [32]}


class TestOnPoints(VariantConformance):
    """2-D points, as in ``gan train lsgan-example`` (ring8 by default)."""

    variant = LSGAN_EXAMPLE
    data_shape = (2,)
    config_overrides = SMALL_POINTS_MODEL
    bad_config = BAD_VALUES


class TestOnImages(VariantConformance):
    """One-channel 28x28 images, as in ``gan train lsgan-example --dataset mnist-5k``."""

    variant = LSGAN_EXAMPLE
    data_shape = (1, 28, 28)
    config_overrides = SMALL_IMAGE_MODEL
