"""The core's alternating step against a hand-written replica of Goodfellow et al.'s Algorithm 1."""

from __future__ import annotations

import copy

import core_tiny
import pytest
import torch
from accelerate import Accelerator
from torch import nn

from gan_core.data import InMemoryDataset
from gan_core.training import BatchStream, StepContext, alternating_step, frozen
from gan_core.variant import DataInfo

INFO = DataInfo(shape=(2,), kind="points")
LOSS = core_tiny.LogitBCELoss()


def models() -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(0)
    return core_tiny.TinyGenerator(3, 8, (2,), squash=False, bias=True), core_tiny.TinyDiscriminator(8, (2,), bias=True)


def data() -> InMemoryDataset:
    return InMemoryDataset(torch.randn(40, 2, generator=torch.Generator().manual_seed(1)))


@pytest.mark.parametrize("plain", [False, True], ids=["accelerate-wrappers", "plain-backward"])
@pytest.mark.parametrize("d_steps", [1, 3])
def test_alternating_step_is_algorithm_1(d_steps: int, plain: bool) -> None:
    generator, discriminator = models()
    g_copy, d_copy = copy.deepcopy(generator), copy.deepcopy(discriminator)
    g_opt = torch.optim.SGD(generator.parameters(), lr=0.1)
    d_opt = torch.optim.SGD(discriminator.parameters(), lr=0.1)
    ctx = StepContext(
        accelerator=Accelerator(),
        generator=generator,
        discriminator=discriminator,
        discriminator_module=discriminator,
        loss=LOSS,
        g_optimizer=g_opt,
        d_optimizer=d_opt,
        batches=BatchStream(data(), batch_size=8, seed=0, device=torch.device("cpu")),
        latent_dim=3,
        d_steps=d_steps,
        plain_backward=plain,
    )
    torch.manual_seed(5)
    scalars = alternating_step(ctx)
    assert set(scalars) == {"d_loss", "g_loss"}
    assert all(not v.requires_grad for v in scalars.values())

    # the same step by hand: k discriminator updates on fresh real and fake batches, then one
    # generator update that scores the last fake batch with the updated discriminator
    batches = BatchStream(data(), batch_size=8, seed=0, device=torch.device("cpu"))
    g_ref = torch.optim.SGD(g_copy.parameters(), lr=0.1)
    d_ref = torch.optim.SGD(d_copy.parameters(), lr=0.1)
    torch.manual_seed(5)
    for _ in range(d_steps):
        real, _ = next(batches)
        fake = g_copy(torch.randn(8, 3))
        d_loss = LOSS.discriminator_loss(d_copy(real), d_copy(fake.detach()))
        d_ref.zero_grad()
        d_loss.backward()
        d_ref.step()
    g_loss = LOSS.generator_loss(d_copy(fake))
    g_ref.zero_grad()
    g_loss.backward()
    g_ref.step()

    assert torch.allclose(scalars["d_loss"], d_loss.detach()) and torch.allclose(scalars["g_loss"], g_loss.detach())
    for mine, reference in [(generator, g_copy), (discriminator, d_copy)]:
        for p, q in zip(mine.parameters(), reference.parameters(), strict=True):
            assert torch.allclose(p, q, atol=1e-6)
    assert ctx.batches.consumed == d_steps
    assert all(p.requires_grad for p in discriminator.parameters())  # unfrozen again


def test_frozen_restores_flags_even_on_error() -> None:
    module = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    module[1].weight.requires_grad_(False)
    before = [p.requires_grad for p in module.parameters()]
    with pytest.raises(RuntimeError), frozen(module):
        assert not any(p.requires_grad for p in module.parameters())
        raise RuntimeError
    assert [p.requires_grad for p in module.parameters()] == before
