"""The core's alternating step against a hand-written replica of Goodfellow et al.'s Algorithm 1."""

from __future__ import annotations

import copy

import core_tiny
import pytest
import torch
from accelerate import Accelerator
from torch import Tensor, nn

from gan_core import DataInfo, Loss, Noise, Regularizer, StepContext, alternating_step, frozen
from gan_core._stream import BatchStream
from gan_core.data import InMemoryDataset

INFO = DataInfo(shape=(2,), kind="points")
LOSS = core_tiny.LogitBCELoss()


def models() -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(0)
    return core_tiny.TinyGenerator(3, 8, (2,), squash=False, bias=True), core_tiny.TinyDiscriminator(8, (2,), bias=True)


def data() -> InMemoryDataset:
    return InMemoryDataset(torch.randn(40, 2, generator=torch.Generator().manual_seed(1)))


def context(
    generator: nn.Module,
    discriminator: nn.Module,
    *,
    loss: Loss = LOSS,
    d_steps: int = 1,
    plain: bool = False,
    regularizers: tuple[Regularizer, ...] = (),
) -> StepContext:
    return StepContext(
        accelerator=Accelerator(),
        generator=generator,
        discriminator=discriminator,
        discriminator_module=discriminator,
        loss=loss,
        g_optimizer=torch.optim.SGD(generator.parameters(), lr=0.1),
        d_optimizer=torch.optim.SGD(discriminator.parameters(), lr=0.1),
        batches=BatchStream(data(), batch_size=8, seed=0, device=torch.device("cpu")),
        inputs=Noise(3),
        regularizers=regularizers,
        d_steps=d_steps,
        plain_backward=plain,
    )


@pytest.mark.parametrize("plain", [False, True], ids=["accelerate-wrappers", "plain-backward"])
@pytest.mark.parametrize("d_steps", [1, 3])
def test_alternating_step_is_algorithm_1(d_steps: int, plain: bool) -> None:
    generator, discriminator = models()
    g_copy, d_copy = copy.deepcopy(generator), copy.deepcopy(discriminator)
    ctx = context(generator, discriminator, d_steps=d_steps, plain=plain)
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
    g_loss = LOSS.generator_loss(None, d_copy(fake))
    g_ref.zero_grad()
    g_loss.backward()
    g_ref.step()

    assert torch.allclose(scalars["d_loss"], d_loss.detach()) and torch.allclose(scalars["g_loss"], g_loss.detach())
    for mine, reference in [(generator, g_copy), (discriminator, d_copy)]:
        for p, q in zip(mine.parameters(), reference.parameters(), strict=True):
            assert torch.allclose(p, q, atol=1e-6)
    assert ctx.batches.consumed == d_steps
    assert all(p.requires_grad for p in discriminator.parameters())  # unfrozen again


class _SquaredScorePenalty:
    """0.5 * mean(D(real)^2): a penalty whose gradient is easy to write down by hand; it counts the
    updates it sees after each step."""

    name = "squared"

    def __init__(self, every: int = 1) -> None:
        self.every = every
        self.after = 0

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor | None:
        return 0.5 * discriminator(real).pow(2).mean()

    def after_step(self, discriminator: nn.Module) -> None:
        self.after += 1


def test_update_discriminator_adds_the_penalty_to_the_objective() -> None:
    generator, discriminator = models()
    reference = copy.deepcopy(discriminator)
    regularizer = _SquaredScorePenalty()
    ctx = context(generator, discriminator, regularizers=(regularizer,))
    real, _ = next(ctx.batches)
    fake = generator(torch.randn(8, 3)).detach()

    d_loss, penalty = ctx.update_discriminator(real, fake, None)

    assert regularizer.after == 1
    objective = LOSS.discriminator_loss(reference(real), reference(fake))
    expected_penalty = 0.5 * reference(real).pow(2).mean()
    (objective + expected_penalty).backward()
    assert torch.allclose(d_loss, objective.detach()) and penalty is not None
    assert torch.allclose(penalty, expected_penalty.detach())
    for p, q in zip(discriminator.parameters(), reference.parameters(), strict=True):
        assert q.grad is not None
        assert torch.allclose(p, q.detach() - 0.1 * q.grad, atol=1e-6)  # one SGD step on objective + penalty


class _Doubled(nn.Module):
    """Twice the discriminator's score: a ``penalised`` module whose penalty differs from the raw one."""

    def __init__(self, discriminator: nn.Module) -> None:
        super().__init__()
        self.discriminator = discriminator

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return 2 * self.discriminator(x)


@pytest.mark.parametrize("penalised", [False, True], ids=["raw-score", "penalised-module"])
def test_step_discriminator_adds_the_due_penalties_to_a_steps_own_objective(penalised: bool) -> None:
    """A step with its own discriminator objective gets the same update as the standard one: its
    objective plus the penalties (taken on ``penalised`` when given), one optimizer step, the
    regularisers' after_step and the update count."""
    generator, discriminator = models()
    reference = copy.deepcopy(discriminator)
    regularizer = _SquaredScorePenalty()
    ctx = context(generator, discriminator, regularizers=(regularizer,))
    real, _ = next(ctx.batches)
    fake = generator(torch.randn(8, 3))
    own_objective = discriminator(fake.detach()).mean() - discriminator(real).mean()

    module = _Doubled(discriminator) if penalised else None
    penalty = ctx.step_discriminator(own_objective, real, fake, penalised=module)

    assert regularizer.after == 1 and ctx.d_updates == 1
    scale = 2.0 if penalised else 1.0
    expected_penalty = 0.5 * (scale * reference(real)).pow(2).mean()
    (reference(fake.detach()).mean() - reference(real).mean() + expected_penalty).backward()
    assert penalty is not None and not penalty.requires_grad
    assert torch.allclose(penalty, expected_penalty.detach())
    for p, q in zip(discriminator.parameters(), reference.parameters(), strict=True):
        assert q.grad is not None
        assert torch.allclose(p, q.detach() - 0.1 * q.grad, atol=1e-6)


class _SquaredFakeScorePenalty(_SquaredScorePenalty):
    """0.5 * mean(D(fake)^2): an R2-shaped penalty."""

    def penalty(self, discriminator: nn.Module, real: Tensor, fake: Tensor, y: Tensor | None) -> Tensor | None:
        return 0.5 * discriminator(fake).pow(2).mean()


def test_step_discriminator_penalises_the_fakes_through_the_augmentation() -> None:
    """The fakes reach an R2-shaped penalty, and the ``penalised`` module sees them augmented
    (the gradient is taken with respect to the image before augmentation, as in the standard update)."""
    generator, discriminator = models()
    reference = copy.deepcopy(discriminator)
    ctx = context(generator, discriminator, regularizers=(_SquaredFakeScorePenalty(),))
    ctx.augment = torch.neg  # a known, differentiable augmentation
    real, _ = next(ctx.batches)
    fake = generator(torch.randn(8, 3)).detach()
    penalty = ctx.step_discriminator(discriminator(real).mean(), real, fake, penalised=_Doubled(discriminator))
    expected = 0.5 * (2 * reference(-fake)).pow(2).mean()
    assert penalty is not None and torch.allclose(penalty, expected.detach())


def test_step_discriminator_without_regularisers_is_a_plain_optimizer_step() -> None:
    generator, discriminator = models()
    reference = copy.deepcopy(discriminator)
    ctx = context(generator, discriminator)
    real, _ = next(ctx.batches)
    objective = discriminator(real).square().mean()
    assert ctx.step_discriminator(objective, real, generator(torch.randn(8, 3))) is None
    reference(real).square().mean().backward()
    for p, q in zip(discriminator.parameters(), reference.parameters(), strict=True):
        assert q.grad is not None
        assert torch.equal(p, q.detach() - 0.1 * q.grad)
    assert ctx.d_updates == 1


def test_update_generator_computes_no_discriminator_gradients() -> None:
    generator, discriminator = models()
    ctx = context(generator, discriminator)
    d_before = [p.detach().clone() for p in discriminator.parameters()]
    g_before = [p.detach().clone() for p in generator.parameters()]
    fake = ctx.fake_batch(8, None, keep_graph=True)
    g_loss = ctx.update_generator(fake, None)
    assert not g_loss.requires_grad
    assert all(p.grad is None for p in discriminator.parameters())
    assert all(p.requires_grad for p in discriminator.parameters())
    assert all(torch.equal(p, q) for p, q in zip(discriminator.parameters(), d_before, strict=True))
    assert any(not torch.equal(p, q) for p, q in zip(generator.parameters(), g_before, strict=True))


def test_fake_batch_keeps_a_graph_only_when_asked() -> None:
    generator, discriminator = models()
    ctx = context(generator, discriminator)
    assert ctx.fake_batch(4, None, keep_graph=True).requires_grad
    assert not ctx.fake_batch(4, None, keep_graph=False).requires_grad


def test_frozen_restores_flags_even_on_error() -> None:
    module = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    module[1].weight.requires_grad_(False)
    before = [p.requires_grad for p in module.parameters()]
    with pytest.raises(RuntimeError), frozen(module):
        assert not any(p.requires_grad for p in module.parameters())
        raise RuntimeError
    assert [p.requires_grad for p in module.parameters()] == before


@pytest.mark.parametrize("d_steps", [1, 2])
def test_a_lazy_penalty_applies_every_k_discriminator_updates_scaled_by_k(d_steps: int) -> None:
    """Karras et al. 2020's lazy regularisation: with every = 3, updates 0, 3, 6, ... carry 3 x the penalty."""
    generator, discriminator = models()
    regularizer = _SquaredScorePenalty(every=3)
    ctx = context(generator, discriminator, d_steps=d_steps, regularizers=(regularizer,))
    seen: list[float | None] = []
    for step in range(4):
        ctx.begin(step)
        for _ in range(d_steps):
            real, _ = next(ctx.batches)
            fake = generator(torch.randn(8, 3)).detach()
            expected = 3 * 0.5 * discriminator(real).pow(2).mean().detach()
            _, penalty = ctx.update_discriminator(real, fake, None)
            seen.append(None if penalty is None else float(penalty / expected))
    due = [index % 3 == 0 for index in range(4 * d_steps)]
    assert [value is not None for value in seen] == due
    assert all(value == pytest.approx(1.0) for value in seen if value is not None)
    assert regularizer.after == 4 * d_steps  # a projection runs after every update, due or not


class _Relativistic(core_tiny.LogitBCELoss):
    """Records the scores the generator's update passes; the objective compares them (RpGAN's shape)."""

    relativistic = True

    def __init__(self) -> None:
        self.seen: list[Tensor | None] = []

    def generator_loss(self, real_scores: Tensor | None, fake_scores: Tensor) -> Tensor:
        self.seen.append(real_scores)
        assert real_scores is not None
        return nn.functional.softplus(real_scores - fake_scores).mean()


def test_a_relativistic_loss_sees_the_real_scores_in_the_generators_update() -> None:
    generator, discriminator = models()
    loss = _Relativistic()
    ctx = context(generator, discriminator, loss=loss)
    real, _ = next(ctx.batches)
    fake = ctx.fake_batch(8, None, keep_graph=True)
    expected = discriminator(real).detach()
    ctx.update_generator(fake, None, real)
    assert len(loss.seen) == 1 and torch.equal(loss.seen[0], expected)  # type: ignore[arg-type]
    assert all(p.grad is None for p in discriminator.parameters())
    with pytest.raises(TypeError, match="pass real="):
        ctx.update_generator(ctx.fake_batch(8, None, keep_graph=True), None)


def test_a_plain_loss_never_makes_the_generators_update_score_real_samples() -> None:
    generator, discriminator = models()
    calls: list[int] = []
    discriminator.register_forward_hook(lambda module, args, out: calls.append(len(args[0])))
    ctx = context(generator, discriminator)
    real, _ = next(ctx.batches)
    ctx.update_generator(ctx.fake_batch(8, None, keep_graph=True), None, real)
    assert calls == [8]  # the fakes alone


def test_a_regulariser_interval_must_be_a_positive_whole_number() -> None:
    from gan_core import GradientPenalty, WeightClipping

    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="every must be a whole number of discriminator updates >= 1"):
            GradientPenalty(every=bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="every must be"):
            WeightClipping(every=bad)  # type: ignore[arg-type]


def test_the_lazy_interval_counts_discriminator_updates_whatever_a_step_makes() -> None:
    """A step that makes three updates where d_steps says one: the penalty still falls on every 2nd."""
    generator, discriminator = models()
    regularizer = _SquaredScorePenalty(every=2)
    ctx = context(generator, discriminator, regularizers=(regularizer,))
    applied = []
    for step in range(2):
        ctx.begin(step)
        for _ in range(3):
            real, _ = next(ctx.batches)
            _, penalty = ctx.update_discriminator(real, generator(torch.randn(8, 3)).detach(), None)
            applied.append(penalty is not None)
    assert applied == [True, False, True, False, True, False] and ctx.d_updates == 6
