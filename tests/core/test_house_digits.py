"""house-digits: the harder SVHN-like source. Determinism, each nuisance on a case worked by hand, the
cache, the registry, and (slow) the calibration that docs/results.md states."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gan_core import DataOptions, Registry
from gan_core.data import house
from gan_core.data.house import (
    HouseSettings,
    cached_house_digits,
    contrasting_colours,
    luminance,
    photos,
    render_house_digits,
)
from gan_core.data.memory import InMemoryDataset
from gan_core.data.rendered import cache_path


def test_rendering_is_a_pure_function_of_n_and_seed_with_balanced_labels() -> None:
    images, labels = render_house_digits(200, seed=3)
    again, again_labels = render_house_digits(200, seed=3)
    assert images.shape == (200, 3, 32, 32) and images.dtype == torch.uint8
    assert torch.equal(images, again) and torch.equal(labels, again_labels)
    assert not torch.equal(images, render_house_digits(200, seed=4)[0])
    assert torch.bincount(labels, minlength=10).tolist() == [20] * 10


def test_chunks_draw_from_one_stream() -> None:
    whole, _ = render_house_digits(30, seed=1, chunk=1024)
    pieces, _ = render_house_digits(30, seed=1, chunk=10)
    assert whole.shape == pieces.shape and not torch.equal(whole, pieces)  # the stream runs on between chunks
    assert torch.equal(pieces, render_house_digits(30, seed=1, chunk=10)[0])


def test_contrasting_colours_reach_the_contrast_and_stay_in_range() -> None:
    generator = torch.Generator().manual_seed(0)
    reference = torch.rand(5000, 3, generator=generator)
    colours = contrasting_colours(generator, reference, 0.4)
    assert float(colours.min()) >= 0 and float(colours.max()) <= 1
    assert float((luminance(colours) - luminance(reference)).abs().min()) >= 0.4 - 1e-6
    # by hand: on a black reference, a drawn colour darker than 0.4 is lifted towards white to exactly 0.4
    drawn = torch.rand(8, 3, generator=torch.Generator().manual_seed(5))
    lifted = contrasting_colours(torch.Generator().manual_seed(5), torch.zeros(8, 3), 0.4)
    lum = luminance(drawn)
    weight = ((0.4 - lum) / (1 - lum)).clamp_min(0)
    assert torch.allclose(lifted, drawn + weight[:, None] * (1 - drawn), atol=1e-6)
    assert bool((lum < 0.4).any()) and bool((lum > 0.4).any())  # both cases occur in this draw


def test_restroke_makes_glyphs_bolder_or_thinner() -> None:
    glyph = torch.zeros(3, 9, 9)
    glyph[:, 2:7, 4] = 1.0  # a vertical bar one pixel wide
    out = house._restroke(glyph, torch.tensor([-1, 0, 1]))
    assert float(out[0].sum()) == 0  # one erosion step removes a one-pixel stroke
    assert torch.equal(out[1], glyph[1])
    assert float(out[2].sum()) == 7 * 3  # one dilation step: 3 pixels wide, one longer at each end


def test_homographies_move_the_corners_as_drawn_and_none_is_the_identity() -> None:
    generator = torch.Generator().manual_seed(2)
    identity = house._homographies(generator, 4, 0.0)
    assert torch.allclose(identity, torch.eye(3).expand(4, 3, 3), atol=1e-6)
    generator = torch.Generator().manual_seed(2)
    maps = house._homographies(generator, 4, 0.15)
    generator = torch.Generator().manual_seed(2)
    corners = torch.tensor([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    moved = corners + (torch.rand(4, 4, 2, generator=generator) * 2 - 1) * 0.15
    homogeneous = torch.cat([corners, torch.ones(4, 1)], dim=1)
    mapped = torch.einsum("nij,kj->nki", maps, homogeneous)
    assert torch.allclose(mapped[..., :2] / mapped[..., 2:], moved, atol=1e-5)


def test_blur_of_zero_width_leaves_images_alone_and_blur_keeps_a_flat_image_flat() -> None:
    images = torch.rand(2, 3, 8, 8)
    assert torch.allclose(house._gaussian_blur(images, torch.zeros(2)), images, atol=1e-6)
    flat = torch.full((1, 3, 8, 8), 0.3)
    assert torch.allclose(house._gaussian_blur(flat, torch.tensor([1.0])), flat)
    spot = torch.zeros(1, 1, 8, 8)
    spot[..., 4, 4] = 1.0
    blurred = house._gaussian_blur(spot, torch.tensor([1.0]))
    assert float(blurred.sum()) == pytest.approx(1.0) and float(blurred.max()) < 0.2


def test_jpeg_changes_only_the_images_it_is_asked_to() -> None:
    images = (torch.rand(3, 3, 32, 32) * 255).round().to(torch.uint8)
    out = house._jpeg(images, torch.tensor([20, 20, 20]), torch.tensor([True, False, True]))
    assert torch.equal(out[1], images[1])
    assert not torch.equal(out[0], images[0]) and not torch.equal(out[2], images[2])
    assert float((out[0].float() - images[0].float()).abs().mean()) > 5  # quality 20 on noise is lossy


def test_box_is_one_inside_and_zero_outside() -> None:
    points = house._canvas_points()
    mask = house._box(points, torch.zeros(1), torch.zeros(1, 2), torch.tensor([0.5]), torch.tensor([0.25]))
    assert mask.shape == (1, 1, 64, 64)
    assert float(mask[0, 0, 32, 32]) > 0.99 and float(mask[0, 0, 2, 2]) < 0.01
    assert float(mask[0, 0, 32, 40]) > 0.99 and float(mask[0, 0, 48, 32]) < 0.01  # wider than tall


def test_the_photographs_come_from_installed_packages() -> None:
    pictures = photos()
    assert len(pictures) == len(house.PHOTOS) == 3
    for picture in pictures:
        assert picture.shape[0] == 3 and min(picture.shape[1:]) == 160
        assert float(picture.std()) > 0.05  # photographs, not blanks


def test_the_nuisances_can_be_switched_off() -> None:
    """With every nuisance off, a crop is a clean digit on a flat colour: the settings really act."""
    plain = HouseSettings(
        background_probs=(0.0, 0.0, 1.0),
        plaque_prob=0.0,
        outline_prob=0.0,
        shadow_prob=0.0,
        neighbour_prob=0.0,
        lighting=(1.0, 1.0),
        perspective=0.0,
        blur_sigma=(0.0, 0.0),
        noise_std=0.0,
        jpeg_prob=0.0,
    )
    clean, _ = render_house_digits(50, seed=0, settings=plain)
    busy, _ = render_house_digits(50, seed=0)
    assert not torch.equal(clean, busy)

    def roughness(images: torch.Tensor) -> float:  # pixel-to-pixel change, high for texture and noise
        return float((images[..., 1:].float() - images[..., :-1].float()).abs().mean())

    assert roughness(busy) > roughness(clean)


def test_disk_cache_and_registry(registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(house, "DEFAULT_SIZE", 40)
    cached_house_digits.cache_clear()
    loaded = registry.dataset("house-digits").load(DataOptions(root=tmp_path))
    assert cache_path(tmp_path, 40, house.DEFAULT_SEED, "house-digits", house.RENDER_VERSION).is_file()
    assert isinstance(loaded.dataset, InMemoryDataset)
    assert loaded.info.shape == (3, 32, 32) and loaded.info.kind == "image" and loaded.info.num_classes == 10
    cached_house_digits.cache_clear()
    again = registry.dataset("house-digits").load(DataOptions(root=tmp_path))  # read back from the file
    assert isinstance(again.dataset, InMemoryDataset) and torch.equal(again.dataset.x, loaded.dataset.x)
    cached_house_digits.cache_clear()


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="n must be > 0"):
        render_house_digits(0)
