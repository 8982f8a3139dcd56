"""The dcgan config: the paper's defaults, what it refuses, and the data it refuses, each with a one-line error."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from gan_core import ConfigError, DataInfo, Registry, resolve_config
from gan_core.testing import tiny_run_config
from gan_plugin_dcgan import DCGAN, DCGANConfig


def test_defaults_are_the_papers() -> None:
    """Section 4 of Radford et al.: batch 128, N(0, 0.02) weights, LeakyReLU slope 0.2, Adam(2e-4, beta1 0.5);
    figure 1: 100-d uniform noise."""
    config = resolve_config(DCGAN)
    model = config.model
    assert (model.latent_dim, model.latent_distribution) == (100, "uniform")
    assert (model.init_std, model.leaky_slope, model.norm) == (0.02, 0.2, "batch")
    assert (model.lr, model.beta1) == (2e-4, 0.5)
    assert config.train.batch_size == 128 and config.train.dataset == "mnist-5k"


def test_only_images_are_accepted_by_the_variant() -> None:
    assert DCGAN.data_kinds == frozenset({"image"})


def _reject(**model: object) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        resolve_config(DCGAN, file_data={"model": model})
    return caught.value


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("norm", "instance", "'batch', 'layer' or 'none'"),
        ("latent_distribution", "gaussian", "'uniform' or 'normal'"),
    ],
)
def test_closed_choices_name_the_allowed_values(field: str, value: str, allowed: str) -> None:
    error = _reject(**{field: value})
    assert error.field == f"model.{field}" and allowed in str(error) and repr(value) in str(error)


def test_the_loss_is_any_registered_one_looked_up_when_the_game_is_built(registry: Registry) -> None:
    """``model.loss`` is an open choice (another plugin may register the loss), so the config takes
    any name and the builder passes it on; the registry refuses a name nobody registered."""
    config = tiny_run_config(DCGAN, loss="hnge", g_width=4, d_width=4).model
    assert config.loss == "hnge"
    images = DataInfo(shape=(1, 28, 28), kind="image")
    assert DCGAN.build(config, images).loss == "hnge"
    with pytest.raises(ConfigError) as caught:
        DCGAN.build_game(config, images, registry)
    assert (
        str(caught.value)
        == "model.loss: unknown loss 'hnge'; available: hinge, least-squares, minimax, non-saturating, rpgan"
    )


@pytest.mark.parametrize("field", ["g_width", "d_width", "latent_dim"])
@pytest.mark.parametrize("value", [0, -16])
def test_sizes_must_be_positive(field: str, value: int) -> None:
    error = _reject(**{field: value})
    assert error.field == f"model.{field}" and "must be > 0" in str(error)


def test_a_fractional_width_is_refused_not_rounded() -> None:
    error = _reject(g_width=32.5)
    assert error.field.startswith("model.g_width")


def test_bad_value_from_the_command_line_form() -> None:
    with pytest.raises(ConfigError, match=r"^model\.beta1: must be in \[0\.0, 1\.0\), got 1\.0$"):
        resolve_config(DCGAN, overrides=["beta1=1.0"])


def test_direct_construction_validates_too() -> None:
    with pytest.raises(ConfigError, match="init_std"):
        DCGANConfig(init_std=0.0)


def _build(info: DataInfo) -> ConfigError:
    config = tiny_run_config(DCGAN, g_width=4, d_width=4).model
    with pytest.raises(ConfigError) as caught:
        DCGAN.build(config, info)
    return caught.value


@pytest.mark.parametrize("size", [30, 100, 3])
def test_an_unsupported_image_size_names_the_fix(size: int) -> None:
    error = _build(DataInfo(shape=(1, size, size), kind="image"))
    message = str(error)
    assert error.field == "train.image_size" and len(message.splitlines()) == 1
    assert f"(1, {size}, {size})" in message and "28, 32, 64" in message and "image_size=32" in message


def test_non_square_images_are_refused() -> None:
    error = _build(DataInfo(shape=(3, 32, 64), kind="image"))
    assert error.field == "train.image_size" and "square" in str(error)


def test_points_are_refused_by_the_builder() -> None:
    error = _build(DataInfo(shape=(2,), kind="points"))
    assert error.field == "train.dataset" and "images" in str(error) and "points" in str(error)


PAGE = Path(__file__).resolve().parents[3] / "docs" / "theory" / "dcgan.md"


@pytest.mark.skipif(not PAGE.exists(), reason="the docs are not part of this checkout")
def test_the_theory_page_lists_every_config_field() -> None:
    section = PAGE.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = [field.name for field in attrs.fields(DCGANConfig) if f"`{field.name}`" not in section]
    assert not missing, f"docs/theory/dcgan.md does not list {missing}"
