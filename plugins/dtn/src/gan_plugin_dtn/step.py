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


@attrs.frozen(kw_only=True)
class DTNStep:
    """Taigman et al. 2017, equations 3-7: ``L_D`` for ``D``, then
    ``L_GANG + alpha L_CONST + beta L_TID + gamma L_TV`` for ``g``.

    ``adversarial = False`` drops ``L_D`` and ``L_GANG`` (the paper's "without L_D" ablation), a zero
    weight drops its term. The weights belong to the step, which is the only code that reads them.
    """

    alpha: float = 15.0
    beta: float = 15.0
    gamma: float = 0.0
    adversarial: bool = True

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
    for k in range(rounds):
        target, source_features, fake_source, fake_target = _transfers(ctx, bare, keep_graph=k == rounds - 1)
        if not weights.adversarial:
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
        if weights.adversarial:
            # the same three-part batch as D's update, so that D's batch norm normalises alike
            logits = ctx.discriminator_module(torch.cat([fake_source, fake_target, target]))
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
    scalars["g_loss"] = g_loss.detach()
    scalars.update({f"loss_{name}": value.detach() for name, (_, value) in terms.items()})
    return scalars
