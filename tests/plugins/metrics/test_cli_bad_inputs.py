"""``gan eval`` with a device, weights file or cache folder that cannot serve: one line, exit code 2.

Each is refused before any work (the run is not even loaded for the device and the cache folder),
and a cache folder that refuses a write costs a warning, not the evaluation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from _tiny_runs import train_tiny

from gan_core import Registry
from gan_core.cli import main
from gan_plugin_metrics.evaluation import cache as cache_module
from gan_plugin_metrics.features.registry import forget_loaded


@pytest.fixture(scope="module")
def run_dir(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("bad-inputs") / "tiny", registry)


@pytest.fixture
def gan(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], int]:
    monkeypatch.setattr("gan_core.cli.create_registry", lambda: registry)  # core, metrics, the tiny variants
    forget_loaded()  # no extractor loaded by another test with other weights
    return lambda argv: main([str(a) for a in argv])


def one_line(gan: Callable[[list[str]], int], argv: list[object], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert gan(argv) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1, err
    assert lines[0].startswith("gan eval: error: ")
    return lines[0]


def evaluate(run_dir: Path, tmp_path: Path, *extra: object) -> list[object]:
    return ["eval", run_dir, "--features", "digits", "--metrics", "fid", "--n", "64", "--cache-dir", tmp_path, *extra]


# --- --device ------------------------------------------------------------------------------------


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
@pytest.mark.parametrize("device", ["cuda", "cuda:0", "cuda:1"])
def test_cuda_without_a_gpu(
    gan: Callable[[list[str]], int], run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], device: str
) -> None:
    line = one_line(gan, evaluate(run_dir, tmp_path, "--device", device), capsys)
    assert line.endswith(f"--device: '{device}': torch finds no CUDA GPU on this machine; use --device cpu")


def test_a_gpu_index_beyond_those_installed(
    gan: Callable[[list[str]], int], run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = one_line(gan, evaluate(run_dir, tmp_path, "--device", "cuda:99"), capsys)
    assert "--device: 'cuda:99': " in line
    assert ("this machine has" in line) == torch.cuda.is_available()


@pytest.mark.parametrize(
    ("device", "expected"),
    [
        ("gpu9", "--device: must be a device such as cpu, cuda or cuda:1, got 'gpu9'"),
        ("CPU", "--device: must be a device such as cpu, cuda or cuda:1, got 'CPU'"),
        ("cuda:x", "--device: must be a device such as cpu, cuda or cuda:1, got 'cuda:x'"),
        ("meta", "--device: 'meta' tensors hold no data"),
    ],
)
def test_not_a_device(
    gan: Callable[[list[str]], int],
    run_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    device: str,
    expected: str,
) -> None:
    assert expected in one_line(gan, evaluate(run_dir, tmp_path, "--device", device), capsys)


@pytest.mark.skipif(torch.backends.mps.is_available(), reason="this machine has an Apple GPU")
def test_an_accelerator_torch_was_not_built_for(
    gan: Callable[[list[str]], int], run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = one_line(gan, evaluate(run_dir, tmp_path, "--device", "mps"), capsys)
    assert "--device: 'mps' is not usable here (" in line and line.endswith("; use --device cpu")


# --- --weights -----------------------------------------------------------------------------------


@pytest.mark.parametrize("features", ["digits", "inception-fid", "stacked-digits", "inception-fid-helper"])
def test_weights_that_do_not_exist(
    gan: Callable[[list[str]], int], run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], features: str
) -> None:
    missing = tmp_path / "nowhere.safetensors"
    argv = ["eval", run_dir, "--features", features, "--n", "16", "--no-cache", "--weights", missing]
    line = one_line(gan, argv, capsys)
    assert f"--weights names {missing}, which is not a file" in line


@pytest.mark.parametrize("features", ["digits", "inception-fid", "stacked-digits", "inception-fid-helper"])
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("garbage.safetensors", b"\x00\x01 not safetensors at all"),
        ("notes.txt", b"these are my notes\n"),
        ("pickle.pt", b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94."),
    ],
)
def test_weights_that_are_not_weights(
    gan: Callable[[list[str]], int],
    run_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    features: str,
    name: str,
    content: bytes,
    recwarn: pytest.WarningsRecorder,
) -> None:
    weights = tmp_path / name
    weights.write_bytes(content)
    argv = ["eval", run_dir, "--features", features, "--n", "16", "--no-cache", "--weights", weights]
    line = one_line(gan, argv, capsys)
    assert f"{weights} is not a" in line
    assert [str(w.message) for w in recwarn] == []  # a warning would print lines of its own before the error


def test_weights_of_another_network(
    gan: Callable[[list[str]], int], run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from safetensors.torch import save_file

    weights = tmp_path / "other.safetensors"
    save_file({"something.else": torch.zeros(3)}, str(weights))
    argv = ["eval", run_dir, "--features", "digits", "--n", "16", "--no-cache", "--weights", weights]
    assert f"digits weights: {weights} is not a weights file of the digits classifier" in one_line(gan, argv, capsys)


# --- --cache-dir ---------------------------------------------------------------------------------


def test_a_cache_dir_that_is_a_file(
    gan: Callable[[list[str]], int], run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "cache"
    file.write_text("not a folder")
    line = one_line(gan, evaluate(run_dir, tmp_path, "--cache-dir", file), capsys)
    assert line.endswith(f"--cache-dir: {file} is not a folder")


def test_a_cache_dir_under_a_file(
    gan: Callable[[list[str]], int], run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "cache"
    file.write_text("not a folder")
    line = one_line(gan, evaluate(run_dir, tmp_path, "--cache-dir", file / "sub" / "dir"), capsys)
    assert line.endswith(f"is not a folder (it is under {file}, which is not a folder)")


def test_the_cache_environment_variable_naming_a_file(
    gan: Callable[[list[str]], int],
    run_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file = tmp_path / "cache"
    file.write_text("not a folder")
    monkeypatch.setenv(cache_module.CACHE_ENV, str(file))
    argv = ["eval", run_dir, "--features", "digits", "--metrics", "fid", "--n", "64"]
    assert one_line(gan, argv, capsys).endswith(f"$GAN_METRICS_CACHE: {file} is not a folder")
    capsys.readouterr()
    assert gan([*argv, "--no-cache"]) == 0  # nothing is read from or written to it then


def test_a_cache_that_refuses_the_write_is_a_warning(
    gan: Callable[[list[str]], int],
    run_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(self: object, *args: object, **kwargs: object) -> Path:
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(cache_module.RealFeatureCache, "store", refuse)
    capsys.readouterr()
    assert gan(evaluate(run_dir, tmp_path / "ro")) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[-1].split()[0] == "fid"
    warned = [line for line in err.splitlines() if "could not cache" in line]
    assert len(warned) == 1 and "Permission denied" in warned[0], err
