"""The trainer-overhead benchmark compares like with like only if its hand-written loop B does
exactly what the core trainer does: these tests hold it to that on tiny models, and show that the
check would notice a loop that does not (the seed-style loop C)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

from gan_core import DataInfo, LoadedData
from gan_core._stream import BatchStream
from gan_core.data import InMemoryDataset

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "trainer_overhead.py"
TINY_MODEL = ("latent_dim=8", "g_hidden=[16]", "d_hidden=[16]")


def _load_benchmark() -> ModuleType:
    # benchmarks/ is a folder of scripts, not a package: load the file itself, with the folder on the
    # path for the helpers the scripts share (benchmarks/_common.py), as running a script puts it there
    if str(BENCHMARK.parent) not in sys.path:
        sys.path.insert(0, str(BENCHMARK.parent))
    spec = importlib.util.spec_from_file_location("trainer_overhead", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _load_benchmark()


@pytest.fixture(scope="module")
def tiny_images() -> LoadedData:
    """96 random 8x8 uint8 images: the same storage and scaling as mnist-5k, at a fraction of the cost."""
    generator = torch.Generator().manual_seed(7)
    x = torch.randint(0, 256, (96, 1, 8, 8), dtype=torch.uint8, generator=generator)
    return LoadedData(InMemoryDataset(x), DataInfo(shape=(1, 8, 8), kind="image"))


def test_plain_loop_matches_the_trainer_step_for_step(tiny_images: LoadedData) -> None:
    result = bench.check_equivalence(tiny_images, loop="B", steps=3, batch_size=16, model_overrides=TINY_MODEL)
    assert result.problems == []
    assert len(result.trainer_losses) == len(result.loop_losses) == 3
    assert torch.allclose(torch.tensor(result.trainer_losses), torch.tensor(result.loop_losses), rtol=1e-5, atol=1e-6)
    # the losses move: the steps really trained something
    assert result.trainer_losses[0] != result.trainer_losses[-1]


def test_check_tells_the_seed_style_loop_apart(tiny_images: LoadedData) -> None:
    result = bench.check_equivalence(tiny_images, loop="C", steps=3, batch_size=16, model_overrides=TINY_MODEL)
    assert not result.ok
    # same seed, weights and batch: the first discriminator update agrees, and the generator loss
    # of step 1 is where the second fake batch shows
    assert result.trainer_losses[0][0] == pytest.approx(result.loop_losses[0][0], rel=1e-6)
    assert any(problem.startswith("step 1 g_loss") for problem in result.problems)


def test_hand_written_batches_follow_the_trainer_order(tiny_images: LoadedData) -> None:
    # 96 samples in batches of 40: two batches an epoch, the remainder dropped, three epochs read
    stream = BatchStream(tiny_images.dataset, batch_size=40, seed=3, device=torch.device("cpu"))
    batches = bench.DeviceBatches(tiny_images, batch_size=40, seed=3, device=torch.device("cpu"))
    for _ in range(6):
        expected, _labels = next(stream)
        assert torch.equal(next(batches), expected)


def test_command_line_runs_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench.json"
    args = ["--dataset", "ring8", "--steps", "4", "--warmup", "2", "--log-every", "2", "--rounds", "1"]
    args += ["--batch-size", "16", "--check-steps", "2", "--json", str(out)]
    for override in TINY_MODEL:
        args += ["--set", override]
    assert bench.main(args) == 0
    printed = capsys.readouterr().out
    assert "check: A and B over 2 steps: same" in printed
    assert "| A/B trainer overhead |" in printed
    report = json.loads(out.read_text())
    assert report["check"]["ok"] is True
    assert len(report["rounds_ms_per_step"]) == 1
    assert set(report["summary"]) == {"A", "B", "C", "A/B", "C/A"}
    for key in ("torch", "torch_threads", "device", "cpu_model"):
        assert report["environment"][key]


def test_warmup_must_fall_on_a_log_step() -> None:
    with pytest.raises(SystemExit):
        bench.parse_args(["--warmup", "15", "--log-every", "10"])
