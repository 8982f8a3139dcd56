"""Hyperparameters of the Domain Transfer Network, each traced to the paper or to a measurement here.

Taigman, Polyak and Wolf, "Unsupervised Cross-Domain Image Generation", ICLR 2017 (arXiv:1611.02200),
section 5.1 (digits): ``alpha = beta = 15`` and ``gamma = 0``, ``d`` and ``d2`` are mean squared
errors, ``f`` is fixed during DTN training.
"""

from __future__ import annotations

from typing import Any

import attrs

from gan_core import ConfigError, in_range, non_negative, positive


def _widths(count: int) -> Any:
    def check(_: Any, attribute: attrs.Attribute, value: tuple[int, ...]) -> None:  # type: ignore[type-arg]
        if len(value) != count or any(width <= 0 for width in value):
            raise ConfigError(attribute.name, f"must be {count} positive channel counts, got {list(value)!r}")

    return check


def _name(_: Any, attribute: attrs.Attribute, value: str) -> None:  # type: ignore[type-arg]
    if not value.strip():
        raise ConfigError(attribute.name, "must name a registered data set (see 'gan plugins'), got ''")


@attrs.frozen(kw_only=True)
class DTNConfig:
    """The DTN game: domains, the fixed ``f``, ``g`` and the ternary ``D``, the loss weights, Adam.

    ``L_D`` and ``L_GANG`` go together (``adversarial = false`` drops both: the paper's "without
    L_D" ablation), ``alpha = 0`` drops ``L_CONST``, ``beta = 0`` drops ``L_TID``, ``gamma = 0`` (the
    default) drops ``L_TV``.
    """

    source: str = attrs.field(  # offline stand-in for SVHN
        default="rendered-digits",
        validator=_name,
        metadata={
            "help": "the source domain, a registered data set (offline stand-in for SVHN)",
            "allowed": "a registered data set",
        },
    )
    target: str = attrs.field(  # offline stand-in for MNIST
        default="mnist-5k",
        validator=_name,
        metadata={
            "help": "the target domain, a registered data set (offline stand-in for MNIST)",
            "allowed": "a registered data set",
        },
    )
    #: pretrained f (source classifier) and evaluation classifier (target); "" = the default file for
    #: the domain under ~/.cache/gan/dtn, written by `gan dtn-pretrain source|target`
    f_weights: str = attrs.field(
        default="",
        metadata={"help": "the pretrained source classifier f's weights file; empty: `gan dtn-pretrain source`'s"},
    )
    classifier_weights: str = attrs.field(
        default="",
        metadata={"help": "the target-domain evaluation classifier's weights file; empty: `gan dtn-pretrain target`'s"},
    )
    alpha: float = attrs.field(  # L_CONST weight; paper 5.1: 15
        default=15.0,
        validator=non_negative,
        metadata={"help": "weight of L_CONST (f-constancy of the transferred images); 0: dropped"},
    )
    beta: float = attrs.field(  # L_TID weight; paper 5.1: 15
        default=15.0,
        validator=non_negative,
        metadata={"help": "weight of L_TID (g is the identity on target images); 0: dropped"},
    )
    gamma: float = attrs.field(  # L_TV weight; paper 5.1: 0 for digits
        default=0.0,
        validator=non_negative,
        metadata={"help": "weight of L_TV (total variation of the transferred images); 0: dropped"},
    )
    adversarial: bool = attrs.field(  # L_D and L_GANG; false: the "without L_D" ablation (D is never trained)
        default=True, metadata={"help": 'train with L_D and L_GANG; false: the paper\'s "without L_D" ablation'}
    )
    #: g updates per step, after the step's train.d_steps D updates. The public TensorFlow
    #: implementation (yunjey/domain-transfer-network) makes ten g updates to three D updates per step,
    #: all on the step's one batch; here each g update after the first draws fresh batches
    g_steps: int = attrs.field(
        default=1,
        validator=positive,
        metadata={"help": "updates of g after each step's discriminator update(s), each on fresh batches"},
    )
    #: steps at the start in which g learns from L_CONST and L_TID (and L_TV) without L_GANG, while D
    #: trains on its transfers: not in the paper, a remedy tried for the seed spread (docs/results.md)
    warmup: int = attrs.field(
        default=0,
        validator=non_negative,
        metadata={"help": "first steps in which g trains without L_GANG (D trains as usual); 0: none"},
    )
    # network widths: the paper gives none for the digits; these are sized for a CPU (docs/results.md)
    g_widths: tuple[int, ...] = attrs.field(
        default=(256, 128, 64),
        validator=_widths(3),
        metadata={"help": "channels of g's three decoder layers", "allowed": "3 positive channel counts"},
    )
    d_widths: tuple[int, ...] = attrs.field(
        default=(64, 128, 256),
        validator=_widths(3),
        metadata={"help": "channels of D's three convolutional layers", "allowed": "3 positive channel counts"},
    )
    # Adam with DCGAN's betas (Radford et al. 2015); lr 1e-3 rather than DCGAN's 2e-4: measured on the
    # offline pair, 2e-4 reached 26% transfer accuracy at 100 steps where 1e-3 reached 43% (docs/results.md)
    lr: float = attrs.field(
        default=1e-3, validator=positive, metadata={"help": "Adam's learning rate (g's, and D's unless d_lr is set)"}
    )
    #: the discriminator's own learning rate (0: the same as ``lr``). The paper gives one rate; a
    #: slower D (two time-scale updates, Heusel et al. 2017) held the transfer accuracy higher in the
    #: second half of 400-step runs on the offline pair than 1e-3 or 1e-4 did (docs/results.md)
    d_lr: float = attrs.field(
        default=2e-4,
        validator=non_negative,
        metadata={"help": "the discriminator's own learning rate; 0: the same as lr"},
    )
    beta1: float = attrs.field(
        default=0.5, validator=in_range(0.0, 1.0, high_open=True), metadata={"help": "Adam's beta1"}
    )
    beta2: float = attrs.field(
        default=0.999, validator=in_range(0.0, 1.0, high_open=True), metadata={"help": "Adam's beta2"}
    )
    #: decay of the moving average of g's weights that answers in eval mode (grids, evaluation,
    #: `gan transfer`; evaluation then also logs g's own accuracy as transfer_accuracy_live); 0: no
    #: average. Not in the paper (Yazici et al. 2019 average GAN generators): 0.99 over 5 seeds of
    #: 600 steps did not beat g itself on the offline pair (docs/results.md), so it is off by default
    average_decay: float = attrs.field(
        default=0.0,
        validator=in_range(0.0, 1.0, high_open=True),
        metadata={
            "help": "decay of DTN's own average of g's weights (copies g's batch-norm statistics; train.ema, "
            "the default average, recomputes them); 0: no average"
        },
    )
    #: held-out source images scored at each evaluation (the paper scores the whole SVHN test set)
    eval_images: int = attrs.field(
        default=2000, validator=positive, metadata={"help": "held-out source images scored at each evaluation"}
    )

    def __attrs_post_init__(self) -> None:
        if not self.adversarial and not (self.alpha or self.beta or self.gamma):
            raise ConfigError("adversarial", "with adversarial = false, alpha, beta or gamma must be > 0 to train g")
        if self.warmup and not (self.alpha or self.beta or self.gamma):
            raise ConfigError(
                "warmup", "g learns from alpha, beta or gamma during the warm-up: set one > 0, or warmup = 0"
            )
