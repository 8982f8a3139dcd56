"""DCGAN's networks as the paper lays them out (section 3), sized by the data, initialised as in section 4."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_core import DataInfo, MinimaxLoss, Noise, NonSaturatingLoss, Registry
from gan_core.testing import tiny_run_config
from gan_plugin_dcgan import DCGAN, DCGANDiscriminator, DCGANGenerator, normal_to_uniform

_NORMS = (nn.BatchNorm2d, nn.GroupNorm, nn.BatchNorm1d, nn.LayerNorm)


def _build(shape: tuple[int, int, int], **model: object) -> tuple[DCGANGenerator, DCGANDiscriminator]:
    config = tiny_run_config(DCGAN, **{"latent_dim": 16, "g_width": 8, "d_width": 8, **model}).model
    game = DCGAN.build(config, DataInfo(shape=shape, kind="image"))
    assert isinstance(game.generator, DCGANGenerator) and isinstance(game.discriminator, DCGANDiscriminator)
    return game.generator, game.discriminator


def _layers(module: nn.Module) -> list[nn.Module]:
    """The leaf layers in forward order (both networks are chains of Sequential blocks)."""
    return [m for m in module.modules() if not list(m.children())]


@pytest.mark.parametrize("size", [28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_resolution_and_channels_follow_the_data(size: int, channels: int) -> None:
    G, D = _build((channels, size, size))
    x = G(torch.randn(5, 16))
    assert x.shape == (5, channels, size, size)
    assert D(x).shape == (5,) and D(torch.zeros(5, channels, size, size), None).shape == (5,)


@pytest.mark.parametrize(("size", "transposed"), [(28, 2), (32, 3), (64, 4)])
def test_one_stride_two_layer_per_doubling(size: int, transposed: int) -> None:
    """28 = 7 * 2**2 and 32 = 4 * 2**3: the paper's 64x64 model has four fractionally-strided convolutions."""
    G, D = _build((1, size, size))
    g_convs = [m for m in _layers(G) if isinstance(m, nn.ConvTranspose2d)]
    d_convs = [m for m in _layers(D) if isinstance(m, nn.Conv2d)]
    assert len(g_convs) == len(d_convs) == transposed
    assert all(m.stride == (2, 2) and m.kernel_size == (4, 4) for m in g_convs + d_convs)


def test_no_pooling_and_no_hidden_fully_connected_layers() -> None:
    G, D = _build((3, 64, 64))
    pools = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
    assert not any(isinstance(m, pools) for m in [*G.modules(), *D.modules()])
    # the only linear layers: G's projection of z to a 4x4 map of width * 2**(doublings - 1) channels,
    # and D's single-logit head
    assert [m.out_features for m in _layers(G) if isinstance(m, nn.Linear)] == [8 * 2**3 * 4 * 4]
    assert [m.out_features for m in _layers(D) if isinstance(m, nn.Linear)] == [1]


def test_generator_batch_norm_everywhere_but_the_output_relu_inside_tanh_at_the_end() -> None:
    G, _ = _build((3, 32, 32))
    layers = _layers(G)
    assert isinstance(layers[-1], nn.Tanh) and isinstance(layers[-2], nn.ConvTranspose2d)
    assert layers[-2].out_channels == 3 and layers[-2].bias is not None  # no norm after it, so it keeps a bias
    # every hidden layer (the projection and each transposed convolution but the last) is followed by BN, ReLU
    hidden = [i for i, m in enumerate(layers[:-2]) if isinstance(m, nn.Linear | nn.ConvTranspose2d)]
    assert len(hidden) == 3
    for i in hidden:
        assert isinstance(layers[i + 1], nn.BatchNorm2d) and isinstance(layers[i + 2], nn.ReLU)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in layers) == 3
    assert not any(isinstance(m, nn.LeakyReLU) for m in layers)


def test_discriminator_no_batch_norm_on_the_input_layer_leaky_relu_throughout() -> None:
    _, D = _build((3, 32, 32))
    layers = _layers(D)
    assert isinstance(layers[0], nn.Conv2d) and layers[0].in_channels == 3
    assert isinstance(layers[1], nn.LeakyReLU)  # straight after the input convolution: no BN
    convs = [i for i, m in enumerate(layers) if isinstance(m, nn.Conv2d)]
    for i in convs[1:]:
        assert isinstance(layers[i + 1], nn.BatchNorm2d) and isinstance(layers[i + 2], nn.LeakyReLU)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in layers) == len(convs) - 1 == 2
    assert {m.negative_slope for m in layers if isinstance(m, nn.LeakyReLU)} == {0.2}
    assert not any(isinstance(m, nn.ReLU | nn.Tanh | nn.Sigmoid) for m in layers)  # logits: the loss has the sigmoid
    assert isinstance(layers[-1], nn.Linear) and layers[-1].out_features == 1


def test_leaky_slope_reaches_the_discriminator() -> None:
    _, D = _build((1, 28, 28), leaky_slope=0.1)
    assert {m.negative_slope for m in D.modules() if isinstance(m, nn.LeakyReLU)} == {0.1}


@pytest.mark.parametrize(("norm", "kind"), [("none", None), ("layer", nn.GroupNorm)])
def test_norm_choice_replaces_batch_norm_in_both_networks(norm: str, kind: type[nn.Module] | None) -> None:
    G, D = _build((1, 28, 28), norm=norm)
    found = {type(m) for m in [*G.modules(), *D.modules()] if isinstance(m, _NORMS)}
    assert found == ({kind} if kind else set())


def test_widths_come_from_the_config() -> None:
    G, D = _build((1, 28, 28), g_width=12, d_width=5)
    g_convs = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]
    d_convs = [m for m in D.modules() if isinstance(m, nn.Conv2d)]
    assert [(m.in_channels, m.out_channels) for m in g_convs] == [(24, 12), (12, 1)]  # 7x7x24 -> 14x14x12 -> 28x28
    assert [(m.in_channels, m.out_channels) for m in d_convs] == [(1, 5), (5, 10)]


@pytest.mark.parametrize("std", [0.02, 0.05])
def test_weights_are_drawn_from_a_zero_mean_normal_with_the_configured_std(std: float) -> None:
    torch.manual_seed(0)
    G, D = _build((3, 64, 64), init_std=std, latent_dim=100, g_width=32, d_width=32)
    for net in (G, D):
        convs = [m for m in net.modules() if isinstance(m, nn.Conv2d | nn.ConvTranspose2d)]
        weights = torch.cat([m.weight.flatten() for m in convs])
        assert weights.numel() > 100_000
        assert abs(weights.mean().item()) < 0.05 * std and abs(weights.std().item() / std - 1) < 0.02
        biases = [m.bias for m in net.modules() if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear)]
        assert all(b is None or not b.any() for b in biases)
        scales = torch.cat([m.weight for m in net.modules() if isinstance(m, nn.BatchNorm2d)])
        assert abs(scales.mean().item() - 1) < 3 * std


def test_normal_to_uniform_is_the_probability_integral_transform() -> None:
    z = torch.randn(200_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    u = normal_to_uniform(z).sort().values
    assert u.min() > -1 and u.max() < 1
    # Kolmogorov-Smirnov distance to U(-1, 1); its 99.9% critical value for n = 2e5 is 1.95 / sqrt(n) = 0.0044
    cdf = (u + 1) / 2
    n = len(u)
    ks = torch.maximum(torch.arange(1, n + 1) / n - cdf, cdf - torch.arange(n) / n).max().item()
    assert ks < 0.0044
    assert normal_to_uniform(torch.tensor([0.0])).item() == 0.0


def test_uniform_latent_feeds_the_decoder_the_transformed_noise() -> None:
    torch.manual_seed(0)
    G, _ = _build((1, 28, 28))
    G.eval()
    z = torch.randn(4, 16)
    assert G.uniform_latent
    torch.testing.assert_close(G(z), G.decoder(normal_to_uniform(z)))
    G.uniform_latent = False
    torch.testing.assert_close(G(z), G.decoder(z))


@pytest.mark.parametrize(("name", "cls"), [("non-saturating", NonSaturatingLoss), ("minimax", MinimaxLoss)])
def test_the_loss_is_the_cores_bce_loss(name: str, cls: type, registry: Registry) -> None:
    config = tiny_run_config(DCGAN, loss=name, g_width=4, d_width=4).model
    game = DCGAN.build_game(config, DataInfo(shape=(1, 28, 28), kind="image"), registry)
    assert type(game.loss) is cls and game.loss == cls()  # without label smoothing
    assert game.regularizers == ()  # the paper constrains nothing beyond batch norm


def test_the_generator_reads_latent_dim_noise() -> None:
    """The sampler's dimension is the config's, whatever ``latent_distribution`` makes of the draws."""
    config = tiny_run_config(DCGAN, latent_dim=12, g_width=4, d_width=4).model
    assert DCGAN.build(config, DataInfo(shape=(1, 28, 28), kind="image")).inputs == Noise(12)


def test_optimizer_settings_reach_both_adams() -> None:
    config = tiny_run_config(DCGAN, lr=1e-3, beta1=0.3, beta2=0.9, g_width=4, d_width=4).model
    game = DCGAN.build(config, DataInfo(shape=(1, 28, 28), kind="image"))
    for optimizer in (game.g_optimizer, game.d_optimizer):
        assert isinstance(optimizer, torch.optim.Adam)
        assert optimizer.defaults["lr"] == 1e-3 and optimizer.defaults["betas"] == (0.3, 0.9)
