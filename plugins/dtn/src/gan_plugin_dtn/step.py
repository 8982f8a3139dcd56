"""One DTN training step: k updates of the ternary discriminator, then ``g_steps`` updates of ``g``.

The main stream holds target images (T), the extra stream ``"source"`` holds source images (S); neither
carries labels. ``f`` is applied without gradients to the real images (it is fixed), once per batch,
and ``g`` decodes the source and target features in one forward pass, so the batch-norm statistics of
``g`` see both domains together and DDP sees one forward per backward. ``D`` always scores one batch of
all three classes, in its own update and in ``g``'s: with batch norm, a batch of fakes alone would be
normalised differently from the mixed batch ``D`` learnt on, and ``g`` would be trained against a
discriminator that ``D``'s own update never saw.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import torch
from torch import Tensor

from gan_core import ConfigError, StepContext
from gan_plugin_dtn.data import SOURCE
from gan_plugin_dtn.losses import (
    discriminator_loss,
    f_constancy_loss,
    generator_adversarial_loss,
    identity_loss,
    total_variation,
)
from gan_plugin_dtn.networks import RealTargetScore, TransferGenerator


def _transfers(ctx: StepContext, bare: TransferGenerator, keep_graph: bool) -> tuple[Tensor, ...]:
    """Draw a target and a source batch and decode both: ``x_t, f(x_s), g(f(x_s)), g(f(x_t))``."""
    target, _ = ctx.next_batch()
    source, _ = ctx.next_batch_from(SOURCE)
    with torch.no_grad(), ctx.autocast():
        features = torch.cat([bare.encode(source), bare.encode(target)])
    with ctx.autocast(), torch.set_grad_enabled(keep_graph):
        fake_source, fake_target = ctx.generator(features).split([len(source), len(target)])
    return target, features[: len(source)], fake_source, fake_target


@attrs.frozen(kw_only=True)
class DTNStep:
    """Taigman et al. 2017, equations 3-7: ``L_D`` for ``D``, then
    ``L_GANG + alpha L_CONST + beta L_TID + gamma L_TV`` for ``g``.

    ``adversarial = False`` drops ``L_D`` and ``L_GANG`` (the paper's "without L_D" ablation), a zero
    weight drops its term. ``g_steps`` updates of ``g`` follow the discriminator's, each after the
    first on fresh batches (the public TensorFlow implementation updates ``g`` several times per ``D``
    update); the step logs the last one's losses, and DTN's own ``average_decay`` average moves at each
    of them (the core's ``train.ema`` once per step). The
    weights belong to the step, which is the only code that reads them. For the first ``warmup`` steps
    ``g`` learns from ``L_CONST``, ``L_TID`` and ``L_TV`` alone (``D`` already trains on its
    transfers): the decoder first learns to draw what ``f`` reads, and only then to fool ``D``.

    ``D``'s update goes through :meth:`gan_core.StepContext.step_discriminator` and every ``D`` score
    through :meth:`~gan_core.StepContext.score`, so the core's ``train.r1``, ``train.r2`` and
    ``train.diffaugment`` apply: R1 to the real target images, R2 to the transfers, both on
    :class:`~gan_plugin_dtn.networks.RealTargetScore` (the ternary ``D``'s "real target" log-odds).
    The penalties score the targets, or the transfers, as a batch of their own, so ``D``'s batch norm
    normalises them apart from the mixed batch its loss sees, and each sample's gradient depends
    somewhat on the rest of its batch (as with WGAN-GP on a batch-normalised critic).
    """

    alpha: float = 15.0
    beta: float = 15.0
    gamma: float = 0.0
    adversarial: bool = True
    g_steps: int = 1
    warmup: int = 0

    def __call__(self, ctx: StepContext) -> Mapping[str, Tensor]:
        return _dtn_step(ctx, self)


def _dtn_step(ctx: StepContext, weights: DTNStep) -> Mapping[str, Tensor]:
    bare = ctx.accelerator.unwrap_model(ctx.generator)
    if not bool(bare.pretrained):
        raise ConfigError(
            "model.f_weights", f"f is not pretrained ({bare.origin}); run 'gan dtn-pretrain source' first"
        )
    scalars: dict[str, Tensor] = {}
    rounds = ctx.d_steps if weights.adversarial else 1
    penalised = RealTargetScore(ctx.discriminator)
    for k in range(rounds):
        batch = _transfers(ctx, bare, keep_graph=k == rounds - 1)
        if not weights.adversarial:
            break
        target, _, fake_source, fake_target = batch
        fakes = torch.cat([fake_source.detach(), fake_target.detach()])
        with ctx.autocast():
            logits = ctx.score(ctx.discriminator, torch.cat([fakes, target]), None)
            d_loss = discriminator_loss(*logits.split([len(fake_source), len(fake_target), len(target)]))
        penalty = ctx.step_discriminator(d_loss, target, fakes, penalised=penalised)
        scalars["d_loss"] = d_loss.detach()
        if penalty is not None:
            scalars["penalty"] = penalty
    fooling = weights.adversarial and ctx.step >= weights.warmup
    for j in range(weights.g_steps):
        if j:
            batch = _transfers(ctx, bare, keep_graph=True)
        scalars.update(_update_g(ctx, bare, weights, fooling, *batch))
    return scalars


def _update_g(
    ctx: StepContext,
    bare: TransferGenerator,
    weights: DTNStep,
    fooling: bool,
    target: Tensor,
    source_features: Tensor,
    fake_source: Tensor,
    fake_target: Tensor,
) -> dict[str, Tensor]:
    terms: dict[str, tuple[float, Tensor]] = {}  # name -> (weight, unweighted loss)
    with ctx.frozen_discriminator(), ctx.autocast():
        if fooling:
            # the same three-part batch as D's update, so that D's batch norm normalises alike
            logits = ctx.score(ctx.discriminator_module, torch.cat([fake_source, fake_target, target]), None)
            fake_logits = logits[: len(fake_source) + len(fake_target)]
            terms["gang"] = 1.0, generator_adversarial_loss(*fake_logits.split([len(fake_source), len(fake_target)]))
        if weights.alpha:
            terms["const"] = weights.alpha, f_constancy_loss(source_features, bare.encode(fake_source))
        if weights.beta:
            terms["tid"] = weights.beta, identity_loss(target, fake_target)
        if weights.gamma:
            terms["tv"] = weights.gamma, total_variation(fake_source)
    g_loss = torch.stack([weight * value for weight, value in terms.values()]).sum()
    ctx.g_optimizer.zero_grad(set_to_none=True)
    ctx.backward(g_loss)
    ctx.g_optimizer.step()
    bare.update_average()
    scalars = {"g_loss": g_loss.detach()}
    scalars.update({f"loss_{name}": value.detach() for name, (_, value) in terms.items()})
    return scalars
