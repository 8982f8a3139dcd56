"""Hyperparameters of WGAN and WGAN-GP, each traced to a paper, its authors' code or a measurement.

Several settings depend on the constraint (and the networks on the data) in the papers themselves:
Arjovsky et al. train the clipped critic with RMSprop at 5e-5 because momentum made it unstable,
Gulrajani et al. the penalised one with Adam at 1e-4, betas (0.5, 0.9). Such fields default to
``"auto"`` or ``None``, meaning "the paper's value for this constraint and data"; :func:`resolve`
turns a config into the concrete settings the builder uses.
"""

from __future__ import annotations

import attrs

from gan_core import DataInfo, in_range, layer_sizes, one_of, positive
from gan_core.errors import ConfigError

CONSTRAINTS = ("gp", "clip")
BACKBONES = ("auto", "mlp", "conv")
CRITIC_NORMS = ("auto", "layer", "none", "batch")
OPTIMIZERS = ("auto", "adam", "rmsprop")

#: the papers' optimiser for each constraint: (optimizer, lr, beta1, beta2)
PAPER_OPTIMIZER = {
    "clip": ("rmsprop", 5e-5, None, None),  # Arjovsky et al. 2017, Algorithm 1: RMSprop, alpha = 5e-5
    "gp": ("adam", 1e-4, 0.5, 0.9),  # Gulrajani et al. 2017, Algorithm 1: alpha = 1e-4, beta1 = 0.5, beta2 = 0.9
}
#: Adam's rate for WGAN-GP on points: the toy script trains 100,000 steps at 1e-4; the plugin's toy budget
#: is DEFAULT_STEPS, with the rate decayed linearly to 0 over them (train.lr_decay), and 1e-3 with
#: lambda = 1 was the best of a sweep over lr in {1e-4, 5e-4, 1e-3} x lambda in {0.1, 1, 10} (docs/theory/wgan.md)
POINTS_GP_LR = 1e-3
#: lambda: the paper's for images; for points 1, between the paper's 10 (which left the samples a diffuse
#: cloud on both toy sets here) and the authors' toy script's 0.1 (docs/theory/wgan.md)
PAPER_GP_WEIGHT, TOY_GP_WEIGHT = 10.0, 1.0
#: the variant's default number of generator steps (train_defaults)
DEFAULT_STEPS = 3000


#: ``validator`` for a value that may be ``None`` ("the paper's value"); attrs' own, so that tools that
#: read validators (the config fuzz test) see the rule inside
_optional = attrs.validators.optional


@attrs.frozen(kw_only=True)
class WganConfig:
    """WGAN with weight clipping (``constraint = "clip"``, Arjovsky et al. 2017) or with the gradient
    penalty (``"gp"``, the default, Gulrajani et al. 2017). The number of critic updates per generator
    update is ``train.d_steps`` (5 in both papers, the variant's default)."""

    constraint: str = attrs.field(default="gp", validator=one_of(*CONSTRAINTS))
    # lambda. None: 10 for images (Gulrajani et al. sec. 4, "in all experiments"), 1 for points (the
    # authors' toy script, gan_toy.py, uses 0.1: "smaller lambda makes things faster for toy tasks"; 1 was
    # measured best here, see TOY_GP_WEIGHT)
    gp_weight: float | None = attrs.field(default=None, validator=_optional(positive))
    clip_value: float = attrs.field(default=0.01, validator=positive)  # c, Arjovsky et al. Algorithm 1
    # networks: "auto" is an MLP for points and DCGAN's convolutional stacks for images
    backbone: str = attrs.field(default="auto", validator=one_of(*BACKBONES))
    # None: 2 for points (Gulrajani et al.'s toy script feeds 2-d noise), 128 for images (their DCGAN)
    latent_dim: int | None = attrs.field(default=None, validator=_optional(positive))
    # MLP widths of both networks: Gulrajani et al.'s toy networks, 3 ReLU layers of 512 (narrower ones
    # left more samples between the grid's modes: 74% high quality at 256, 87% at 512; docs/theory/wgan.md)
    hidden: tuple[int, ...] = attrs.field(default=(512, 512, 512), validator=layer_sizes)
    width: int = attrs.field(default=64, validator=positive)  # conv: channels next to the image (DCGAN)
    # auto: none in an MLP (the toy script), layer norm in a conv critic with the penalty (Gulrajani et
    # al. sec. 4), batch norm in a conv critic with clipping (Arjovsky et al.'s DCGAN critic)
    critic_norm: str = attrs.field(default="auto", validator=one_of(*CRITIC_NORMS))
    optimizer: str = attrs.field(default="auto", validator=one_of(*OPTIMIZERS))  # auto: PAPER_OPTIMIZER
    lr: float | None = attrs.field(default=None, validator=_optional(positive))
    # the critic's own learning rate (two time-scale updates, Heusel et al. 2017); None: the same as lr
    d_lr: float | None = attrs.field(default=None, validator=_optional(positive))
    beta1: float | None = attrs.field(default=None, validator=_optional(in_range(0.0, 1.0, high_open=True)))
    beta2: float | None = attrs.field(default=None, validator=_optional(in_range(0.0, 1.0, high_open=True)))

    def __attrs_post_init__(self) -> None:
        if self.constraint == "gp" and self.critic_norm == "batch":
            raise ConfigError(
                "critic_norm",
                "batch norm makes each critic score depend on the whole batch, which invalidates the per-sample "
                "gradient penalty (Gulrajani et al. 2017, sec. 4); use 'layer' or 'none', or constraint='clip'",
            )
        if self.resolved_optimizer == "rmsprop" and (self.beta1 is not None or self.beta2 is not None):
            raise ConfigError(
                "beta1" if self.beta1 is not None else "beta2",
                f"betas are Adam's; with constraint={self.constraint!r} the optimizer is RMSprop "
                "(set optimizer='adam' to use them)",
            )

    @property
    def resolved_optimizer(self) -> str:
        return PAPER_OPTIMIZER[self.constraint][0] if self.optimizer == "auto" else self.optimizer


@attrs.frozen
class Resolved:
    """The concrete settings one config means for one data set."""

    backbone: str
    latent_dim: int
    critic_norm: str
    optimizer: str
    lr: float
    betas: tuple[float, float]
    gp_weight: float
    d_lr: float = 0.0  # the critic's rate (0: lr)


def resolve(config: WganConfig, data: DataInfo) -> Resolved:
    """Fill in every ``"auto"`` and ``None`` of ``config`` for ``data`` (see the field comments)."""
    backbone = config.backbone
    if backbone == "auto":
        backbone = "mlp" if data.kind == "points" else "conv"
    if backbone == "conv" and data.kind != "image":
        raise ConfigError("model.backbone", f"'conv' needs image data; this data set is {data.kind} (use 'mlp')")
    latent_dim = config.latent_dim if config.latent_dim is not None else (2 if data.kind == "points" else 128)
    critic_norm = config.critic_norm
    if critic_norm == "auto":
        critic_norm = "none" if backbone == "mlp" else ("layer" if config.constraint == "gp" else "batch")
    optimizer = config.resolved_optimizer
    paper_lr = PAPER_OPTIMIZER[config.constraint][1]
    if config.constraint == "gp" and data.kind == "points":
        paper_lr = POINTS_GP_LR
    lr = config.lr if config.lr is not None else paper_lr
    betas = (
        config.beta1 if config.beta1 is not None else 0.5,  # Gulrajani et al.
        config.beta2 if config.beta2 is not None else 0.9,
    )
    gp_weight = config.gp_weight
    if gp_weight is None:
        gp_weight = TOY_GP_WEIGHT if data.kind == "points" else PAPER_GP_WEIGHT
    return Resolved(backbone, latent_dim, critic_norm, optimizer, lr, betas, gp_weight, config.d_lr or lr)
