"""``house-digits``: printed digits made to behave like SVHN crops, the harder offline source for DTN.

``rendered-digits`` is the easy source: an f trained on it already reads about 73% of the mnist-5k
digits, while networks trained on SVHN read roughly 55-70% of MNIST. This set adds the nuisances of a
house-number photograph, each drawn per image from the generator, so that the gap between the domains
is closer to SVHN's (the calibration is measured in docs/results.md):

* **backgrounds**: crops of the photographs that ship with installed packages (scikit-learn's
  ``china.jpg`` and ``flower.jpg``, matplotlib's ``grace_hopper.jpg``), multi-octave value noise, or a
  two-colour gradient;
* **plaques**: a rectangle of its own colour behind the number, often with a border;
* **numbers**: neighbouring digits on both sides, closer and more often than in ``rendered-digits``,
  cut off by the crop around the centre digit;
* **faces**: matplotlib's fonts (those of ``rendered-digits``), each also drawn bolder (grey dilation
  of its glyphs) and slanted (an italic shear);
* **outlines and drop shadows** around the digits;
* **lighting**: brightness falling off linearly across the crop;
* **perspective**: a random homography of the whole crop, as from a camera off the wall's axis;
* **capture**: Gaussian blur of random width, pixel noise and JPEG compression at a random quality.

Everything is a pure function of ``(n, seed)`` on one installation; the glyphs (FreeType), the photos
(their package versions) and the JPEG codec (Pillow's libjpeg) may change pixels across installations.
"""

from __future__ import annotations

import importlib.util
import io
import math
from functools import lru_cache
from pathlib import Path

import attrs
import numpy as np
import torch
from einops import rearrange
from torch import Tensor
from torch.nn import functional as F

from gan_core._records import DataOptions, LoadedData
from gan_core.data.rendered import (
    DIGITS,
    GLYPH_FRACTION,
    IMAGE_SIZE,
    cache_path,
    cached_images,
    digits_data,
    glyph_atlas,
    inverse_rotation_scale,
    luminance,
    render_in_chunks,
    uniform,
    warp_glyphs,
)

NAME = "house-digits"
#: bump when the rendering changes, so that cached or published numbers are never silently compared
RENDER_VERSION = 1
DEFAULT_SIZE = 20_000
DEFAULT_SEED = 0

_CANVAS = 64  # drawn at this size, pooled to IMAGE_SIZE (as rendered-digits)
_PHOTO_SIDE = 160  # photos are kept with their shorter side this long
#: (package, path inside it): photographs that the core's dependencies install (mlxtend needs
#: scikit-learn; matplotlib is the core's own)
PHOTOS = (
    ("sklearn", "datasets/images/china.jpg"),
    ("sklearn", "datasets/images/flower.jpg"),
    ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),
)


@attrs.frozen(kw_only=True)
class HouseSettings:
    """How the crops vary; every probability is per image. The defaults are the calibrated set."""

    height: tuple[float, float] = (0.5, 0.85)  # centre digit's ink height / image height
    stretch: tuple[float, float] = (0.75, 1.25)
    rotation_deg: float = 10.0
    shift: float = 0.05
    italic_prob: float = 0.3
    italic_shear: tuple[float, float] = (0.1, 0.35)
    #: grey erosion (< 0) or dilation (> 0) steps of the glyphs at the atlas's scale (48-pixel digits);
    #: no erosion by default: it erases the hairlines of the serif faces
    weight_steps: tuple[int, int] = (0, 2)
    neighbour_prob: float = 0.8
    neighbour_gap: tuple[float, float] = (0.03, 0.2)
    background_probs: tuple[float, float, float] = (0.45, 0.3, 0.25)  # photo, noise, gradient
    photo_window: tuple[float, float] = (0.2, 0.7)  # crop side / the photo's shorter side
    photo_amplitude: tuple[float, float] = (0.3, 1.0)  # how much of the photo's texture stays
    plaque_prob: float = 0.5
    border_prob: float = 0.5  # of a plaque
    outline_prob: float = 0.25
    shadow_prob: float = 0.3
    min_contrast: float = 0.35
    lighting: tuple[float, float] = (0.55, 1.0)  # brightness at the dark side of the crop (1 at the other)
    perspective: float = 0.15  # corner displacement, normalised units (the side is 2)
    blur_sigma: tuple[float, float] = (0.0, 1.0)  # at 32x32, in pixels
    noise_std: float = 0.03
    jpeg_prob: float = 0.7
    jpeg_quality: tuple[int, int] = (20, 90)


def contrasting_colours(generator: torch.Generator, reference: Tensor, min_contrast: float) -> Tensor:
    """Random RGB colours whose luminance differs from ``reference``'s (``(n, 3)``) by at least
    ``min_contrast`` (at most 0.5): uniform colours, moved towards white or black, whichever lies farther
    from the reference, just far enough. Unlike redrawing until the contrast holds, this always ends."""
    colours = torch.rand(len(reference), 3, generator=generator)
    lum, ref = luminance(colours), luminance(reference)
    towards_white = ref < 0.5
    extreme = torch.where(towards_white, 1.0, 0.0)
    wanted = torch.where(towards_white, ref + min_contrast, ref - min_contrast)
    short = torch.where(towards_white, lum < wanted, lum > wanted)
    weight = ((wanted - lum) / (extreme - lum).where(short, torch.ones_like(lum))).clamp(0, 1) * short
    return colours + weight[:, None] * (extreme[:, None] - colours)


def _photo_path(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"house-digits needs the photos in {package!r}, which is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / relative


@lru_cache(maxsize=1)
def photos() -> tuple[Tensor, ...]:
    """The background photographs, ``(3, H, W)`` floats in [0, 1], shorter side :data:`_PHOTO_SIDE`."""
    from PIL import Image

    loaded = []
    for package, relative in PHOTOS:
        path = _photo_path(package, relative)
        with Image.open(path) as image:
            rgb = image.convert("RGB")
            scale = _PHOTO_SIDE / min(rgb.size)
            rgb = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)), Image.Resampling.LANCZOS)
            loaded.append(torch.from_numpy(np.asarray(rgb, dtype=np.float32) / 255).permute(2, 0, 1).contiguous())
    return tuple(loaded)


def _photo_crops(generator: torch.Generator, n: int, settings: HouseSettings) -> Tensor:
    """``(n, 3, _CANVAS, _CANVAS)`` square crops of random photos, at random places, sizes and flips."""
    pictures = photos()
    which = torch.randint(len(pictures), (n,), generator=generator)
    window = uniform(generator, n, *settings.photo_window)
    place = torch.rand(n, 2, generator=generator) * 2 - 1
    flip = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
    crops = torch.empty(n, 3, _CANVAS, _CANVAS)
    for index, picture in enumerate(pictures):
        chosen = (which == index).nonzero().flatten()
        if not len(chosen):
            continue
        height, width = picture.shape[1:]
        side = window[chosen] * min(height, width)
        half_x, half_y = side / width, side / height  # half-extent in normalised units
        centre_x = place[chosen, 0] * (1 - half_x)
        centre_y = place[chosen, 1] * (1 - half_y)
        zeros = torch.zeros_like(half_x)
        theta = torch.stack(
            [
                torch.stack([half_x * flip[chosen], zeros, centre_x], dim=1),
                torch.stack([zeros, half_y, centre_y], dim=1),
            ],
            dim=1,
        )
        grid = F.affine_grid(theta, [len(chosen), 3, _CANVAS, _CANVAS], align_corners=False)
        source = picture.unsqueeze(0).expand(len(chosen), -1, -1, -1)
        crops[chosen] = F.grid_sample(source, grid, align_corners=False, padding_mode="reflection")
    amplitude = rearrange(uniform(generator, n, *settings.photo_amplitude), "n -> n 1 1 1")
    mean = crops.mean(dim=(2, 3), keepdim=True)
    tint = rearrange(torch.rand(n, 3, generator=generator), "n c -> n c 1 1")
    tint_weight = rearrange(uniform(generator, n, 0.0, 0.5), "n -> n 1 1 1")
    flattened = mean + amplitude * (crops - mean)
    return flattened + tint_weight * (tint - flattened)


def _value_noise(generator: torch.Generator, n: int) -> Tensor:
    """``(n, 1, _CANVAS, _CANVAS)`` in [0, 1]: three octaves of bicubically upsampled random grids."""
    total = torch.zeros(n, 1, _CANVAS, _CANVAS)
    for cells, weight in ((4, 0.5), (8, 0.3), (16, 0.2)):
        coarse = torch.rand(n, 1, cells, cells, generator=generator)
        total += weight * F.interpolate(coarse, size=_CANVAS, mode="bicubic", align_corners=False)
    low = total.amin(dim=(2, 3), keepdim=True)
    high = total.amax(dim=(2, 3), keepdim=True)
    return (total - low) / (high - low).clamp_min(1e-6)


@lru_cache(maxsize=1)
def _canvas_points() -> Tensor:
    """``(_CANVAS, _CANVAS, 2)`` pixel centres in normalised coordinates, ``(x, y)``: built once and
    shared by every caller, which only reads it."""
    axis = (torch.arange(_CANVAS) + 0.5) / _CANVAS * 2 - 1
    y, x = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([x, y], dim=-1)


def _ramp(generator: torch.Generator, n: int) -> Tensor:
    """``(n, 1, _CANVAS, _CANVAS)``: 0 to 1 along a random direction across the canvas."""
    angle = uniform(generator, n, 0.0, 2 * math.pi)
    direction = torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    along = torch.einsum("hwi,ni->nhw", _canvas_points(), direction) / math.sqrt(2)  # in [-1, 1]
    return rearrange((along + 1) / 2, "n h w -> n 1 h w")


def _backgrounds(generator: torch.Generator, n: int, settings: HouseSettings) -> Tensor:
    """Each image's background: a photo crop, tinted noise or a gradient (all drawn, one kept, so the
    random stream does not depend on the choices)."""
    photo = _photo_crops(generator, n, settings)
    low, high = (rearrange(torch.rand(n, 3, generator=generator), "n c -> n c 1 1") for _ in range(2))
    noise = low + (high - low) * _value_noise(generator, n)
    gradient = low + (high - low) * _ramp(generator, n)
    kind = torch.multinomial(torch.tensor(settings.background_probs), n, replacement=True, generator=generator)
    kind = rearrange(kind, "n -> n 1 1 1")
    return torch.where(kind == 0, photo, torch.where(kind == 1, noise, gradient))


def _restroke(glyphs: Tensor, steps: Tensor) -> Tensor:
    """Glyphs ``(n, h, w)`` made bolder (``steps > 0``: grey dilation) or thinner (erosion), per glyph."""
    out = glyphs.unsqueeze(1)
    most = int(steps.abs().max()) if len(steps) else 0
    for step in range(1, most + 1):
        dilated = F.max_pool2d(out, 3, stride=1, padding=1)
        eroded = -F.max_pool2d(-out, 3, stride=1, padding=1)
        out = torch.where(rearrange(steps >= step, "n -> n 1 1 1"), dilated, out)
        out = torch.where(rearrange(steps <= -step, "n -> n 1 1 1"), eroded, out)
    return out.squeeze(1)


def _box(points: Tensor, angle: Tensor, offset: Tensor, half_w: Tensor, half_h: Tensor) -> Tensor:
    """Soft-edged ``(n, 1, h, w)`` masks of rectangles centred at ``offset`` and turned by ``angle``."""
    cos, sin = torch.cos(angle), torch.sin(angle)
    relative = points.unsqueeze(0) - offset[:, None, None, :]  # (n, h, w, 2)
    along = relative[..., 0] * cos[:, None, None] + relative[..., 1] * sin[:, None, None]
    across = -relative[..., 0] * sin[:, None, None] + relative[..., 1] * cos[:, None, None]
    edge = 0.03
    inside_w = torch.sigmoid((half_w[:, None, None] - along.abs()) / edge)
    inside_h = torch.sigmoid((half_h[:, None, None] - across.abs()) / edge)
    return rearrange(inside_w * inside_h, "n h w -> n 1 h w")


def _shifted(ink: Tensor, shift: Tensor) -> Tensor:
    """``ink`` ``(n, 1, h, w)`` moved by ``shift`` ``(n, 2)`` (normalised units), zeros filling in."""
    eye = torch.eye(2).expand(len(ink), 2, 2)
    theta = torch.cat([eye, rearrange(-shift, "n i -> n i 1")], dim=2)
    grid = F.affine_grid(theta, list(ink.shape), align_corners=False)
    return F.grid_sample(ink, grid, align_corners=False, padding_mode="zeros")


def _homographies(generator: torch.Generator, n: int, displacement: float) -> Tensor:
    """``(n, 3, 3)`` maps from output points to input points that move the canvas corners by up to
    ``displacement`` each (solved from the four corner pairs, the direct linear transform)."""
    corners = torch.tensor([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]).expand(n, 4, 2)
    moved = corners + (torch.rand(n, 4, 2, generator=generator) * 2 - 1) * displacement
    x, y = corners[..., 0], corners[..., 1]
    u, v = moved[..., 0], moved[..., 1]
    one, zero = torch.ones_like(x), torch.zeros_like(x)
    rows_u = torch.stack([x, y, one, zero, zero, zero, -u * x, -u * y], dim=-1)
    rows_v = torch.stack([zero, zero, zero, x, y, one, -v * x, -v * y], dim=-1)
    system = torch.cat([rows_u, rows_v], dim=1)  # (n, 8, 8)
    solution = torch.linalg.solve(system, torch.cat([u, v], dim=1))
    return torch.cat([solution, torch.ones(n, 1)], dim=1).reshape(n, 3, 3)


def _perspective(images: Tensor, homographies: Tensor) -> Tensor:
    points = torch.cat([_canvas_points(), torch.ones(_CANVAS, _CANVAS, 1)], dim=-1)  # (h, w, 3)
    mapped = torch.einsum("nij,hwj->nhwi", homographies, points)
    grid = mapped[..., :2] / mapped[..., 2:]
    return F.grid_sample(images, grid, align_corners=False, padding_mode="reflection")


def _gaussian_blur(images: Tensor, sigma: Tensor) -> Tensor:
    """Each image blurred with its own Gaussian (5x5, ``sigma`` in pixels; 0 leaves it as it is)."""
    n, channels = images.shape[:2]
    taps = torch.arange(-2.0, 3.0)
    weights = torch.exp(-(taps**2) / (2 * sigma.clamp_min(1e-3)[:, None] ** 2))
    weights = weights / weights.sum(dim=1, keepdim=True)  # (n, 5)
    kernels = torch.einsum("ni,nj->nij", weights, weights).repeat_interleave(channels, dim=0)
    flat = rearrange(images, "n c h w -> 1 (n c) h w")
    blurred = F.conv2d(F.pad(flat, (2, 2, 2, 2), mode="replicate"), kernels.unsqueeze(1), groups=n * channels)
    return rearrange(blurred, "1 (n c) h w -> n c h w", n=n)


def _jpeg(images: Tensor, qualities: Tensor, apply: Tensor) -> Tensor:
    """uint8 images ``(n, 3, h, w)`` passed through JPEG at their qualities where ``apply`` says so."""
    from PIL import Image

    out = images.clone()
    for index in apply.nonzero().flatten().tolist():
        buffer = io.BytesIO()
        pixels = images[index].permute(1, 2, 0).numpy()
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=int(qualities[index]))
        with Image.open(buffer) as decoded:
            out[index] = torch.from_numpy(np.array(decoded.convert("RGB"))).permute(2, 0, 1)
    return out


def _render_chunk(generator: torch.Generator, labels: Tensor, settings: HouseSettings) -> Tensor:
    atlas, widths = glyph_atlas()
    n = len(labels)
    font = torch.randint(len(atlas), (n,), generator=generator)
    height = uniform(generator, n, *settings.height)
    stretch = uniform(generator, n, *settings.stretch)
    angle = uniform(generator, n, -1.0, 1.0) * math.radians(settings.rotation_deg)
    offset = (torch.rand(n, 2, generator=generator) * 2 - 1) * (2 * settings.shift)
    italic = torch.rand(n, generator=generator) < settings.italic_prob
    shear = torch.where(italic, uniform(generator, n, *settings.italic_shear), 0.0)
    low, high = settings.weight_steps
    steps = torch.randint(low, high + 1, (n,), generator=generator)
    # glyph -> shear -> scale -> rotate -> move; the inverse undoes them in the reverse order
    scale_y = height / GLYPH_FRACTION
    scale_x = scale_y * stretch
    unshear = torch.eye(2).repeat(n, 1, 1)
    unshear[:, 0, 1] = shear  # x reads x + shear * y: the top (y < 0) leans right
    inverse = unshear @ inverse_rotation_scale(angle, scale_y, scale_x)
    ink = warp_glyphs(_restroke(atlas[font, labels], steps), inverse, offset)
    centre_width = widths[font, labels] * height * stretch
    direction = torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    for side in (-1.0, 1.0):
        show = torch.rand(n, generator=generator) < settings.neighbour_prob
        digit = torch.randint(len(DIGITS), (n,), generator=generator)
        gap = uniform(generator, n, *settings.neighbour_gap) * height
        along = centre_width + widths[font, digit] * height * stretch + 2 * gap
        moved = offset + side * direction * along[:, None]
        neighbour = warp_glyphs(_restroke(atlas[font, digit], steps), inverse, moved)
        ink = torch.maximum(ink, neighbour * rearrange(show.float(), "n -> n 1 1 1"))

    canvas = _backgrounds(generator, n, settings)
    # a plaque behind the number, sometimes with a border
    plaque = rearrange(torch.rand(n, generator=generator) < settings.plaque_prob, "n -> n 1 1 1").float()
    plaque_colour = torch.rand(n, 3, generator=generator)
    half_w = centre_width + uniform(generator, n, 0.15, 1.2)
    half_h = height * uniform(generator, n, 1.15, 1.5)
    outer = _box(_canvas_points(), angle, offset, half_w, half_h) * plaque
    border_width = uniform(generator, n, 0.04, 0.1)
    inner = _box(_canvas_points(), angle, offset, half_w - border_width, half_h - border_width) * plaque
    border = rearrange(torch.rand(n, generator=generator) < settings.border_prob, "n -> n 1 1 1").float()
    border_colour = contrasting_colours(generator, plaque_colour, settings.min_contrast)
    canvas = canvas + outer * (rearrange(plaque_colour, "n c -> n c 1 1") - canvas)
    ring = (outer - inner).clamp_min(0) * border
    canvas = canvas + ring * (rearrange(border_colour, "n c -> n c 1 1") - canvas)
    # the digits' colour contrasts with what lies behind them: the plaque, or the middle of the background
    middle = canvas[:, :, _CANVAS // 4 : 3 * _CANVAS // 4, _CANVAS // 4 : 3 * _CANVAS // 4].mean(dim=(2, 3))
    behind = torch.where(plaque.flatten(1) > 0, plaque_colour, middle)
    foreground = contrasting_colours(generator, behind, settings.min_contrast)
    # a drop shadow, then an outline, then the ink
    shadow = rearrange(torch.rand(n, generator=generator) < settings.shadow_prob, "n -> n 1 1 1").float()
    shadow_shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * 0.12
    strength = rearrange(uniform(generator, n, 0.3, 0.7), "n -> n 1 1 1")
    cast = F.avg_pool2d(_shifted(ink, shadow_shift), 5, stride=1, padding=2, count_include_pad=False)
    canvas = canvas * (1 - shadow * strength * cast)
    outline = rearrange(torch.rand(n, generator=generator) < settings.outline_prob, "n -> n 1 1 1").float()
    outline_colour = contrasting_colours(generator, foreground, settings.min_contrast)
    halo = (F.max_pool2d(ink, 5, stride=1, padding=2) - ink).clamp_min(0) * outline
    canvas = canvas + halo * (rearrange(outline_colour, "n c -> n c 1 1") - canvas)
    canvas = canvas + ink * (rearrange(foreground, "n c -> n c 1 1") - canvas)
    # light falling off across the crop, the camera's perspective, then capture at 32x32
    dark = rearrange(uniform(generator, n, *settings.lighting), "n -> n 1 1 1")
    canvas = canvas * (dark + (1 - dark) * _ramp(generator, n))
    canvas = _perspective(canvas, _homographies(generator, n, settings.perspective))
    image = F.avg_pool2d(canvas, _CANVAS // IMAGE_SIZE)
    image = _gaussian_blur(image, uniform(generator, n, *settings.blur_sigma))
    image = image + settings.noise_std * torch.randn(image.shape, generator=generator)
    image = image.clamp(0, 1).mul(255).round().to(torch.uint8)
    low_q, high_q = settings.jpeg_quality
    qualities = torch.randint(low_q, high_q + 1, (n,), generator=generator)
    compress = torch.rand(n, generator=generator) < settings.jpeg_prob
    return _jpeg(image, qualities, compress)


def render_house_digits(
    n: int, seed: int = DEFAULT_SEED, settings: HouseSettings | None = None, chunk: int = 1024
) -> tuple[Tensor, Tensor]:
    """``n`` house-number crops as ``(uint8 images (n, 3, 32, 32), labels (n,))``, a pure function of
    the arguments; every class occurs ``n // 10`` or ``n // 10 + 1`` times, in a seeded random order."""
    drawn = settings or HouseSettings()
    return render_in_chunks(n, seed, lambda generator, labels: _render_chunk(generator, labels, drawn), chunk)


@lru_cache(maxsize=4)
def cached_house_digits(root: Path, n: int, seed: int) -> tuple[Tensor, Tensor]:
    """:func:`render_house_digits` with the default settings, memoised in the process and on disk."""
    path = cache_path(root.expanduser(), n, seed, NAME, RENDER_VERSION)
    return cached_images(path, lambda: render_house_digits(n, seed))


def load_house_digits(options: DataOptions) -> LoadedData:
    """The registered ``house-digits`` set: :data:`DEFAULT_SIZE` crops from :data:`DEFAULT_SEED`, drawn
    on first use and cached in memory and under ``train.data_root``."""
    return digits_data(*cached_house_digits(options.root, DEFAULT_SIZE, DEFAULT_SEED), options)
