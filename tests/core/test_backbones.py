"""DCGAN's stacks as the paper lays them out: sizes, normalisation placement, activations, init."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_core.backbones import MLP, ConvDecoder, ConvEncoder, ValueRange, conv_plan, dcgan_init_


@pytest.mark.parametrize(("size", "start", "doublings"), [(28, 7, 2), (32, 4, 3), (64, 4, 4), (8, 4, 1), (14, 7, 1)])
def test_plan_decomposes_the_image_size(size: int, start: int, doublings: int) -> None:
    plan = conv_plan((1, size, size), 16)
    assert (plan.start, plan.doublings) == (start, doublings)
    assert plan.channels(doublings - 1) == 16  # next to the image: ``width``


@pytest.mark.parametrize("shape", [(1, 30, 30), (1, 28, 32), (28, 28), (1, 3, 3)])
def test_plan_refuses_sizes_it_cannot_reach(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"DCGAN|image size"):
        conv_plan(shape, 16)


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (3, 64, 64)])
@pytest.mark.parametrize("norm", ["batch", "layer", "none"])
def test_shapes_round_trip(shape: tuple[int, int, int], norm: str) -> None:
    decoder, encoder = ConvDecoder(12, shape, 8, norm), ConvEncoder(shape, 8, norm, extra_channels=2)
    x = decoder(torch.randn(3, 12))
    assert x.shape == (3, *shape) and x.abs().max() <= 1
    features = encoder(torch.cat([x, torch.zeros(3, 2, *shape[1:])], dim=1))
    assert features.shape == (3, encoder.out_features)


def test_batch_norm_is_where_the_paper_puts_it() -> None:
    decoder, encoder = ConvDecoder(10, (3, 32, 32), 8), ConvEncoder((3, 32, 32), 8)
    # generator: after the projection and every hidden transposed convolution, never at the output
    g_layers = list(decoder.net)
    assert isinstance(g_layers[0], nn.BatchNorm2d) and isinstance(g_layers[-1], nn.Tanh)
    assert isinstance(g_layers[-2], nn.ConvTranspose2d)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in g_layers) == 3
    assert all(isinstance(m, nn.ReLU) for m in g_layers if isinstance(m, nn.ReLU | nn.LeakyReLU))
    # discriminator: none on the input layer, LeakyReLU 0.2 throughout
    d_layers = list(encoder.net)
    assert isinstance(d_layers[0], nn.Conv2d) and isinstance(d_layers[1], nn.LeakyReLU)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in d_layers) == 2
    assert {m.negative_slope for m in d_layers if isinstance(m, nn.LeakyReLU)} == {0.2}
    # strided convolutions, no pooling
    assert all(m.stride == (2, 2) for m in d_layers if isinstance(m, nn.Conv2d))
    assert not any(isinstance(m, nn.MaxPool2d | nn.AvgPool2d) for m in encoder.modules())


def test_no_norm_means_none_at_all() -> None:
    encoder = ConvEncoder((1, 28, 28), 8, norm="none")
    assert not any(isinstance(m, nn.BatchNorm2d | nn.GroupNorm | nn.LayerNorm) for m in encoder.modules())
    assert not any(isinstance(m, nn.BatchNorm1d | nn.LayerNorm) for m in MLP(2, 1, [16, 16]).modules())


def test_layer_norm_normalises_each_sample_alone() -> None:
    """A gradient-penalty critic must treat samples independently: changing one sample must not move
    another's output (batch norm would)."""
    torch.manual_seed(0)
    encoder = ConvEncoder((1, 28, 28), 8, norm="layer").train()
    x = torch.randn(4, 1, 28, 28)
    y = x.clone()
    y[1:] = torch.randn(3, 1, 28, 28)
    assert torch.allclose(encoder(x)[0], encoder(y)[0])


def test_dcgan_init_statistics() -> None:
    torch.manual_seed(0)
    decoder = dcgan_init_(ConvDecoder(100, (3, 64, 64), 64))
    weights = torch.cat([m.weight.flatten() for m in decoder.modules() if isinstance(m, nn.ConvTranspose2d)])
    assert abs(weights.mean().item()) < 1e-3 and abs(weights.std().item() - 0.02) < 1e-3
    scales = torch.cat([m.weight for m in decoder.modules() if isinstance(m, nn.BatchNorm2d)])
    assert abs(scales.mean().item() - 1.0) < 5e-3
    assert all(m.bias is None or not m.bias.any() for m in decoder.modules() if isinstance(m, nn.Linear))


def test_mlp_layout() -> None:
    mlp = MLP(2, 3, [5, 7], activation=nn.Tanh, norm="batch", dropout=0.1)
    kinds = [type(m) for m in mlp]
    assert kinds == [
        nn.Linear,
        nn.BatchNorm1d,
        nn.Tanh,
        nn.Dropout,
        nn.Linear,
        nn.BatchNorm1d,
        nn.Tanh,
        nn.Dropout,
        nn.Linear,
    ]
    assert mlp(torch.randn(4, 2)).shape == (4, 3)
    with pytest.raises(ValueError, match="norm must be one of batch, layer, none"):
        MLP(2, 1, [4], norm="group")


# --- value range ---------------------------------------------------------------------------------


def test_value_range_maps_the_unit_interval_onto_the_data_range() -> None:
    grid = ValueRange(-4.3, 4.3)
    u = torch.tensor([-1.0, 0.0, 0.5, 1.0])
    assert torch.allclose(grid.from_unit(u), torch.tensor([-4.3, 0.0, 2.15, 4.3]))
    assert torch.allclose(grid.to_unit(grid.from_unit(u)), u)
    pixels = ValueRange(0.0, 1.0)
    assert (pixels.center, pixels.half_width) == (0.5, 0.5)
    assert torch.equal(pixels.from_unit(torch.tensor([-1.0, 1.0])), torch.tensor([0.0, 1.0]))
    assert torch.equal(ValueRange().from_unit(u), u)  # images in [-1, 1]: the identity
