"""The demo's pieces without a server: the spherical path, uploads decoded into the source domain."""

from __future__ import annotations

import io

import pytest
import torch
from PIL import Image

from gan_plugin_serve.demo import BadRequest, _finite_json, decode_image, slerp, unique_names


def test_the_spherical_path_ends_at_both_seeds_and_keeps_gaussian_norms() -> None:
    generator = torch.Generator().manual_seed(0)
    a, b = torch.randn(1, 100, generator=generator), torch.randn(1, 100, generator=generator)
    path = slerp(a, b, torch.linspace(0, 1, 9))
    assert torch.allclose(path[0], a[0], atol=1e-5) and torch.allclose(path[-1], b[0], atol=1e-5)
    norms = path.norm(dim=1)
    low, high = sorted((float(a.norm()), float(b.norm())))
    assert float(norms.min()) >= low - 1e-4 and float(norms.max()) <= high + 1e-4
    straight = (a + b) / 2  # the linear midpoint: about 0.7 of a draw's norm
    assert float(straight.norm()) < 0.8 * float(norms[4])


def test_an_upload_becomes_one_input_of_the_source_domain() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (255, 255, 255)).save(buffer, format="JPEG")
    x = decode_image(buffer.getvalue(), (1, 32, 32), (-1.0, 1.0))
    assert x.shape == (1, 32, 32) and float(x.min()) > 0.95  # white, in [-1, 1]
    colour = decode_image(buffer.getvalue(), (3, 16, 16), (0.0, 1.0))
    assert colour.shape == (3, 16, 16) and float(colour.max()) <= 1.0
    with pytest.raises(BadRequest, match="file 3 is not an image"):
        decode_image(b"<html>", (1, 32, 32), (-1.0, 1.0), index=3)


def test_runs_with_the_same_folder_name_get_numbered(tmp_path: object) -> None:
    from pathlib import Path

    root = Path(str(tmp_path))
    paths = [root / "a" / "run", root / "b" / "run", root / "c" / "other"]
    assert list(unique_names(paths).values()) == ["run", "run-2", "other"]


def test_non_finite_numbers_become_json_strings() -> None:
    value = {"last": {"d_loss": float("nan"), "g_loss": float("inf")}, "events": [{"x": float("-inf")}], "n": 1.5}
    assert _finite_json(value) == {
        "last": {"d_loss": "NaN", "g_loss": "Infinity"},
        "events": [{"x": "-Infinity"}],
        "n": 1.5,
    }
