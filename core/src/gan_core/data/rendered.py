"""``rendered-digits``: printed digits drawn offline with the TrueType fonts that ship with matplotlib.

A stand-in for SVHN (house numbers cropped around one digit) as the source domain of the Domain
Transfer Network, for machines that cannot download SVHN: 32x32 RGB, labels 0-9, a random font, size,
small rotation and stretch, random colours with a guaranteed luminance contrast, neighbouring digits
cut off at the sides, a little blur and noise. Everything is a pure function of ``(n, seed)``.

It must stay *learnable*, as SVHN is (the DTN paper's f reaches ~95% on SVHN): an earlier trial with
colours drawn mod 256 (often no contrast at all), heavy side clutter and +-12 degree rotations only let
a 4-conv classifier reach 85%, and DTN on top of that f never passed 18%. Hence the contrast floor,
neighbours that never cover the centre digit, and rotations within +-8 degrees.

How it is made, and why it is fast (20,000 images in a few seconds on two cores): each usable font's
ten glyphs are rasterised once with Pillow into a 64x64 atlas (tight box, common height); an image is
then three atlas lookups (centre digit and its two neighbours) warped by one affine map each with
``grid_sample`` at 64x64, merged, coloured and average-pooled to 32x32 (the pooling anti-aliases),
all batched in torch. The glyph rasteriser is FreeType's, so the exact pixels may differ across
FreeType versions; on one installation they are bit-for-bit reproducible.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import attrs
import numpy as np
import torch
from einops import rearrange, repeat
from torch import Tensor
from torch.nn import functional as F

from gan_core._files import atomic_write
from gan_core._records import DataInfo, DataOptions, LoadedData
from gan_core.data.memory import InMemoryDataset, resize_images

#: bump when the rendering changes, so that cached or published numbers are never silently compared
RENDER_VERSION = 1
#: the registered data set: 20,000 renders (SVHN's training split has 73,257; 20,000 suffice to train
#: the paper's 4-conv f to ~98% here, and render in seconds)
DEFAULT_SIZE = 20_000
DEFAULT_SEED = 0
IMAGE_SIZE = 32
DIGITS = "0123456789"

_ATLAS = 64  # glyph atlas side (pixels); images are drawn at this size and pooled to IMAGE_SIZE
_GLYPH_HEIGHT = 48  # every glyph's ink box is scaled to this height in the atlas (width follows)
_RENDER_POINTS = 96  # Pillow font size used to rasterise, before scaling to the atlas
#: how much of the atlas's height a glyph's ink fills
GLYPH_FRACTION = _GLYPH_HEIGHT / _ATLAS

#: fonts whose digits are not the ten arabic numerals as a reader knows them, although their
#: character map covers '0'-'9' (checked by eye on a montage of every matplotlib font):
_NOT_DIGITS = {
    "cmex10.ttf": "TeX extension font: '0'-'9' are pieces of big delimiters",
    "cmsy10.ttf": "TeX symbol font: '0'-'9' are symbols (prime, infinity, element-of, ...)",
    "cmmi10.ttf": "TeX math italic: old-style figures (0, 1, 2 at x-height; 3-9 descend)",
}


@attrs.frozen(kw_only=True)
class RenderSettings:
    """How digits vary. Defaults: SVHN-like but learnable (see the module docstring)."""

    height: tuple[float, float] = (0.55, 0.85)  # centre digit's ink height / image height
    stretch: tuple[float, float] = (0.8, 1.2)  # width multiplier (condensed to wide faces)
    rotation_deg: float = 8.0  # uniform in +-rotation_deg
    shift: float = 0.08  # centre jitter, as a fraction of the image side (+-2.5 px)
    neighbour_prob: float = 0.6  # each side independently shows a (cut-off) neighbouring digit
    neighbour_gap: tuple[float, float] = (0.05, 0.25)  # space between digits / digit height
    min_contrast: float = 0.3  # |luminance(fg) - luminance(bg)| >= this (luminance in [0, 1])
    max_blur: float = 1.0  # mix with a 3x3 binomial blur, weight uniform in [0, max_blur]
    noise_std: float = 0.02  # additive Gaussian pixel noise (of the [0, 1] range)


def font_dir() -> Path:
    """matplotlib's bundled TrueType fonts (DejaVu, STIX, Computer Modern)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _covers_digits(path: Path) -> bool:
    from matplotlib.ft2font import FT2Font

    charmap = FT2Font(str(path)).get_charmap()
    return all(ord(c) in charmap for c in DIGITS)


def _rasterise(path: Path) -> np.ndarray:
    """The ten glyphs of one font as a ``(10, _ATLAS, _ATLAS)`` float array in [0, 1]: each glyph's ink
    box scaled to a common height (width keeps the aspect ratio, capped at the atlas) and centred."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(path), _RENDER_POINTS)
    glyphs = np.zeros((len(DIGITS), _ATLAS, _ATLAS), dtype=np.float32)
    for index, char in enumerate(DIGITS):
        canvas = Image.new("L", (4 * _RENDER_POINTS, 4 * _RENDER_POINTS), 0)
        ImageDraw.Draw(canvas).text((_RENDER_POINTS, _RENDER_POINTS), char, fill=255, font=font)
        box = canvas.getbbox()
        if box is None:
            continue
        ink = canvas.crop(box)
        width = min(_ATLAS - 2, max(1, round(ink.width * _GLYPH_HEIGHT / ink.height)))
        ink = ink.resize((width, _GLYPH_HEIGHT), Image.Resampling.LANCZOS)
        left, top = (_ATLAS - width) // 2, (_ATLAS - _GLYPH_HEIGHT) // 2
        glyphs[index, top : top + _GLYPH_HEIGHT, left : left + width] = np.asarray(ink, dtype=np.float32) / 255
    return glyphs


def _distinct(glyphs: np.ndarray) -> bool:
    """All ten glyphs drawn and pairwise different (a fallback font draws one box for everything)."""
    flat = glyphs.reshape(len(glyphs), -1)
    if (flat.max(axis=1) < 0.5).any():
        return False
    gaps = np.abs(flat[:, None, :] - flat[None, :, :]).mean(axis=2)
    return bool((gaps[~np.eye(len(glyphs), dtype=bool)] > 0.02).all())


@lru_cache(maxsize=1)
def usable_fonts() -> tuple[Path, ...]:
    """The bundled fonts that draw all ten digits legibly: their character map covers '0'-'9'
    (excludes STIX size variants, STIXNonUnicode and the Display subsets), the glyphs are distinct
    (excludes LastResort) and they are not a TeX symbol or old-style font (``_NOT_DIGITS``)."""
    fonts = []
    for path in sorted(font_dir().glob("*.ttf")):
        if path.name in _NOT_DIGITS or not _covers_digits(path):
            continue
        if _distinct(_rasterise(path)):
            fonts.append(path)
    if not fonts:
        raise RuntimeError(f"no usable digit font in {font_dir()}; is matplotlib installed completely?")
    return tuple(fonts)


@lru_cache(maxsize=1)
def glyph_atlas() -> tuple[Tensor, Tensor]:
    """``(glyphs, widths)``: glyphs ``(fonts, 10, 64, 64)`` in [0, 1] and each glyph's ink width as a
    fraction of its height (to place neighbours beside the centre digit)."""
    glyphs = torch.from_numpy(np.stack([_rasterise(path) for path in usable_fonts()]))
    columns = (glyphs > 0.05).any(dim=2)  # (fonts, 10, width): which columns hold ink
    span = columns.float().sum(dim=2)
    return glyphs, span / _GLYPH_HEIGHT


def uniform(generator: torch.Generator, n: int, low: float, high: float) -> Tensor:
    """``n`` draws from U(low, high), from ``generator`` (renders are pure functions of their seed)."""
    return low + (high - low) * torch.rand(n, generator=generator)


def luminance(rgb: Tensor) -> Tensor:
    """Rec. 601 luma of RGB in [0, 1] along the last axis: how a reader sees the contrast."""
    return rgb @ torch.tensor([0.299, 0.587, 0.114])


def _colours(generator: torch.Generator, n: int, min_contrast: float) -> tuple[Tensor, Tensor]:
    """Foreground and background RGB in [0, 1] whose luminances differ by at least ``min_contrast``:
    both uniform, the foreground redrawn where the contrast falls short (a handful of rounds)."""
    background = torch.rand(n, 3, generator=generator)
    foreground = torch.rand(n, 3, generator=generator)
    for _ in range(100):
        low = (luminance(foreground) - luminance(background)).abs() < min_contrast
        if not low.any():
            break
        foreground[low] = torch.rand(int(low.sum()), 3, generator=generator)
    else:  # pragma: no cover - needs min_contrast near 1
        raise ValueError(f"min_contrast={min_contrast} is unreachable with uniform colours")
    return foreground, background


def inverse_rotation_scale(angle: Tensor, scale_y: Tensor, scale_x: Tensor) -> Tensor:
    """``(n, 2, 2)`` matrices that undo a rotation by ``angle`` after a scaling by ``scale_x, scale_y``."""
    cos, sin = torch.cos(angle), torch.sin(angle)
    return torch.stack(
        [
            torch.stack([cos / scale_x, sin / scale_x], dim=1),
            torch.stack([-sin / scale_y, cos / scale_y], dim=1),
        ],
        dim=1,
    )


def _warp(glyphs: Tensor, angle: Tensor, scale_y: Tensor, scale_x: Tensor, offset: Tensor) -> Tensor:
    """Sample each glyph through its own affine map onto a ``_ATLAS``-sized canvas: scaled, rotated by
    ``angle`` and moved to ``offset``."""
    return warp_glyphs(glyphs, inverse_rotation_scale(angle, scale_y, scale_x), offset)


def warp_glyphs(glyphs: Tensor, inverse: Tensor, offset: Tensor) -> Tensor:
    """Glyphs ``(n, h, w)`` drawn on ``(n, 1, _ATLAS, _ATLAS)`` canvases: an output point ``p``
    (normalised coordinates) reads the glyph at ``inverse @ (p - offset)``."""
    translation = -torch.einsum("nij,nj->ni", inverse, offset)
    theta = torch.cat([inverse, rearrange(translation, "n i -> n i 1")], dim=2)
    grid = F.affine_grid(theta, [len(glyphs), 1, _ATLAS, _ATLAS], align_corners=False)
    return F.grid_sample(rearrange(glyphs, "n h w -> n 1 h w"), grid, align_corners=False, padding_mode="zeros")


def _render_chunk(generator: torch.Generator, labels: Tensor, settings: RenderSettings) -> Tensor:
    atlas, widths = glyph_atlas()
    n, fonts = len(labels), len(atlas)
    font = torch.randint(fonts, (n,), generator=generator)
    height = uniform(generator, n, *settings.height)
    stretch = uniform(generator, n, *settings.stretch)
    angle = uniform(generator, n, -1.0, 1.0) * math.radians(settings.rotation_deg)
    offset = (torch.rand(n, 2, generator=generator) * 2 - 1) * (2 * settings.shift)
    # the atlas glyph is _GLYPH_HEIGHT of _ATLAS tall; scale it so its ink is `height` of the image
    scale_y = height * _ATLAS / _GLYPH_HEIGHT
    scale_x = scale_y * stretch
    ink = _warp(atlas[font, labels], angle, scale_y, scale_x, offset)
    # neighbours: same font, colour, size and slant, placed beside the centre digit along its baseline
    centre_width = widths[font, labels] * height * stretch  # normalised units are 2 per image side
    direction = torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    for side in (-1.0, 1.0):
        show = torch.rand(n, generator=generator) < settings.neighbour_prob
        digit = torch.randint(len(DIGITS), (n,), generator=generator)
        gap = uniform(generator, n, *settings.neighbour_gap) * height
        along = centre_width + widths[font, digit] * height * stretch + 2 * gap  # in normalised units
        neighbour = _warp(atlas[font, digit], angle, scale_y, scale_x, offset + side * direction * along[:, None])
        ink = torch.maximum(ink, neighbour * rearrange(show.float(), "n -> n 1 1 1"))
    foreground, background = _colours(generator, n, settings.min_contrast)
    image = rearrange(background, "n c -> n c 1 1") + rearrange(foreground - background, "n c -> n c 1 1") * ink
    image = F.avg_pool2d(image, _ATLAS // IMAGE_SIZE)  # (n, 3, 32, 32), anti-aliased
    binomial = torch.tensor([1.0, 2.0, 1.0])
    kernel = repeat(torch.outer(binomial, binomial) / 16, "h w -> c 1 h w", c=3)
    blurred = F.conv2d(F.pad(image, (1, 1, 1, 1), mode="replicate"), kernel, groups=3)
    mix = rearrange(uniform(generator, n, 0.0, settings.max_blur), "n -> n 1 1 1")
    image = image + mix * (blurred - image)
    image = image + settings.noise_std * torch.randn(image.shape, generator=generator)
    return image.clamp_(0, 1).mul_(255).round_().to(torch.uint8)


def render_digits(
    n: int, seed: int = DEFAULT_SEED, settings: RenderSettings | None = None, chunk: int = 2048
) -> tuple[Tensor, Tensor]:
    """``n`` rendered digits as ``(uint8 images (n, 3, 32, 32), labels (n,))``, a pure function of the
    arguments. Every class occurs ``n // 10`` or ``n // 10 + 1`` times, in a seeded random order."""
    drawn = settings or RenderSettings()
    return render_in_chunks(n, seed, lambda generator, labels: _render_chunk(generator, labels, drawn), chunk)


def render_in_chunks(
    n: int, seed: int, draw: Callable[[torch.Generator, Tensor], Tensor], chunk: int
) -> tuple[Tensor, Tensor]:
    """``n`` balanced labels in a seeded random order and their images, drawn ``chunk`` at a time by
    ``draw(generator, labels)`` from one generator (chunks bound the memory of the 64x64 canvases)."""
    if n <= 0:
        raise ValueError(f"n must be > 0, got {n}")
    generator = torch.Generator().manual_seed(seed)
    labels = (torch.arange(n) % len(DIGITS))[torch.randperm(n, generator=generator)]
    with torch.no_grad():
        images = torch.cat([draw(generator, labels[i : i + chunk]) for i in range(0, n, chunk)])
    return images, labels


def digits_data(images: Tensor, labels: Tensor, options: DataOptions) -> LoadedData:
    """Labelled digit images as a loaded data set, resized to ``options.image_size`` (0: as drawn)."""
    images = resize_images(images, options.image_size)
    info = DataInfo(shape=tuple(images.shape[1:]), kind="image", num_classes=len(DIGITS))
    return LoadedData(InMemoryDataset(images, labels), info)


def cache_path(root: Path, n: int, seed: int, name: str = "rendered-digits", version: int = RENDER_VERSION) -> Path:
    """Where :func:`cached_render` keeps ``n`` renders from ``seed`` under a data root."""
    return root / name / f"v{version}-seed{seed}-n{n}.safetensors"


def cached_images(path: Path, render: Callable[[], tuple[Tensor, Tensor]]) -> tuple[Tensor, Tensor]:
    """Images and labels read from ``path``, or rendered and written there.

    It is written to a temporary name and renamed into place, so concurrent processes and a kill at
    any moment never leave a partial file; a damaged file is rendered again and replaced, and a root
    that cannot be written to only costs the rendering.
    """
    from safetensors.torch import load_file, save_file

    if path.exists():
        try:
            stored = load_file(str(path))
            return stored["images"], stored["labels"]
        except Exception:  # a file from an interrupted copy, or not ours: render afresh and replace it
            pass
    images, labels = render()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda partial: save_file({"images": images, "labels": labels}, str(partial)))
    except OSError:
        pass
    return images, labels


@lru_cache(maxsize=4)
def cached_render(root: Path, n: int, seed: int) -> tuple[Tensor, Tensor]:
    """:func:`render_digits` with the default settings, memoised in the process and on disk.

    Rendering 20,000 digits takes 10-20 s on two cores; the file (60 MB) loads in well under a second.
    """
    return cached_images(cache_path(root.expanduser(), n, seed), lambda: render_digits(n, seed))


def load_rendered_digits(options: DataOptions) -> LoadedData:
    """The registered ``rendered-digits`` set: :data:`DEFAULT_SIZE` renders from :data:`DEFAULT_SEED`,
    drawn on first use and cached in memory and under ``train.data_root``."""
    return digits_data(*cached_render(options.root, DEFAULT_SIZE, DEFAULT_SEED), options)
