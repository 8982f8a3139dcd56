"""``inception-fid`` is pytorch-fid's FID InceptionV3, layer for layer.

pytorch-fid (a test-only dependency) builds its network from the weights file it downloads; here it
gets randomly initialised weights instead (with batch-norm statistics calibrated on random images,
so that activations stay in a realistic range through all 94 conv layers), the same state dict goes
into ours, and the 2048-d features and the 1008 logits must agree on random inputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

import gan_plugin_metrics.features.inception as inception
from gan_core.errors import GanError
from gan_plugin_metrics.features import WeightsUnavailableError, extract_features
from gan_plugin_metrics.features.inception import FIDInceptionV3, InceptionExtractor, load_inception

pytorch_fid_inception = pytest.importorskip("pytorch_fid.inception")


@pytest.fixture(scope="module")
def random_state() -> dict[str, torch.Tensor]:
    """A random FID-Inception state dict whose batch norms have seen data (not the 0/1 defaults)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = FIDInceptionV3()
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.momentum = None  # cumulative average: one batch sets the statistics
                nn.init.uniform_(module.weight, 0.5, 1.5)
                nn.init.uniform_(module.bias, -0.2, 0.2)
        model.train()
        with torch.no_grad():
            model(torch.rand(1, 3, 160, 160) * 2 - 1)  # batch norm averages over 1 x 160 x 160 positions
        model.eval()
    return {name: tensor.clone() for name, tensor in model.state_dict().items()}


@pytest.fixture(scope="module")
def weights_file(random_state: dict[str, torch.Tensor], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inception") / inception.WEIGHTS_FILE
    torch.save(random_state, path)
    return path


@pytest.fixture(scope="module")
def ours(weights_file: Path) -> InceptionExtractor:
    return load_inception(weights=weights_file)


@pytest.fixture(scope="module")
def reference(random_state: dict[str, torch.Tensor]) -> nn.Module:
    """pytorch-fid's InceptionV3 (pool3 block, resize to 299 and [-1, 1] scaling on) with our weights."""
    patch = pytest.MonkeyPatch()
    patch.setattr(pytorch_fid_inception, "load_state_dict_from_url", lambda *args, **kwargs: random_state)
    try:
        model = pytorch_fid_inception.InceptionV3([3], resize_input=True, normalize_input=True, use_fid_inception=True)
    finally:
        patch.undo()
    return model.eval()


def test_state_dict_keys_are_torchvision_inception3s(random_state: dict[str, torch.Tensor]) -> None:
    """pt_inception-2015-12-05-6726825d.pth is keyed like torchvision's Inception3 (1008 classes, no aux)."""
    from torchvision.models import Inception3

    torchvision_keys = set(Inception3(num_classes=1008, aux_logits=False, init_weights=False).state_dict())
    assert set(random_state) == torchvision_keys


def _close_at_float32_rounding(got: torch.Tensor, expected: torch.Tensor) -> None:
    """The extractor runs its convolutions channels-last, which sums in another order than
    pytorch-fid's layout; 94 layers of random weights amplify that float32 rounding to a few 1e-5 of
    the largest feature (with the real weights of test_features_fid_helper.py, to about 1e-6)."""
    torch.testing.assert_close(got, expected, rtol=0, atol=5e-4 * float(expected.abs().max()))


def test_features_and_logits_match_pytorch_fid(
    ours: InceptionExtractor, random_state: dict[str, torch.Tensor], reference: nn.Module
) -> None:
    images = torch.rand(1, 3, 299, 299, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = reference(images)[0].flatten(1)
        model = FIDInceptionV3().eval()  # the architecture itself, in pytorch-fid's memory layout
        model.load_state_dict(random_state)
        features = model.features(images * 2 - 1)
        logits = model(images * 2 - 1)
    assert expected.std() > 1e-3  # the random network passes signal all the way through
    torch.testing.assert_close(features, expected, rtol=1e-5, atol=1e-6)
    # pytorch-fid's wrapper stops at pool3; its logits are the state dict's fc applied to them
    expected_logits = expected @ random_state["fc.weight"].T + random_state["fc.bias"]
    torch.testing.assert_close(logits, expected_logits, rtol=1e-5, atol=1e-5)
    got = ours.extract(images)  # the extractor: the same network, channels-last
    assert got.features.shape == (1, 2048) and got.logits is not None and got.logits.shape == (1, 1008)
    _close_at_float32_rounding(got.features, expected)
    _close_at_float32_rounding(got.logits, expected_logits)


def test_bilinear_resize_mode_is_pytorch_fids(ours: InceptionExtractor, reference: nn.Module) -> None:
    """Samples of another size, e.g. 32x32 in [-1, 1], with ``resize="bilinear"``: pytorch-fid's numbers."""
    samples = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(2)) * 2 - 1
    got = extract_features(ours, samples, value_range=(-1, 1), resize="bilinear")
    with torch.no_grad():
        expected = reference((samples + 1) / 2)[0].flatten(1)
    _close_at_float32_rounding(got.features, expected)


def test_the_patched_blocks_matter(ours: InceptionExtractor) -> None:
    """The comparison has teeth: with torchvision's own Mixed_7c (average pooling instead of max) or
    Mixed_5b (padding counted in the average), the same weights give other features."""
    from torchvision.models.inception import InceptionA, InceptionE

    images = torch.rand(1, 3, 107, 107, generator=torch.Generator().manual_seed(3)) * 2 - 1
    model = ours.model
    with torch.no_grad():
        expected = model.features(images)
        for name, plain in (("Mixed_7c", InceptionE(2048)), ("Mixed_5b", InceptionA(192, pool_features=32))):
            patched = getattr(model, name)
            plain.load_state_dict(patched.state_dict())
            setattr(model, name, plain.eval())
            try:
                assert not torch.allclose(model.features(images), expected, rtol=1e-3, atol=1e-4), name
            finally:
                setattr(model, name, patched)


def test_weights_from_the_environment_variable(
    weights_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(inception.WEIGHTS_ENV, str(weights_file))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    assert inception.resolve_weights() == weights_file


def test_weights_from_the_torch_hub_cache(weights_file: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(inception.WEIGHTS_ENV, raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    cached = inception.hub_weights_path()
    assert cached == tmp_path / "torch" / "hub" / "checkpoints" / inception.WEIGHTS_FILE
    cached.parent.mkdir(parents=True)
    cached.write_bytes(weights_file.read_bytes())
    assert inception.resolve_weights() == cached


def test_offline_without_weights_says_where_to_put_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(inception.WEIGHTS_ENV, raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv(inception.OFFLINE_ENV, "1")
    with pytest.raises(WeightsUnavailableError) as caught:
        load_inception()
    message = str(caught.value)
    assert isinstance(caught.value, GanError) and "\n" not in message
    assert str(inception.hub_weights_path()) in message and inception.WEIGHTS_URL in message
    assert "--weights" in message and inception.WEIGHTS_ENV in message


def test_failed_download_is_one_line_too(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(inception.WEIGHTS_ENV, raising=False)
    monkeypatch.delenv(inception.OFFLINE_ENV, raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr(inception, "WEIGHTS_URL", "http://127.0.0.1:9/nothing-listens-here.pth")
    with pytest.raises(WeightsUnavailableError, match="download failed") as caught:
        inception.resolve_weights()
    assert "\n" not in str(caught.value)
    assert not list((tmp_path / "torch").rglob("*.part*"))  # no half-written file is left behind


def test_a_wrong_weights_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pth"
    torch.save({"conv.weight": torch.zeros(1)}, bad)
    with pytest.raises(WeightsUnavailableError, match="not a FID InceptionV3 state dict"):
        load_inception(weights=bad)
    with pytest.raises(WeightsUnavailableError, match="not a file"):
        load_inception(weights=tmp_path / "missing.pth")
