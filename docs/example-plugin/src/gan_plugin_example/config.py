"""The example variant's settings: one frozen attrs class whose validators reject bad values early.

gan-core builds this class from the ``[model]`` table of a config file and from ``--set`` overrides
(through cattrs), so every field needs a type annotation and a default. A validator raises
:class:`gan_core.ConfigError` naming the field; the CLI prints it on one line as
``model.lr: must be > 0, got -1.0``.
"""

from __future__ import annotations

from typing import Any

import attrs

from gan_core import ConfigError, in_range, positive


def _layer_sizes(_: Any, attribute: attrs.Attribute, value: tuple[int, ...]) -> None:  # type: ignore[type-arg]
    """A plugin may write its own validators: same signature as attrs', raise ConfigError."""
    if not value or any(size <= 0 for size in value):
        raise ConfigError(attribute.name, f"must be a non-empty list of positive layer sizes, got {list(value)!r}")


@attrs.frozen(kw_only=True)
class LSGANConfig:
    """Least-squares GAN on MLPs.

    The targets are the ``a``, ``b``, ``c`` of Mao et al. (2017), eq. (2): the discriminator pulls
    fakes towards ``a`` and reals towards ``b``; the generator pulls fakes towards ``c``. The
    defaults are the paper's 0-1 coding (eq. 9), which its experiments use; ``a=-1, b=1, c=0``
    (eq. 8) minimises the Pearson chi-squared divergence instead. Adam(2e-4, 0.5) is the paper's
    optimiser. The sizes are ours (the paper used convolutional networks on images): two hidden
    layers of 128 learn ``ring8`` in the variant's default 4,000 steps (see ``plugin.py``), and
    doubling them did not help there.
    """

    latent_dim: int = attrs.field(
        default=16, validator=positive, metadata={"help": "dimension of the noise z fed to the generator"}
    )
    g_hidden: tuple[int, ...] = attrs.field(
        default=(128, 128),
        converter=tuple,
        validator=_layer_sizes,
        metadata={"help": "widths of the generator's hidden layers", "allowed": "non-empty list of positive sizes"},
    )
    d_hidden: tuple[int, ...] = attrs.field(
        default=(128, 128),
        converter=tuple,
        validator=_layer_sizes,
        metadata={"help": "widths of the discriminator's hidden layers", "allowed": "non-empty list of positive sizes"},
    )
    fake_target: float = attrs.field(  # a
        default=0.0, metadata={"help": "a: the discriminator's target for generated samples"}
    )
    real_target: float = attrs.field(  # b
        default=1.0, metadata={"help": "b: the discriminator's target for real samples"}
    )
    generator_target: float = attrs.field(  # c
        default=1.0, metadata={"help": "c: the generator's target for its samples"}
    )
    lr: float = attrs.field(default=2e-4, validator=positive, metadata={"help": "Adam's learning rate"})
    beta1: float = attrs.field(
        default=0.5, validator=in_range(0.0, 1.0, high_open=True), metadata={"help": "Adam's beta1"}
    )
    beta2: float = attrs.field(
        default=0.999, validator=in_range(0.0, 1.0, high_open=True), metadata={"help": "Adam's beta2"}
    )

    def __attrs_post_init__(self) -> None:
        # A rule that spans two fields goes here; it is reported exactly like a field validator.
        if self.real_target == self.fake_target:
            raise ConfigError(
                "real_target", f"must differ from fake_target ({self.fake_target!r}), or D cannot tell them apart"
            )
