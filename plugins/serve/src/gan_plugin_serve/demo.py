"""A trained run as a demo: what each kind of run can show, as PNG bytes, whatever serves it.

Three kinds, from what the generator reads (gan-core's input sampler):

- **noise**: sample grids for a seed, and latent interpolations between two seeds, linear or
  spherical (for Gaussian noise the spherical path keeps the norm that the generator was trained on;
  a straight line between two draws passes through norms it rarely saw);
- **conditional**: the same, for one class or one row per class;
- **translation** (DTN): uploaded images, and the run's held-out source examples, each beside its
  transfer.

Generation (the forward pass and the drawing, which for points goes through pyplot and is not
thread-safe) runs one request at a time per process (a lock): two forward passes at once on a CPU only
share its cores and both finish later. Bad input raises :class:`BadRequest`, one line.
"""

from __future__ import annotations

import io
import math
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs
import torch
from torch import Tensor

from gan_core import (
    LoadedData,
    Noise,
    Registry,
    RunDir,
    TrainedRun,
    checkpoint_step,
    config_to_toml,
    generate,
    grid_labels,
    load_run,
    sample_latent,
    save_samples,
)
from gan_core.data import real_subset

__all__ = ["BadRequest", "DemoRun", "Kind", "decode_image"]

Kind = Literal["noise", "conditional", "translation"]

_COMPUTE = threading.RLock()  # one generation (forward pass and drawing) at a time in this process
_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")  # what uploads may be; never EPS and its interpreter
MAX_UPLOAD_PIXELS = 4096 * 4096  # a small compressed file may decode to gigabytes: refused before decoding


class BadRequest(ValueError):
    """Input the demo cannot take; its message is one line, shown to the user as it is."""


def _png_grid(samples: Tensor, low: float, high: float, nrow: int) -> bytes:
    from PIL import Image
    from torchvision.utils import make_grid

    pixels = ((samples.float() - low) / (high - low)).clamp(0, 1)
    grid = make_grid(pixels, nrow=max(1, nrow), padding=2, pad_value=1.0)
    array = grid.mul(255).round().to(torch.uint8).permute(1, 2, 0).numpy()
    image = Image.fromarray(array[..., 0] if array.shape[2] == 1 else array)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _via_file(write: Any) -> bytes:
    """PNG bytes of what gan-core's sample writer draws (scatter plots, translation pairs)."""
    with tempfile.TemporaryDirectory(prefix="gan-serve-") as folder:
        path = Path(folder) / "samples.png"
        write(path)
        return path.read_bytes()


def decode_image(data: bytes, shape: Sequence[int], value_range: tuple[float, float], index: int = 1) -> Tensor:
    """An uploaded image as one input of the run's source domain: the centre square, resized to
    ``shape`` (C, H, W), in the domain's value range. ``index`` names the file in errors."""
    from PIL import Image, UnidentifiedImageError

    channels, height, width = (int(v) for v in shape)
    not_an_image = f"file {index} is not an image this server can read ({', '.join(_FORMATS)})"
    try:
        with Image.open(io.BytesIO(data), formats=_FORMATS) as opened:
            if opened.width * opened.height > MAX_UPLOAD_PIXELS:
                raise BadRequest(
                    f"file {index} is {opened.width}x{opened.height} pixels; at most {MAX_UPLOAD_PIXELS} pixels"
                )
            opened.load()
            image = opened.convert("L" if channels == 1 else "RGB")
    except BadRequest:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise BadRequest(not_an_image) from None
    except Exception:  # a damaged file: Pillow raises OSError, SyntaxError, EOFError, struct.error, ...
        raise BadRequest(not_an_image) from None
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side)).resize((width, height), Image.Resampling.BILINEAR)
    array = torch.frombuffer(bytearray(image.tobytes()), dtype=torch.uint8)
    x = array.reshape(height, width, channels).permute(2, 0, 1).float() / 255.0
    low, high = value_range
    return low + x * (high - low)


def slerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """Spherical interpolation between rows ``a`` and ``b`` at fractions ``t`` (linear where the two
    are parallel); norms are interpolated linearly."""
    a_norm, b_norm = a.norm(dim=-1, keepdim=True), b.norm(dim=-1, keepdim=True)
    cos = ((a / a_norm) * (b / b_norm)).sum(-1, keepdim=True).clamp(-1, 1)
    omega = torch.arccos(cos)
    t = t.reshape(-1, 1)
    if float(omega.abs().max()) < 1e-6:
        return (1 - t) * a + t * b
    direction = (torch.sin((1 - t) * omega) * (a / a_norm) + torch.sin(t * omega) * (b / b_norm)) / torch.sin(omega)
    return direction * ((1 - t) * a_norm + t * b_norm)


@attrs.define
class DemoRun:
    """One served run: its generator loaded once, and (for translations) its data for examples."""

    name: str
    path: Path
    run: TrainedRun
    data: LoadedData | None = None

    @classmethod
    def load(cls, path: Path, registry: Registry, name: str | None = None) -> DemoRun:
        run = load_run(path, registry)
        data = run.variant.load_training_data(run.config, registry) if run.inputs.needs_data else None
        return cls(name or path.name, path, run, data)

    # --- what it is --------------------------------------------------------------------------------

    @property
    def kind(self) -> Kind:
        if self.run.inputs.paired:
            return "translation"
        return "conditional" if self.num_classes else "noise"

    @property
    def num_classes(self) -> int | None:
        inputs = self.run.inputs
        return inputs.num_classes if isinstance(inputs, Noise) else None

    def describe(self) -> dict[str, Any]:
        """What the page and ``GET /api/runs`` need to know."""
        info = self.run.data_info
        return {
            "name": self.name,
            "variant": self.run.variant.name,
            "kind": self.kind,
            "data": info.kind,
            "shape": list(info.shape),
            "classes": self.num_classes,
            "latent_dim": self.run.latent_dim,
            "step": checkpoint_step(self.run.checkpoint),
            "averaged": self.run.averaged,
            "examples": self.kind == "translation",
        }

    def details(self) -> dict[str, Any]:
        """The second tab: settings, last metrics, the last logged scalars and the events (non-finite
        numbers as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``: JSON has none)."""
        run = RunDir(self.path)
        records = run.read_log()
        lines = [r for r in records if "step" in r and "event" not in r]
        last = {k: v for k, v in (lines[-1] if lines else {}).items() if not k.startswith("probe/")}
        return _finite_json(
            {
                **self.describe(),
                # as the run was made (a setting newer than the run shows the value it was trained
                # with), under the variant's name as its file records it, not the registry's qualified one
                "settings": config_to_toml(attrs.evolve(self.run.config, variant=run.variant_name())),
                "metrics": run.read_metrics(),
                "last": last,
                "events": [r for r in records if "event" in r],
                "losses": run.plot_file.is_file(),
            }
        )

    def losses_png(self) -> bytes:
        plot = RunDir(self.path).plot_file
        if not plot.is_file():
            raise BadRequest(f"run {self.name!r} has no loss curves yet (written at the end of training)")
        return plot.read_bytes()

    # --- generation --------------------------------------------------------------------------------

    def _render(self, samples: Tensor, nrow: int) -> bytes:
        info = self.run.data_info
        if info.kind == "image":
            return _png_grid(samples, *info.value_range, nrow=nrow)
        return _via_file(lambda path: save_samples(samples, info, path))

    def _generate(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        with torch.no_grad():
            return generate(self.run.generator, x, labels)

    def _check_label(self, label: int | None) -> None:
        if label is None:
            return
        if self.num_classes is None:
            raise BadRequest(f"run {self.name!r} is unconditional: it takes no label")
        if not 0 <= label < self.num_classes:
            raise BadRequest(f"label must be in [0, {self.num_classes - 1}] for run {self.name!r}, got {label}")

    def _noise_only(self, what: str) -> Noise:
        if not isinstance(self.run.inputs, Noise):
            raise BadRequest(f"run {self.name!r} translates images: it has no {what}; use /api/transfer")
        return self.run.inputs

    def sample(self, seed: int, n: int, label: int | None = None) -> bytes:
        """A grid of ``n`` samples for ``seed``; for conditional runs, ``n`` of class ``label``, or
        (no label) one row of ``n`` per class."""
        with _COMPUTE:
            return self._sample(seed, n, label)

    def _sample(self, seed: int, n: int, label: int | None) -> bytes:
        noise = self._noise_only("noise to sample")
        self._check_label(label)
        if self.num_classes is None:
            x = sample_latent(n, noise.latent_dim, seed)
            return self._render(self._generate(x), nrow=math.isqrt(n - 1) + 1)
        if label is not None:
            x = sample_latent(n, noise.latent_dim, seed)
            return self._render(self._generate(x, torch.full((n,), label)), nrow=math.isqrt(n - 1) + 1)
        rows = self.num_classes
        x = sample_latent(n, noise.latent_dim, seed).repeat(rows, 1)  # the same noise in every row
        labels = grid_labels(n * rows, rows, list(range(rows)))
        return self._render(self._generate(x, labels), nrow=n)

    def interpolate(self, seed_a: int, seed_b: int, steps: int, mode: str, label: int | None = None) -> bytes:
        """A strip of ``steps`` samples from the noise of ``seed_a`` to that of ``seed_b`` (conditional
        runs: of class ``label``, 0 without one)."""
        with _COMPUTE:
            return self._interpolate(seed_a, seed_b, steps, mode, label)

    def _interpolate(self, seed_a: int, seed_b: int, steps: int, mode: str, label: int | None) -> bytes:
        noise = self._noise_only("latent space to interpolate")
        self._check_label(label)
        if mode not in ("linear", "spherical"):
            raise BadRequest(f"mode must be 'linear' or 'spherical', got {mode!r}")
        a, b = sample_latent(1, noise.latent_dim, seed_a), sample_latent(1, noise.latent_dim, seed_b)
        t = torch.linspace(0, 1, steps)
        x = slerp(a, b, t) if mode == "spherical" else a + t.reshape(-1, 1) * (b - a)
        labels = None
        if self.num_classes is not None:
            labels = torch.full((steps,), label if label is not None else 0)
        return self._render(self._generate(x, labels), nrow=steps)

    def _source_info(self) -> Any:
        info = self.run.inputs.input_info(self.run.data_info)
        if info is None or info.kind != "image":
            raise BadRequest(f"run {self.name!r} does not translate images: it has no transfer; use /api/sample")
        return info

    def _pairs(self, inputs: Tensor) -> bytes:
        samples = self._generate(inputs)
        source = self._source_info()
        return _via_file(lambda path: save_samples(samples, self.run.data_info, path, inputs=inputs, input_info=source))

    def transfer(self, images: Sequence[bytes]) -> bytes:
        """Each uploaded image (encoded bytes) beside its transfer."""
        source = self._source_info()
        inputs = torch.stack(
            [decode_image(data, source.shape, source.value_range, index) for index, data in enumerate(images, 1)]
        )
        with _COMPUTE:
            return self._pairs(inputs)

    def examples(self, seed: int, n: int) -> bytes:
        """``n`` of the run's held-out source images (chosen by ``seed``) beside their transfers."""
        self._source_info()
        assert self.data is not None  # translations load their data
        name = getattr(self.run.inputs, "name", "source")
        examples = self.data.heldout.get(name) or self.data.extra[name]
        x, _ = real_subset(examples, n, seed)
        with _COMPUTE:
            return self._pairs(x)


def _finite_json(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Mapping):
        return {key: _finite_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_json(item) for item in value]
    return value


def unique_names(paths: Sequence[Path]) -> Mapping[Path, str]:
    """Each run's name in the list: its directory's name, numbered where two are the same."""
    names: dict[Path, str] = {}
    seen: dict[str, int] = {}
    for path in paths:
        base = path.resolve().name or "run"
        seen[base] = seen.get(base, 0) + 1
        names[path] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return names
