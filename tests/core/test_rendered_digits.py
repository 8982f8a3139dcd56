"""rendered-digits: which fonts draw the digits, determinism, balance, contrast, the caches, the registry."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gan_core import DataOptions, Registry
from gan_core.data import rendered
from gan_core.data.memory import InMemoryDataset
from gan_core.data.rendered import RenderSettings, cache_path, cached_render, render_digits, usable_fonts


def test_fonts_that_do_not_draw_arabic_digits_are_excluded() -> None:
    names = {path.name for path in usable_fonts()}
    # symbol and size-variant fonts, the fallback font that draws one box for everything, old-style figures
    for excluded in ("cmsy10.ttf", "cmex10.ttf", "cmmi10.ttf", "LastResortHE-Regular.ttf", "STIXSizOneSymReg.ttf"):
        assert excluded not in names
    assert not any(name.startswith("STIXNonUni") or "Display" in name for name in names)
    # the text faces stay: sans, serif, mono, italic and bold, from all three families
    assert {
        "DejaVuSans.ttf",
        "DejaVuSerif-Italic.ttf",
        "DejaVuSansMono-Bold.ttf",
        "STIXGeneral.ttf",
        "cmr10.ttf",
    } <= names
    assert len(names) >= 15


def test_glyph_atlas_has_ten_distinct_digits_per_font() -> None:
    glyphs, widths = rendered.glyph_atlas()
    assert glyphs.shape == (len(usable_fonts()), 10, 64, 64)
    assert glyphs.min() >= 0 and glyphs.max() <= 1
    assert bool((widths > 0.1).all()) and bool((widths <= 64 / 48).all())
    one, eight = widths[:, 1].mean(), widths[:, 8].mean()
    assert one < eight  # a '1' is narrower than an '8' in these faces, on average


def test_rendering_is_a_pure_function_of_n_and_seed() -> None:
    images, labels = render_digits(300, seed=5)
    again, again_labels = render_digits(300, seed=5)
    other, _ = render_digits(300, seed=6)
    assert images.shape == (300, 3, 32, 32) and images.dtype == torch.uint8 and labels.dtype == torch.long
    assert torch.equal(images, again) and torch.equal(labels, again_labels)
    assert not torch.equal(images, other)
    assert torch.bincount(labels, minlength=10).tolist() == [30] * 10


def test_chunking_does_not_change_the_images() -> None:
    whole, _ = render_digits(40, seed=1, chunk=2048)
    assert torch.equal(whole, render_digits(40, seed=1, chunk=2048)[0])
    assert whole.float().std() > 20  # not blank: digits on coloured backgrounds


def test_every_image_has_contrast_between_digit_and_background() -> None:
    settings = RenderSettings(neighbour_prob=0.0, noise_std=0.0, max_blur=0.0)
    images, _ = render_digits(200, seed=2, settings=settings)
    luminance = (images.float() / 255 * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(dim=1)
    flat = luminance.flatten(1)
    spread = flat.quantile(0.98, dim=1) - flat.quantile(0.02, dim=1)
    assert float(spread.min()) >= 0.25  # min_contrast 0.3, less what anti-aliasing takes off thin strokes


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="n must be > 0"):
        render_digits(0)


def test_disk_cache_is_written_once_and_read_back(tmp_path: Path) -> None:
    cached_render.cache_clear()
    images, labels = cached_render(tmp_path, 50, 9)
    path = cache_path(tmp_path, 50, 9)
    assert path.is_file() and not list(path.parent.glob("*.partial"))
    cached_render.cache_clear()
    reread, relabels = cached_render(tmp_path, 50, 9)
    assert torch.equal(reread, images) and torch.equal(relabels, labels)
    assert torch.equal(images, render_digits(50, 9)[0])


def test_a_damaged_cache_file_is_rendered_again(tmp_path: Path) -> None:
    cached_render.cache_clear()
    path = cache_path(tmp_path, 20, 4)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a safetensors file")
    images, _ = cached_render(tmp_path, 20, 4)
    assert torch.equal(images, render_digits(20, 4)[0])
    cached_render.cache_clear()
    assert torch.equal(cached_render(tmp_path, 20, 4)[0], images)  # and the file was replaced


def test_registered_under_its_name(registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = registry.dataset("rendered-digits")
    # the registered set is DEFAULT_SIZE renders; shrink it here (rendering 20,000 takes ~15 s)
    monkeypatch.setattr(rendered, "DEFAULT_SIZE", 100)
    cached_render.cache_clear()
    loaded = spec.load(DataOptions(root=tmp_path))
    assert isinstance(loaded.dataset, InMemoryDataset)
    assert loaded.info.shape == (3, 32, 32) and loaded.info.kind == "image" and loaded.info.num_classes == 10
    x, y = loaded.dataset.get_batch(torch.arange(8))
    assert x.dtype == torch.float32 and float(x.min()) >= -1 and float(x.max()) <= 1 and y is not None
    resized = spec.load(DataOptions(root=tmp_path, image_size=16))
    assert resized.info.shape == (3, 16, 16)
    cached_render.cache_clear()
