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

    constraint: str = attrs.field(
        default="gp",
        validator=one_of(*CONSTRAINTS),
        metadata={"help": "how the critic is kept Lipschitz: the gradient penalty (WGAN-GP) or weight clipping (WGAN)"},
    )
    # lambda. None: 10 for images (Gulrajani et al. sec. 4, "in all experiments"), 1 for points (the
    # authors' toy script, gan_toy.py, uses 0.1: "smaller lambda makes things faster for toy tasks"; 1 was
    # measured best here, see TOY_GP_WEIGHT)
    gp_weight: float | None = attrs.field(
        default=None,
        validator=_optional(positive),
        metadata={"help": "lambda, the weight of the gradient penalty; unset: 10 for images, 1 for points"},
    )
    clip_value: float = attrs.field(  # c, Arjovsky et al. Algorithm 1
        default=0.01,
        validator=positive,
        metadata={"help": 'c: weight clipping keeps every critic weight in [-c, c] (constraint = "clip")'},
    )
    # networks: "auto" is an MLP for points and DCGAN's convolutional stacks for images
    backbone: str = attrs.field(
        default="auto",
        validator=one_of(*BACKBONES),
        metadata={"help": 'the networks; "auto": an MLP for points, DCGAN\'s convolutional stacks for images'},
    )
    # None: 2 for points (Gulrajani et al.'s toy script feeds 2-d noise), 128 for images (their DCGAN)
    latent_dim: int | None = attrs.field(
        default=None,
        validator=_optional(positive),
        metadata={"help": "dimension of the noise z; unset: 2 for points, 128 for images"},
    )
    # MLP widths of both networks: Gulrajani et al.'s toy networks, 3 ReLU layers of 512 (narrower ones
    # left more samples between the grid's modes: 74% high quality at 256, 87% at 512; docs/theory/wgan.md)
    hidden: tuple[int, ...] = attrs.field(
        default=(512, 512, 512),
        validator=layer_sizes,
        metadata={"help": "mlp backbone: widths of both networks' hidden layers"},
    )
    width: int = attrs.field(  # conv: channels next to the image (DCGAN)
        default=64,
        validator=positive,
        metadata={"help": "conv backbone: channels next to the image, doubling at each halving of the resolution"},
    )
    # auto: none in an MLP (the toy script), layer norm in a conv critic with the penalty (Gulrajani et
    # al. sec. 4), batch norm in a conv critic with clipping (Arjovsky et al.'s DCGAN critic)
    critic_norm: str = attrs.field(
        default="auto",
        validator=one_of(*CRITIC_NORMS),
        metadata={
            "help": 'the critic\'s normalisation; "auto": none in an MLP, else layer norm with gp, batch norm with clip'
        },
    )
    optimizer: str = attrs.field(  # auto: PAPER_OPTIMIZER
        default="auto",
        validator=one_of(*OPTIMIZERS),
        metadata={"help": 'the optimiser; "auto": the paper\'s for the constraint (Adam for gp, RMSprop for clip)'},
    )
    lr: float | None = attrs.field(
        default=None,
        validator=_optional(positive),
        metadata={"help": "learning rate; unset: the paper's (gp: 1e-4, 1e-3 on points; clip: 5e-5)"},
    )
    # the critic's own learning rate (two time-scale updates, Heusel et al. 2017); None: the same as lr
    d_lr: float | None = attrs.field(
        default=None,
        validator=_optional(positive),
        metadata={"help": "the critic's own learning rate; unset: the same as lr"},
    )
    beta1: float | None = attrs.field(
        default=None,
        validator=_optional(in_range(0.0, 1.0, high_open=True)),
        metadata={"help": "Adam's beta1; unset: 0.5"},
    )
    beta2: float | None = attrs.field(
        default=None,
        validator=_optional(in_range(0.0, 1.0, high_open=True)),
        metadata={"help": "Adam's beta2; unset: 0.9"},
    )

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
