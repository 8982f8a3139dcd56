"""The MLPs: outputs in the data's value range, dropout only in the discriminator, and the plugin's
registrations."""

from __future__ import annotations

import torch

from gan_core import MinimaxLoss, NonSaturatingLoss, Registry
from gan_plugin_vanilla import VANILLA
from gan_plugin_vanilla.models import MLPDiscriminator, MLPGenerator


def test_generator_output_spans_the_data_value_range() -> None:
    torch.manual_seed(0)
    generator = MLPGenerator(latent_dim=4, sample_shape=(2,), hidden=[8], value_range=(-3.0, 5.0))
    last = generator.net[-2]
    assert isinstance(last, torch.nn.Linear)
    with torch.no_grad():
        last.weight.mul_(100.0)  # saturate tanh so that the extremes are reached
        samples = generator(torch.randn(2000, 4))
    assert float(samples.min()) >= -3.0 and float(samples.max()) <= 5.0
    assert float(samples.min()) < -2.9 and float(samples.max()) > 4.9


def test_image_generator_returns_channel_first_images() -> None:
    generator = MLPGenerator(latent_dim=4, sample_shape=(3, 5, 7), hidden=[8])
    flat = generator.net(torch.zeros(2, 4))
    images = generator(torch.zeros(2, 4))
    assert images.shape == (2, 3, 5, 7)
    torch.testing.assert_close(images[1, 2, 4, 6], flat[1, -1])  # (c h w) order, channel slowest


def test_dropout_only_in_training_mode() -> None:
    torch.manual_seed(0)
    discriminator = MLPDiscriminator(sample_shape=(1, 4, 4), hidden=[64], dropout=0.5)
    x = torch.randn(8, 1, 4, 4)
    discriminator.eval()
    torch.testing.assert_close(discriminator(x), discriminator(x))
    discriminator.train()
    assert not torch.equal(discriminator(x), discriminator(x))


def test_the_plugin_registers_its_variant_and_the_core_the_losses(registry: Registry) -> None:
    """Since gan-core 0.2 the paper's two losses are the core's, registered for every variant; the
    plugin registers its variant, and the Dirac-GAN with its one-point data set."""
    assert registry.variant("vanilla") is VANILLA
    assert registry.variants.names() == ["vanilla", "dirac-gan"]
    reports = {report.name: report for report in registry.plugins}
    report = reports["gan_plugin_vanilla.plugin"]
    assert report.ok and report.provides == {"variant": ("vanilla", "dirac-gan"), "dataset": ("dirac",)}
    assert {"minimax", "non-saturating"} <= set(reports["core"].provides["loss"])
    assert {"core:minimax", "core:non-saturating"} <= set(registry.losses)
    loss = registry.loss("minimax").factory(real_label=0.9)
    assert type(loss) is MinimaxLoss and loss.real_label == 0.9
    assert type(registry.loss("non-saturating").factory()) is NonSaturatingLoss
