"""Each conditioning mode computes what its docstring says, and the label changes what comes out."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch.nn import functional as F

from gan_core import DataInfo, MinimaxLoss, Noise, NonSaturatingLoss, Registry
from gan_plugin_cgan import (
    CGAN,
    CGANConfig,
    ConcatDiscriminator,
    ConcatLabelMaps,
    ConcatToVector,
    LabelCode,
    ProjectionDiscriminator,
    build,
    build_discriminator,
    build_generator,
    check_labels,
)

IMAGES = DataInfo(shape=(1, 28, 28), kind="image", num_classes=10)
POINTS = DataInfo(shape=(2,), kind="points", num_classes=8, value_range=(-1.5, 1.5))
TINY: dict[str, Any] = {"latent_dim": 8, "embed_dim": 5, "width": 4, "g_hidden": (16,), "d_hidden": (16, 8)}
CASES = [
    pytest.param(backbone, mode, id=f"{backbone}-{mode}")
    for backbone in ("conv", "mlp")
    for mode in ("one-hot", "embedding", "projection")
]


def _config(backbone: str, mode: str, **extra: Any) -> CGANConfig:
    return CGANConfig(backbone=backbone, conditioning=mode, **{**TINY, **extra})


@pytest.mark.parametrize(("backbone", "mode"), CASES)
def test_the_label_changes_both_networks_outputs(backbone: str, mode: str) -> None:
    torch.manual_seed(0)
    game = build(_config(backbone, mode), IMAGES)
    G, D = game.generator.eval(), game.discriminator.eval()
    z, x = torch.randn(6, 8), torch.rand(6, 1, 28, 28) * 2 - 1
    three, seven = torch.full((6,), 3), torch.full((6,), 7)
    with torch.no_grad():
        assert G(z, three).shape == (6, 1, 28, 28)
        assert (G(z, three) - G(z, seven)).abs().amax(dim=(1, 2, 3)).min() > 0  # every sample moves
        assert (D(x, three) - D(x, seven)).abs().min() > 0
        torch.testing.assert_close(G(z, three), G(z, three))  # and nothing else does, in eval mode


@pytest.mark.parametrize("mode", ["one-hot", "embedding", "projection"])
def test_mlp_generator_on_points_respects_the_value_range(mode: str) -> None:
    torch.manual_seed(0)
    G = build_generator(_config("mlp", mode), POINTS)
    out = G(torch.randn(64, 8) * 50, torch.arange(64) % 8)  # huge noise saturates the tanh
    assert out.shape == (64, 2) and out.abs().max() <= 1.5 and out.abs().max() > 1.4


def test_the_generator_reads_noise_and_the_data_sets_labels() -> None:
    """The game's sampler draws labels of every class, so grids, ``gan sample`` and the metrics condition G."""
    assert build(_config("mlp", "embedding"), POINTS).inputs == Noise(8, num_classes=8)
    assert build(_config("conv", "one-hot"), IMAGES).inputs == Noise(8, num_classes=10)


@pytest.mark.parametrize(("name", "cls"), [("non-saturating", NonSaturatingLoss), ("minimax", MinimaxLoss)])
def test_the_loss_and_label_smoothing_reach_the_games_loss(name: str, cls: type, registry: Registry) -> None:
    config = _config("mlp", "embedding", loss=name, real_label=0.9)
    assert build(config, POINTS).loss == name  # the builder names the loss; the registry makes it
    assert CGAN.build_game(config, POINTS, registry).loss == cls(real_label=0.9)
    assert CGAN.build_game(_config("mlp", "embedding", loss=name), POINTS, registry).loss == cls()


def test_one_hot_code_and_vector_concatenation() -> None:
    code = LabelCode(4)
    y = torch.tensor([2, 0, 3])
    torch.testing.assert_close(code(y), torch.eye(4)[y])
    x = torch.randn(3, 1, 2, 2)
    joined = ConcatToVector(code)(x, y)
    torch.testing.assert_close(joined, torch.cat([x.reshape(3, 4), torch.eye(4)[y]], dim=1))


def test_one_hot_label_maps_are_constant_channels_one_per_class() -> None:
    join = ConcatLabelMaps(LabelCode(10), 28, 28)
    x = torch.randn(2, 1, 28, 28)
    out = join(x, torch.tensor([7, 0]))
    assert join.extra_channels == 10 and out.shape == (2, 11, 28, 28)
    torch.testing.assert_close(out[:, :1], x)
    expected = torch.zeros(2, 10, 28, 28)
    expected[0, 7], expected[1, 0] = 1.0, 1.0
    torch.testing.assert_close(out[:, 1:], expected)


def test_embedding_label_map_is_the_class_row_reshaped_to_one_channel() -> None:
    torch.manual_seed(0)
    code = LabelCode(10, 6 * 6)
    join = ConcatLabelMaps(code, 6, 6)
    y = torch.tensor([4, 9])
    out = join(torch.zeros(2, 3, 6, 6), y)
    assert join.extra_channels == 1 and out.shape == (2, 4, 6, 6)
    assert code.embedding is not None
    torch.testing.assert_close(out[:, 3], code.embedding.weight[y].reshape(2, 6, 6))
    with pytest.raises(ValueError, match="6 x 6 = 36"):
        ConcatLabelMaps(LabelCode(10, 35), 6, 6)


def test_generator_input_is_z_beside_the_label_code() -> None:
    """G(z, y) = body([z, code(y)]): the body sees the noise first and then the label's code."""
    torch.manual_seed(0)
    G = build_generator(_config("mlp", "embedding"), IMAGES)
    seen: list[torch.Tensor] = []
    G.body.register_forward_hook(lambda _module, inputs, _out: seen.append(inputs[0]))
    z, y = torch.randn(3, 8), torch.tensor([1, 5, 5])
    G(z, y)
    embedding = G.join.code.embedding
    assert embedding is not None
    torch.testing.assert_close(seen[0], torch.cat([z, embedding.weight[y]], dim=1))


def test_concat_discriminator_is_head_of_features_of_x_with_label_maps() -> None:
    torch.manual_seed(0)
    D = build_discriminator(_config("conv", "one-hot"), IMAGES).eval()
    assert isinstance(D, ConcatDiscriminator)
    x, y = torch.rand(4, 1, 28, 28), torch.tensor([0, 3, 3, 9])
    maps = F.one_hot(y, 10).float()[:, :, None, None].expand(-1, -1, 28, 28)
    by_hand = D.head(D.features(torch.cat([x, maps], dim=1))).squeeze(1)
    torch.testing.assert_close(D(x, y), by_hand)


@pytest.mark.parametrize("backbone", ["conv", "mlp"])
def test_projection_logit_is_psi_of_phi_plus_the_class_embedding_inner_product(backbone: str) -> None:
    """Miyato and Koyama 2018, eq. 3: D(x, y) = psi(phi(x)) + <V_y, phi(x)>, computed by hand."""
    torch.manual_seed(0)
    D = build_discriminator(_config(backbone, "projection"), IMAGES).eval()
    assert isinstance(D, ProjectionDiscriminator)
    with torch.no_grad():
        D.embed.weight.normal_()  # make the class term large enough to matter
        x, y = torch.rand(5, 1, 28, 28), torch.tensor([0, 1, 2, 8, 9])
        phi = D.features(x if backbone == "conv" else x.reshape(5, -1))
        width = phi.shape[1]
        assert width == (4 * 2 * 7 * 7 if backbone == "conv" else 8)
        psi = phi @ D.psi.weight[0] + D.psi.bias[0]
        inner = torch.stack([sum(D.embed.weight[y[i], j] * phi[i, j] for j in range(width)) for i in range(5)])
        torch.testing.assert_close(D(x, y), psi + inner)
        # the label enters only through the inner product: two classes differ by <V_a - V_b, phi(x)>
        difference = D(x, torch.full((5,), 2)) - D(x, torch.full((5,), 6))
        torch.testing.assert_close(difference, phi @ (D.embed.weight[2] - D.embed.weight[6]))


def test_projection_embedding_starts_small_so_initial_logits_are_moderate() -> None:
    torch.manual_seed(0)
    D = build_discriminator(CGANConfig(conditioning="projection"), IMAGES)
    assert isinstance(D, ProjectionDiscriminator)
    assert 0.015 < float(D.embed.weight.detach().std()) < 0.025
    with torch.no_grad():
        assert float(D(torch.rand(64, 1, 28, 28) * 2 - 1, torch.arange(64) % 10).abs().max()) < 10


def test_conv_backbones_get_dcgan_initialisation_and_input_embeddings_do_not() -> None:
    torch.manual_seed(0)
    G = build_generator(CGANConfig(conditioning="embedding"), IMAGES)
    D = build_discriminator(CGANConfig(conditioning="embedding"), IMAGES)
    assert isinstance(D, ConcatDiscriminator)
    conv_weights = [m.weight for m in G.body.modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert conv_weights and all(0.015 < float(w.detach().std()) < 0.025 for w in conv_weights)
    assert G.join.code.embedding is not None and D.join.code.embedding is not None
    assert 0.8 < float(G.join.code.embedding.weight.detach().std()) < 1.2  # the scale of z
    assert 0.8 < float(D.join.code.embedding.weight.detach().std()) < 1.2  # the scale of pixels


def test_check_labels_accepts_integer_classes_and_names_the_first_bad_one() -> None:
    assert check_labels(torch.tensor([0, 9], dtype=torch.int32), 10).dtype == torch.int64
    with pytest.raises(ValueError, match=r"labels must be in \[0, 9\], got 10"):
        check_labels(torch.tensor([3, 10, 11]), 10)
    with pytest.raises(ValueError, match=r"got -1"):
        check_labels(torch.tensor([-1]), 10)
    with pytest.raises(ValueError, match="integer class indices"):
        check_labels(torch.tensor([1.0]), 10)
    with pytest.raises(ValueError, match="shape"):
        check_labels(torch.zeros(2, 10, dtype=torch.long), 10)
    with pytest.raises(ValueError, match="needs labels"):
        check_labels(None, 10)


@pytest.mark.parametrize(("backbone", "mode"), CASES)
def test_networks_refuse_labels_outside_the_classes(backbone: str, mode: str) -> None:
    game = build(_config(backbone, mode), IMAGES)
    with pytest.raises(ValueError, match=r"\[0, 9\]"):
        game.generator(torch.randn(2, 8), torch.tensor([0, 10]))
    with pytest.raises(ValueError, match=r"\[0, 9\]"):
        game.discriminator(torch.rand(2, 1, 28, 28), torch.tensor([-2, 1]))
    with pytest.raises(ValueError, match="needs labels"):
        game.discriminator(torch.rand(2, 1, 28, 28))


def test_parameter_counts_follow_the_mode() -> None:
    """One-hot learns nothing for the label; the others learn a table (sizes as documented)."""

    def count(module: torch.nn.Module) -> int:
        return sum(p.numel() for p in module.parameters())

    one_hot = build(CGANConfig(conditioning="one-hot"), IMAGES)
    embedding = build(CGANConfig(conditioning="embedding"), IMAGES)
    # G: the projection layer reads 100 + 10 (one-hot) or 100 + 50 (embedding) inputs
    width = CGANConfig().width
    top = 2 * width * 7 * 7
    assert count(embedding.generator) - count(one_hot.generator) == 10 * 50 + 40 * top
    # D: ten constant maps into the first 4x4 convolution vs one learned 28x28 map per class
    assert count(embedding.discriminator) - count(one_hot.discriminator) == 10 * 28 * 28 - 9 * width * 16
    projection = build(CGANConfig(conditioning="projection"), IMAGES)
    assert count(projection.discriminator) - (count(one_hot.discriminator) - 10 * width * 16) == 10 * top
