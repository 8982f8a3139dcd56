"""One DTN training step: k updates of the ternary discriminator, then one update of ``g``.

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

import torch
from torch import Tensor

from gan_core.errors import ConfigError
from gan_core.training.step import StepContext
from gan_plugin_dtn.data import SOURCE
from gan_plugin_dtn.losses import (
    DTNLoss,
    discriminator_loss,
    f_constancy_loss,
    generator_adversarial_loss,
    identity_loss,
    total_variation,
)
from gan_plugin_dtn.networks import TransferGenerator


def _transfers(ctx: StepContext, bare: TransferGenerator, keep_graph: bool) -> tuple[Tensor, ...]:
    """Draw a target and a source batch and decode both: ``x_t, f(x_s), g(f(x_s)), g(f(x_t))``."""
    target, _ = ctx.next_batch()
    source, _ = ctx.next_batch_from(SOURCE)
    with torch.no_grad(), ctx.autocast():
        features = torch.cat([bare.encode(source), bare.encode(target)])
    with ctx.autocast(), torch.set_grad_enabled(keep_graph):
        fake_source, fake_target = ctx.generator(features).split([len(source), len(target)])
    return target, features[: len(source)], fake_source, fake_target


def dtn_step(ctx: StepContext) -> Mapping[str, Tensor]:
    """Taigman et al. 2017, equations 3-7: ``L_D`` for ``D``, then
    ``L_GANG + alpha L_CONST + beta L_TID + gamma L_TV`` for ``g``."""
    loss = ctx.loss
    if not isinstance(loss, DTNLoss):
        raise TypeError(f"the DTN step needs a DTNLoss, got {type(loss).__name__}")
    bare = ctx.accelerator.unwrap_model(ctx.generator)
    if not bool(bare.pretrained):
        raise ConfigError(
            "model.f_weights", f"f is not pretrained ({bare.origin}); run 'gan dtn-pretrain source' first"
        )
    scalars: dict[str, Tensor] = {}
    rounds = ctx.d_steps if loss.adversarial else 1
    for k in range(rounds):
        target, source_features, fake_source, fake_target = _transfers(ctx, bare, keep_graph=k == rounds - 1)
        if not loss.adversarial:
            break
        with ctx.autocast():
            logits = ctx.discriminator(torch.cat([fake_source.detach(), fake_target.detach(), target]))
            d_loss = discriminator_loss(*logits.split([len(fake_source), len(fake_target), len(target)]))
        ctx.d_optimizer.zero_grad(set_to_none=True)
        ctx.backward(d_loss)
        ctx.d_optimizer.step()
        scalars["d_loss"] = d_loss.detach()

    terms: dict[str, tuple[float, Tensor]] = {}  # name -> (weight, unweighted loss)
    with ctx.frozen_discriminator(), ctx.autocast():
        if loss.adversarial:
            # the same three-part batch as D's update, so that D's batch norm normalises alike
            logits = ctx.discriminator_module(torch.cat([fake_source, fake_target, target]))
            fake_logits = logits[: len(fake_source) + len(fake_target)]
            terms["gang"] = 1.0, generator_adversarial_loss(*fake_logits.split([len(fake_source), len(fake_target)]))
        if loss.alpha:
            terms["const"] = loss.alpha, f_constancy_loss(source_features, bare.encode(fake_source))
        if loss.beta:
            terms["tid"] = loss.beta, identity_loss(target, fake_target)
        if loss.gamma:
            terms["tv"] = loss.gamma, total_variation(fake_source)
    g_loss = torch.stack([weight * value for weight, value in terms.values()]).sum()
    ctx.g_optimizer.zero_grad(set_to_none=True)
    ctx.backward(g_loss)
    ctx.g_optimizer.step()
    bare.update_average()
    scalars["g_loss"] = g_loss.detach()
    scalars.update({f"loss_{name}": value.detach() for name, (_, value) in terms.items()})
    return scalars
